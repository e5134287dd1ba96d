"""Routes through the levels of help: each child's level over time, step-up and step-down.

The levels of the format's ``intervention_level`` (universal … taking over parenting), ranked in
that order. A child's level at a time is the highest level among its episodes active then
(light and specialist episodes alike); between episodes it has no help (``NO_HELP``). A *level
spell* is a stretch of days at one level.

- **step-up** (*opschaling*): from one level of help straight to a higher one;
- **step-down** (*afschaling*): from one level of help straight to a lower one;
- **end of help**: to no help; a later start from no help is a (new) start, neither step.

Rates are per 100 child-years *in the level they leave* (the time at risk of leaving it).
*Herhaald beroep* (CBS): an episode that starts within 5 years after an earlier episode of the
same child ended, with at least one day between them (an adjoining episode does not count).

Days are numbers (days since 1970); an open episode ends at ``inf``.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .cohort import DAYS_PER_YEAR

LEVELS = ("universeel", "selectief", "licht", "intensief", "specialistisch", "intensief_en_specialistisch",
          "overname_van_opvoeding")
NO_HELP = "geen_hulp"
#: the levels of light, freely accessible support: step-up out of them is the headline rate
LIGHT_LEVELS = ("universeel", "selectief", "licht")
RANK = {level: k for k, level in enumerate(LEVELS)}
REPEAT_YEARS = 5


def level_spells(episodes: pd.DataFrame, until: float | None = None) -> pd.DataFrame:
    """Each child's level over time: rows ``person_id, start, end, level`` (days, ``end`` exclusive),
    consecutive spells of a child at different levels, no-help spells between its episodes (not
    before the first or after the last). ``episodes``: ``person_id, start, end, level`` (a level of
    ``LEVELS``; episodes without one are left out). ``until``: open episodes end there (default:
    they stay open, ``inf``)."""
    e = episodes[episodes["level"].isin(LEVELS)]
    e = e[e["end"] > e["start"]] if len(e) else e
    if not len(e):
        return pd.DataFrame({"person_id": pd.Series(dtype=object), "start": pd.Series(dtype=float),
                             "end": pd.Series(dtype=float), "level": pd.Series(dtype=object)})
    pid = e["person_id"].astype(str).to_numpy()
    start = e["start"].to_numpy(float)
    end = e["end"].to_numpy(float) if until is None else np.minimum(e["end"].to_numpy(float), until)
    rank = e["level"].map(RANK).to_numpy(np.int64)
    # elementary intervals: between consecutive distinct boundaries of a child's episodes
    bounds = pd.DataFrame({"person_id": np.concatenate([pid, pid]), "t": np.concatenate([start, end])})
    bounds = bounds.drop_duplicates().sort_values(["person_id", "t"], kind="stable")
    nxt = bounds.groupby("person_id")["t"].shift(-1)
    elem = pd.DataFrame({"person_id": bounds["person_id"].to_numpy(), "start": bounds["t"].to_numpy(),
                         "end": nxt.to_numpy()}).dropna(subset=["end"])
    elem = elem[np.isfinite(elem["start"])].reset_index(drop=True)
    elem["k"] = np.arange(len(elem))
    # the highest level among the child's episodes covering each elementary interval
    pairs = elem.merge(pd.DataFrame({"person_id": pid, "es": start, "ee": end, "rank": rank}), on="person_id")
    cover = pairs[(pairs["es"] <= pairs["start"]) & (pairs["ee"] >= pairs["end"])]
    top = cover.groupby("k")["rank"].max()
    elem["rank"] = top.reindex(elem["k"]).fillna(-1).astype(int).to_numpy()
    # join neighbours at the same level (and no-help gaps into one)
    prev_pid = elem["person_id"].shift(1)
    new = (elem["person_id"] != prev_pid) | (elem["rank"] != elem["rank"].shift(1))
    elem["spell"] = new.cumsum()
    spells = elem.groupby("spell").agg(person_id=("person_id", "first"), start=("start", "min"),
                                       end=("end", "max"), rank=("rank", "first")).reset_index(drop=True)
    spells["level"] = np.where(spells["rank"] >= 0, np.array(LEVELS, dtype=object)[np.maximum(spells["rank"], 0)],
                               NO_HELP)
    return spells.drop(columns="rank")


def transitions(spells: pd.DataFrame) -> pd.DataFrame:
    """Consecutive spells of a child: ``person_id, day, from_level, to_level, kind`` with kind
    ``step_up``, ``step_down``, ``end`` (to no help) or ``start`` (from no help)."""
    s = spells.sort_values(["person_id", "start"], kind="stable")
    same = s["person_id"].to_numpy()[1:] == s["person_id"].to_numpy()[:-1]
    frm, to = s["level"].to_numpy()[:-1][same], s["level"].to_numpy()[1:][same]
    day = s["start"].to_numpy()[1:][same]
    r_from = np.array([RANK.get(x, -1) for x in frm], dtype=int)
    r_to = np.array([RANK.get(x, -1) for x in to], dtype=int)
    kind = np.select([r_to < 0, r_from < 0, r_to > r_from], ["end", "start", "step_up"], "step_down")
    return pd.DataFrame({"person_id": s["person_id"].to_numpy()[1:][same], "day": day, "from_level": frm,
                         "to_level": to, "kind": kind})


def step_rates(spells: pd.DataFrame) -> pd.DataFrame:
    """Per level of help: child-years in it, step-ups and step-downs out of it, each per 100
    child-years in the level (open spells count until they end; give ``level_spells`` an ``until``)."""
    help_ = spells[spells["level"] != NO_HELP]
    years = ((help_["end"] - help_["start"]) / DAYS_PER_YEAR).groupby(help_["level"]).sum()
    tr = transitions(spells)
    ups = tr[tr["kind"] == "step_up"].groupby("from_level").size()
    downs = tr[tr["kind"] == "step_down"].groupby("from_level").size()
    levels = [lv for lv in LEVELS if lv in years.index]
    out = pd.DataFrame({"level": levels, "child_years": years.reindex(levels).to_numpy(float),
                        "step_ups": ups.reindex(levels, fill_value=0).to_numpy(int),
                        "step_downs": downs.reindex(levels, fill_value=0).to_numpy(int)})
    with np.errstate(divide="ignore", invalid="ignore"):
        out["step_up_per_100_child_years"] = 100 * out["step_ups"] / out["child_years"]
        out["step_down_per_100_child_years"] = 100 * out["step_downs"] / out["child_years"]
    return out


def clip_spells(spells: pd.DataFrame, lo: pd.Series, hi: pd.Series) -> pd.DataFrame:
    """The spells within each child's window ``[lo, hi)`` (days per ``person_id``; children without
    one are left out): the time at risk of the rates (living here, under 18, in the registry
    window). A transition counts when both spells have days in the window."""
    a = lo.reindex(spells["person_id"]).to_numpy(float)
    b = hi.reindex(spells["person_id"]).to_numpy(float)
    out = spells.assign(start=np.maximum(spells["start"].to_numpy(float), a),
                        end=np.minimum(spells["end"].to_numpy(float), b))
    return out[out["end"] > out["start"]].reset_index(drop=True)


def step_up_out_of(rates: pd.DataFrame, levels=LIGHT_LEVELS) -> tuple[int, float]:
    """Step-ups and child-years out of ``levels`` (default: light support) from :func:`step_rates`."""
    r = rates[rates["level"].isin(levels)]
    return int(r["step_ups"].sum()), float(r["child_years"].sum())


def repeat_use(episodes: pd.DataFrame, years: float = REPEAT_YEARS) -> pd.Series:
    """Per episode (the frame's index): whether it is *herhaald beroep* — it starts at least one day
    after, and within ``years`` years of, the end of an earlier episode of the same child."""
    e = episodes[["person_id", "start", "end"]].copy()
    e["i"] = np.arange(len(e))
    pairs = e.merge(e, on="person_id", suffixes=("", "_prev"))
    gap = pairs["start"] - pairs["end_prev"]
    hit = (pairs["i_prev"] != pairs["i"]) & (gap >= 1) & (gap <= years * DAYS_PER_YEAR)
    repeat = np.zeros(len(e), bool)
    repeat[pairs.loc[hit, "i"].to_numpy()] = True
    return pd.Series(repeat, index=episodes.index, name="repeat_use")


def occupation_after(spells: pd.DataFrame, anchor: pd.Series, follow_end: pd.Series, se: bool = True):
    """The share of children in each level (and without help) over time since an anchor (their
    first light support, their first signal): the multi-state Aalen–Johansen estimator
    (:func:`analysis.estimators.multistate.aalen_johansen_multistate`) on each child's level spells
    from its anchor to the end of its follow-up (moving out, the extract: censored there).

    ``anchor`` and ``follow_end``: days per ``person_id`` (children without an anchor are left out).
    A child has no help from its anchor to its first spell and after its last spell until the end
    of its follow-up; a child without any spell has no help all along (it counts, or the shares
    would be those of children with help)."""
    from ..estimators.multistate import aalen_johansen_multistate
    anchor = anchor[anchor.index.isin(follow_end.index)]
    s = spells[spells["person_id"].isin(anchor.index)].sort_values(["person_id", "start"], kind="stable")
    f = follow_end.reindex(s["person_id"]).to_numpy(float)
    last = s.groupby("person_id")["end"].transform("max").to_numpy(float)
    tail = s[(s["end"].to_numpy(float) == last) & (last < f)].drop_duplicates("person_id")
    tail = pd.DataFrame({"person_id": tail["person_id"].to_numpy(), "start": tail["end"].to_numpy(float),
                         "end": follow_end.reindex(tail["person_id"]).to_numpy(float), "level": NO_HELP})
    first = s.groupby("person_id")["start"].min().reindex(anchor.index)     # NaN: no spell at all
    gap = first.isna() | (first > anchor)
    head = pd.DataFrame({"person_id": anchor.index[gap].to_numpy(), "start": anchor[gap].to_numpy(float),
                         "end": first[gap].fillna(np.inf).to_numpy(float), "level": NO_HELP})
    head["end"] = np.minimum(head["end"].to_numpy(float), follow_end.reindex(head["person_id"]).to_numpy(float))
    s = pd.concat([head, s[["person_id", "start", "end", "level"]], tail], ignore_index=True)
    s = s.sort_values(["person_id", "start"], kind="stable").reset_index(drop=True)
    a = anchor.reindex(s["person_id"]).to_numpy(float)
    f = follow_end.reindex(s["person_id"]).to_numpy(float)
    start = np.maximum(s["start"].to_numpy(float), a)
    stop = np.minimum(s["end"].to_numpy(float), f)
    same_next = s["person_id"].shift(-1).to_numpy() == s["person_id"].to_numpy()
    nxt = s["level"].shift(-1).to_numpy()
    moves = same_next & (s["end"].to_numpy(float) < f)
    rows = pd.DataFrame({"id": s["person_id"].to_numpy(), "start": start - a, "stop": stop - a,
                         "from": s["level"].to_numpy(), "to": np.where(moves, nxt, s["level"].to_numpy())})
    rows = rows[rows["stop"] > rows["start"]]
    states = [lv for lv in (NO_HELP, *LEVELS) if lv in set(rows["from"]) | set(rows["to"])]
    return aalen_johansen_multistate(rows, id="id", start="start", stop="stop", from_state="from", to_state="to",
                                     states=states, se=se)


AGE_GROUPS = (0, 4, 12, 18, 23)     # years: 0–3, 4–11, 12–17, 18–22


def step_rates_by(spells: pd.DataFrame, by: str, birth: pd.Series | None = None,
                  age_edges: tuple = AGE_GROUPS) -> pd.DataFrame:
    """:func:`step_rates` per calendar year (``by="year"``) or age group (``by="age_group"``, with
    ``birth``: days per ``person_id``): the child-years in each level split at the group boundaries,
    each transition counted in the group of the time it ends (the half day before its day: a step on
    a birthday or on 1 January belongs to the group the child leaves). Columns ``group, level, child_years,
    step_ups, step_downs`` and the two rates; rows without child-years left out."""
    help_ = spells[spells["level"] != NO_HELP]
    columns = ["group", "level", "child_years", "step_ups", "step_downs", "step_up_per_100_child_years",
               "step_down_per_100_child_years"]
    if by not in ("year", "age_group"):
        raise ValueError(f"by must be 'year' or 'age_group', got {by!r}")
    if not len(help_):
        return pd.DataFrame(columns=columns)
    s0, s1 = help_["start"].to_numpy(float), help_["end"].to_numpy(float)
    tr = transitions(spells)
    if by == "year":
        first, last = pd.Timestamp(0) + pd.to_timedelta(np.nanmin(s0), "D"), \
            pd.Timestamp(0) + pd.to_timedelta(np.nanmax(np.where(np.isfinite(s1), s1, s0)), "D")
        years = range(first.year, last.year + 1)
        edges = {str(y): ((pd.Timestamp(f"{y}-01-01") - pd.Timestamp(0)).days,
                          (pd.Timestamp(f"{y + 1}-01-01") - pd.Timestamp(0)).days) for y in years}
        lo_of = {g: np.full(len(help_), e[0], float) for g, e in edges.items()}
        hi_of = {g: np.full(len(help_), e[1], float) for g, e in edges.items()}
        tr_group = pd.to_datetime(tr["day"] - 0.5, unit="D").dt.year.astype(str).to_numpy()
    elif by == "age_group":
        if birth is None:
            raise ValueError("age groups need the children's birth days")
        b = birth.reindex(help_["person_id"]).to_numpy(float)
        names = [f"{a}-{z - 1}" for a, z in zip(age_edges[:-1], age_edges[1:])]
        lo_of = {g: b + a * DAYS_PER_YEAR for g, a in zip(names, age_edges[:-1])}
        hi_of = {g: b + z * DAYS_PER_YEAR for g, z in zip(names, age_edges[1:])}
        age = (tr["day"].to_numpy(float) - 0.5 - birth.reindex(tr["person_id"]).to_numpy(float)) / DAYS_PER_YEAR
        idx = np.searchsorted(np.asarray(age_edges, float), age, side="right") - 1
        tr_group = np.where((idx >= 0) & (idx < len(names)), np.array(names + [""])[np.clip(idx, 0, len(names))], "")
    else:
        raise ValueError(f"by must be 'year' or 'age_group', got {by!r}")
    rows = []
    for g in lo_of:
        days = np.clip(np.minimum(s1, hi_of[g]) - np.maximum(s0, lo_of[g]), 0, None)
        years_in = pd.Series(days / DAYS_PER_YEAR).groupby(help_["level"].to_numpy()).sum()
        t = tr[tr_group == g]
        for level in LEVELS:
            cy = float(years_in.get(level, 0.0))
            if cy <= 0:
                continue
            ups = int(((t["kind"] == "step_up") & (t["from_level"] == level)).sum())
            downs = int(((t["kind"] == "step_down") & (t["from_level"] == level)).sum())
            rows.append({"group": g, "level": level, "child_years": cy, "step_ups": ups, "step_downs": downs,
                         "step_up_per_100_child_years": 100 * ups / cy, "step_down_per_100_child_years": 100 * downs / cy})
    return pd.DataFrame(rows, columns=["group", "level", "child_years", "step_ups", "step_downs",
                                       "step_up_per_100_child_years", "step_down_per_100_child_years"])
