"""What registering would buy (protocol, "Registration" 4): the years of complete registration of all
light-support provider types after which a municipality could detect a prevented fraction of 0.2.

A planning figure by simulation, for the registration advice at the end of appendix 1:

1. **The municipality's rates**, from its own validated registry: its size (resident children aged
   0–17 at the extract date), its eligible signals per child (version 1: every light-support type,
   the whole registry), its event rate (first specialist care per person-year of the eligible
   children's follow-up to τ_L) and its uptake (the share of the design's eligible children that
   start light support within the grace period, corrected for unregistered starts by the bias
   analysis's median multiplier: the cumulative hazard times 1 + m; where the bias analysis did not
   run, the uptake cannot be measured and the generator's own, calibrated to national magnitudes,
   is kept).
2. **A pilot registry** of the generator (at most ``PILOT_CHILDREN`` children, the planning
   registry's ``MAX_YEARS`` to the extract date, complete registration, its rates read over the
   municipality's registry period) gives the same rates; the planning registry scales its
   children by the ratio of eligible signals per child, the specialist-care hazard by the ratio of
   event rates and the uptake hazard by the ratio of cumulative uptake hazards, in
   ``CALIBRATION_STEPS`` steps (a knob moves the other rates a little too).
3. **The planning registry**: the calibrated generator over ``MAX_YEARS`` years to the extract date,
   every type registered completely, a true prevented fraction of 0.2 and no delay (the effect to be
   detected). Registration of all types during the last ``Y`` years is the registration design with
   one window of ``Y`` years before the extract: time zero after its washout, follow-up to its end.
   For each ``Y`` the primary trial with bootstrap gives the minimum detectable π (2.8 bootstrap
   standard errors); the answer is the smallest ``Y`` from which it stays at or below 0.2 (``Y`` on
   a grid of ``GRID_YEARS``, then a search between grid points; ``None``: not within ``MAX_YEARS``).
   The simulated effect is the one to be detected (π = 0.2, no delay): the standard error of π
   depends on the true effect, so the figure for the registry as it is (from its own estimate) and
   this one are not exactly on the same footing.

The years already registered count: where every provider type of the municipality registers up to
the extract date, the years since their common window began are subtracted (``more_years``).
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from ..study.cohort import DAYS_PER_MONTH, DAYS_PER_YEAR, SPECIALIST, build_cohort
from ..study.params import AnalysisParams
from ..study.results import PrimaryResults, _cached, _load, _trial_params, primary_analysis, run_trial
from ..study.trial import eligible, follow_up
from .generate import simulate_municipality
from .params import Municipality, SynthParams
from .population import day_number

TARGET_PI = 0.2          # the prevented fraction the advice aims to make detectable
MAX_YEARS = 15           # the longest registration simulated
MIN_YEARS = 6            # the washout (12 months) and τ_L (60 months): shorter leaves no copy followed to τ_L
PILOT_CHILDREN = 8_000   # the pilot registry's size at most (its rates do not depend on size)
GRID_YEARS = (6, 9, 12, 15)  # years of registration always simulated (the figure); the search refines between
CALIBRATION_STEPS = 3    # pilot registries simulated to calibrate the generator's knobs


@dataclass(frozen=True)
class Rates:
    """A registry's rates that decide how much it can detect."""

    children: int                  # resident children aged 0–17 at the extract date
    eligible_per_child: float      # eligible signals (version 1) per resident child at the extract
    events_per_year: float         # first specialist care per person-year of follow-up to τ_L (eligible children)
    uptake: float                  # share of the eligible starting light support within the grace period


@dataclass(frozen=True)
class Planning:
    """The registration advice of one municipality."""

    target: float
    years: int | None                  # years of complete registration for a minimum detectable π ≤ target
    registered_years: float            # years all provider types have registered together up to the extract
    more_years: int | None             # years still to register: years − registered_years (≥ 0)
    by_years: pd.DataFrame             # years, minimum detectable π and RD(τ) on the planning registry
    current: dict                      # the registry as it is: minimum detectable π and RD(τ), verdict
    types: pd.DataFrame                # provider type, window used, registers at the extract date
    observed: Rates
    planned: Rates                     # the planning registry's rates (after calibration)
    uptake_measured: bool              # False: the generator's uptake kept (no bias analysis to correct it)
    scales: dict = field(default_factory=dict)   # children, uptake_scale, specialist_scale
    max_years: int = MAX_YEARS
    tau_months: int = 36


