"""Data-quality descriptives, counted by hand on the three-child registry."""

from analysis.study import quality as q
from analysis.registry.validate import validate_delivery


def _tables(tiny):
    res = validate_delivery(tiny)
    return {n: t.accepted for n, t in res.tables.items()}, res


def test_reach_by_year_and_age_group(tiny):
    t, _ = _tables(tiny)
    r = q.reach(t["residence_periods"], t["persons"], t["light_support_episodes"], [2016, 2021])
    r = r.set_index(["year", "age_group"])
    assert (r.loc[(2016, "4–11"), "children"], r.loc[(2016, "4–11"), "reached"]) == (2, 2)
    assert (r.loc[(2016, "0–3"), "children"], r.loc[(2016, "0–3"), "reached"]) == (1, 0)
    # 2021: child 2 moved out in 2020; child 3 is 13 with its CJG episode still running
    assert (r.loc[(2021, "12–17"), "children"], r.loc[(2021, "12–17"), "reached"]) == (1, 1)
    assert (r.loc[(2021, "4–11"), "children"], r.loc[(2021, "4–11"), "reached"]) == (1, 0)


def test_linkage(tiny):
    t, res = _tables(tiny)
    link = q.linkage(t["specialist_episodes"], t["protection_measures"], t["light_support_episodes"],
                     {"registry_start": "2015-01-01"})
    assert link.to_dict("index") == {2017: {"children": 1, "with_light_before": 1},
                                     2018: {"children": 1, "with_light_before": 1}}


def test_coverage_and_completeness(tiny):
    t, res = _tables(tiny)
    cov = q.light_starts_by_provider(t["light_support_episodes"], [2015, 2016])
    assert cov.loc["wijkteam"].tolist() == [1, 0] and cov.loc["cjg"].tolist() == [0, 1]
    comp = q.completeness(t).set_index(["table", "column"])
    assert comp.loc[("light_support_episodes", "end_date"), "filled_pct"] == 50.0
    assert comp.loc[("persons", "sex"), "filled_pct"] == 100.0
    dates = q.date_issues(t, {"registry_start": "2015-01-01"})
    assert dates.loc["specialist_episodes", "open_at_extract"] == 1
