"""Registration defects as real exports have them, injected into a clean synthetic delivery.

Every defect class is recorded in a manifest (table, expected rule, affected rows as the file
numbers them: the header is row 1), so a test can check that validation catches every one.
Rows are chosen disjointly, so that one row carries one defect.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..registry.bsn import make_bsn

DEFECTS = ("duplicate_row", "overlap", "end_before_start", "unknown_code", "missing_end_date",
           "impossible_age", "stray_identifier", "unknown_person")


class _Picker:
    """Draws disjoint rows of a table."""

    def __init__(self, rng: np.random.Generator, df: pd.DataFrame):
        self.rng, self.free = rng, np.ones(len(df), bool)

    def take(self, eligible: np.ndarray, k: int) -> np.ndarray:
        pool = np.flatnonzero(self.free & eligible)
        rows = np.sort(self.rng.choice(pool, size=min(k, len(pool)), replace=False))
        self.free[rows] = False
        return rows


def _file_rows(index: np.ndarray) -> list[int]:
    return [int(i) + 2 for i in index]


def inject_defects(tables: dict[str, pd.DataFrame], rng: np.random.Generator) -> tuple[dict, dict]:
    """Return the damaged tables and the manifest of what was damaged where."""
    t = {k: v.copy() for k, v in tables.items()}
    births = t["persons"].set_index("person_id")["birth_date"]
    manifest: dict[str, dict] = {}
    pick = {name: _Picker(rng, t[name]) for name in ("light_support_episodes", "specialist_episodes")}

    def k_of(name: str) -> int:
        return max(3, len(t[name]) // 200)

    def record(defect: str, table: str, rule: str | None, rows: list[int], **extra) -> None:
        manifest.setdefault(defect, {"entries": []})["entries"].append(
            {"table": table, "expected_rule": rule, "rows": rows, "count": len(rows), **extra})

    light, spec = "light_support_episodes", "specialist_episodes"
    closed = {n: (t[n]["end_date"] != "").to_numpy() for n in (light, spec)}
    long_enough = (pd.to_datetime(t[light]["end_date"], errors="coerce")
                   - pd.to_datetime(t[light]["start_date"])).dt.days.fillna(0).to_numpy() > 20

    # end before start: the two dates swapped
    for name in (light, spec):
        rows = pick[name].take(closed[name], k_of(name))
        df = t[name]
        s, e = df.loc[rows, "start_date"].copy(), df.loc[rows, "end_date"].copy()
        df.loc[rows, "start_date"], df.loc[rows, "end_date"] = e.to_numpy(), s.to_numpy()
        record("end_before_start", name, "end_before_start", _file_rows(rows))
    # unknown codes
    rows = pick[spec].take(np.ones(len(t[spec]), bool), k_of(spec))
    t[spec].loc[rows, "bij_hulpvorm"] = "09"
    record("unknown_code", spec, "unknown_code", _file_rows(rows), column="bij_hulpvorm")
    rows = pick[light].take(np.ones(len(t[light]), bool), k_of(light))
    t[light].loc[rows, "provider_type"] = "buurtcoach"
    record("unknown_code", light, "unknown_code", _file_rows(rows), column="provider_type")
    # missing end date where the end reason says the episode ended
    rows = pick[spec].take(closed[spec] & (t[spec]["end_reason_bij"] != "").to_numpy(), k_of(spec))
    t[spec].loc[rows, "end_date"] = ""
    record("missing_end_date", spec, "end_reason_without_end_date", _file_rows(rows))
    # impossible ages: an episode that starts two years before the child was born
    rows = pick[light].take(np.ones(len(t[light]), bool), k_of(light))
    born = pd.to_datetime(births.loc[t[light].loc[rows, "person_id"]].to_numpy())
    t[light].loc[rows, "start_date"] = (born - pd.Timedelta(days=730)).strftime("%Y-%m-%d")
    record("impossible_age", light, "before_birth", _file_rows(rows))
    # impossible ages: a JGZ screening at age 19 or more
    scr = t["screenings"]
    sb = pd.to_datetime(births.loc[scr["person_id"]].to_numpy())
    old_enough = (sb + pd.DateOffset(years=19)) <= pd.Timestamp(scr["screening_date"].max())
    rows = _Picker(rng, scr).take(np.asarray(old_enough), max(3, len(scr) // 400))
    scr.loc[rows, "screening_date"] = (sb[rows] + pd.DateOffset(years=19)).strftime("%Y-%m-%d")
    record("impossible_age", "screenings", "age_impossible", _file_rows(rows))
    # stray identifiers: a BSN typed into the provider field
    rows = pick[light].take(np.ones(len(t[light]), bool), k_of(light))
    t[light].loc[rows, "provider_id"] = make_bsn(rng, len(rows))
    record("stray_identifier", light, "bsn_like_value", _file_rows(rows), column="provider_id")
    # episodes of a person who is not in persons
    rows = pick[spec].take(np.ones(len(t[spec]), bool), k_of(spec))
    t[spec].loc[rows, "person_id"] = [f"{x:064x}" for x in rng.integers(1, 2**62, len(rows))]
    record("unknown_person", spec, "unknown_person", _file_rows(rows))
    # overlapping episodes of the same type (appended): to be merged by the BIJ rules, not rejected
    for name, eligible in ((light, closed[light] & long_enough), (spec, closed[spec])):
        rows = pick[name].take(eligible, k_of(name))
        extra = t[name].loc[rows].copy()
        extra["start_date"] = (pd.to_datetime(extra["start_date"]) + pd.Timedelta(days=3)).dt.strftime("%Y-%m-%d")
        id_col = "episode_id"
        extra[id_col] = [f"X{name[0].upper()}{i:06d}" for i in range(1, len(extra) + 1)]
        if name == spec:
            extra["request_date"] = ""
        start = len(t[name])
        t[name] = pd.concat([t[name], extra], ignore_index=True)
        record("overlap", name, None, _file_rows(np.arange(start, len(t[name]))), merged=len(extra))
    # exact duplicates (appended last, copies of rows that carry no other defect)
    for name in (light, spec):
        rows = pick[name].take(np.ones(len(pick[name].free), bool), k_of(name))
        start = len(t[name])
        t[name] = pd.concat([t[name], t[name].loc[rows]], ignore_index=True)
        record("duplicate_row", name, "duplicate_row", _file_rows(np.arange(start, len(t[name]))))
    return t, manifest