def children_at(cohort) -> int:
    """Resident children aged 0–17 on the extract date."""
    r, per = cohort.residence, cohort.persons
    day = cohort.extract
    live = r[(r["start"] <= day) & (r["end"] > day)]["person_id"].unique()
    birth = per.reindex(live)["birth"].to_numpy(float)
    age = (day - birth) / DAYS_PER_YEAR
    return int(np.sum((age >= 0) & (age < 18)))


def rates(cohort_all, tp_v1, design_fu: pd.DataFrame | None, grace_days: float, multiplier: float | None) -> Rates:
    """A registry's :class:`Rates`; the uptake from ``design_fu`` (the design's follow-up frame)
    corrected by ``multiplier`` (1 + m of the bias analysis), nan where it cannot be measured."""
    children = children_at(cohort_all)
    fu = follow_up(eligible(cohort_all, tp_v1), cohort_all, tp_v1)
    end = np.minimum(fu["end"].to_numpy(float), tp_v1.tau_long_days)
    events = np.sum((fu["reason"].to_numpy() == SPECIALIST) & (fu["end"].to_numpy(float) <= tp_v1.tau_long_days))
    years = end.sum() / DAYS_PER_YEAR
    uptake = np.nan
    if design_fu is not None and len(design_fu) and multiplier is not None:
        shown = float(np.mean(design_fu["light_start"].to_numpy(float) <= grace_days))
        uptake = 1 - (1 - shown) ** multiplier if shown < 1 else 1.0
    return Rates(children=children, eligible_per_child=len(fu) / max(children, 1),
                 events_per_year=float(events / years) if years > 0 else np.nan, uptake=float(uptake))


def search_years(detectable, target: float = TARGET_PI, grid=GRID_YEARS, first: int = MIN_YEARS,
                 last: int = MAX_YEARS) -> int | None:
    """The smallest number of years from which ``detectable(years)`` stays at or below ``target``:
    every point of ``grid`` first (the figure), then a bisection between the last grid point above
    the target and the first from which every grid point is at or below it. None: not by ``last``."""
    grid = [y for y in grid if first <= y <= last]
    ok = [detectable(y) <= target for y in grid]
    if not ok or not ok[-1]:
        return None
    i = len(ok) - 1
    while i > 0 and ok[i - 1]:
        i -= 1
    lo, hi = (grid[i - 1] if i > 0 else first - 1), grid[i]
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if detectable(mid) <= target:
            hi = mid
        else:
            lo = mid
    return hi


def _validated(m: Municipality, sp: SynthParams):
    """Simulate ``m`` (without its truth); returns its accepted tables, typed as validation types them
    (:func:`analysis.registry.validate.typed_tables`: the generator's rows are valid by construction,
    and the test suite checks that validation accepts them all and gives the same tables)."""
    from ..registry.validate import typed_tables
    return typed_tables(simulate_municipality(m, sp, truth=False)[0])


def _registered_years(windows: dict, extract: date) -> tuple[float, pd.DataFrame]:
    """Years in which every provider type of the municipality has registered without a break up to
    the extract date (0 when one does not register then), and per type its window and whether it
    registers at the extract date."""
    rows, since = [], []
    for t, w in windows.items():
        last = [(date.fromisoformat(a), date.fromisoformat(b)) for a, b in w]
        now = [a for a, b in last if b >= date(extract.year, extract.month, 1) and a <= extract]
        rows.append({"provider_type": t, "window": w, "registers_now": bool(now),
                     "since": str(min(now)) if now else None})
        since.append(min(now) if now else None)
    if not since or any(s is None for s in since):
        return 0.0, pd.DataFrame(rows)
    return (extract - max(since)).days / DAYS_PER_YEAR, pd.DataFrame(rows)


