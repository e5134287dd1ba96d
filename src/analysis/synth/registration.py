"""How each light-support provider type registers in a municipality: its window and sensitivity.

Real municipalities register light support late, unevenly and partly: a provider type starts
registering in some year (some never do, some stop again), and within its window not every
episode is registered. The synthetic registry draws this per municipality (``realistic``), takes
it from the parameters (``SynthParams.registration``), or registers everything (``complete``).
The plan is written into ``delivery.yml`` as the municipality would declare it (windows only: a
municipality does not know its sensitivity; ``misdeclare`` makes one declaration wrong) and into
``ground_truth.json`` as it truly is.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from ..errors import ParameterError
from .params import LIGHT_PROVIDER_TYPES, LIGHT_REGISTERED_FROM, Municipality, SynthParams

#: realistic default, per provider type and municipality: the first year registered is the
#: national year of ``LIGHT_REGISTERED_FROM`` shifted by −1..+2 years; with these probabilities the
#: type never registers or stops after 2–5 years; the sensitivity within the window is uniform on
#: this range.
P_NEVER = 0.08
P_STOPS = 0.10
SENSITIVITY_RANGE = (0.7, 1.0)


@dataclass(frozen=True)
class TypeRegistration:
    """One provider type's registration: the window [start, end] (inclusive days; ``None``: the type
    never registers) and the share of its episodes registered within it."""

    provider_type: str
    start: date | None
    end: date | None
    sensitivity: float

    def window(self) -> list[list[str]]:
        return [] if self.start is None else [[str(self.start), str(self.end)]]


def parse_registration(spec: str) -> tuple[str, int | None, int | None, float]:
    """``TYPE:FROM[-TO]:SENSITIVITY`` (years; ``TYPE:never``) as given on the command line, e.g.
    ``wijkteam:2015:0.9`` or ``poh_jeugd:2018-2021:0.6``."""
    parts = spec.split(":")
    if not parts or parts[0] not in LIGHT_PROVIDER_TYPES:
        raise ParameterError(f"--registration {spec!r}: the provider type must be one of "
                             f"{', '.join(LIGHT_PROVIDER_TYPES)}")
    if len(parts) == 2 and parts[1] == "never":
        return parts[0], None, None, 0.0
    if len(parts) != 3:
        raise ParameterError(f"--registration {spec!r}: write TYPE:FROM[-TO]:SENSITIVITY, e.g. wijkteam:2015:0.9, "
                             "or TYPE:never")
    years = parts[1].split("-")
    try:
        y0 = int(years[0])
        y1 = int(years[1]) if len(years) > 1 else None
        sens = float(parts[2])
    except ValueError:
        raise ParameterError(f"--registration {spec!r}: years must be whole numbers and the sensitivity a "
                             "number between 0 and 1") from None
    if not 0 < sens <= 1:
        raise ParameterError(f"--registration {spec!r}: the sensitivity must lie in (0, 1], got {sens}")
    if y1 is not None and y1 < y0:
        raise ParameterError(f"--registration {spec!r}: the window ends ({y1}) before it starts ({y0})")
    return parts[0], y0, y1, sens


def registration_plan(m: Municipality, p: SynthParams) -> dict[str, TypeRegistration]:
    """The true registration of every light-support provider type in municipality ``m``."""
    lo, hi = p.registry_start, p.extract_date
    plan = {}
    rng = np.random.default_rng([p.seed, int(m.code), 23])   # its own stream: the registry's draws stay
    for t in LIGHT_PROVIDER_TYPES:
        if p.light_registration == "complete":
            plan[t] = TypeRegistration(t, lo, hi, 1.0)
            continue
        u_never, u_stop, shift, length, sens = rng.random(), rng.random(), rng.integers(-1, 3), \
            rng.integers(2, 6), rng.uniform(*SENSITIVITY_RANGE)
        if u_never < P_NEVER:
            plan[t] = TypeRegistration(t, None, None, 0.0)
            continue
        y0 = min(max(LIGHT_REGISTERED_FROM[t] + int(shift), lo.year), hi.year - 1)
        start = max(date(y0, 1, 1), lo)
        end = date(min(y0 + int(length), hi.year), 12, 31) if u_stop < P_STOPS else hi
        plan[t] = TypeRegistration(t, start, min(end, hi), round(float(sens), 3))
    # the municipality's own registration, then the parameters' (which apply to every municipality)
    for t, y0, y1, sens in (parse_registration(s) for s in (*m.registration, *p.registration)):
        if y0 is None:
            plan[t] = TypeRegistration(t, None, None, 0.0)
        else:
            plan[t] = TypeRegistration(t, max(date(y0, 1, 1), lo), min(date(y1, 12, 31), hi) if y1 else hi, sens)
    return plan


def declared_windows(plan: dict[str, TypeRegistration], m: Municipality, p: SynthParams) -> tuple[dict, str | None]:
    """The windows as the municipality declares them in ``delivery.yml``; with ``p.misdeclare`` the
    most used type that registers is declared from two years before its true start (or from the
    registry start) — a declaration that detection should contradict. Returns (declared, the type
    misdeclared or None)."""
    declared = {t: r.window() for t, r in plan.items()}
    if not p.misdeclare:
        return declared, None
    wrong = next((t for t in LIGHT_PROVIDER_TYPES if plan[t].start is not None
                  and plan[t].start.year - 2 >= p.registry_start.year), None)
    if wrong is None:   # every type registers from the start: declare the first one as never registering
        wrong = next(t for t in LIGHT_PROVIDER_TYPES if plan[t].start is not None)
        declared[wrong] = []
        return declared, wrong
    r = plan[wrong]
    declared[wrong] = [[str(date(r.start.year - 2, 1, 1)), str(r.end)]]
    return declared, wrong


def truth_block(plan: dict[str, TypeRegistration], declared: dict, wrong: str | None) -> dict:
    """What ``ground_truth.json`` records about registration."""
    return {"types": {t: {"windows": r.window(), "sensitivity": r.sensitivity, "declared": declared[t]}
                      for t, r in plan.items()}, "misdeclared": wrong}


#: the share of the registry period a provider type's window must cover to be counted by default
#: (the analysis's default rule, ``analysis.study.windows.COUNTED_SHARE``; written here again: the
#: truth uses no estimator code)
COUNTED_SHARE = 0.5


def design_periods(declared: dict, p: SynthParams) -> tuple[list[str], list[tuple[float, float]]]:
    """The analysis's default registration design on the declared windows: the counted types (a
    window covering at least half the registry period) and the periods in which all of them
    register, as (first day, last day + 1) in days since 1970."""
    from .population import day_number
    lo, hi = p.registry_start, p.extract_date
    total = (hi - lo).days + 1

    def periods(w):
        return [(date.fromisoformat(a), date.fromisoformat(b)) for a, b in w]
    counted = [t for t in LIGHT_PROVIDER_TYPES
               if sum(max(0, (min(b, hi) - max(a, lo)).days + 1) for a, b in periods(declared.get(t, [])))
               >= COUNTED_SHARE * total]
    common = [(lo, hi)] if counted else []   # no type counted: no period in which light support is known
    for t in counted:
        common = [(max(a, c), min(b, d)) for a, b in common for c, d in periods(declared[t]) if max(a, c) <= min(b, d)]
    return counted, [(float(day_number(a)), float(day_number(b)) + 1) for a, b in sorted(common)]
