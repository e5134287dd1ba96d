"""The causal truth of a synthetic registry: both strategies simulated with common random numbers.

The eligible population is found the way the protocol's target trial finds it, from what the
registry shows (registered episodes while resident, registry window): resident, age 4–16, no
specialist care registered before, no light support registered in the previous 12 months, an SDQ
signal (parent SDQ ≥ cut-off) at time zero = the screening date; the first such signal per child.

For each eligible child the course is re-simulated from birth, K times (``truth_replicates``) with
the same random numbers up to time zero and fresh ones after it, under
arm a (light support starts at a time drawn from the generator's own uptake process conditioned
on starting within the grace period; afterwards the natural course) and arm b (no light support
from time zero on). The outcome is the first specialist spell after time zero in a world without
moving out and without the administrative end at 18 (the hazard beyond 18 stays at its age-17
level): the world that an estimator censoring at moving out and at 18 targets. Death competes.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .course import Course, Draws, Screenings, Trial, make_draws, run_course, uptake_hazard
from .params import DAYS_PER_MONTH, DAYS_PER_YEAR, SynthParams
from .population import Population, day_number

#: true values closer to 0 than these count as no effect in the truth's answers (protocol)
RD_ZERO = 0.005
RMST_ZERO_MONTHS = 0.25
PI_ZERO = 0.03
D_ZERO_MONTHS = 0.5
MONTHS_ZERO = 0.05


def eligible_signals(pop: Population, scr: Screenings, reg_light: dict, reg_spells: dict,
                     p: SynthParams, design: list | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Children eligible for the target trial and their time zero (first eligible signal).

    ``reg_light`` / ``reg_spells``: registered episodes as dicts of arrays ``person``, ``start``,
    ``end`` (days). ``design``: the registration design's periods (first day, last day + 1), in
    which time zero must lie with the whole washout before it (None: anywhere). Returns (person
    index, time zero day).
    """
    start, end = day_number(p.registry_start), day_number(p.extract_date)
    best = np.full(pop.n, np.inf)
    for r in (0, 1):
        t0 = scr.time[:, r]
        age = (t0 - pop.birth) / DAYS_PER_YEAR
        ok = (scr.done[:, r] & (scr.sdq[:, r] >= p.sdq_cutoff) & (t0 >= start) & (t0 <= end)
              & (pop.entry <= t0) & (pop.exit > t0) & (pop.death > t0) & (age >= 4) & (age < 17))
        prior_spec = np.zeros(pop.n, bool)
        hit = reg_spells["start"] <= t0[reg_spells["person"]]
        prior_spec[reg_spells["person"][hit]] = True
        recent_light = np.zeros(pop.n, bool)
        lp = reg_light["person"]
        hit = (reg_light["start"] <= t0[lp]) & (reg_light["end"] > t0[lp] - DAYS_PER_YEAR)
        recent_light[lp[hit]] = True
        ok &= ~prior_spec & ~recent_light
        if design is not None:
            ok &= np.any([(t0 >= lo + DAYS_PER_YEAR) & (t0 < hi) for lo, hi in design], axis=0) if design \
                else np.zeros(pop.n, bool)
        best = np.where(ok & ~np.isfinite(best), t0, best)
    idx = np.flatnonzero(np.isfinite(best))
    return idx, best[idx]


def forced_start(pop: Population, scr: Screenings, d: Draws, p: SynthParams, t0: np.ndarray,
                 grace_months: int) -> np.ndarray:
    """Start day drawn from the uptake process conditioned on a start within the grace period."""
    if grace_months == 0:
        return t0.copy()
    h = np.stack([uptake_hazard(pop, scr, p, t0 + j * DAYS_PER_MONTH) for j in range(grace_months)], 1)
    dh = h * DAYS_PER_MONTH / DAYS_PER_YEAR
    cum = np.concatenate([np.zeros((len(t0), 1)), np.cumsum(dh, axis=1)], axis=1)
    total = cum[:, -1]
    # no uptake at all within the grace period: the start is uniform over it (positivity fails there)
    target = -np.log1p(-d.u_grace * -np.expm1(-total))
    j = np.clip((cum <= target[:, None]).sum(axis=1) - 1, 0, grace_months - 1)
    rows = np.arange(len(t0))
    step = dh[rows, j]
    frac = np.where(step > 0, (target - cum[rows, j]) / np.where(step > 0, step, 1.0), 0.0)
    months = np.where(total > 0, j + np.clip(frac, 0, 1), d.u_grace * grace_months)
    return t0 + months * DAYS_PER_MONTH