def plan(p: AnalysisParams, pr: PrimaryResults, progress=None) -> Planning:
    """The registration advice for ``p.municipality`` (see the module notes)."""
    quality = json.loads((Path(p.processed_dir) / p.municipality / "quality.json").read_text(encoding="utf-8"))
    start, extract = date.fromisoformat(str(quality["registry_start"])[:10]), \
        date.fromisoformat(str(quality["extract_date"])[:10])
    tables, cohort_all = _load(p, quality)
    tp_v1 = _trial_params(p)
    grace_days = tp_v1.grace_months * DAYS_PER_MONTH
    reg = pr.registration
    design_fu = None
    mult = None
    if pr.bias is not None and reg.get("design_windows"):
        from ..study.results import _design
        cohort, periods, _ = _design(p, tables, quality, cohort_all)
        tp = _trial_params(p, windows=periods)
        design_fu = follow_up(eligible(cohort, tp), cohort, tp)
        mult = 1 + float(np.nanmedian(pr.bias.draws["m"]))
    observed = rates(cohort_all, tp_v1, design_fu, grace_days, mult)
    code, name = p.municipality, pr.name or p.municipality
    base = dict(seed=p.seed, prevent=TARGET_PI, delay_months=0.0, light_registration="complete",
                tau_months=p.tau_months, tau_long_months=p.tau_long_months, primary_grace_months=p.grace_months,
                grace_months=(p.grace_months,), truth_replicates=1)
    # the pilot: the planning registry's design (MAX_YEARS to the extract date) at a smaller size, its
    # rates read over the municipality's own registry period (time zero from its first day on, the
    # washout before it, as in the municipality's version-1 trial); calibrated in a few steps (a knob
    # changes more than its own rate: fewer children in specialist care before a signal leave more,
    # and more severe, children eligible)
    plan_start = date(extract.year - MAX_YEARS + 1, 1, 1)
    tp_period = _trial_params(p, windows=((day_number(start) - tp_v1.washout_months * DAYS_PER_MONTH, day_number(extract) + 1),))

    def simulated(m: Municipality, scales: dict):
        sp = SynthParams(**base, municipalities=(m,), registry_start=plan_start, extract_date=extract,
                         uptake_scale=scales["uptake_scale"], specialist_scale=scales["specialist_scale"])
        cohort = build_cohort(_validated(m, sp), str(plan_start), str(extract), tuple(p.light_types))
        return cohort, rates(cohort, tp_period, follow_up(eligible(cohort, tp_period), cohort, tp_period),
                             grace_days, 1.0)

    pilot_m = Municipality(code, name, int(min(max(observed.children, 500), PILOT_CHILDREN)))
    ratio = lambda a, b: float(a / b) if np.isfinite(a) and np.isfinite(b) and a > 0 and b > 0 else 1.0  # noqa: E731
    cum = lambda u: -np.log1p(-u)  # noqa: E731  the cumulative uptake hazard within the grace period
    measured = bool(np.isfinite(observed.uptake) and 0 < observed.uptake < 1)
    scales = {"eligible": 1.0, "specialist_scale": 1.0, "uptake_scale": 1.0}
    for _ in range(CALIBRATION_STEPS):
        _, pilot = simulated(pilot_m, scales)
        scales["eligible"] = ratio(observed.eligible_per_child, pilot.eligible_per_child)
        scales["specialist_scale"] *= ratio(observed.events_per_year, pilot.events_per_year)
        if measured and 0 < pilot.uptake < 1:
            scales["uptake_scale"] *= ratio(cum(observed.uptake), cum(pilot.uptake))
    scales["children"] = max(int(round(observed.children * scales.pop("eligible"))), 500)
    plan_m = Municipality(code, name, scales["children"])
    plan_all, planned = simulated(plan_m, scales)

    found: dict[int, dict] = {}

    def detectable(years: int) -> float:
        if years not in found:
            lo = day_number(date(extract.year - years + 1, 1, 1))
            tp = _trial_params(p, windows=((lo, day_number(extract) + 1),))
            fu = follow_up(eligible(plan_all, tp), plan_all, tp)
            res, _ = run_trial(fu, tp, n_boot=p.n_boot_sensitivity, seed=p.seed, workers=p.workers,
                               label=f"planning {years} years")
            md = res.minimum_detectable
            found[years] = {"years": years, "prevented_fraction": float(md["prevented_fraction"]),
                            "rd_tau": float(md["rd_tau"])}
            if progress:
                progress(years)
        v = found[years]["prevented_fraction"]
        return v if np.isfinite(v) else np.inf

    years = search_years(detectable)
    registered, types = _registered_years(reg.get("windows", {}), extract)
    more = None if years is None else int(max(0, np.ceil(years - round(registered, 1))))
    res = pr.primary
    current = {"prevented_fraction": float(res.minimum_detectable.get("prevented_fraction", np.nan)),
               "rd_tau": float(res.minimum_detectable.get("rd_tau", np.nan)), "verdict": res.verdict}
    by_years = pd.DataFrame(sorted(found.values(), key=lambda r: r["years"]))
    return Planning(target=TARGET_PI, years=years, registered_years=float(registered), more_years=more,
                    by_years=by_years, current=current, types=types, observed=observed, planned=planned,
                    uptake_measured=bool(measured), scales=scales, tau_months=p.tau_months)


def registration_planning(p: AnalysisParams, progress=None) -> Planning:
    """:func:`plan` for ``p``, cached like the analyses (keyed on the parameters, the registry and the code)."""
    def compute(quality, sha):
        return plan(p, primary_analysis(p), progress)
    return _cached(p, "planning", compute)

