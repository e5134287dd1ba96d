"""Data-quality descriptives of a validated registry (notebook 01): pure functions, frames out.

Counts come out raw; :mod:`analysis.report.disclosure` suppresses and rounds them before display.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..registry.schema import FORMAT

AGE_GROUPS = (("0–3", 0, 4), ("4–11", 4, 12), ("12–17", 12, 18))


def completeness(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Share of filled values per table and column (accepted rows), in percent; rows = columns."""
    rows = []
    for name, df in tables.items():
        for col in FORMAT.tables[name].columns:
            n = len(df)
            filled = int(df[col].notna().sum()) if col in df.columns else 0
            rows.append({"table": name, "column": col, "rows": n,
                         "filled_pct": 100.0 * filled / n if n else np.nan,
                         "required": FORMAT.tables[name].columns[col].required})
    return pd.DataFrame(rows)


def years_of(delivery: dict) -> list[int]:
    """Calendar years of the registry window (complete or partial)."""
    start, end = pd.Timestamp(delivery["registry_start"]), pd.Timestamp(delivery["extract_date"])
    return list(range(start.year, end.year + 1))


def light_starts_by_provider(light: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Light-support episodes starting per provider type (rows) and calendar year (columns).

    A provider type with no episodes in a year usually did not register that year.
    """
    year = light["start_date"].dt.year
    tab = pd.crosstab(light["provider_type"], year).reindex(columns=years, fill_value=0)
    types = list(FORMAT.codes["light_provider_type"])
    return tab.reindex([t for t in types if t in tab.index or t in light["provider_type"].unique()],
                       fill_value=0).rename_axis(index="provider_type", columns="year")


def first_specialist(spec: pd.DataFrame, protection: pd.DataFrame) -> pd.Series:
    """Date of the first specialist care per person (episodes and protection measures)."""
    parts = [spec[["person_id", "start_date"]]]
    if len(protection):
        parts.append(protection[["person_id", "start_date"]])
    both = pd.concat(parts, ignore_index=True)
    return both.groupby("person_id")["start_date"].min()


def linkage(spec: pd.DataFrame, protection: pd.DataFrame, light: pd.DataFrame, delivery: dict) -> pd.DataFrame:
    """Per year of first specialist care (from the registry start): children, and how many had any
    light support registered before it."""
    first = first_specialist(spec, protection)
    first = first[first >= pd.Timestamp(delivery["registry_start"])]
    earliest_light = light.groupby("person_id")["start_date"].min()
    before = earliest_light.reindex(first.index) < first
    out = pd.DataFrame({"year": first.dt.year, "light_before": before.fillna(False)})
    agg = out.groupby("year").agg(children=("light_before", "size"), with_light_before=("light_before", "sum"))
    return agg.astype(int)


def resident_on(residence: pd.DataFrame, persons: pd.DataFrame, day: pd.Timestamp) -> pd.DataFrame:
    """Children living in the municipality on ``day`` with their age group (0–17 only)."""
    r = residence
    live = (r["start_date"] <= day) & (r["end_date"].isna() | (r["end_date"] > day))
    ids = r.loc[live, "person_id"].drop_duplicates()
    p = persons.set_index("person_id").loc[ids]
    alive = p["death_date"].isna() | (p["death_date"] > day)
    age = (day - p["birth_date"]).dt.days / 365.25
    p = p[alive & (age >= 0) & (age < 18)]
    age = age[p.index]
    group = pd.cut(age, [g[1] for g in AGE_GROUPS] + [18], right=False, labels=[g[0] for g in AGE_GROUPS])
    return pd.DataFrame({"person_id": p.index, "age_group": group.to_numpy()})


def reach(residence, persons, episodes: pd.DataFrame, years: list[int]) -> pd.DataFrame:
    """Per year and age group: resident children on 1 July, and how many had an episode running
    during that year. Long format with columns year, age_group, children, reached."""
    rows = []
    for y in years:
        base = resident_on(residence, persons, pd.Timestamp(y, 7, 1))
        lo, hi = pd.Timestamp(y, 1, 1), pd.Timestamp(y, 12, 31)
        running = (episodes["start_date"] <= hi) & (episodes["end_date"].isna() | (episodes["end_date"] >= lo))
        hit = base["person_id"].isin(episodes.loc[running, "person_id"])
        agg = base.assign(hit=hit).groupby("age_group", observed=False)["hit"].agg(["size", "sum"])
        for group, r in agg.iterrows():
            rows.append({"year": y, "age_group": group, "children": int(r["size"]), "reached": int(r["sum"])})
    out = pd.DataFrame(rows)
    out["age_group"] = pd.Categorical(out["age_group"], categories=[g[0] for g in AGE_GROUPS], ordered=True)
    return out


def date_issues(tables: dict[str, pd.DataFrame], delivery: dict) -> pd.DataFrame:
    """Dates worth a look in accepted rows: open episodes, starts before the registry window
    (running records), requests after the start."""
    start = pd.Timestamp(delivery["registry_start"])
    rows = []
    for name in ("light_support_episodes", "specialist_episodes", "protection_measures"):
        df = tables[name]
        rows.append({"table": name, "episodes": len(df),
                     "open_at_extract": int(df["end_date"].isna().sum()),
                     "started_before_window": int((df["start_date"] < start).sum()),
                     "request_after_start": int((df["request_date"] > df["start_date"]).sum())
                     if "request_date" in df.columns else 0})
    return pd.DataFrame(rows).set_index("table")


def rejected_by_rule(quality: dict) -> pd.DataFrame:
    """Rejected rows per table (rows) and rule (columns), from quality.json."""
    data = {name: t["rejected_by_rule"] for name, t in quality["tables"].items()}
    tab = pd.DataFrame(data).T.fillna(0).astype(int) if any(data.values()) else pd.DataFrame(index=list(data))
    return tab.reindex(list(data)).fillna(0).astype(int)


def delivery_counts(quality: dict) -> pd.DataFrame:
    """Rows in, accepted, rejected, merged per table, from quality.json."""
    cols = ["rows_in", "accepted", "rejected", "merged_rows", "episodes_after_merge"]
    return pd.DataFrame({n: {c: t[c] for c in cols} for n, t in quality["tables"].items()}).T
