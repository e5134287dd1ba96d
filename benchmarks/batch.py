"""Batch at scale (issue 14, part 4): a region of 20 municipalities on 1 and 2 local workers and on a
Dask local cluster, in one run.

    .venv/bin/python benchmarks/batch.py [--municipalities 20] [--scale 1.0] [--dask-workers 2]

The region: ``--municipalities`` fictional municipalities of realistic sizes
(:mod:`analysis.synth.regions`: the shape of the Dutch municipalities, times ``--scale``), written
once. Each configuration runs ``workbench batch --force`` over all of them, everything computed
(the analyses' cache is emptied between configurations):

  * 1 worker: the units one after another in this process (``make run``; each unit's analyses use
    both cores);
  * 2 workers: a process pool of two (largest unit first; each unit's analyses on both cores);
  * Dask: a ``distributed.LocalCluster`` with ``--dask-workers`` one-thread worker processes, the
    batch sent to its scheduler (``--scheduler``; each unit's analyses on one core, as on a cluster).

Printed per configuration: wall time, the sum of the unit times, the speed-up against one worker,
and the per-unit overhead of the batch machinery (wall × workers − Σ unit seconds, per unit: time
no unit was running on a worker that had one to run; for one worker the time outside the units).
Then a second run over the unchanged region (every unit skipped: the cost of deciding that), and a
fit of unit seconds against children (for the README's costing of a 340-municipality run). The last
line is the speed-up of the best configuration.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from analysis.synth.generate import synthesize
from analysis.synth.params import SynthParams
from analysis.synth.regions import municipalities

CLI = "import sys; from analysis.cli import main; sys.exit(main())"


def run_batch(raw: Path, work: Path, extra: list[str], force: bool = True) -> tuple[float, dict]:
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", CLI, "batch", "--data-dir", str(raw), "--runs", str(work / "runs"),
                    "--processed", str(work / "processed"), *(["--force"] if force else []), *extra],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    summary = json.loads((work / "runs" / "batch.json").read_text())
    bad = [u["code"] for u in summary["units"] if u["status"] not in ("ok", "skipped")]
    if bad:
        raise SystemExit(f"units failed: {bad} (see {work / 'runs'})")
    return wall, {u["code"]: u["seconds"] for u in summary["units"]}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--municipalities", type=int, default=20)
    ap.add_argument("--scale", type=float, default=1.0, help="children per municipality times this")
    ap.add_argument("--dask-workers", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="keep the region and runs in this folder")
    a = ap.parse_args(argv)
    ms = municipalities(a.municipalities, scale=a.scale)
    children = {m.code: m.children for m in ms}
    print(f"region: {len(ms)} municipalities, {sum(children.values()):,} children "
          f"({min(children.values()):,}–{max(children.values()):,})", flush=True)
    tmp = a.keep or Path(tempfile.mkdtemp(prefix="bench-batch-"))
    raw = tmp / "raw"
    if not raw.exists():
        t = time.perf_counter()
        synthesize(raw, SynthParams(municipalities=ms))
        print(f"written in {time.perf_counter() - t:.0f} s", flush=True)
    rows = {}
    configs = [("1 worker", 1, []), ("2 workers", 2, ["--workers", "2"]), ("Dask", a.dask_workers, None)]
    for name, workers, extra in configs:
        work = tmp / name.replace(" ", "_")
        shutil.rmtree(work, ignore_errors=True)
        if extra is None:
            from distributed import LocalCluster
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                              silence_logs=40) as cluster:
                wall, units = run_batch(raw, work, ["--scheduler", cluster.scheduler_address])
        else:
            wall, units = run_batch(raw, work, extra)
        rows[name] = (workers, wall, units)
        total = sum(units.values())
        print(f"{name:10s}: wall {wall:6.0f} s, units {total:6.0f} s in all, overhead per unit "
              f"{(wall * workers - total) / len(units):5.1f} s", flush=True)
    wall_skip, _ = run_batch(raw, tmp / "1_worker", [], force=False)
    print(f"unchanged region again (every unit skipped): {wall_skip:.1f} s, {wall_skip / len(ms):.2f} s per unit")
    base = rows["1 worker"][1]
    print("\nconfiguration   wall (s)   speed-up")
    for name, (workers, wall, _) in rows.items():
        print(f"{name:14s} {wall:9.0f} {base / wall:9.2f}×")
    # unit seconds against children (one worker: each unit alone on the machine)
    units = rows["1 worker"][2]
    x = np.array([children[c] for c in units]) / 1000
    y = np.array(list(units.values()))
    slope, intercept = np.polyfit(x, y, 1)
    print(f"unit seconds ≈ {intercept:.1f} + {slope:.2f} × (thousands of children), one unit at a time on 2 cores")
    dask_units = rows["Dask"][2]
    yd = np.array([dask_units[c] for c in units])
    sd, idd = np.polyfit(x, yd, 1)
    print(f"unit seconds ≈ {idd:.1f} + {sd:.2f} × (thousands of children), a unit on one core (Dask worker)")
    best = max(rows, key=lambda n: base / rows[n][1])
    print(f"best: {best}, {base / rows[best][1]:.2f}× faster than one worker on {len(ms)} municipalities")
    if not a.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
