"""The causal truth of a synthetic registry: both strategies simulated with common random numbers.

The eligible population is found the way the protocol's target trial finds it, from what the
registry shows (registered episodes while resident, registry window): resident, age 4–16, no
specialist care registered before, no light support registered in the previous 12 months, an SDQ
signal (parent SDQ ≥ cut-off) at time zero = the screening date; the first such signal per child.

For each eligible child the course is re-simulated from birth with the same random numbers under
arm a (light support starts at a time drawn from the generator's own uptake process conditioned
on starting within the grace period; afterwards the natural course) and arm b (no light support
from time zero on). The outcome is the first specialist spell after time zero in a world without
moving out and without the administrative end at 18 (the hazard beyond 18 stays at its age-17
level): the world that an estimator censoring at moving out and at 18 targets. Death competes.
"""
from __future__ import annotations

import numpy as np

from .course import Course, Draws, Screenings, Trial, run_course, uptake_hazard
from .params import DAYS_PER_MONTH, DAYS_PER_YEAR, SynthParams
from .population import Population, day_number

#: true values closer to 0 than these count as no effect in the truth's verdict
RD_ZERO = 0.005
RMST_ZERO_MONTHS = 0.25


def eligible_signals(pop: Population, scr: Screenings, reg_light: dict, reg_spells: dict,
                     p: SynthParams) -> tuple[np.ndarray, np.ndarray]:
    """Children eligible for the target trial and their time zero (first eligible signal).

    ``reg_light`` / ``reg_spells``: registered episodes as dicts of arrays ``person``, ``start``,
    ``end`` (days). Returns (person index, time zero day).
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


def _first_spell_after(course: Course, n: int, t0: np.ndarray) -> np.ndarray:
    """Days from time zero to the first spell starting at or after it (inf: none)."""
    out = np.full(n, np.inf)
    after = course.spell_start >= t0[course.spell_person]
    np.minimum.at(out, course.spell_person[after], course.spell_start[after] - t0[course.spell_person[after]])
    return out


def truth_verdict(rd: float, rmst_diff: float, n_eligible: int, events_a: int, events_b: int) -> str:
    """The protocol's verdict rules applied to true values (no confidence intervals)."""
    if n_eligible < 50 or min(events_a, events_b) < 10:
        return "insufficient_data"
    if rd <= -RD_ZERO:
        return "prevents"
    if rd >= RD_ZERO:
        return "more_specialist_care"
    if rmst_diff >= RMST_ZERO_MONTHS:
        return "delays"
    return "no_detectable_effect"


def _summaries(t_a: np.ndarray, t_b: np.ndarray, tau_days: float) -> dict:
    cif_a, cif_b = float(np.mean(t_a <= tau_days)), float(np.mean(t_b <= tau_days))
    rmst_a = float(np.mean(np.minimum(t_a, tau_days))) / DAYS_PER_MONTH
    rmst_b = float(np.mean(np.minimum(t_b, tau_days))) / DAYS_PER_MONTH
    return {"cif_a_tau": cif_a, "cif_b_tau": cif_b, "rd_tau": cif_a - cif_b,
            "rmst_a_months": rmst_a, "rmst_b_months": rmst_b, "rmst_diff_months": rmst_a - rmst_b,
            "events_a": int(np.sum(t_a <= tau_days)), "events_b": int(np.sum(t_b <= tau_days))}


def ground_truth(pop: Population, scr: Screenings, d: Draws, p: SynthParams,
                 reg_light: dict, reg_spells: dict) -> dict:
    """True CIFs, RD(τ), RMST difference and verdict per grace period; see the module notes."""
    idx, t0 = eligible_signals(pop, scr, reg_light, reg_spells, p)
    sub, scr_s, d_s = pop.subset(idx), scr.subset(idx), d.subset(idx)
    tau_days = p.tau_months * DAYS_PER_MONTH
    t_end = (t0.max() if len(t0) else 0) + tau_days + DAYS_PER_MONTH
    # the world without moving out: residence does not enter the course, so nothing to change
    arm_b = run_course(sub, scr_s, d_s, p, t_end, Trial(t0=t0, mode="b"))
    t_b = _first_spell_after(arm_b, len(idx), t0)
    by_grace = {}
    for g in p.grace_months:
        s = forced_start(sub, scr_s, d_s, p, t0, g)
        arm_a = run_course(sub, scr_s, d_s, p, t_end, Trial(t0=t0, mode="a", s_force=s))
        est = _summaries(_first_spell_after(arm_a, len(idx), t0), t_b, tau_days)
        est["verdict"] = truth_verdict(est["rd_tau"], est["rmst_diff_months"], len(idx),
                                       est["events_a"], est["events_b"])
        by_grace[str(g)] = est
    ages = (t0 - sub.birth) / DAYS_PER_YEAR
    return {"n_eligible": int(len(idx)), "eligible_age_mean": float(ages.mean()) if len(idx) else None,
            "by_grace_months": by_grace}