def _union_days(person: np.ndarray, lo: np.ndarray, hi: np.ndarray, n: int) -> np.ndarray:
    """Per child: days covered by the union of its intervals [lo, hi) (concurrent care once)."""
    keep = hi > lo
    person, lo, hi = person[keep], lo[keep], hi[keep]
    order = np.lexsort((lo, person))
    person, lo, hi = person[order], lo[order], hi[order]
    reach = pd.Series(hi).groupby(person).cummax()
    before = reach.groupby(person).shift(1).fillna(-np.inf).to_numpy()
    return np.bincount(person, np.maximum(hi - np.maximum(lo, before), 0), minlength=n)


def _care_after(course: Course, n: int, t0: np.ndarray, long_days: float) -> tuple[np.ndarray, np.ndarray]:
    """Per child: months in specialist care (spells and protection measures, concurrent ones once)
    within [t0, t0 + τ_L], and days to the first heavy care (a spell with a stay or a protection
    measure; inf: none)."""
    p = course.spell_person
    after = course.spell_start >= t0[p]
    has = after & (course.measure_kind != "")
    person = np.concatenate([p[after], p[has]])
    lo = np.concatenate([course.spell_start[after], course.measure_start[has]])
    hi = np.concatenate([course.spell_end[after], course.measure_end[has]])
    months = _union_days(person, np.maximum(lo, t0[person]), np.minimum(hi, t0[person] + long_days), n) / DAYS_PER_MONTH
    heavy = np.full(n, np.inf)
    h = after & course.spell_heavy
    np.minimum.at(heavy, p[h], course.spell_start[h] - t0[p[h]])
    np.minimum.at(heavy, p[has], course.measure_start[has] - t0[p[has]])
    return months, heavy


def _first_spell_after(course: Course, n: int, t0: np.ndarray) -> np.ndarray:
    """Days from time zero to the first spell starting at or after it (inf: none)."""
    out = np.full(n, np.inf)
    after = course.spell_start >= t0[course.spell_person]
    np.minimum.at(out, course.spell_person[after], course.spell_start[after] - t0[course.spell_person[after]])
    return out


def _true_answer(x: float, zero: float, yes_when_positive: bool = True) -> str:
    if not np.isfinite(x) or abs(x) < zero:
        return "not_shown"
    return "yes" if (x > 0) == yes_when_positive else "opposite"


def truth_answers(pi: float, d: float, months_diff: float | None, enough: bool) -> dict:
    """The protocol's answers on true values: |π| < 0.03, |D| < 0.5 month, |months| < 0.05 count as 0."""
    if not enough:
        return {"prevents": "insufficient_data", "delays": "insufficient_data", "reduces": "insufficient_data"}
    return {"prevents": _true_answer(pi, PI_ZERO), "delays": _true_answer(d, D_ZERO_MONTHS),
            "reduces": _true_answer(months_diff, MONTHS_ZERO, yes_when_positive=False)
            if months_diff is not None else "not_estimated"}


def truth_verdict(answers: dict, rd: float) -> str:
    """The protocol's headline verdict on the true answers (|RD| < 0.5 point counts as 0). Written
    here, not taken from the estimator's code: the truth uses no estimator (a test checks)."""
    if answers["prevents"] in ("insufficient_data", "insufficient_registration"):
        return answers["prevents"]
    prevents, delays = answers["prevents"] == "yes", answers["delays"] == "yes"
    if prevents or delays:
        return "prevents_and_delays" if prevents and delays else "prevents" if prevents else "delays"
    if answers["prevents"] == "opposite" or rd >= RD_ZERO:
        return "more_specialist_care"
    return "no_detectable_effect"


