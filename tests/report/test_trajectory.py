"""The published months of the RD trajectory: counted by hand on a made-up trajectory."""
from types import SimpleNamespace

import numpy as np
import pandas as pd

from analysis.report.presentation import trajectory_shown


def _trial(events_a, events_b, at_risk_a, at_risk_b):
    n = len(events_a)
    tr = pd.DataFrame({"month": np.arange(n), "rd": np.linspace(0, -0.1, n), "rd_low": -0.2, "rd_high": 0.1,
                       "cif_a": 0.0, "cif_a_low": 0.0, "cif_a_high": 0.0, "cif_b": 0.0, "cif_b_low": 0.0,
                       "cif_b_high": 0.0, "n_at_risk_a": at_risk_a, "n_at_risk_b": at_risk_b,
                       "events_a": events_a, "events_b": events_b})
    return SimpleNamespace(trajectory=tr)


def test_a_month_is_shown_only_when_each_arm_added_no_event_or_at_least_ten():
    p = SimpleNamespace(min_cell=10)
    #              month:  0  1  2   3   4   5   6   7
    events_a = np.array([0, 4, 9, 12, 12, 20, 25, 40])
    events_b = np.array([0, 3, 8, 10, 15, 21, 31, 33])
    at_risk = np.array([100, 90, 80, 70, 60, 50, 40, 9])
    shown = trajectory_shown(_trial(events_a, events_b, at_risk, at_risk), p)
    # month 3: a +12, b +10 → shown; 4: a +0, b +5 → no; 5: a +8, b +11 → no; 6: a +13, b +21 → shown;
    # 7: fewer than 10 at risk → the trajectory stops
    assert shown["month"].tolist() == [0, 3, 6]
    assert not {"n_at_risk_a", "events_a"} & set(shown.columns)            # no counts published
    # an arm without new events does not hold a month back
    shown = trajectory_shown(_trial(np.array([0, 0, 0, 11]), np.array([0, 10, 10, 10]), 50, 50), p)
    assert shown["month"].tolist() == [0, 1, 3]


def test_the_answers_read_right_for_an_earlier_start_and_an_undetectable_effect():
    from analysis.report.presentation import answers_markdown
    ci = lambda e, lo, hi: {"estimate": e, "ci_low": lo, "ci_high": hi}  # noqa: E731
    trial = SimpleNamespace(answers={"prevents": "not_shown", "delays": "not_shown", "reduces": "not_estimated"},
                            params=SimpleNamespace(long_months=60), prevented_fraction=ci(0.2, -0.9, 0.8),
                            delay_months=ci(-0.5, -2.4, 0.4), shift_fit={"fit_r2": 0.9},
                            minimum_detectable={"prevented_fraction": 1.4, "rd_tau": 0.19})
    pr = SimpleNamespace(primary=trial, params=SimpleNamespace(tau_months=36))
    nl = answers_markdown(pr, "nl")
    assert "**0.5 maanden eerder**" in nl and "-0.5 maanden" not in nl
    assert "zelfs een voorkomen deel van 100 %" in nl and "140 %" not in nl
    en = answers_markdown(pr, "en")
    assert "**0.5 months earlier**" in en and "not even a prevented share of 100%" in en
