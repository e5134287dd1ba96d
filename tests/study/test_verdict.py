"""Verdict rules and E-values, checked against hand-computed values."""
import math

import pytest

from analysis.study.verdict import e_value, e_value_rr, hr_to_rr, verdict


def ci(lo, hi):
    return {"estimate": (lo + hi) / 2, "ci_low": lo, "ci_high": hi}


def test_verdict_rules():
    assert verdict(ci(-0.1, -0.01), ci(-1, 3), 500, 30, 40) == "prevents"
    assert verdict(ci(-0.05, 0.02), ci(0.1, 2), 500, 30, 40) == "delays"
    assert verdict(ci(0.01, 0.1), ci(-2, -0.1), 500, 30, 40) == "more_specialist_care"
    assert verdict(ci(-0.05, 0.02), ci(-0.1, 2), 500, 30, 40) == "no_detectable_effect"
    assert verdict(ci(-0.1, -0.01), ci(1, 3), 49, 30, 40) == "insufficient_data"
    assert verdict(ci(-0.1, -0.01), ci(1, 3), 500, 9, 40) == "insufficient_data"


def test_e_values():
    # VanderWeele & Ding 2017: RR 3.9 → E = 3.9 + sqrt(3.9 * 2.9) = 7.26
    assert e_value_rr(3.9) == pytest.approx(3.9 + math.sqrt(3.9 * 2.9))
    assert e_value_rr(0.5) == pytest.approx(2 + math.sqrt(2))
    assert e_value(0.5, 0.3, 0.8) == {"estimate": pytest.approx(2 + math.sqrt(2)),
                                       "ci_limit": pytest.approx(1 / 0.8 + math.sqrt(1 / 0.8 * (1 / 0.8 - 1)))}
    assert e_value(0.9, 0.7, 1.1)["ci_limit"] == 1.0
    # common-outcome conversion: HR 2 → (1 - 0.5**1.414) / (1 - 0.5**0.707) = 1.6153
    assert hr_to_rr(2.0) == pytest.approx((1 - 0.5 ** math.sqrt(2)) / (1 - 0.5 ** math.sqrt(0.5)))
    assert hr_to_rr(1.0) == pytest.approx(1.0)
