"""Validation throughput on a synthetic municipality, against a named peer in the same run.

Peer: ``pandas.read_csv(dtype=str)`` of the same files, i.e. only reading, no checks. The ratio
says what all the checks, the merge and the typed conversion cost on top of reading.

    .venv/bin/python benchmarks/validation_speed.py [CHILDREN]   (default 40000, the large demo)
"""
from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from analysis.registry.validate import validate_delivery
from analysis.synth.generate import write_municipality
from analysis.synth.params import Municipality, SynthParams


def best_of(fn, n=3) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main(children: int = 40_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        p = SynthParams(municipalities=(Municipality("9903", "Grootstad", children),))
        folder = write_municipality(Path(tmp), p.municipalities[0], p)
        files = sorted(folder.glob("*.csv"))
        rows = sum(len(pd.read_csv(f, dtype=str)) for f in files)
        t_validate = best_of(lambda: validate_delivery(folder))
        t_read = best_of(lambda: [pd.read_csv(f, dtype=str, keep_default_na=False) for f in files])
    print(f"rows: {rows}")
    print(f"workbench validate: {t_validate:.2f} s = {rows / t_validate:,.0f} rows/s")
    print(f"peer pandas.read_csv(dtype=str): {t_read:.2f} s = {rows / t_read:,.0f} rows/s")
    print(f"ratio validate / read: {t_validate / t_read:.1f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 40_000)
