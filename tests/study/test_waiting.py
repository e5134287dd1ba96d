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
