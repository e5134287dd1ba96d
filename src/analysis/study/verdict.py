"""From estimates to the protocol's three answers and verdict (version 2), and E-values
(VanderWeele & Ding 2017).

The verdict is a code; its words in Dutch and English are in :mod:`analysis.report.i18n`.
"""
from __future__ import annotations

import math
from typing import Literal

Answer = Literal["yes", "opposite", "not_shown", "insufficient_data", "insufficient_registration",
                 "not_estimated"]   # not_estimated: an answer this version does not compute yet
Verdict = Literal["prevents_and_delays", "prevents", "delays", "more_specialist_care", "no_detectable_effect",
                  "insufficient_data", "insufficient_registration"]
ANSWERS = ("prevents", "delays", "reduces")

#: the verdicts without an answer: their estimates are not shown, pooled or plotted
NO_ANSWER = ("insufficient_data", "insufficient_registration")
MIN_ELIGIBLE = 50        # fewer eligible children: insufficient_data
MIN_EVENTS = 10          # fewer events by τ_L in either arm: insufficient_data
MIN_AT_RISK = 10         # fewer clones at risk at τ_L in either arm: insufficient_data
DETECTABLE_Z = 2.8       # 80 % power, two-sided 5 %: z_0.975 + z_0.80 = 1.96 + 0.84


def enough_data(n_eligible: int, events: tuple[float, float], at_risk: tuple[float, float]) -> bool:
    """The protocol's minimum for any answer: 50 eligible children, 10 events by τ_L and 10 clones
    at risk at τ_L in each arm."""
    return n_eligible >= MIN_ELIGIBLE and min(events) >= MIN_EVENTS and min(at_risk) >= MIN_AT_RISK


def answer(ci: dict | None, yes_when: Literal["above", "below"] = "above") -> Answer:
    """``yes`` when the 95 % interval lies entirely on the side of an effect, ``opposite`` when
    entirely on the other side, ``not_shown`` otherwise (or where there is no interval)."""
    if not ci or not all(math.isfinite(ci.get(k, math.nan)) for k in ("ci_low", "ci_high")):
        return "not_shown"
    above, below = ci["ci_low"] > 0, ci["ci_high"] < 0
    if yes_when == "below":
        above, below = below, above
    return "yes" if above else "opposite" if below else "not_shown"


def answers(prevented_fraction: dict | None, delay_months: dict | None, specialist_months_diff: dict | None,
            enough: bool, registration_ok: bool = True) -> dict[str, Answer]:
    """The three answers: prevents (π > 0), delays (D > 0), reduces (fewer months in specialist care)."""
    if not registration_ok:
        return {k: "insufficient_registration" for k in ANSWERS}
    if not enough:
        return {k: "insufficient_data" for k in ANSWERS}
    return {"prevents": answer(prevented_fraction), "delays": answer(delay_months),
            "reduces": answer(specialist_months_diff, yes_when="below") if specialist_months_diff is not None
            else "not_estimated"}


def verdict(ans: dict[str, Answer], rd: dict | None) -> Verdict:
    """The headline verdict from the answers (``reduces`` is stated beside it): prevention and delay
    both, either, more specialist care (π or RD(τ) in the opposite direction), or no detectable effect."""
    if ans["prevents"] in ("insufficient_data", "insufficient_registration"):
        return ans["prevents"]
    prevents, delays = ans["prevents"] == "yes", ans["delays"] == "yes"
    if prevents and delays:
        return "prevents_and_delays"
    if prevents:
        return "prevents"
    if delays:
        return "delays"
    if ans["prevents"] == "opposite" or answer(rd, yes_when="below") == "opposite":
        return "more_specialist_care"
    return "no_detectable_effect"


def minimum_detectable(se: float) -> float:
    """The smallest true effect a two-sided 5 % test detects with 80 % power, given its standard error."""
    return DETECTABLE_Z * se if math.isfinite(se) else float("nan")


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