def true_prevent_delay(a: np.ndarray, b: np.ndarray, max_shift: float = 30.0, step: float = 0.01) -> tuple[float, float, float]:
    """π, D and r² of ``a(t) ≈ (1 − π) b(t − D)`` on the true monthly curves: the protocol's
    projection, computed here independently of the estimator's code (a brute-force search over D in
    steps of 0.01 month, π in closed form for each). Months weighted by the inverse of
    a(1 − a) + b(1 − b), floored at 1 % of its largest value, month 0 left out; for D < 0 the
    months at which b would be read beyond the grid are left out, the RSS taken per unit weight."""
    t = np.arange(len(a), dtype=float)
    v = a * (1 - a) + b * (1 - b)
    if not np.any(b > 0) or v.max() <= 0:
        return float("nan"), float("nan"), float("nan")
    w = np.where(v > 0, 1 / np.maximum(v, 0.01 * v.max()), 0.0)
    w[0] = 0.0
    best = (np.inf, np.nan, np.nan)
    for d in np.arange(-max_shift, max_shift + step / 2, step):
        s = t - d
        bs = np.where(s < 0, 0.0, np.interp(s, t, b))
        ww = np.where(s <= t[-1], w, 0.0)
        den = np.sum(ww * bs * bs)
        if den <= 0 or ww.sum() <= 0:
            continue
        scale = np.sum(ww * a * bs) / den
        rss = np.sum(ww * (a - scale * bs) ** 2) / ww.sum()
        if rss < best[0]:
            best = (rss, 1 - scale, d)
    total = np.sum(w * (a - b) ** 2) / w.sum()
    return float(best[1]), float(best[2]), float(1 - best[0] / total) if total > 0 else float("nan")


def _summaries(t_a: np.ndarray, t_b: np.ndarray, tau_days: float, long_months: int, K: int = 1) -> dict:
    """Summaries over all simulated futures (K per child); event counts are per world (÷ K)."""
    cif_a, cif_b = float(np.mean(t_a <= tau_days)), float(np.mean(t_b <= tau_days))
    rmst_a = float(np.mean(np.minimum(t_a, tau_days))) / DAYS_PER_MONTH
    rmst_b = float(np.mean(np.minimum(t_b, tau_days))) / DAYS_PER_MONTH
    grid = np.arange(long_months + 1) * DAYS_PER_MONTH
    curve = lambda t: (t[None, :] <= grid[:, None]).mean(axis=1) if len(t) else np.zeros(len(grid))  # noqa: E731
    grid_a, grid_b = curve(t_a), curve(t_b)
    pi, d, r2 = true_prevent_delay(grid_a, grid_b)
    out = {"cif_a_tau": cif_a, "cif_b_tau": cif_b, "rd_tau": cif_a - cif_b,
           "rmst_a_months": rmst_a, "rmst_b_months": rmst_b, "rmst_diff_months": rmst_a - rmst_b,
           "events_a": int(np.sum(t_a <= tau_days) / K), "events_b": int(np.sum(t_b <= tau_days) / K),
           "events_long_a": int(np.sum(t_a <= grid[-1]) / K), "events_long_b": int(np.sum(t_b <= grid[-1]) / K),
           "tau_long_months": long_months,
           "prevented_fraction": pi, "delay_months": d, "fit_r2": r2,
           "cif_a_grid": [float(x) for x in grid_a], "cif_b_grid": [float(x) for x in grid_b]}
    out["rd_trajectory"] = [float(x) for x in grid_a - grid_b]
    return out


def _no_truth(p: SynthParams, K: int) -> dict:
    """The truth of a municipality without eligible children: every value missing (null)."""
    nan, long_months = None, max(p.tau_long_months, p.tau_months)
    est = {k: nan for k in ("cif_a_tau", "cif_b_tau", "rd_tau", "rmst_a_months", "rmst_b_months", "rmst_diff_months",
                            "prevented_fraction", "delay_months", "fit_r2", "specialist_months_a",
                            "specialist_months_b", "specialist_months_diff", "heavy_care_a", "heavy_care_b",
                            "heavy_care_rd")}
    est.update({"events_a": 0, "events_b": 0, "events_long_a": 0, "events_long_b": 0, "tau_long_months": long_months,
                "cif_a_grid": [], "cif_b_grid": [], "rd_trajectory": [],
                "answers": truth_answers(nan, nan, nan, enough=False)})
    est["verdict"] = truth_verdict(est["answers"], nan)
    return {"n_eligible": 0, "eligible_age_mean": None, "replicates_per_child": K,
            "by_grace_months": {str(g): dict(est) for g in p.grace_months}}


