"""Routes through the levels of help, on episodes whose answers are counted by hand."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.study.cohort import DAYS_PER_YEAR
from analysis.study.routes import NO_HELP, level_spells, repeat_use, step_rates, transitions


def _episodes():
    inf = np.inf
    return pd.DataFrame([
        # child A: light 0–100; specialist 50–200 on top (step-up at 50); light again 150–300
        # (step-down at 200 to light); a gap 300–400; intensive 400–open
        ("A", 0, 100, "licht"), ("A", 50, 200, "specialistisch"), ("A", 150, 300, "licht"), ("A", 400, inf, "intensief"),
        # child B: selective 10–40, adjoining light 40–90 (step-up at 40), an episode without a level
        ("B", 10, 40, "selectief"), ("B", 40, 90, "licht"), ("B", 95, 120, None),
        # child C: specialist 0–30, then universal 30–60 (step-down at 30)
        ("C", 0, 30, "specialistisch"), ("C", 30, 60, "universeel"),
    ], columns=["person_id", "start", "end", "level"])


def test_the_level_over_time_is_the_highest_active_level_with_no_help_between_episodes():
    s = level_spells(_episodes(), until=500)
    got = [tuple(r) for r in s[["person_id", "start", "end", "level"]].itertuples(index=False)]
    assert got == [("A", 0, 50, "licht"), ("A", 50, 200, "specialistisch"), ("A", 200, 300, "licht"),
                   ("A", 300, 400, NO_HELP), ("A", 400, 500, "intensief"),
                   ("B", 10, 40, "selectief"), ("B", 40, 90, "licht"),
                   ("C", 0, 30, "specialistisch"), ("C", 30, 60, "universeel")]
    assert np.isinf(level_spells(_episodes())["end"]).sum() == 1      # without until: A's last stays open


def test_step_ups_step_downs_and_their_rates_per_100_child_years_in_the_level():
    s = level_spells(_episodes(), until=500)
    tr = transitions(s)
    assert list(tr["kind"]) == ["step_up", "step_down", "end", "start", "step_up", "step_down"]
    rates = step_rates(s).set_index("level")
    # light: A 0–50 and 200–300, B 40–90 = 200 days; one step-up (A at 50) and no step-down
    assert rates.loc["licht", "child_years"] == pytest.approx(200 / DAYS_PER_YEAR)
    assert (rates.loc["licht", "step_ups"], rates.loc["licht", "step_downs"]) == (1, 0)
    assert rates.loc["licht", "step_up_per_100_child_years"] == pytest.approx(100 / (200 / DAYS_PER_YEAR))
    # specialist: A 50–200, C 0–30 = 180 days; two step-downs (A to light, C to universal)
    assert rates.loc["specialistisch", "child_years"] == pytest.approx(180 / DAYS_PER_YEAR)
    assert (rates.loc["specialistisch", "step_ups"], rates.loc["specialistisch", "step_downs"]) == (0, 2)
    assert rates.loc["selectief", "step_ups"] == 1 and "overname_van_opvoeding" not in rates.index


def test_repeat_use_needs_a_day_between_and_at_most_five_years():
    e = pd.DataFrame([("A", 0, 100), ("A", 100, 150),          # adjoining: not a repeat
                      ("A", 151 + 5 * DAYS_PER_YEAR, 2000 + 5 * DAYS_PER_YEAR),   # 5 years and a day after 150 ended
                      ("B", 0, 10), ("B", 11, 20),              # one day between: a repeat
                      ("C", 0, 10)], columns=["person_id", "start", "end"])
    assert repeat_use(e).tolist() == [False, False, False, False, True, False]
    e.loc[2, "start"] = 150 + 5 * DAYS_PER_YEAR - 1               # within five years of 150
    assert repeat_use(e).tolist() == [False, False, True, False, True, False]


def test_occupation_after_the_first_light_support_by_hand():
    from analysis.study.routes import occupation_after
    spells = pd.DataFrame([("A", 0, 50, "licht"), ("A", 50, 200, "specialistisch"),
                           ("B", 10, 40, "licht"), ("C", 0, 20, "licht")],
                          columns=["person_id", "start", "end", "level"])
    # A from 0 to 300: light, specialist from 50, no help from 200; B from 10 to 100: light, no help
    # from 40 (30 after its anchor); C has no anchor: left out
    fit = occupation_after(spells, pd.Series({"A": 0.0, "B": 10.0}), pd.Series({"A": 300.0, "B": 100.0}))
    p = fit.pstate
    assert list(p.index) == [30, 50, 90, 200, 300]
    assert p.loc[30, "licht"] == pytest.approx(0.5) and p.loc[30, NO_HELP] == pytest.approx(0.5)
    assert p.loc[50, "specialistisch"] == pytest.approx(0.5) and p.loc[50, "licht"] == pytest.approx(0.0)
    assert p.loc[200, NO_HELP] == pytest.approx(1.0)


def test_occupation_counts_children_without_help_from_their_anchor_by_hand():
    """After a signal: D has help only from day 30, E never: both count as no help until then."""
    from analysis.study.routes import occupation_after
    spells = pd.DataFrame([("D", 30, 90, "licht")], columns=["person_id", "start", "end", "level"])
    fit = occupation_after(spells, pd.Series({"D": 0.0, "E": 0.0}), pd.Series({"D": 120.0, "E": 60.0}))
    p = fit.pstate
    assert list(p.index) == [30, 60, 90, 120]
    # day 30: D moves to light (1 of 2 at risk); day 60: E censored; day 90: D back to no help
    assert p.loc[30, "licht"] == pytest.approx(0.5) and p.loc[30, NO_HELP] == pytest.approx(0.5)
    assert p.loc[60, "licht"] == pytest.approx(0.5)
    assert p.loc[90, NO_HELP] == pytest.approx(1.0)


def test_step_rates_by_year_and_age_group_split_the_child_years_and_place_each_step_in_its_group():
    from analysis.study.routes import step_rates_by
    d = lambda s: float((pd.Timestamp(s) - pd.Timestamp(0)).days)   # noqa: E731
    spells = pd.DataFrame([("A", d("2019-12-01"), d("2020-01-31"), "licht"), ("A", d("2020-01-31"), d("2020-03-01"), "specialistisch")],
                          columns=["person_id", "start", "end", "level"])
    by_year = step_rates_by(spells, "year").set_index(["group", "level"])
    assert by_year.loc[("2019", "licht"), "child_years"] == pytest.approx(31 / DAYS_PER_YEAR)     # December
    assert by_year.loc[("2020", "licht"), "child_years"] == pytest.approx(30 / DAYS_PER_YEAR)     # 1–30 January
    assert by_year.loc[("2020", "licht"), "step_ups"] == 1 and by_year.loc[("2019", "licht"), "step_ups"] == 0
    # born 2008-02-15: 12 on 15 February, in the specialist spell; the step-up (31 January) falls in 4–11
    birth = pd.Series({"A": d("2008-02-15")})
    by_age = step_rates_by(spells, "age_group", birth=birth).set_index(["group", "level"])
    assert by_age["step_ups"].sum() == 1 and by_age.loc[("4-11", "licht"), "step_ups"] == 1
    assert by_age.loc[("4-11", "licht"), "child_years"] == pytest.approx(61 / DAYS_PER_YEAR)
    assert by_age.loc[("4-11", "specialistisch"), "child_years"] + by_age.loc[("12-17", "specialistisch"), "child_years"] \
        == pytest.approx(30 / DAYS_PER_YEAR)
    # born 2008-01-31: the step-up on the 12th birthday belongs to the group the child leaves (4–11)
    by_age = step_rates_by(spells, "age_group", birth=pd.Series({"A": d("2008-01-31")})).set_index(["group", "level"])
    assert by_age.loc[("4-11", "licht"), "step_ups"] == 1
