# Two commands on a fresh machine (Python 3.11, pip and make):
#   make run    set up .venv, build the demo registry if data/raw/ has none, then the batch over every
#               municipality and the publication: reports/index.html with the appendices
#   make test   set up .venv and run the test suite
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DATA   ?= data/raw
RUNS   ?= data/runs
OUT    ?= reports
WORKERS ?= 1

.PHONY: run test lab install demo clean docs publish

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is needed, found " + sys.version' \
		|| { echo "Set PYTHON=/path/to/python3.11"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test]"
	@touch $(STAMP)

demo: $(STAMP)
	@if [ -z "$$(find $(DATA) -mindepth 1 -maxdepth 1 -type d 2>/dev/null)" ]; then \
		echo "No registry in $(DATA)/: building the synthetic demo registry"; \
		$(BIN)/workbench synth --out $(DATA); \
	fi

run: demo
	$(BIN)/workbench run --data-dir $(DATA) --runs $(RUNS) --out $(OUT) --workers $(WORKERS)

publish: $(STAMP)
	$(BIN)/workbench publish --runs $(RUNS) --out $(OUT)

test: $(STAMP)
	$(BIN)/python -m pytest -q

docs: $(STAMP)
	$(BIN)/workbench docs --out docs/registration-format.md

lab: $(STAMP)
	IPYTHONDIR=$(CURDIR)/lab/ipython $(BIN)/jupyter lab notebooks/

clean:
	rm -rf data/processed/*/ data/runs/*/ data/runs/batch.json reports/*/ reports/*.html .reports.publish
