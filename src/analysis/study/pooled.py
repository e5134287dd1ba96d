"""The primary emulated trial pooled over many municipalities (a region, the country).

Every municipality keeps its own registration design: its eligible children and their follow-up
are those of its own analysis (:func:`analysis.study.results.primary_analysis`: its counted
provider types, its registration windows, its cohort). The pooled trial then runs once over all of
them. In the weight models (starting light support, moving out) the neighbourhood is a factor whose
levels are the municipality's own neighbourhoods (``code:wijk``): it is nested in the municipality,
so every municipality has its own baseline hazards, the municipality as a stratum of the models
(its own intercept; the other coefficients are shared). The bootstrap draws children, as within one
municipality.

The parts (one frame per municipality) are built in a process pool: a municipality's registry is
read, its cohort and design built and everything but its eligible children's rows dropped, so the
memory of the pooled trial is that of its engine (see :class:`analysis.study.trial.TrialEngine`),
not of the registries.
"""
from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from types import SimpleNamespace

import pandas as pd

from ..registry.store import load_quality
from .params import AnalysisParams
from .results import TrialResult, _design, _load, _trial_params, run_trial
from .trial import eligible, follow_up


@dataclass
class PooledResult:
    trial: TrialResult
    #: per municipality: code, eligible children, their specialist-care episodes, the data-quality
    #: warnings of its registration design (declared windows the data do not show, ...)
    parts: pd.DataFrame
    #: wall time of building the parts and of the pooled trial (engine, point estimate, bootstrap)
    seconds: dict


def municipality_part(p: AnalysisParams) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One municipality's eligible children (its own design) and their specialist care, with
    identifiers and neighbourhoods prefixed by its code (``code:``): unique in the pooled frame."""
    quality = load_quality(p.municipality, p.processed_dir)
    tables, cohort_all = _load(p, quality)
    cohort, periods, _ = _design(p, tables, quality, cohort_all)
    tp = _trial_params(p, windows=periods)
    fu = follow_up(eligible(cohort, tp), cohort, tp)
    prefix = f"{p.municipality}:"
    fu = fu.assign(person_id=prefix + fu["person_id"].astype(str), wijk=prefix + fu["wijk"].astype(str),
                   municipality=p.municipality)
    spec = cohort.specialist
    if spec is None:
        spec = pd.DataFrame({"person_id": [], "start": [], "end": [], "heavy": []})
    spec = spec.assign(person_id=prefix + spec["person_id"].astype(str))
    spec = spec[spec["person_id"].isin(fu["person_id"])][["person_id", "start", "end", "heavy"]]
    return fu, spec.reset_index(drop=True)


def _part(p: AnalysisParams):
    """A municipality's part and the data-quality warnings its design gave (kept, not printed: a
    pool of 340 municipalities would print hundreds)."""
    import warnings
    from .results import _SHARED
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            fu, spec = municipality_part(p)
        return fu, spec, [str(w.message) for w in caught]
    finally:
        _SHARED.clear()      # a worker keeps no registry beyond the one it is reading


def pooled_primary(processed_dir: str, codes: list[str], template: AnalysisParams | None = None,
                   workers: int | None = None, progress=None) -> PooledResult:
    """The primary trial (point estimates, bootstrap intervals, answers) pooled over ``codes``.

    ``template``: the analysis parameters (grace period, τ, τ_L, light-support types, replicates,
    seed, workers) of every municipality's part and of the pooled trial; its municipality is
    replaced by each code. ``progress``: wraps an iterable (tqdm), over the parts and then over the
    bootstrap's chunks."""
    if not codes:
        raise ValueError("no municipalities to pool")
    template = template or AnalysisParams(municipality=codes[0], processed_dir=processed_dir)
    params = [replace(template, municipality=c, processed_dir=processed_dir) for c in codes]
    workers = workers or template.workers
    t = time.perf_counter()
    if workers > 1 and len(codes) > 1:
        ctx = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as ex:
            it = ex.map(_part, params)
            parts = list(progress(it, total=len(codes)) if progress else it)
    else:
        parts = [_part(q) for q in (progress(params, total=len(codes)) if progress else params)]
    fu = pd.concat([f for f, _, _ in parts], ignore_index=True)
    spec = pd.concat([s for _, s, _ in parts], ignore_index=True)
    table = pd.DataFrame({"municipality": codes, "eligible": [len(f) for f, _, _ in parts],
                            "specialist_episodes": [len(s) for _, s, _ in parts],
                            "warnings": [w for _, _, w in parts]})
    del parts
    seconds = {"parts": time.perf_counter() - t}
    tp = _trial_params(template)           # the windows are in each part's follow-up already
    res, _ = run_trial(fu, tp, template.n_boot, template.seed, workers, "pooled", progress,
                       cohort=SimpleNamespace(specialist=spec))
    seconds["trial"] = time.perf_counter() - t - seconds["parts"]
    return PooledResult(trial=res, parts=table, seconds=seconds)

