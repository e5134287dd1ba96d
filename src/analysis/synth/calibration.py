"""Magnitudes of a (synthetic or real) validated registry, to compare with the published ones.

Used by the tests to check that the synthetic registry falls in the ranges of
``shared/notes/domain.md`` section 2; works on any validated registry.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..study import quality as q

STAY_FORMS = ("11", "12", "13", "14")


def _share(reach: pd.DataFrame) -> float:
    return float(reach["reached"].sum() / reach["children"].sum())


def annual_prevalence(tables: dict[str, pd.DataFrame], years: list[int]) -> dict[str, float]:
    """Share of resident children 0–17 (on 1 July) with an episode running that year, averaged."""
    r, p = tables["residence_periods"], tables["persons"]
    spec, prot = tables["specialist_episodes"], tables["protection_measures"]
    light = tables["light_support_episodes"]
    cols = ["person_id", "start_date", "end_date"]
    return {
        "specialist": _share(q.reach(r, p, pd.concat([spec[cols], prot[cols]]), years)),
        "with_stay": _share(q.reach(r, p, spec.loc[spec["bij_hulpvorm"].isin(STAY_FORMS), cols], years)),
        "protection": _share(q.reach(r, p, prot[cols], years)),
        "light_any": _share(q.reach(r, p, light[cols], years)),
        "wijkteam": _share(q.reach(r, p, light.loc[light["provider_type"] == "wijkteam", cols], years)),
    }


def move_out_rates(tables: dict[str, pd.DataFrame], start: pd.Timestamp, end: pd.Timestamp) -> dict[str, float]:
    """Moves out of the municipality per resident child-year, ages 0–5 and 10–16, in the window."""
    r = tables["residence_periods"].merge(tables["persons"][["person_id", "birth_date"]], on="person_id")
    lo = r["start_date"].clip(lower=start)
    hi = r["end_date"].fillna(end).clip(upper=end)
    out = {}
    for label, a0, a1 in (("age_0_5", 0, 6), ("age_10_16", 10, 17)):
        b0 = r["birth_date"] + pd.to_timedelta(a0 * 365.25, "D")
        b1 = r["birth_date"] + pd.to_timedelta(a1 * 365.25, "D")
        s, e = np.maximum(lo, b0), np.minimum(hi, b1)
        years = ((e - s).dt.days.clip(lower=0) / 365.25).sum()
        moved = (r["end_reason"].isin(["move_out", "emigration"]).fillna(False) & (r["end_date"] >= start)
                 & (r["end_date"] >= b0) & (r["end_date"] < b1) & (r["end_date"] <= end))
        out[label] = float(moved.sum() / years)
    return out


def median_duration_months(episodes: pd.DataFrame, first_year: int, last_year: int) -> float:
    """Median duration of closed episodes that started in [first_year, last_year], in months."""
    e = episodes[(episodes["start_date"].dt.year >= first_year) & (episodes["start_date"].dt.year <= last_year)]
    e = e[e["end_date"].notna()]
    return float(((e["end_date"] - e["start_date"]).dt.days / 30.44).median())


def screening_ages(tables: dict[str, pd.DataFrame]) -> pd.Series:
    s = tables["screenings"].merge(tables["persons"][["person_id", "birth_date"]], on="person_id")
    age = (s["screening_date"] - s["birth_date"]).dt.days / 365.25
    return age.groupby(s["setting"]).mean()


def first_specialist_ages(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Age (years) and sex at the first registered specialist episode of each child."""
    first = q.first_specialist(tables["specialist_episodes"], tables["protection_measures"])
    p = tables["persons"].set_index("person_id").loc[first.index]
    return pd.DataFrame({"sex": p["sex"].to_numpy(),
                         "age": ((first - p["birth_date"]).dt.days / 365.25).to_numpy()})
