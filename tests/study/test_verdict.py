"""Verdict rules and E-values, checked against hand-computed values."""
import math

import pytest

from analysis.study.verdict import answers, e_value, e_value_rr, enough_data, hr_to_rr, minimum_detectable, verdict


def ci(lo, hi):
    return {"estimate": (lo + hi) / 2, "ci_low": lo, "ci_high": hi}


def test_answers_and_verdict_rules_of_protocol_version_2():
    yes, no, opp = ci(0.1, 0.4), ci(-0.1, 0.2), ci(-0.4, -0.1)
    a = answers(yes, no, None, enough=True)
    assert a == {"prevents": "yes", "delays": "not_shown", "reduces": "not_estimated"}
    assert verdict(a, ci(-0.1, -0.01)) == "prevents"
    assert verdict(answers(no, yes, None, enough=True), ci(-0.1, -0.01)) == "delays"   # a pure delay: not "prevents"
    assert verdict(answers(yes, yes, None, enough=True), ci(-0.1, -0.01)) == "prevents_and_delays"
    assert verdict(answers(opp, no, None, enough=True), ci(-0.05, 0.05)) == "more_specialist_care"
    assert verdict(answers(no, no, None, enough=True), ci(0.01, 0.05)) == "more_specialist_care"   # RD(τ) opposite
    assert verdict(answers(no, no, None, enough=True), ci(-0.05, 0.05)) == "no_detectable_effect"
    assert answers(no, no, ci(-3.0, -0.5), enough=True)["reduces"] == "yes"          # fewer months in care
    assert answers(no, no, ci(0.5, 3.0), enough=True)["reduces"] == "opposite"
    assert set(answers(yes, yes, None, enough=False).values()) == {"insufficient_data"}
    assert verdict(answers(yes, yes, None, enough=False), ci(-0.1, -0.01)) == "insufficient_data"
    assert verdict(answers(yes, yes, None, enough=True, registration_ok=False), None) == "insufficient_registration"
    # the minimum: 50 eligible children, 10 events by τ_L and 10 clones at risk at τ_L per arm
    assert enough_data(50, (10, 12), (10, 30)) and not enough_data(49, (10, 12), (10, 30))
    assert not enough_data(500, (9, 40), (30, 30)) and not enough_data(500, (30, 40), (30, 9))
    assert minimum_detectable(0.05) == pytest.approx(0.14)          # 2.8 standard errors


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