def ground_truth(pop: Population, scr: Screenings, d: Draws, p: SynthParams,
                 reg_light: dict, reg_spells: dict, rng: np.random.Generator | None = None,
                 design: list | None = None) -> dict:
    """True CIFs, RD(τ), RMST difference, π, D, answers and verdict per grace period; see the module notes.

    Every eligible child's future is simulated ``p.truth_replicates`` times (K) under both
    strategies, each time with fresh random numbers from the first month after time zero (the
    past, which the registry shows, stays the same), so that the truth of a small municipality is
    the expectation over its children's possible futures and not itself noisy. The K copies run
    side by side in one simulation (the children stacked K times)."""
    idx, t0 = eligible_signals(pop, scr, reg_light, reg_spells, p, design)
    K = max(int(p.truth_replicates), 1)
    if not len(idx):   # nobody eligible (a registration design without periods): no truth to simulate
        return _no_truth(p, K)
    rng = rng or np.random.default_rng([p.seed, 7])
    stack = np.tile(idx, K)
    t0k = np.tile(t0, K)
    sub, scr_s, d_s = pop.subset(stack), scr.subset(stack), d.subset(stack)
    fresh = make_draws(rng, len(stack), p.light_provider_share)
    d_grace = Draws(**{**d_s.__dict__, "u_grace": fresh.u_grace})   # arm a's start within the grace period: fresh too
    tau_days = p.tau_months * DAYS_PER_MONTH
    long_months = max(p.tau_long_months, p.tau_months)
    t_end = (t0.max() if len(t0) else 0) + long_months * DAYS_PER_MONTH + DAYS_PER_MONTH
    # the world without moving out: residence does not enter the course, so nothing to change
    arm_b = run_course(sub, scr_s, d_s, p, t_end, Trial(t0=t0k, mode="b", fresh=fresh))
    t_b = _first_spell_after(arm_b, len(stack), t0k)
    long_days = long_months * DAYS_PER_MONTH
    months_b, heavy_b = _care_after(arm_b, len(stack), t0k, long_days)
    by_grace = {}
    for g in p.grace_months:
        s_force = forced_start(sub, scr_s, d_grace, p, t0k, g)
        arm_a = run_course(sub, scr_s, d_s, p, t_end, Trial(t0=t0k, mode="a", s_force=s_force, fresh=fresh))
        est = _summaries(_first_spell_after(arm_a, len(stack), t0k), t_b, tau_days, long_months, K)
        months_a, heavy_a = _care_after(arm_a, len(stack), t0k, long_days)
        est.update({"specialist_months_a": float(months_a.mean()), "specialist_months_b": float(months_b.mean()),
                    "specialist_months_diff": float(months_a.mean() - months_b.mean()),
                    "heavy_care_a": float(np.mean(heavy_a <= long_days)), "heavy_care_b": float(np.mean(heavy_b <= long_days))})
        est["heavy_care_rd"] = est["heavy_care_a"] - est["heavy_care_b"]
        enough = len(idx) >= 50 and min(est["events_long_a"], est["events_long_b"]) >= 10
        est["answers"] = truth_answers(est["prevented_fraction"], est["delay_months"], est["specialist_months_diff"],
                                       enough)
        est["verdict"] = truth_verdict(est["answers"], est["rd_tau"])
        by_grace[str(g)] = est
    ages = (t0 - pop.birth[idx]) / DAYS_PER_YEAR
    return {"n_eligible": int(len(idx)), "eligible_age_mean": float(ages.mean()) if len(idx) else None,
            "replicates_per_child": K, "by_grace_months": by_grace}
