"""From a validated registry to analysis data sets, vectorised (no loop over children).

Time is in days: on the age scale (days since birth) for the descriptive and Cox analyses, and
since time zero for the target trial. Follow-up ends at the first of: first specialist care
(event), moving out (censoring, or a competing event in a sensitivity analysis), death (competing
event), the 18th birthday and the extract date (administrative ends). Entry is delayed to the
later of birth, moving in and the registry start. Every exclusion is counted for the flow diagram.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import quality

DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12
LIGHT_TYPES_DEFAULT = ("wijkteam", "cjg", "jgz", "schoolmaatschappelijk_werk", "poh_jeugd",
                       "opvoedondersteuning", "welzijn", "other")

#: the columns :func:`build_cohort` reads from each table (a reader that needs only the cohort, such
#: as the pooled national analysis, reads only these: ``registry.store.load_registry(columns=)``)
COHORT_COLUMNS = {
    "persons": ["person_id", "birth_date", "death_date", "sex", "household_type", "benefit_household"],
    "residence_periods": ["person_id", "start_date", "end_date", "end_reason", "wijk_code"],
    "screenings": ["person_id", "screening_date", "sdq_total", "instrument"],
    "light_support_episodes": ["person_id", "start_date", "end_date", "provider_type"],
    "specialist_episodes": ["person_id", "start_date", "end_date", "bij_hulpvorm"],
    "protection_measures": ["person_id", "start_date", "end_date"],
}

# event codes in the analysis frames
CENSORED, SPECIALIST, MOVED, DIED = 0, 1, 2, 3


def days(s: pd.Series) -> np.ndarray:
    """Dates → days since 1970-01-01 (float; NaN for missing)."""
    out = (s - pd.Timestamp("1970-01-01")).dt.days
    return out.to_numpy(dtype=float, na_value=np.nan)


@dataclass(frozen=True)
class Cohort:
    """The registry reduced to what the analyses need, plus the flow counts."""

    persons: pd.DataFrame         # person-level: birth, death, sex, covariates, first specialist, light starts
    windows: pd.DataFrame         # at-risk windows on the age scale (one or more per child)
    light: pd.DataFrame           # light-support starts: person_id, day, provider_type
    screenings: pd.DataFrame      # person_id, day, sdq_total
    residence: pd.DataFrame       # continuous residence spells: person_id, start, end, end_reason
    registry_start: float
    extract: float
    flow: dict = field(default_factory=dict)
    # specialist care episodes and protection measures: person_id, start, end (days; inf: open),
    # heavy (care with a stay, BIJ 11–14, or a protection measure) — for *reduces*
    specialist: pd.DataFrame = None


def _residence_spells(res: pd.DataFrame) -> pd.DataFrame:
    """Contiguous residence periods (internal moves) joined into spells of living in the municipality."""
    r = pd.DataFrame({"person_id": res["person_id"].astype(str), "start": days(res["start_date"]),
                      "end": days(res["end_date"]), "end_reason": res["end_reason"].astype(object),
                      "wijk": res["wijk_code"].astype(object) if "wijk_code" in res else None})
    r = r.sort_values(["person_id", "start"], kind="stable").reset_index(drop=True)
    end_f = r["end"].fillna(np.inf)
    prev_end = end_f.groupby(r["person_id"]).shift(1)
    new = prev_end.isna() | (r["start"] > prev_end + 1)
    spell = new.cumsum()
    agg = r.assign(end_f=end_f, spell=spell).groupby("spell").agg(
        person_id=("person_id", "first"), start=("start", "min"), end=("end_f", "max"),
        end_reason=("end_reason", "last"), wijk=("wijk", "first"))
    return agg.reset_index(drop=True)


def first_specialist_day(tables: dict[str, pd.DataFrame]) -> pd.Series:
    """Day of the first specialist care per person (episodes and protection measures)."""
    first = quality.first_specialist(tables["specialist_episodes"], tables["protection_measures"])
    return pd.Series(days(first), index=first.index.astype(str))


def build_cohort(tables: dict[str, pd.DataFrame], registry_start, extract_date,
                 light_types: tuple[str, ...] = LIGHT_TYPES_DEFAULT) -> Cohort:
    """At-risk windows on the age scale, with flow counts. See the module notes."""
    p = tables["persons"]
    persons = pd.DataFrame({
        "person_id": p["person_id"].astype(str).to_numpy(), "birth": days(p["birth_date"]),
        "death": days(p["death_date"]) if "death_date" in p else np.nan,
        "male": (p["sex"] == "M").to_numpy(float),
        "one_parent": (p["household_type"] == "one_parent").fillna(False).to_numpy(float),
        "benefit": p["benefit_household"].fillna(False).to_numpy(float)}).set_index("person_id")
    persons["first_specialist"] = first_specialist_day(tables).reindex(persons.index)
    start, extract = float(days(pd.Series([pd.Timestamp(registry_start)]))[0]), \
        float(days(pd.Series([pd.Timestamp(extract_date)]))[0])
    light = tables["light_support_episodes"]
    light = pd.DataFrame({"person_id": light["person_id"].astype(str), "day": days(light["start_date"]),
                          "end_day": np.nan_to_num(days(light["end_date"]), nan=np.inf),
                          "provider_type": light["provider_type"].astype(str)})
    light = light[light["provider_type"].isin(light_types)].reset_index(drop=True)
    scr = tables["screenings"]
    screenings = pd.DataFrame({"person_id": scr["person_id"].astype(str), "day": days(scr["screening_date"]),
                               "sdq_total": scr["sdq_total"].astype(float),
                               "instrument": scr["instrument"].astype(str)})
    spells = _residence_spells(tables["residence_periods"])
    b = persons["birth"].reindex(spells["person_id"]).to_numpy()
    d = persons["death"].reindex(spells["person_id"]).fillna(np.inf).to_numpy()
    fs = persons["first_specialist"].reindex(spells["person_id"]).fillna(np.inf).to_numpy()
    entry = np.maximum.reduce([spells["start"].to_numpy(), b, np.full(len(b), start)])
    age18 = b + 18 * DAYS_PER_YEAR
    moved = spells["end"].to_numpy()
    # order matters for ties: specialist care on the day of a move counts; death before moving
    end_candidates = np.stack([fs, d, moved, age18, np.full(len(b), extract + 1)], axis=1)
    exit_ = end_candidates.min(axis=1)
    first = end_candidates.argmin(axis=1)
    is_move = spells["end_reason"].isin(["move_out", "emigration"]).to_numpy()
    labels = np.array(["specialist", "died", "moved_out", "age_18", "extract"], dtype=object)
    admin = np.where((first == 2) & ~is_move, "other", labels[first])
    reason = np.select([admin == "specialist", admin == "died", admin == "moved_out"],
                       [SPECIALIST, DIED, MOVED], CENSORED)
    w = pd.DataFrame({"person_id": spells["person_id"].to_numpy(), "entry_day": entry, "exit_day": exit_,
                      "entry": entry - b, "exit": exit_ - b, "event": reason, "end": admin})
    prevalent = fs <= entry
    flow = {"registered_children": int(len(persons)),
            "residence_spells": int(len(spells))}
    keep = (exit_ > entry) & ~prevalent
    windows = w[keep].reset_index(drop=True)
    at_risk = set(windows["person_id"])
    # prevalent users: specialist care before entry (in any window), never at risk afterwards
    opened = entry < end_candidates[:, 1:].min(axis=1)   # a window that exists apart from specialist care
    prevalent_ids = set(w.loc[prevalent & opened, "person_id"])
    flow["prevalent_users_excluded"] = len(prevalent_ids - at_risk)
    flow["no_time_at_risk"] = int(len(persons) - len(at_risk) - flow["prevalent_users_excluded"])
    flow["children_at_risk"] = len(at_risk)
    flow["events_specialist"] = int((windows["event"] == SPECIALIST).sum())
    for end in ("moved_out", "died", "age_18", "extract"):
        flow[f"ended_{end}"] = int((windows["end"] == end).sum())
    flow["person_years"] = float(((windows["exit"] - windows["entry"]) / DAYS_PER_YEAR).sum())
    return Cohort(persons=persons, windows=windows, light=light, screenings=screenings, residence=spells,
                  registry_start=start, extract=extract, flow=flow, specialist=specialist_care(tables))


HEAVY_FORMS = ("11", "12", "13", "14")


def specialist_care(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every specialist care episode and protection measure: person, start, end (inf: open), heavy."""
    spec = tables["specialist_episodes"]
    parts = [pd.DataFrame({"person_id": spec["person_id"].astype(str), "start": days(spec["start_date"]),
                           "end": np.nan_to_num(days(spec["end_date"]), nan=np.inf),
                           "heavy": spec["bij_hulpvorm"].astype(str).isin(HEAVY_FORMS).to_numpy()})]
    prot = tables.get("protection_measures")
    if prot is not None and len(prot):
        parts.append(pd.DataFrame({"person_id": prot["person_id"].astype(str), "start": days(prot["start_date"]),
                                   "end": np.nan_to_num(days(prot["end_date"]), nan=np.inf), "heavy": True}))
    return pd.concat(parts, ignore_index=True)


