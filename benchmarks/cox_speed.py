"""fit_cox against lifelines' CoxTimeVaryingFitter (the named peer) on the same counting-process data.

Daily event times make many distinct event times, where CoxTimeVaryingFitter slows down
quadratically. Prints seconds for both, their ratio, and the largest coefficient difference.

    .venv/bin/python benchmarks/cox_speed.py [ROWS ...]     (default 16000 48000)
"""
from __future__ import annotations

import sys
import time
import warnings

import numpy as np
import pandas as pd

from analysis.estimators.cox import fit_cox


def make_data(rows: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = rows // 2
    x1, x2 = rng.normal(size=n), rng.binomial(1, 0.4, n)
    entry = rng.integers(0, 365, n)
    t = entry + np.ceil(rng.exponential(2000 / np.exp(0.4 * x1 - 0.3 * x2))).astype(int)
    c = entry + rng.integers(30, 3000, n)
    stop = np.minimum(t, c)
    ev = (t <= c).astype(int)
    split = entry + np.maximum(1, ((stop - entry) * rng.random(n)).astype(int))
    two = split < stop
    first = pd.DataFrame({"id": np.arange(n), "start": entry, "stop": np.where(two, split, stop),
                          "event": np.where(two, 0, ev), "x1": x1, "x2": x2, "x3": 0.0})
    second = pd.DataFrame({"id": np.arange(n)[two], "start": split[two], "stop": stop[two], "event": ev[two],
                           "x1": x1[two], "x2": x2[two], "x3": 1.0})
    return pd.concat([first, second], ignore_index=True)


def main(sizes: list[int]) -> None:
    from lifelines import CoxTimeVaryingFitter
    for rows in sizes:
        d = make_data(rows)
        t0 = time.perf_counter()
        ours = fit_cox(d, start="start", stop="stop", event="event", covariates=["x1", "x2", "x3"], ties="efron")
        t_ours = time.perf_counter() - t0
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ctv = CoxTimeVaryingFitter().fit(d, id_col="id", event_col="event", start_col="start", stop_col="stop")
        t_ctv = time.perf_counter() - t0
        diff = np.max(np.abs(ctv.params_[["x1", "x2", "x3"]].to_numpy() - ours.params.to_numpy()))
        print(f"{len(d)} rows, {d.loc[d.event == 1, 'stop'].nunique()} distinct event times: fit_cox {t_ours:.2f} s, "
              f"lifelines CoxTimeVaryingFitter {t_ctv:.2f} s, ratio {t_ctv / t_ours:.0f}x, max |coef diff| {diff:.1e}")


if __name__ == "__main__":
    main([int(a) for a in sys.argv[1:]] or [16000, 48000])
