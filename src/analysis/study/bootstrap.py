"""Person-level bootstrap of the emulated trial, replicates run in parallel over processes.

Children are resampled with replacement (clones of a child stay together). A replicate is not a
new data frame: the trial's arrays are built once (:class:`analysis.study.trial.TrialEngine`) and
every replicate passes over them with frequency weights, how often each child was drawn (a child
drawn twice counts twice, for all its months and clones); the weight models are refitted in every
replicate (from the full sample's fit, to the same convergence), so the intervals include the
uncertainty of the weights. The replicates are the same numbers as refitting on a resampled frame
(``tests/study/test_engine.py``). Seeded: the same seed gives the same intervals, whatever the
number of workers. Children are put in an order of their data (not of their pseudonyms) before
resampling, so that the same registry under another pseudonym key gives the same intervals.
"""
from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

from ..procs import die_with_parent
from .trial import TrialEngine, TrialParams

THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
KEYS = ("cif_a_tau", "cif_b_tau", "rd_tau", "rmst_a_months", "rmst_b_months", "rmst_diff_months")
GRIDS = ("cif_a_grid", "cif_b_grid")   # both arms' CIF at the end of months 0..τ_L, arrays
EXT_KEYS = ("specialist_months_a", "specialist_months_b", "specialist_months_diff", "heavy_care_a", "heavy_care_b",
            "heavy_care_rd")        # reduces: months in specialist care within τ_L, heavy care by τ_L


def order_by_data(fu: pd.DataFrame) -> pd.DataFrame:
    """The eligible children sorted by every column but their identifier (time zero first).

    Children whose data are equal in every column are exchangeable: which of them is drawn does
    not change a replicate, so the order no longer depends on the pseudonyms."""
    cols = ["t0", *[c for c in fu.columns if c not in ("t0", "person_id")]]
    return fu.sort_values(cols, kind="mergesort", na_position="last").reset_index(drop=True)


def draws(n: int, seed: np.random.SeedSequence) -> np.ndarray:
    """How often each of ``n`` children is drawn into one replicate (``n`` draws with replacement)."""
    idx = np.random.default_rng(seed).integers(0, n, n)
    return np.bincount(idx, minlength=n)


def _replicate(engine: TrialEngine, seed: np.random.SeedSequence) -> dict:
    try:
        out = engine.estimate(draws(engine.n, seed))
        return {k: out[k] for k in (*KEYS, *GRIDS, *EXT_KEYS) if k in out}
    except Exception as exc:  # a replicate without events in one arm, or a model that fails
        return {"error": f"{type(exc).__name__}: {exc}"}


_ENGINE: TrialEngine | None = None     # a pool worker's engine, built once by _init


def _init(fu: pd.DataFrame | None, p: TrialParams | None, care=None) -> None:
    """A pool worker: dies with its parent; a spawned one builds its engine, a forked one has it."""
    global _ENGINE
    die_with_parent()
    import warnings
    warnings.filterwarnings("ignore")
    from threadpoolctl import threadpool_limits
    threadpool_limits(1)    # one BLAS thread per worker, forked or spawned: no oversubscription
    if fu is not None:
        _ENGINE = TrialEngine(fu, p, care=care)


def _chunk(seeds) -> list[dict]:
    return [_replicate(_ENGINE, s) for s in seeds]


def bootstrap(fu: pd.DataFrame, p: TrialParams, n_boot: int = 200, seed: int = 20261123,
              workers: int | None = None, progress=None, engine: TrialEngine | None = None,
              pool_after_seconds: float = 2.0, care=None) -> pd.DataFrame:
    """``n_boot`` replicate estimates (one row each; failed replicates carry ``error``).

    The replicates run in this process; with ``workers`` > 1 they move to a process pool when the
    first chunk shows that the rest would take longer than ``pool_after_seconds`` here. The pool's
    processes are forked (Linux): they start in milliseconds with the engine's arrays already in
    their memory and compute only with numpy; where forking is not available they are spawned
    and build the engine themselves. The numbers do not depend on where they ran."""
    seeds = np.random.SeedSequence(seed).spawn(n_boot)
    fu = order_by_data(fu)
    engine = engine if engine is not None and engine.n == len(fu) else TrialEngine(fu, p, care=care)
    workers = workers or min(2, multiprocessing.cpu_count())
    chunks = [seeds[i:i + 10] for i in range(0, n_boot, 10)]

    def run():
        import warnings
        from threadpoolctl import threadpool_limits
        t, done = time.perf_counter(), 0
        # one BLAS thread here as in the pool's workers: the same arithmetic wherever a replicate ran
        with warnings.catch_warnings(), threadpool_limits(1):
            warnings.simplefilter("ignore")
            while done < len(chunks):
                yield [_replicate(engine, s) for s in chunks[done]]
                done += 1
                if workers > 1 and (time.perf_counter() - t) / done * (len(chunks) - done) > pool_after_seconds:
                    break
        if done < len(chunks):
            global _ENGINE
            fork = "fork" in multiprocessing.get_all_start_methods()
            ctx = multiprocessing.get_context("fork" if fork else "spawn")
            _ENGINE = engine if fork else None     # a forked worker finds it here; _init limits its BLAS
            try:
                with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_init,
                                         initargs=(None, None) if fork else (fu, p, care)) as ex:
                    yield from ex.map(_chunk, chunks[done:])
            finally:
                _ENGINE = None
    results: list[dict] = []
    for res in (progress(run(), total=len(chunks)) if progress else run()):
        results.extend(res)
    return pd.DataFrame(results)


def percentile_ci(replicates: pd.DataFrame, point: dict, alpha: float = 0.05) -> dict:
    """{key: {estimate, ci_low, ci_high}} from the replicates' percentiles."""
    ok = replicates.drop(columns=[c for c in replicates if c not in KEYS]).dropna()
    out = {}
    for k in KEYS:
        lo, hi = np.percentile(ok[k], [100 * alpha / 2, 100 * (1 - alpha / 2)]) if len(ok) else (np.nan, np.nan)
        out[k] = {"estimate": float(point[k]), "ci_low": float(lo), "ci_high": float(hi)}
    return out
