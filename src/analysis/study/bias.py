"""Probabilistic bias analysis of incomplete light-support registration (protocol, "Registration" 3).

The design counts only some provider types and only inside their windows; within a window not
every episode is registered. A child whose light support went unregistered looks like a child
without: its arm-b clone stays uncensored where it should have been censored, its arm-a clone is
censored after the grace period where it should have complied. Every contrast is pulled towards
zero. The bias analysis puts the missing starts back, record by record, as often as the priors
allow, and recomputes the whole trial each time.

Per draw:

1. Registration sensitivities: per provider type a draw from its prior (default uniform 0.7–1.0,
   ``AnalysisParams.bias_sensitivity``); a type that never registers (or has no registered start
   where the counted types register) gets a start rate relative to an average counted type from
   ``AnalysisParams.bias_unregistered_rate`` (default uniform 0.5–1.5).
2. The rate of light-support starts that the registry does not show, as a multiple ``m`` of the
   rate it shows (the counted types' starts): with ``n_k`` the registered starts of type ``k`` in
   the design periods (a type the design does not count: in the part of its own window that lies
   in them, against the counted types' starts in that same part),

   true rate / shown rate = (Σ_counted n_k / s_k) / (Σ_counted n_k) · (1 + Σ_uncounted r_k),
   r_k = (n_k / s_k) / (Σ_counted n_c / s_c)  [the same periods],  m = that ratio − 1.

   Provider types are taken as a thinning of one process of starts (the synthetic registry draws
   the type of each episode that way); a child that got two types counts once in the trial but
   twice here, which leans towards over-correction where many children get several types.
3. Per eligible child an unregistered start after time zero, drawn from the hazard ``m · h_i(t)``
   with ``h_i`` the child's monthly hazard of a registered first light-support start (the
   observed uptake) from an imputation model that holds what distinguishes the children who
   started: the trial's covariates and neighbourhood, and the child's outcome — one model per
   outcome class (no specialist care in follow-up; first specialist care within 3, 3–12, 12–36
   or after 36 months), so that the uptake's course over the months may differ between them.
   Its first start is the earlier of the registered and the drawn one. Children with a drawn
   start move from arm b to "started" (inside the grace period their arm-a clone complies).
   Without the outcome in the model the imputation moves children to "started" who resemble
   those who did not start, and pulls the contrast further towards zero (on the demo's Grootstad
   π went from 0.35 to 0.29 instead of up); with the outcome as a mere shift of the log-odds it
   corrected about half the bias on a registry with sensitivity 0.5, with a model per class all
   of it (benchmarks/bias_analysis.py).
4. The emulated trial recomputed on the reclassified follow-up: weight models, clones, curves,
   RD(τ), π and D.

Random error: every draw θᵢ is combined with every bootstrap replicate bⱼ of the primary analysis
as its deviation from the bootstrap median (θᵢ + bⱼ − median b); the bias-adjusted estimate is the
median of these sums and its interval their 2.5 and 97.5 percentiles. With every sensitivity 1 and
every type counted, m = 0 and the adjusted estimate is the primary one.

Not modelled: unregistered light support in the washout before time zero (such children are
eligible although they are not), and rates borrowed from other municipalities.
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..errors import ParameterError, WorkbenchError
from ..procs import die_with_parent
from .answers import prevent_delay
from .cohort import DAYS_PER_MONTH, SPECIALIST
from .trial import TrialEngine, TrialParams, _HazardModel, baseline, start_model
from .windows import in_days, intersect

DEFAULT_SENSITIVITY = (0.7, 1.0)
DEFAULT_UNREGISTERED_RATE = (0.5, 1.5)
#: a type that the design does not count needs this many registered starts in the design periods
#: to give its own rate; below it the prior of a type that never registers applies
MIN_TYPE_STARTS = 10
#: the tipping-point view: every provider type's sensitivity fixed at these values
TIPPING_SENSITIVITIES = (1.0, 0.9, 0.8, 0.7, 0.6, 0.5, 0.4)
ESTIMATES = ("prevented_fraction", "delay_months", "rd_tau")
UPPER = {"prevented_fraction": 1.0}   # a prevented fraction is at most 1


@dataclass(frozen=True)
class Priors:
    """Per provider type a uniform prior on its registration sensitivity; a start-rate prior (relative
    to an average counted type) for a type without registered starts to learn from."""

    sensitivity: dict[str, tuple[float, float]]
    unregistered_rate: tuple[float, float] = DEFAULT_UNREGISTERED_RATE

    @classmethod
    def from_param(cls, sensitivity, unregistered_rate, types) -> "Priors":
        """``sensitivity``: (low, high) for every type, or {type: (low, high), "default": (low, high)}."""
        spec = dict(sensitivity) if isinstance(sensitivity, dict) else {"default": sensitivity}
        default = tuple(spec.pop("default", DEFAULT_SENSITIVITY))
        unknown = set(spec) - set(types)
        if unknown:
            raise ParameterError(f"bias_sensitivity names provider types that are not light-support types: "
                                 f"{sorted(unknown)}")
        out = {t: tuple(spec.get(t, default)) for t in types}
        for t, (lo, hi) in out.items():
            if not 0 < lo <= hi <= 1:
                raise ParameterError(f"bias_sensitivity for {t}: need 0 < low ≤ high ≤ 1, got ({lo}, {hi})")
        lo, hi = unregistered_rate
        if not 0 <= lo <= hi:
            raise ParameterError(f"bias_unregistered_rate: need 0 ≤ low ≤ high, got ({lo}, {hi})")
        return cls(out, (float(lo), float(hi)))


@dataclass
class TypeCounts:
    """What the multiplier is learnt from: per counted type its registered starts in the design
    periods; per other type its registered starts in its own part of them and the counted types'
    starts there (``None``: no window, or too few starts: the prior applies)."""

    counted: dict[str, int]
    uncounted: dict[str, tuple[int, dict[str, int]] | None] = field(default_factory=dict)


def _in_periods(day: np.ndarray, periods) -> np.ndarray:
    inside = np.zeros(len(day), bool)
    for lo, hi in periods:
        inside |= (day >= lo) & (day < hi)
    return inside


def type_counts(light_all: pd.DataFrame, windows: dict, counted, design_windows, types) -> TypeCounts:
    """Registered light-support starts per provider type (``light_all``: person_id, day,
    provider_type, every type) in the periods the multiplier needs; ``windows``: the registration
    windows used per type, ``design_windows``: the periods in which every counted type registers."""
    day, kind = light_all["day"].to_numpy(float), light_all["provider_type"].to_numpy(str)
    in_design = _in_periods(day, in_days(design_windows))
    out = TypeCounts({c: int(np.sum(in_design & (kind == c))) for c in counted})
    for t in types:
        if t in counted:
            continue
        inside = _in_periods(day, in_days(intersect(windows.get(t, []), design_windows)))
        n = int(np.sum(inside & (kind == t)))
        there = {c: int(np.sum(inside & (kind == c))) for c in counted}
        out.uncounted[t] = (n, there) if n >= MIN_TYPE_STARTS and sum(there.values()) > 0 else None
    return out


def multiplier(counts: TypeCounts, sens: dict[str, float], rate: dict[str, float]) -> float:
    """m: unregistered starts per registered start, for sensitivities ``sens`` (per type) and, for
    the types learnt from the prior, start rates ``rate`` relative to an average counted type."""
    shown = sum(counts.counted.values())
    if shown == 0:
        return 0.0
    true_counted = sum(n / sens[c] for c, n in counts.counted.items())
    extra = 0.0
    for t, got in counts.uncounted.items():
        if got is None:
            extra += rate[t] / len(counts.counted)
        else:
            n, there = got
            denom = sum(nc / sens[c] for c, nc in there.items())
            extra += (n / sens[t]) / denom
    return true_counted / shown * (1 + extra) - 1


#: the outcome classes of the imputation model: no specialist care in follow-up (0), or first
#: specialist care in months [0, 3), [3, 12), [12, 36), [36, ...) after time zero (1–4); a class
#: with fewer children than MIN_CLASS is fitted with the others, the class as a covariate
EVENT_MONTHS = (3, 12, 36)
MIN_CLASS = 30


def outcome_classes(fu: pd.DataFrame) -> np.ndarray:
    """Per child its outcome class (see ``EVENT_MONTHS``)."""
    event = fu["reason"].to_numpy() == SPECIALIST
    month = fu["end"].to_numpy(float) / DAYS_PER_MONTH
    return np.where(event, 1 + np.searchsorted(np.array(EVENT_MONTHS, float), month, side="right"), 0)


def uptake_by_child(fu: pd.DataFrame, months: int) -> np.ndarray:
    """Per eligible child its monthly hazard of a registered first light-support start (children ×
    months): within each outcome class (see :func:`outcome_classes`) its own pooled logistic model
    of the trial's weights (month groups, baseline covariates, neighbourhood); a class with fewer
    than MIN_CLASS children takes the model of all children with the class as a covariate.

    The imputation model holds both: children whose light support went unregistered are like the
    children who were registered starting it, in who they are (uptake depends on the covariates,
    and so does the risk) and in how they fared (light support changes the outcome), and the
    uptake's course over the months differs between outcome classes (a model with the class as a
    mere shift corrected about half the bias on a registry with sensitivity 0.5, a model per class
    all of it). An imputation without the covariates, or without the outcome, moves children to
    "started" who resemble those who did not start, and pulls the contrast further towards zero."""
    g = outcome_classes(fu)
    start, end = fu["light_start"].to_numpy(float), fu["end"].to_numpy(float)
    h = np.zeros((len(fu), months))
    small = np.zeros(len(fu), bool)
    for k in np.unique(g):
        sel = np.flatnonzero(g == k)
        if len(sel) < MIN_CLASS or not np.any(start[sel] < end[sel]):
            small[sel] = True
            continue
        h[sel] = _uptake_model(fu.iloc[sel], months)
    if small.any():
        dummies = (g[:, None] == np.arange(1, len(EVENT_MONTHS) + 2)[None, :]).astype(float)
        h[small] = _uptake_model(fu, months, extra=dummies)[small]
    return h


def _uptake_model(fu: pd.DataFrame, months: int, extra: np.ndarray | None = None) -> np.ndarray:
    """Monthly hazards of a registered first start, children × months, from the trial's start
    model (:func:`analysis.study.trial.start_model`; ``extra``: further baseline columns)."""
    base = baseline(fu)
    if extra is not None:
        base = np.column_stack([base, extra])
    wijken, wijk = np.unique(fu["wijk"].to_numpy(str), return_inverse=True)
    model = start_model(fu["light_start"].to_numpy(float), fu["end"].to_numpy(float), base, wijk, len(wijken))
    return _HazardModel.predict(model.fit(np.ones(len(fu))), base, wijk, months)


def draw_starts(h: np.ndarray, m: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """Unregistered first starts (days after time zero; inf: none within the grid) from the hazard
    ``m · h`` per month, piecewise constant within a month; ``h``: one row of monthly hazards per
    child (or one row for all)."""
    h = np.broadcast_to(np.atleast_2d(h), (n, np.atleast_2d(h).shape[1]))
    if m <= 0:
        return np.full(n, np.inf)
    rate = -np.log1p(-np.clip(h, 0, 1 - 1e-12)) * m           # cumulative hazard per month
    cum = np.concatenate([np.zeros((n, 1)), np.cumsum(rate, axis=1)], axis=1)
    e = rng.exponential(size=n)
    j = (cum <= e[:, None]).sum(axis=1) - 1                    # the month in which it happens
    out = np.full(n, np.inf)
    ok = j < rate.shape[1]
    rows = np.flatnonzero(ok)
    r = rate[rows, j[ok]]
    frac = (e[ok] - cum[rows, j[ok]]) / np.where(r > 0, r, 1)
    out[ok] = (j[ok] + frac) * DAYS_PER_MONTH
    return out


def one_estimate(fu: pd.DataFrame, tp: TrialParams, warm: tuple | None = None) -> dict:
    """RD(τ), π and D of one (reclassified) follow-up frame (``warm``: the weight models' coefficients
    of a similar frame to start the fits from; the same estimate, sooner)."""
    full = TrialEngine(fu, tp, warm=warm).estimate()
    fit = prevent_delay(full["cif_a_grid"], full["cif_b_grid"])
    return {"rd_tau": full["rd_tau"], "prevented_fraction": fit.prevented_fraction if fit else np.nan,
            "delay_months": fit.delay if fit else np.nan}


def _draw(fu: pd.DataFrame, tp: TrialParams, h: np.ndarray, m: float, rng: np.random.Generator,
          warm: tuple | None = None) -> dict:
    drawn = draw_starts(h, m, len(fu), rng)
    out = fu.assign(light_start=np.minimum(fu["light_start"].to_numpy(float), drawn))
    try:
        return {"m": m, **one_estimate(out, tp, warm)}
    except (WorkbenchError, ValueError, np.linalg.LinAlgError) as exc:
        return {"m": m, "error": f"{type(exc).__name__}: {exc}"}


_STATE: tuple | None = None     # (fu, tp, h, warm) of the running analysis, for the forked workers


def _chunk(jobs: list) -> list[dict]:
    import warnings
    from threadpoolctl import threadpool_limits
    fu, tp, h, warm = _STATE
    with warnings.catch_warnings(), threadpool_limits(1):
        warnings.simplefilter("ignore")
        return [_draw(fu, tp, h, m, np.random.default_rng(s), warm) for m, s in jobs]


def _run_draws(fu: pd.DataFrame, tp: TrialParams, h: np.ndarray, jobs: list, workers: int, progress) -> list[dict]:
    """Every draw (m, seed) of ``jobs``, in order; in chunks of 10, in a pool where there is one."""
    global _STATE
    chunks = [jobs[i:i + 10] for i in range(0, len(jobs), 10)]
    # every draw's weight models start from the primary trial's (the reclassified frames are close to it)
    try:
        warm = TrialEngine(fu, tp).full
    except (WorkbenchError, ValueError, np.linalg.LinAlgError):
        warm = None      # each draw then fits from zero (and reports its own failure)
    _STATE = (fu, tp, h, warm)
    try:
        if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
            ctx = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=die_with_parent) as ex:
                done = ex.map(_chunk, chunks)
                done = progress(done, total=len(chunks)) if progress else done
                return [r for c in done for r in c]
        done = (_chunk(c) for c in chunks)
        done = progress(done, total=len(chunks)) if progress else done
        return [r for c in done for r in c]
    finally:
        _STATE = None


def combine(draws: np.ndarray, boot: np.ndarray, upper: float = np.inf) -> dict:
    """Systematic draws combined with the bootstrap's random error: every draw plus every
    replicate's deviation from the replicates' median; median and 2.5/97.5 percentiles of those
    sums (and of the draws alone: the systematic part). ``upper``: the estimand's bound (π ≤ 1:
    all specialist care prevented), which a sum may not pass."""
    draws, boot = np.asarray(draws, float), np.asarray(boot, float)
    boot = boot[np.isfinite(boot)]
    ok = draws[np.isfinite(draws)]
    if len(ok) < 10 or len(boot) < 10:
        return {"estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    total = np.minimum((ok[:, None] + (boot - np.median(boot))[None, :]).ravel(), upper)
    lo, hi = np.percentile(total, [2.5, 97.5])
    slo, shi = np.percentile(ok, [2.5, 97.5])
    return {"estimate": float(np.median(total)), "ci_low": float(lo), "ci_high": float(hi),
            "systematic_low": float(slo), "systematic_high": float(shi)}


@dataclass
class BiasResult:
    """The bias-adjusted estimates beside what they were learnt from."""

    adjusted: dict                     # estimate key → {estimate, ci_low, ci_high, systematic_low/high}
    draws: pd.DataFrame                # per draw: m, rd_tau, prevented_fraction, delay_months (or error)
    tipping: pd.DataFrame              # per fixed sensitivity: m and the adjusted estimates with intervals
    counts: TypeCounts
    priors: Priors
    n_draws: int


def bias_analysis(fu: pd.DataFrame, tp: TrialParams, light_all: pd.DataFrame, registration: dict, types,
                  priors: Priors, boot: dict[str, np.ndarray], n_draws: int = 200, seed: int = 20261123,
                  n_tipping: int = 10, progress=None, workers: int = 1) -> BiasResult:
    """The probabilistic bias analysis of the primary trial (``fu``, ``tp``: its follow-up and
    parameters); ``registration``: the registration block of the design (windows, counted_types,
    design_windows); ``boot``: the primary bootstrap's replicates per estimate key. ``n_tipping``
    draws per value of the tipping-point view; with ``workers`` > 1 the draws run in a pool of
    forked processes (the same numbers: each draw has its own seed)."""
    counted = list(registration["counted_types"])
    # the types this municipality has: registered somewhere, or declared (a declaration [] says
    # that the type exists and never registers); a type neither declared nor seen is taken not to exist
    types = [t for t in types if t in registration["windows"]]
    design = registration.get("design_windows")
    if design is None:   # no restriction: every type counted over the whole registry period
        design = [[str(pd.Timestamp(light_all["day"].min(), unit="D").date()) if len(light_all) else "1970-01-01",
                   "2100-12-31"]]
    counts = type_counts(light_all, registration["windows"], counted, design, types)
    h = uptake_by_child(fu, tp.long_months)
    rng = np.random.default_rng([seed, 31])
    ms = []
    for _ in range(n_draws):
        sens = {t: float(rng.uniform(*priors.sensitivity[t])) for t in types}
        rate = {t: float(rng.uniform(*priors.unregistered_rate)) for t in types}
        ms.append(multiplier(counts, sens, rate))
    child_seeds = np.random.SeedSequence([seed, 37]).spawn(n_draws + n_tipping * len(TIPPING_SENSITIVITIES))
    jobs = [(m, s) for m, s in zip(ms, child_seeds[:n_draws])]
    mid = {t: sum(priors.unregistered_rate) / 2 for t in types}
    tip_m = [multiplier(counts, {t: s for t in types}, mid) for s in TIPPING_SENSITIVITIES]
    for i, m in enumerate(tip_m):
        jobs += [(m, s) for s in child_seeds[n_draws + i * n_tipping:n_draws + (i + 1) * n_tipping]]
    rows = _run_draws(fu, tp, h, jobs, workers, progress)
    draws = pd.DataFrame(rows[:n_draws])
    adjusted = {k: combine(draws[k] if k in draws else [], boot.get(k, []), UPPER.get(k, np.inf)) for k in ESTIMATES}
    tip = []
    for i, s in enumerate(TIPPING_SENSITIVITIES):
        d = pd.DataFrame(rows[n_draws + i * n_tipping:n_draws + (i + 1) * n_tipping])
        row = {"sensitivity": s, "m": tip_m[i]}
        for k in ESTIMATES:
            c = combine(d[k] if k in d else [], boot.get(k, []), UPPER.get(k, np.inf))
            row.update({k: c["estimate"], f"{k}_low": c["ci_low"], f"{k}_high": c["ci_high"]})
        tip.append(row)
    return BiasResult(adjusted=adjusted, draws=draws, tipping=pd.DataFrame(tip), counts=counts, priors=priors,
                      n_draws=n_draws)