def exposure_intervals(cohort: Cohort, lag_days: float = 30.0) -> pd.DataFrame:
    """Counting-process rows on the age scale, split where light support starts (lagged).

    ``exposed`` is 1 from the first light-support start plus ``lag_days`` on (the wijkteam is also
    a referral route, so a start just before specialist care is not counted as exposure).
    """
    w = cohort.windows
    first = cohort.light.groupby("person_id")["day"].min()
    birth = cohort.persons["birth"]
    onset = (first.reindex(w["person_id"]).to_numpy() + lag_days) - birth.reindex(w["person_id"]).to_numpy()
    onset = np.where(np.isnan(onset), np.inf, onset)
    before = onset <= w["entry"].to_numpy()
    inside = (onset > w["entry"].to_numpy()) & (onset < w["exit"].to_numpy())
    base = w.assign(start=w["entry"], stop=w["exit"], exposed=before.astype(float))
    first_part = base[inside].assign(stop=onset[inside], event=CENSORED, exposed=0.0)
    second_part = base[inside].assign(start=onset[inside], exposed=1.0)
    rows = pd.concat([base[~inside], first_part, second_part], ignore_index=True)
    rows = rows.merge(cohort.persons[["male", "one_parent", "benefit"]], left_on="person_id", right_index=True)
    return rows.sort_values(["person_id", "start"], kind="stable").reset_index(drop=True)


