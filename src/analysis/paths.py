"""All paths in one place. Everything is relative to the project root unless given."""
from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(os.environ.get("WORKBENCH_ROOT", Path(__file__).resolve().parents[2]))
RAW_DIR = PROJECT_ROOT / "data" / "raw"
PROCESSED_DIR = PROJECT_ROOT / "data" / "processed"
RUNS_DIR = PROJECT_ROOT / "data" / "runs"     # the batch: executed notebooks, results.json, unit.json
REPORTS_DIR = PROJECT_ROOT / "reports"        # the publication: index.html and the appendices
NOTEBOOKS_DIR = PROJECT_ROOT / "notebooks"


def processed_dir(code: str, base: Path | None = None) -> Path:
    """Folder of the validated registry of municipality ``code``."""
    return Path(base or PROCESSED_DIR) / code

# the appendices of one municipality, in order: notebooks/<name>.ipynb -> data/runs/<code>/<name>.ipynb
# -> reports/<code>/<name>.html
NOTEBOOK_NAMES = ("01_data_quality", "02_survival", "03_sensitivity", "04_routes_waiting")
UNIT_FILE = "unit.json"      # per municipality: the unit's key, status and where it failed
PROTOCOL = PROJECT_ROOT / "docs" / "analysis-protocol.md"   # the analysis protocol, for researchers
PROTOCOL_PAGE = "analysis-protocol.html"                      # its page in every publication
METADATA_FILES = ("delivery.yml", "mapping.yml", "ground_truth.json")   # input files that are no table
