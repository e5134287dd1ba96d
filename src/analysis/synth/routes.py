"""The true rate of step-up out of light support (*opschaling*), from the generator's own hazards.

The route model is the course's (:mod:`analysis.synth.course`): light support is the levels
``licht`` or ``selectief``; specialist care that starts while light support runs is a step-up
(more likely while the child's problem persists: the course's excess hazard); the spell's later
episodes are other, mostly lighter forms of care (:func:`analysis.synth.tables._split_spells`), and
light support that runs on after a spell ends is a step-down to it.

The truth is the step-up hazard integrated over the time children spend in light support: per
month the course's specialist-care hazard (from the state at the start of the month, as the
course applies it) times the days of that month a child is in light support and not in
specialist care, while living here, under 18 and in the registry window; divided by those days.
Its numerator is the compensator of the step-ups: the count of step-ups that the registry shows
varies around it as a Poisson count would (the registry registers only part of the light support,
independently of the child's hazard).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .course import J_SPELLS, MAX_AGE, Course, Draws, severity, specialist_hazard
from .params import DAYS_PER_MONTH, DAYS_PER_YEAR, SynthParams
from .population import Population, day_number


def step_up_truth(pop: Population, d: Draws, c: Course, p: SynthParams) -> dict:
    """``step_up_per_100_child_years`` out of light support (its truth), with the child-years, the
    expected step-ups (the compensator) and the step-ups that happened in those child-years."""
    lo = np.maximum(pop.entry, day_number(p.registry_start))
    hi = np.minimum.reduce([pop.exit, pop.death, np.full(pop.n, day_number(p.extract_date) + 1.0),
                            pop.birth + 18 * DAYS_PER_YEAR])
    lp, ls, le = c.light_person, c.light_start, c.light_end
    # light episodes clipped to the child's window (episodes of one child never overlap)
    a0, b0 = np.maximum(ls, lo[lp]), np.minimum(le, hi[lp])
    use = b0 > a0
    lp, a0, b0 = lp[use], a0[use], b0[use]
    # pairs of a light episode and a spell of the same child, to take the spell's days out
    spells = pd.DataFrame({"person": c.spell_person, "ss": c.spell_start, "se": c.spell_end})
    pairs = pd.DataFrame({"person": lp, "i": np.arange(len(lp)), "a": a0, "b": b0}).merge(spells, on="person")
    pairs = pairs[(pairs["ss"] < pairs["b"]) & (pairs["se"] > pairs["a"])]
    pi, pa, pb = pairs["i"].to_numpy(), np.maximum(pairs["a"], pairs["ss"]).to_numpy(), \
        np.minimum(pairs["b"], pairs["se"]).to_numpy()
    # the course's state at the start of each month, for the children with light support
    sev = severity(pop, p)
    resolved_at = np.full(pop.n, np.inf)           # the first light start that resolves the problem
    res = d.u_prevent[c.light_person, c.light_k] < p.prevent
    np.minimum.at(resolved_at, c.light_person[res], c.light_start[res])
    delay = p.delay_months * DAYS_PER_MONTH
    order_l = np.argsort(c.light_start, kind="stable")
    order_s = np.argsort(c.spell_start, kind="stable")
    first_day, last_day = a0.min() if len(a0) else 0.0, b0.max() if len(b0) else 0.0
    t = np.floor(pop.birth.min() / DAYS_PER_MONTH) * DAYS_PER_MONTH
    compensator = 0.0
    while t < last_day:
        t_next = t + DAYS_PER_MONTH
        if t_next > first_day:
            days = np.clip(np.minimum(b0, t_next) - np.maximum(a0, t), 0, None)
            cut = np.clip(np.minimum(pb, t_next) - np.maximum(pa, t), 0, None)
            days = days - np.bincount(pi, weights=cut, minlength=len(days))
            if days.sum() > 0:
                # the state at the start of the month: light starts and spells before it
                before_l = order_l[c.light_start[order_l] < t]
                susp = np.full(pop.n, -np.inf)
                np.maximum.at(susp, c.light_person[before_l], c.light_start[before_l] + delay)
                active = ~(resolved_at < t) & (susp <= t)
                before_s = order_s[c.spell_start[order_s] < t]
                n_spells = np.bincount(c.spell_person[before_s], minlength=pop.n)
                in_spell = np.zeros(pop.n, bool)
                in_spell[c.spell_person[before_s][c.spell_end[before_s] > t]] = True
                age = (t - pop.birth) / DAYS_PER_YEAR
                live = (age >= 0) & (age < MAX_AGE) & (pop.death > t)
                h = specialist_hazard(pop, p, sev, t, active, n_spells > 0) * live * ~in_spell * (n_spells < J_SPELLS)
                compensator += float(np.sum(h[lp] * days)) / DAYS_PER_YEAR
        t = t_next
    exposure_days = float(np.sum(b0 - a0) - np.sum(pb - pa))
    years = exposure_days / DAYS_PER_YEAR
    # the step-ups that happened: a spell starting inside a light episode's days in the window
    hit = (pairs["ss"] >= pairs["a"]) & (pairs["ss"] < pairs["b"])
    return {"step_up_per_100_child_years": 100 * compensator / years if years > 0 else None,
            "child_years_in_light_support": years, "expected_step_ups": compensator,
            "step_ups": int(hit.sum()),
            "definition": ("Step-ups out of light support (levels licht, selectief) into specialist care per "
                           "100 child-years in light support: the course's specialist-care hazard integrated "
                           "over every child's days in light support (registered or not), not in specialist "
                           "care, living here, under 18, in the registry window.")}
