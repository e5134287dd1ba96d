"""Every analysis within two minutes (issue 14, part 1): the demo's units now and before, in one run.

    .venv/bin/python benchmarks/units.py [--repeats 3] [--base baa41a3] [--skip-base]

Measures on this machine, in one run (absolute times: no other tool runs this analysis; the peer is
the main before the speed work, ``--base``, checked out into a temporary git worktree and run by
the same Python with its ``src`` first on the path):

  1. the batch of ``make run`` after set-up: the three demo municipalities (Kleinwolde 9901,
     Middenveen 9902, Grootstad 9903), every analysis, nothing cached (``--force``), units one
     after another as ``make run`` runs them; per unit and in all, medians of ``--repeats`` runs,
     now and at ``--base``;
  2. the JupyterLab rerun: one parameter of Middenveen changed (the seed), then
     ``primary_analysis`` with 200 replicates, the long horizon and the bias analysis (nothing
     cached: the cache is keyed on the parameters), median of ``--repeats``;
  3. the per-notebook overhead: papermill, kernel start and the appendices' imports, on a
     notebook of two cells that imports what the appendices import and computes nothing.

Goals: the batch ≤ 120 s; Grootstad ≤ 60 s, Middenveen ≤ 20 s, Kleinwolde ≤ 10 s; the rerun ≤ 5 s;
the overhead ≤ 3 s. The last line is the batch's speed-up against the base.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = "baa41a3"     # main with every analysis of the three-answers and registration issues, before the speed work
UNITS = {"9901": "Kleinwolde", "9902": "Middenveen", "9903": "Grootstad"}
GOALS = {"9901": 10, "9902": 20, "9903": 60, "all": 120}


def batch_once(src: Path, raw: Path, work: Path) -> dict:
    """One ``workbench batch --force`` over the demo with the package at ``src``: unit and total seconds."""
    runs, processed = work / "runs", work / "processed"
    shutil.rmtree(runs, ignore_errors=True)
    shutil.rmtree(processed, ignore_errors=True)
    env = {**os.environ, "PYTHONPATH": str(src)}
    code = "import sys; from analysis.cli import main; sys.exit(main())"
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, "batch", "--data-dir", str(raw), "--runs", str(runs),
                    "--processed", str(processed), "--force"], env=env, check=True, cwd=src.parent,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    summary = json.loads((runs / "batch.json").read_text())
    bad = [u["code"] for u in summary["units"] if u["status"] != "ok"]
    if bad:
        raise SystemExit(f"units failed at {src}: {bad}")
    return {"all": wall, **{u["code"]: u["seconds"] for u in summary["units"]}}


def medians(runs: list[dict]) -> dict:
    return {k: statistics.median(r[k] for r in runs) for k in runs[0]}


def rerun_seconds(raw: Path, work: Path, repeats: int) -> list[float]:
    """Notebook 02's primary analysis of Middenveen after a changed parameter, nothing cached."""
    from analysis.registry.store import save
    from analysis.registry.validate import validate_delivery
    from analysis.run.params import SurvivalParams
    from analysis.study.results import primary_analysis
    processed = work / "rerun"
    save(validate_delivery(raw / "9902"), processed)
    out = []
    for i in range(repeats + 1):     # the first call reads the registry cold; the JupyterLab kernel has it
        p = SurvivalParams(municipality="9902", processed_dir=str(processed), seed=1000 + i, n_boot=200)
        t = time.perf_counter()
        res = primary_analysis(p)
        out.append(time.perf_counter() - t)
        assert res.bias is not None or res.primary.answers.get("prevents") in ("insufficient_data",
                                                                                 "insufficient_registration")
    return out[1:]


def overhead_seconds(work: Path, repeats: int) -> list[float]:
    """papermill on a two-cell notebook with the appendices' imports (no analysis)."""
    import nbformat
    import papermill as pm
    from analysis.run.runner import KERNEL
    imports = "\n".join(line for c in nbformat.read(ROOT / "notebooks" / "02_survival.ipynb", as_version=4).cells
                        if c.cell_type == "code" for line in c.source.splitlines()
                        if line.startswith(("import ", "from ")))
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("municipality = '9902'", metadata={"tags": ["parameters"]}),
                                         nbformat.v4.new_code_cell(imports)])
    nb.metadata["kernelspec"] = {"name": KERNEL, "display_name": KERNEL, "language": "python"}
    src = work / "overhead.ipynb"
    nbformat.write(nb, src)
    env_backend = os.environ.pop("MPLBACKEND", None)
    out = []
    try:
        for _ in range(repeats):
            t = time.perf_counter()
            pm.execute_notebook(str(src), str(work / "overhead_out.ipynb"), parameters={"municipality": "9901"},
                                kernel_name=KERNEL, progress_bar=False, cwd=str(ROOT / "notebooks"))
            out.append(time.perf_counter() - t)
    finally:
        if env_backend is not None:
            os.environ["MPLBACKEND"] = env_backend
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--base", default=BASE, help="the git commit to compare with (default: %(default)s)")
    ap.add_argument("--skip-base", action="store_true", help="only this checkout")
    a = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-units-") as tmp:
        work = Path(tmp)
        raw = work / "raw"
        subprocess.run([sys.executable, "-c", "import sys; from analysis.cli import main; sys.exit(main())",
                        "synth", "--out", str(raw)], check=True, stdout=subprocess.DEVNULL,
                       env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
        checkouts = {"now": ROOT / "src"}
        if not a.skip_base:
            tree = work / "base"
            subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), a.base], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            checkouts["base"] = tree / "src"
        try:
            res = {}
            for i in range(a.repeats):      # now and base alternate: drifts in the machine hit both
                for name, src in checkouts.items():
                    r = batch_once(src, raw, work / name)
                    res.setdefault(name, []).append(r)
                    print(f"run {i + 1} {name:4s}: " + ", ".join(f"{k} {v:.1f} s" for k, v in r.items()), flush=True)
        finally:
            if not a.skip_base:
                subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(work / "base")],
                               check=False, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        med = {name: medians(r) for name, r in res.items()}
        print(f"\nmake run's batch, medians of {a.repeats} (seconds; goal in brackets):")
        print(f"{'':12s}" + "".join(f"{n:>10s}" for n in med) + "      goal")
        for k in ("9901", "9902", "9903", "all"):
            label = UNITS.get(k, "all units")
            print(f"{label:12s}" + "".join(f"{m[k]:10.1f}" for m in med.values()) + f"   ≤ {GOALS[k]}")
        rerun = rerun_seconds(raw, work, a.repeats)
        print(f"JupyterLab rerun of Middenveen's primary analysis (200 replicates, bias analysis): "
              f"median {statistics.median(rerun):.1f} s of {[round(x, 1) for x in rerun]} (goal ≤ 5 s)")
        over = overhead_seconds(work, a.repeats)
        print(f"per-notebook overhead (papermill, kernel, the appendices' imports): "
              f"median {statistics.median(over):.1f} s of {[round(x, 1) for x in over]} (goal ≤ 3 s)")
        if "base" in med:
            print(f"make run's batch {med['now']['all']:.0f} s against {med['base']['all']:.0f} s at {a.base}: "
                  f"{med['base']['all'] / med['now']['all']:.2f}× faster")
        else:
            print(f"make run's batch {med['now']['all']:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
