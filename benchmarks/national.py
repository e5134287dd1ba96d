"""A national registry on one machine (issue 14, part 3): wall time and peak memory of each stage.

    .venv/bin/python benchmarks/national.py [--scale 1.0] [--keep DIR [--reuse]] [--workers 2] [--boot 200]

Stages, each in its own process (its peak resident memory measured by the kernel, ``ru_maxrss``):

  1. ``workbench synth --national --no-truth``: 340 fictional municipalities of realistic sizes,
     about 3.4 million children (times ``--scale``), written one municipality at a time;
  2. validation of every delivery into ``processed/`` (``--workers`` processes, municipalities
     split between them);
  3. cohort construction: every municipality's validated tables read (the columns the cohort
     needs: ``cohort.COHORT_COLUMNS``) and its cohort built, the
     pooled cohort kept in memory (persons, at-risk windows, light-support starts), as the pooled
     national analysis reads it: in one process, then in ``--workers`` processes whose parts are
     gathered through parquet files;
  4. the pooled national primary trial (:func:`analysis.study.pooled.pooled_primary`): every
     municipality's eligible children under its own registration design (parts built in
     ``--workers`` processes), one emulated trial over all of them with the neighbourhood (nested in
     the municipality: the municipality as a stratum) a factor of the weight models, ``--boot``
     replicates on ``--workers`` processes; peak memory of the parent and of the largest worker.

Goals: cohort construction ≤ 60 s, peak memory ≤ 8 GiB, the pooled primary trial with 200
replicates ≤ 10 minutes. The last line: the cohort stage's time, the pooled trial's time and the
largest peak.
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

CLI = "import sys; from analysis.cli import main; sys.exit(main())"

VALIDATE = r'''
import json, resource, sys, time
from pathlib import Path
from analysis.registry.store import save
from analysis.registry.validate import validate_delivery
folders, processed = sys.argv[1].split(","), Path(sys.argv[2])
rows = rejected = 0
for f in folders:
    res = validate_delivery(Path(f))
    save(res, processed)
    rows += sum(t.rows_in for t in res.tables.values())
    rejected += sum(len(t.rejected) for t in res.tables.values())
print(json.dumps({"rows": rows, "rejected": rejected,
                  "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
'''

COHORT = r'''
import json, resource, sys, time
import pandas as pd
from analysis.registry.store import load_quality, load_registry
from analysis.study.cohort import COHORT_COLUMNS, build_cohort
from analysis.study.cohort import LIGHT_TYPES_DEFAULT as LIGHT_TYPES
codes, processed = sys.argv[1].split(","), sys.argv[2]
parts = {"persons": [], "windows": [], "light": []}
children = 0
read = build = 0.0
for code in codes:
    q = load_quality(code, processed)
    t = time.perf_counter()
    tables = load_registry(code, processed, COHORT_COLUMNS)
    read += time.perf_counter() - t
    t = time.perf_counter()
    c = build_cohort(tables, q["registry_start"], q["extract_date"], tuple(LIGHT_TYPES))
    build += time.perf_counter() - t
    for k in parts:
        parts[k].append(getattr(c, k).assign(municipality=code))
    children += len(c.persons)
pooled = {k: pd.concat(v, ignore_index=True) for k, v in parts.items()}
if len(sys.argv) > 3:    # one of several processes: its part to the parent through parquet
    for k, f in pooled.items():
        f.to_parquet(f"{sys.argv[3]}-{k}.parquet")
print(json.dumps({"children": children, "windows": len(pooled["windows"]), "read": read, "build": build,
                  "bytes": int(sum(f.memory_usage(deep=True).sum() for f in pooled.values())),
                  "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
'''


POOLED = r'''
import json, resource, sys, time
from analysis.study.params import AnalysisParams
from analysis.study.pooled import pooled_primary
codes, processed, n_boot, workers = sys.argv[1].split(","), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
p = AnalysisParams(municipality=codes[0], processed_dir=processed, n_boot=n_boot, workers=workers)
res = pooled_primary(processed, codes, p, workers=workers)
t = res.trial
est = lambda d: [round(d[k], 4) for k in ("estimate", "ci_low", "ci_high")]  # noqa: E731
print(json.dumps({**res.seconds, "eligible": int(t.n_eligible), "boot_ok": int(t.n_boot_ok),
                  "rd_tau": est(t.ci["rd_tau"]), "prevented_fraction": est(t.prevented_fraction),
                  "delay_months": est(t.delay_months), "verdict": t.verdict,
                  "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
                  "children_maxrss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
'''


def timed(cmd: list[str], env=None) -> tuple[float, str]:
    t = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    return time.perf_counter() - t, out.stdout


def parallel(script: str, groups: list[list[str]], *args: str) -> tuple[float, list[dict]]:
    t = time.perf_counter()
    procs = [subprocess.Popen([sys.executable, "-c", script, ",".join(g), *args], stdout=subprocess.PIPE, text=True)
             for g in groups if g]
    outs = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
    if any(p.returncode for p in procs):
        raise SystemExit("a stage's process failed")
    return time.perf_counter() - t, outs


def split(items: list, n: int, weight) -> list[list]:
    """Items into ``n`` groups of about equal weight (largest first, each to the lightest group)."""
    groups, load = [[] for _ in range(n)], [0] * n
    for it in sorted(items, key=weight, reverse=True):
        i = load.index(min(load))
        groups[i].append(it)
        load[i] += weight(it)
    return groups


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--boot", type=int, default=200)
    ap.add_argument("--reuse", action="store_true", help="with --keep: skip validation when it was done before")
    ap.add_argument("--keep", type=Path, help="keep (and reuse) the registry in this folder")
    a = ap.parse_args(argv)
    tmp = a.keep or Path(tempfile.mkdtemp(prefix="bench-national-"))
    raw, processed = tmp / "raw", tmp / "processed"
    gib = 1024 ** 2     # KiB per GiB
    peaks = {}
    if not raw.exists():
        import resource
        wall, _ = timed([sys.executable, "-c", CLI, "synth", "--national", "--no-truth", "--scale", str(a.scale),
                         "--out", str(raw)], env={**os.environ, "TQDM_DISABLE": "1"})
        peaks["synth"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / gib
        print(f"1 synth     : {wall:7.1f} s, peak {peaks['synth']:.2f} GiB (the largest process so far)", flush=True)
    folders = sorted(str(f) for f in raw.iterdir() if f.is_dir())
    size = lambda f: sum(p.stat().st_size for p in Path(f).iterdir())  # noqa: E731
    if a.reuse and processed.is_dir():
        print("2 validate  : skipped (--reuse: the validated registries of an earlier run)", flush=True)
    else:
        shutil.rmtree(processed, ignore_errors=True)
        wall, outs = parallel(VALIDATE, split(folders, a.workers, size), str(processed))
        peaks["validate"] = max(o["maxrss_kib"] for o in outs) / gib
        rows, rej = sum(o["rows"] for o in outs), sum(o["rejected"] for o in outs)
        print(f"2 validate  : {wall:7.1f} s, {rows:,} rows ({rows / wall:,.0f} rows/s, {rej} rejected), "
              f"{len(folders)} municipalities on {a.workers} processes, peak {peaks['validate']:.2f} GiB per process",
              flush=True)
    codes = [Path(f).name for f in folders]
    wall_c, outs = parallel(COHORT, [codes], str(processed))
    o = outs[0]
    peaks["cohort"] = o["maxrss_kib"] / gib
    print(f"3 cohort    : {wall_c:7.1f} s, {o['children']:,} children, {o['windows']:,} at-risk windows, pooled "
          f"frames {o['bytes'] / 2 ** 30:.2f} GiB, peak {peaks['cohort']:.2f} GiB (one process; reading the parquet "
          f"files {o['read']:.1f} s, building the cohorts with pandas {o['build']:.1f} s)", flush=True)
    if a.workers > 1:    # the same pooled cohort built in several processes, gathered through parquet
        import pandas as pd
        import resource
        t = time.perf_counter()
        groups = split(codes, a.workers, lambda c: size(raw / c))
        procs = [subprocess.Popen([sys.executable, "-c", COHORT, ",".join(g), str(processed), str(tmp / f"part{i}")],
                                  stdout=subprocess.PIPE, text=True) for i, g in enumerate(groups) if g]
        outs = [json.loads(p.communicate()[0].strip().splitlines()[-1]) for p in procs]
        pooled = {k: pd.concat([pd.read_parquet(tmp / f"part{i}-{k}.parquet") for i in range(len(procs))],
                               ignore_index=True) for k in ("persons", "windows", "light")}
        wall_p = time.perf_counter() - t
        peak_p = max(max(o["maxrss_kib"] for o in outs), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) / gib
        print(f"3 cohort    : {wall_p:7.1f} s on {len(procs)} processes, gathered through parquet: "
              f"{len(pooled['persons']):,} children, peak {peak_p:.2f} GiB", flush=True)
        peaks["cohort"] = max(peaks["cohort"], peak_p)
        wall_c = min(wall_c, wall_p)
        del pooled
    wall_t, outs = parallel(POOLED, [codes], str(processed), str(a.boot), str(a.workers))
    o = outs[0]
    peaks["pooled"] = max(o["maxrss_kib"], o["children_maxrss_kib"]) / gib
    print(f"4 pooled    : {wall_t:7.1f} s ({o['parts']:.1f} s the parts, {o['trial']:.1f} s the trial with "
          f"{o['boot_ok']}/{a.boot} replicates), {o['eligible']:,} eligible children; RD(τ) {o['rd_tau']}, "
          f"prevented fraction {o['prevented_fraction']}, delay {o['delay_months']} months, {o['verdict']}; "
          f"peak {o['maxrss_kib'] / gib:.2f} GiB (parent), {o['children_maxrss_kib'] / gib:.2f} GiB (largest worker)",
          flush=True)
    if not a.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"national registry (scale {a.scale}): cohort construction {wall_c:.0f} s (goal ≤ 60), pooled primary "
          f"trial with {a.boot} replicates {wall_t:.0f} s (goal ≤ 600), largest peak {max(peaks.values()):.2f} GiB "
          f"(goal ≤ 8)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