def ever_never(cohort: Cohort) -> pd.DataFrame:
    """The naive design: 'ever' light support during follow-up as a fixed covariate from entry.

    Kept only as the contrast that immortal-time bias produces.
    """
    w = cohort.windows
    ever = cohort.light.groupby("person_id")["day"].min()
    light_day = ever.reindex(w["person_id"]).to_numpy()
    ever_flag = (light_day < w["exit_day"].to_numpy())
    out = w.assign(start=w["entry"], stop=w["exit"], ever=np.nan_to_num(ever_flag).astype(float))
    return out.merge(cohort.persons[["male", "one_parent", "benefit"]], left_on="person_id", right_index=True)


def landmark(cohort: Cohort, age_years: float, horizon_days: float, lag_days: float = 0.0) -> pd.DataFrame:
    """Children at risk at a landmark age: exposure status then, follow-up from the landmark.

    Returns one row per child: ``time`` (days after the landmark), ``event`` code and ``exposed``
    (light support started before the landmark minus the lag).
    """
    a = age_years * DAYS_PER_YEAR
    w = cohort.windows
    at = w[(w["entry"] <= a) & (w["exit"] > a)]
    birth = cohort.persons["birth"].reindex(at["person_id"]).to_numpy()
    lm_day = birth + a
    first = cohort.light.groupby("person_id")["day"].min().reindex(at["person_id"]).to_numpy()
    exposed = np.nan_to_num(first <= lm_day - lag_days).astype(float)
    end = np.minimum(at["exit"].to_numpy(), a + horizon_days)
    event = np.where(at["exit"].to_numpy() <= a + horizon_days, at["event"].to_numpy(), CENSORED)
    return pd.DataFrame({"person_id": at["person_id"].to_numpy(), "time": end - a, "event": event,
                         "exposed": exposed}).merge(cohort.persons[["male", "one_parent", "benefit"]],
                                                    left_on="person_id", right_index=True)
