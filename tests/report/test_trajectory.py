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
                            minimum_detectable={"prevented_fraction": 1.4, "rd_tau": 0.19}, reduces={})
    pr = SimpleNamespace(primary=trial, params=SimpleNamespace(tau_months=36, min_cell=10))
    nl = answers_markdown(pr, "nl")
    assert "**0.5 maanden eerder**" in nl and "-0.5 maanden" not in nl
    assert "zelfs een voorkomen deel van 100 %" in nl and "140 %" not in nl
    en = answers_markdown(pr, "en")
    assert "**0.5 months earlier**" in en and "not even a prevented share of 100%" in en


def test_share_in_care_is_shown_only_for_months_with_enough_children_in_and_out_of_care():
    from analysis.report.presentation import in_care_shown
    p = SimpleNamespace(min_cell=10)
    #                  month:   0    1    2    3    4    5
    ic = pd.DataFrame({"month": np.arange(6),
                       "share_a": 0.1, "n_seen_a": [200, 200, 150, 100, 20, 12], "n_in_care_a": [5, 12, 30, 40, 10, 4],
                       "share_b": 0.2, "n_seen_b": [200, 190, 150, 95, 19, 11], "n_in_care_b": [9, 10, 141, 50, 9, 8]})
    shown = in_care_shown(SimpleNamespace(in_care=ic), p)
    # 0: in care 5 and 9 → no; 1: 12/10 in, 188/180 out → shown; 2: b has 9 out of care → no;
    # 3 → shown; 4: b has 9 in care and 10 out → no; 5: too few
    assert shown["month"].tolist() == [1, 3]
    assert list(shown.columns) == ["month", "share_a", "share_b"]            # no counts published


def test_heavy_care_is_said_only_with_enough_children_with_heavy_care_in_each_arm():
    from analysis.report.presentation import answers_markdown
    ci = lambda e, lo, hi: {"estimate": e, "ci_low": lo, "ci_high": hi}  # noqa: E731
    reduces = {"specialist_months_a": ci(8.2, 7.4, 8.9), "specialist_months_b": ci(10.2, 9.5, 11.3),
               "specialist_months_diff": ci(-2.0, -3.3, -1.1), "heavy_care_a": ci(0.117, 0.10, 0.13),
               "heavy_care_b": ci(0.151, 0.13, 0.19), "heavy_care_rd": ci(-0.034, -0.073, -0.013)}
    trial = SimpleNamespace(answers={"prevents": "not_shown", "delays": "not_shown", "reduces": "yes"},
                            params=SimpleNamespace(long_months=60), prevented_fraction=ci(0.02, -0.2, 0.2),
                            delay_months=ci(0.5, -2.4, 3.0), shift_fit={"fit_r2": 0.9}, reduces=reduces,
                            heavy_events=(31, 45),
                            minimum_detectable={"prevented_fraction": 0.4, "rd_tau": 0.05,
                                                "specialist_months_diff": 1.6})
    pr = SimpleNamespace(primary=trial, params=SimpleNamespace(tau_months=36, min_cell=10))
    nl = answers_markdown(pr, "nl")
    assert "**8.2 maanden**" in nl and "**10.2 maanden**" in nl and "**2.0 maanden minder** per kind" in nl
    assert "12 % met en 15 % zonder" in nl and "3.4 procentpunt lager" in nl
    assert "**1.6 maanden** in specialistische jeugdhulp" in nl
    trial.heavy_events = (31, 9)
    nl = answers_markdown(pr, "nl")
    assert "12 %" not in nl and "15 %" not in nl and "minder dan 10 kinderen" in nl
    en = answers_markdown(pr, "en")
    assert "fewer than 10 children had it" in en and "**2.0 fewer** months per child" in en
