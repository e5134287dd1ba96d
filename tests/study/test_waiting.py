"""Waiting times from request to start, on requests whose answers are counted by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.study.waiting import from_episodes, from_requests


def test_started_episodes_alone_give_the_empirical_distribution_labelled_conditional():
    waits = [0, 3, 10, 20, 27, 28, 30, 45, 60, 100]
    e = pd.DataFrame({"request_day": 1000.0, "start_day": 1000.0 + np.array(waits, float)})
    e.loc[len(e)] = [np.nan, 1500.0]                      # an episode without a request date: left out
    w = from_episodes(e)
    assert w.conditional and w.n_requests == 10 and w.n_started == 10
    # within the norm (28 days): 0, 3, 10, 20, 27, 28 = 6 of 10; its interval p ± 1.96 sqrt(p(1 − p)/n)
    s = w.share_started_within_norm
    assert s["estimate"] == pytest.approx(0.6)
    assert (s["ci_low"], s["ci_high"]) == pytest.approx((0.6 - 1.959964 * np.sqrt(0.024), 0.6 + 1.959964 * np.sqrt(0.024)), abs=1e-6)
    assert (w.share_within[56]["estimate"], w.share_within[84]["estimate"]) == pytest.approx((0.8, 0.9))
    assert w.median_days["estimate"] == 27                 # the 5th of 10: the first day half have started


def test_withdrawn_and_referred_requests_compete_and_waiting_ones_are_censored_at_the_extract():
    r = pd.DataFrame({"request_day": [0.0] * 6,
                      "outcome": ["started", "started", "withdrawn", "waiting", "started", "referred_elsewhere"],
                      "outcome_day": [10, 20, 15, np.nan, 40, 5]})
    w = from_requests(r, extract_day=100)
    assert (w.n_requests, w.n_started, w.n_competing, w.n_waiting) == (6, 3, 2, 1)
    # by hand: at 5 one of 6 is referred (S 5/6); 10: a start, 5/6 · 1/5 = 1/6; 15: withdrawn (S 3/6);
    # 20: a start, 3/6 · 1/3 → 2/6; 40: a start, 2/6 · 1/2 → 3/6
    assert w.share_started_within_norm["estimate"] == pytest.approx(2 / 6)
    assert w.share_within[56]["estimate"] == pytest.approx(0.5)
    assert w.median_days["estimate"] == 40
    # 1 − Kaplan–Meier with the competing outcomes censored would say more had started by day 28
    assert 1 - (4 / 5) * (2 / 3) > w.share_started_within_norm["estimate"]


def test_no_median_when_fewer_than_half_start_and_bad_input_is_refused():
    r = pd.DataFrame({"request_day": [0.0] * 4, "outcome": ["started", "withdrawn", "withdrawn", "waiting"],
                      "outcome_day": [10, 12, 14, np.nan]})
    w = from_requests(r, extract_day=50)
    assert w.median_days["estimate"] is None and w.share_within[84]["estimate"] == pytest.approx(0.25)
    with pytest.raises(ValueError, match="unknown outcomes"):
        from_requests(r.assign(outcome="lost"), extract_day=50)
    with pytest.raises(ValueError, match="negative wait"):
        from_requests(r.assign(outcome_day=-5.0, outcome="started"), extract_day=50)
    with pytest.raises(ValueError, match="without an outcome date"):
        from_requests(r.assign(outcome="started"), extract_day=50)


def test_the_registry_gives_requests_where_delivered_and_started_episodes_otherwise():
    from analysis.study.waiting import by_group, request_frame
    light = pd.DataFrame({"person_id": ["a", "b", "c"], "provider_type": ["wijkteam", "wijkteam", "cjg"],
                          "intervention_level": ["licht", "licht", None],
                          "request_date": pd.to_datetime(["2020-01-01", None, "2021-03-01"]),
                          "start_date": pd.to_datetime(["2020-01-15", "2020-02-01", "2021-03-29"])})
    spec = pd.DataFrame({"person_id": ["d"], "intervention_level": ["specialistisch"],
                         "request_date": pd.to_datetime(["2020-06-01"]), "start_date": pd.to_datetime(["2020-09-01"])})
    frame, conditional = request_frame({"light_support_episodes": light, "specialist_episodes": spec,
                                        "requests": pd.DataFrame()}, "2024-12-31")
    assert conditional and len(frame) == 3                           # b has no request date
    assert sorted(frame["outcome_day"] - frame["request_day"]) == [14, 28, 92]
    groups = by_group(frame, extract_day=0, conditional=conditional, by="provider_type")
    assert set(groups) == {"wijkteam", "cjg", "specialist"} and all(g.conditional for g in groups.values())
    assert groups["specialist"].median_days["estimate"] == 92
    req = pd.DataFrame({"request_date": pd.to_datetime(["2020-01-01", "2020-01-01"]), "outcome": ["started", "waiting"],
                        "outcome_date": pd.to_datetime(["2020-01-10", None]), "provider_type": ["wijkteam", "wijkteam"],
                        "intervention_level": ["licht", "licht"]})
    frame, conditional = request_frame({"requests": req, "light_support_episodes": light}, "2024-12-31")
    assert not conditional and list(frame["outcome"]) == ["started", "waiting"]


def test_a_share_that_would_give_back_a_count_below_the_threshold_is_not_shown():
    from analysis.study.waiting import share_shown, started_by
    # 40 requests: 6 start on day 10, 20 on day 40, 14 still waiting at day 100
    req = pd.DataFrame({"request_day": 0.0, "outcome": ["started"] * 26 + ["waiting"] * 14,
                        "outcome_day": [10.0] * 6 + [40.0] * 20 + [np.nan] * 14})
    w = from_requests(req, extract_day=100.0)
    assert started_by(w, 28) == 6 and started_by(w, 56) == 26
    assert not share_shown(w, 28, 10)          # 6 started by day 28: 15% of 40 gives 6 back
    assert share_shown(w, 56, 10)              # 26 started, 14 not
    assert not share_shown(w, 56, 15)          # 14 not started by day 56, below a threshold of 15
