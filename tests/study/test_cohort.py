"""Cohort construction and trial eligibility, counted by hand on the three-child registry."""
import numpy as np
import pandas as pd
import pytest

from analysis.study.cohort import CENSORED, SPECIALIST, build_cohort, ever_never, exposure_intervals, landmark
from analysis.registry.validate import validate_delivery
from analysis.study.trial import TrialParams, eligible, follow_up


def day(s):
    return float((pd.Timestamp(s) - pd.Timestamp("1970-01-01")).days)


@pytest.fixture
def cohort(tiny):
    res = validate_delivery(tiny)
    tables = {n: t.accepted for n, t in res.tables.items()}
    return build_cohort(tables, "2015-01-01", "2024-12-31")


def test_windows_and_flow(cohort):
    w = cohort.windows.set_index("person_id")
    ids = sorted(w.index)
    p1, p2, p3 = ids[0], ids[1], ids[2]
    assert w.loc[p1, "entry"] == day("2015-01-01") - day("2010-03-01")            # delayed entry
    assert w.loc[p1, "exit"] == day("2017-01-01") - day("2010-03-01")
    assert w.loc[p1, "event"] == SPECIALIST and w.loc[p3, "event"] == SPECIALIST
    assert w.loc[p2, "event"] == CENSORED and w.loc[p2, "exit_day"] == day("2020-06-30")
    assert cohort.flow["children_at_risk"] == 3 and cohort.flow["events_specialist"] == 2
    assert cohort.flow["prevalent_users_excluded"] == 0


def test_lagged_exposure_splits_the_windows(cohort):
    rows = exposure_intervals(cohort, lag_days=30)
    assert len(rows) == 5                                                           # two children split once
    p1 = rows[rows["person_id"] == sorted(rows["person_id"].unique())[0]]
    split = day("2015-10-01") + 30 - day("2010-03-01")
    assert p1["stop"].iloc[0] == split and p1["start"].iloc[1] == split
    assert p1["exposed"].tolist() == [0.0, 1.0] and p1["event"].tolist() == [CENSORED, SPECIALIST]
    naive = ever_never(cohort)
    assert naive["ever"].sum() == 2 and len(naive) == 3


def test_landmark_at_age_5(cohort):
    lm = landmark(cohort, 5.0, 365.25 * 3)
    assert len(lm) == 2 and lm["exposed"].sum() == 0     # children 1 and 2 reach 5 in the window
    assert (lm["event"] == SPECIALIST).sum() == 1         # child 1: specialist care within 3 years of age 5


def test_trial_eligibility_and_follow_up(cohort):
    p = TrialParams()
    flow = {}
    e = eligible(cohort, p, flow)
    assert flow["signals"] == 1 and flow["eligible"] == 1          # only child 1 has SDQ ≥ 14
    fu = follow_up(e, cohort, p)
    assert fu["light_start"].iloc[0] == 30.0                        # wijkteam 30 days after the screening
    assert fu["end"].iloc[0] == day("2017-01-01") - day("2015-09-01")
    assert fu["reason"].iloc[0] == SPECIALIST
    assert np.isclose(fu["age"].iloc[0], (day("2015-09-01") - day("2010-03-01")) / 365.25)


def test_the_registration_design_by_hand(cohort):
    """Child 1's signal is on 2015-09-01. With the counted types registering from 2014-06-01 the
    whole washout lies inside: eligible; a window that closes on 2016-06-01 censors its follow-up
    there. Registering only from 2015-01-01 leaves 8 months of washout unseen: not eligible, and
    the flow counts the child as lost to the restriction."""
    base = TrialParams()
    inside = TrialParams(windows=((day("2014-06-01"), day("2016-06-01")),))
    flow = {}
    e = eligible(cohort, inside, flow)
    assert len(e) == 1 and flow["excluded_registration_window"] == 0
    fu = follow_up(e, cohort, inside)
    assert fu["end"].iloc[0] == day("2016-06-01") - day("2015-09-01") and fu["reason"].iloc[0] == CENSORED
    assert fu["end_ext"].iloc[0] == day("2016-06-01") - day("2015-09-01")
    flow = {}
    late = TrialParams(windows=((day("2015-01-01"), day("2025-01-01")),))
    assert len(eligible(cohort, late, flow)) == 0
    assert flow["excluded_registration_window"] == 1 and flow["signals_inside_registration_window"] == 0
    # two periods: the first holds the signal with its washout, the second is not needed
    two = TrialParams(windows=((day("2014-01-01"), day("2016-01-01")), (day("2018-01-01"), day("2025-01-01"))))
    fu = follow_up(eligible(cohort, two), cohort, two)
    assert fu["end"].iloc[0] == day("2016-01-01") - day("2015-09-01")
    assert len(eligible(cohort, base)) == 1                        # without the design: as before


def test_the_cohort_from_its_columns_alone_equals_the_cohort_from_whole_tables(medium):
    """COHORT_COLUMNS names every column build_cohort reads: reading only those gives the same cohort."""
    import pandas as pd
    from analysis.registry.store import load_quality, load_registry
    from analysis.study.cohort import COHORT_COLUMNS, build_cohort
    _, processed = medium
    q = load_quality("9902", processed)
    whole = build_cohort(load_registry("9902", processed), q["registry_start"], q["extract_date"])
    tables = load_registry("9902", processed, COHORT_COLUMNS)
    assert len(tables["specialist_episodes"].columns) < len(load_registry("9902", processed)["specialist_episodes"].columns)
    part = build_cohort(tables, q["registry_start"], q["extract_date"])
    for k in ("persons", "windows", "light", "screenings", "residence", "specialist"):
        pd.testing.assert_frame_equal(getattr(whole, k), getattr(part, k))
    assert whole.flow == part.flow
