"""The package's layout follows the flow: imports run down the stages only."""
from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "analysis"
# a stage may import the stages listed after it (and the shared small modules at the top)
MAY_USE = {
    "estimators": set(),
    "registry": set(),
    "study": {"estimators", "registry"},
    "report": {"study", "estimators", "registry"},
    # the runner also computes the registration advice, a simulation on synthetic registries
    "run": {"report", "study", "estimators", "registry", "synth"},
    # the demo registry writes registries; its calibration and evaluation helpers check them with
    # the study's descriptives and trial (its ground truth uses none of the study's code)
    "synth": {"registry", "study", "estimators"},
}
SHARED = {"errors", "io", "paths", "progress", "fingerprint", "lock", "procs", "__init__"}
STAGES = set(MAY_USE)


def _imports(path: Path) -> set[str]:
    """The analysis.<stage or module> names a module imports."""
    rel = path.relative_to(SRC).with_suffix("").parts
    pkg = ["analysis", *rel[:-1]]
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = pkg[: len(pkg) - node.level + 1]
                mod = base + (node.module.split(".") if node.module else [])
            else:
                mod = (node.module or "").split(".")
            if mod[:1] != ["analysis"]:
                continue
            if len(mod) == 1:   # from analysis import x, y
                out |= {a.name for a in node.names}
            else:
                out.add(mod[1])
        elif isinstance(node, ast.Import):
            out |= {a.name.split(".")[1] for a in node.names if a.name.startswith("analysis.")}
    return out


def test_every_module_lives_in_a_stage_or_is_shared():
    top = {p.stem for p in SRC.glob("*.py")}
    assert top <= SHARED | {"cli"}, top - SHARED - {"cli"}
    assert {p.name for p in SRC.iterdir() if p.is_dir() and p.name != "__pycache__"} == STAGES


def test_imports_run_down_the_stages_only():
    bad = []
    for path in sorted(SRC.rglob("*.py")):
        stage = path.relative_to(SRC).parts[0]
        if stage not in STAGES:
            assert stage.removesuffix(".py") in SHARED | {"cli"}
            if stage != "cli.py":   # the shared small modules use no stage
                bad += [(path.name, m) for m in _imports(path) if m in STAGES]
            continue
        allowed = MAY_USE[stage] | {stage} | SHARED
        bad += [(str(path.relative_to(SRC)), m) for m in _imports(path) if m not in allowed]
    assert not bad, bad


def test_the_ground_truth_uses_no_estimator():
    for name in ("truth.py", "course.py", "population.py", "tables.py", "generate.py"):
        assert not _imports(SRC / "synth" / name) & {"study", "estimators"}, name


def test_tests_mirror_the_layout():
    tests = Path(__file__).resolve().parent
    assert {p.name for p in tests.iterdir() if p.is_dir() and p.name != "__pycache__"} == STAGES
