"""From estimates to the protocol's verdict, and E-values (VanderWeele & Ding 2017).

The verdict is a code; its words in Dutch and English are in :mod:`analysis.report.i18n`.
"""
from __future__ import annotations

import math
from typing import Literal

Verdict = Literal["prevents", "delays", "more_specialist_care", "no_detectable_effect", "insufficient_data"]

def verdict(rd: dict, rmst: dict, n_eligible: int, events_a: int, events_b: int) -> Verdict:
    """The protocol's rules on the 95 % intervals of RD(τ) and of the RMST difference."""
    if n_eligible < 50 or min(events_a, events_b) < 10:
        return "insufficient_data"
    if rd["ci_high"] < 0:
        return "prevents"
    if rd["ci_low"] > 0:
        return "more_specialist_care"
    if rmst["ci_low"] > 0:
        return "delays"
    return "no_detectable_effect"


def e_value_rr(rr: float) -> float:
    """E-value of a risk ratio: the strength of unmeasured confounding that could explain it away."""
    if not rr > 0:
        return float("nan")
    r = rr if rr >= 1 else 1 / rr
    return r + math.sqrt(r * (r - 1))


def e_value(rr: float, lo: float, hi: float) -> dict:
    """E-values for the estimate and for the confidence limit closest to 1 (1 when the CI holds 1)."""
    if lo <= 1 <= hi:
        limit = 1.0
    else:
        limit = e_value_rr(hi if rr < 1 else lo)
    return {"estimate": e_value_rr(rr), "ci_limit": limit}


def hr_to_rr(hr: float) -> float:
    """Common-outcome conversion of a hazard ratio to an approximate risk ratio (VanderWeele 2017)."""
    return (1 - 0.5 ** math.sqrt(hr)) / (1 - 0.5 ** math.sqrt(1 / hr))
