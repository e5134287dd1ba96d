"""Person-level bootstrap of the emulated trial, replicates run in parallel over processes.

Children are resampled with replacement (clones of a child stay together); the weight models are
refitted in every replicate, so the intervals include the uncertainty of the weights. Seeded:
the same seed gives the same intervals, whatever the number of workers. Children are put in an
order of their data (not of their pseudonyms) before resampling, so that the same registry under
another pseudonym key gives the same intervals.
"""
from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from ..procs import die_with_parent
from .trial import TrialParams, estimate

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
KEYS = ("cif_a_tau", "cif_b_tau", "rd_tau", "rmst_a_months", "rmst_b_months", "rmst_diff_months")


def order_by_data(fu: pd.DataFrame) -> pd.DataFrame:
    """The eligible children sorted by every column but their identifier (time zero first).

    Children whose data are equal in every column are exchangeable: which of them is drawn does
    not change a replicate, so the order no longer depends on the pseudonyms."""
    cols = ["t0", *[c for c in fu.columns if c not in ("t0", "person_id")]]
    return fu.sort_values(cols, kind="mergesort", na_position="last").reset_index(drop=True)


def _replicate(fu: pd.DataFrame, p: TrialParams, seed: np.random.SeedSequence) -> dict:
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(fu), len(fu))
    sample = fu.iloc[idx].reset_index(drop=True)
    sample["person_id"] = np.arange(len(sample)).astype(str)   # a child drawn twice counts twice
    try:
        return estimate(sample, p).as_dict()
    except Exception as exc:  # a replicate without events in one arm, or a model that fails
        return {"error": f"{type(exc).__name__}: {exc}"}


def _chunk(args) -> list[dict]:
    fu, p, seeds = args
    import warnings
    warnings.filterwarnings("ignore")
    return [_replicate(fu, p, s) for s in seeds]


def bootstrap(fu: pd.DataFrame, p: TrialParams, n_boot: int = 200, seed: int = 20261123,
              workers: int | None = None, progress=None) -> pd.DataFrame:
    """``n_boot`` replicate estimates (one row each; failed replicates carry ``error``)."""
    seeds = np.random.SeedSequence(seed).spawn(n_boot)
    fu = order_by_data(fu)
    workers = workers or min(2, multiprocessing.cpu_count())
    chunks = [seeds[i:i + 10] for i in range(0, n_boot, 10)]
    results: list[dict] = []
    if workers == 1:
        it = map(_chunk, [(fu, p, c) for c in chunks])
        for res in (progress(it, total=len(chunks)) if progress else it):
            results.extend(res)
    else:
        ctx = multiprocessing.get_context("spawn")
        saved = {k: os.environ.get(k) for k in THREAD_VARS}
        os.environ.update({k: "1" for k in THREAD_VARS})  # one BLAS thread per worker: no oversubscription
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=die_with_parent) as ex:
                it = ex.map(_chunk, [(fu, p, c) for c in chunks])
                for res in (progress(it, total=len(chunks)) if progress else it):
                    results.extend(res)
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
    return pd.DataFrame(results)


def percentile_ci(replicates: pd.DataFrame, point: dict, alpha: float = 0.05) -> dict:
    """{key: {estimate, ci_low, ci_high}} from the replicates' percentiles."""
    ok = replicates.drop(columns=[c for c in replicates if c not in KEYS]).dropna()
    out = {}
    for k in KEYS:
        lo, hi = np.percentile(ok[k], [100 * alpha / 2, 100 * (1 - alpha / 2)]) if len(ok) else (np.nan, np.nan)
        out[k] = {"estimate": float(point[k]), "ci_low": float(lo), "ci_high": float(hi)}
    return out
