"""Target-trial emulation by clone–censor–weight (protocol, "Primary analysis").

Eligible: resident, age 4–16, no specialist care ever, no light support in the last 12 months and
an SDQ signal at time zero (the screening); the first such signal per child. Every eligible child
is cloned into arm a (start light support within the grace period) and arm b (no light support);
a clone is censored when it deviates from its arm. Inverse-probability-of-censoring weights from
pooled logistic models (:mod:`analysis.estimators.logistic`, checked against statsmodels) of starting light support and of moving out, per month since
time zero, restore the population; weighted Aalen–Johansen curves per arm give CIF_a(τ), CIF_b(τ),
their difference RD(τ) (prevent) and the RMST difference up to τ (delay, in specialist-care-free
months gained). Confidence intervals: person-level bootstrap (:mod:`analysis.study.bootstrap`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from .cohort import CENSORED, DAYS_PER_MONTH, DAYS_PER_YEAR, DIED, MOVED, SPECIALIST, Cohort
from ..estimators.logistic import fit_logistic, predict_logistic
from ..estimators.survival import aalen_johansen, rmst

BASELINE = ["age", "male", "sdq", "one_parent", "benefit", "prior_light", "year"]
MONTH_GROUPS = (0, 1, 2, 3, 6, 12, 24)


@dataclass(frozen=True)
class TrialParams:
    grace_months: int = 3
    tau_months: int = 36
    sdq_cutoff: int = 14
    min_age: float = 4.0
    max_age: float = 16.0            # inclusive: age below max_age + 1
    washout_months: int = 12
    moved_competing: bool = False    # sensitivity: moving out as a competing event
    truncate: tuple[float, float] | None = None   # weight percentiles, e.g. (1, 99)

    @property
    def tau_days(self) -> float:
        return self.tau_months * DAYS_PER_MONTH


def eligible(cohort: Cohort, p: TrialParams, flow: dict | None = None) -> pd.DataFrame:
    """Eligible children with time zero and baseline covariates; one row per child.

    When ``flow`` is given, the signals left after each criterion are counted into it.
    """
    flow = {} if flow is None else flow
    s = cohort.screenings
    s = s[(s["instrument"] == "sdq_parent") & (s["sdq_total"] >= p.sdq_cutoff)]
    s = s[(s["day"] >= cohort.registry_start) & (s["day"] <= cohort.extract)]
    flow["signals"] = len(s)
    per = cohort.persons.reindex(s["person_id"])
    age = (s["day"].to_numpy() - per["birth"].to_numpy()) / DAYS_PER_YEAR
    alive = ~(per["death"].to_numpy() <= s["day"].to_numpy())
    no_spec = ~(per["first_specialist"].to_numpy() <= s["day"].to_numpy())
    c = s[(age >= p.min_age) & (age < p.max_age + 1) & alive].copy()
    flow["signals_age_4_16"] = len(c)
    c = c[no_spec[(age >= p.min_age) & (age < p.max_age + 1) & alive]]
    flow["signals_without_prior_specialist_care"] = len(c)
    res = cohort.residence.merge(c[["person_id", "day"]], on="person_id")
    res = res[(res["start"] <= res["day"]) & (res["end"] > res["day"])]
    c = c.merge(res[["person_id", "day", "end", "end_reason", "wijk"]], on=["person_id", "day"])
    flow["signals_while_resident"] = len(c)
    lt = cohort.light.merge(c[["person_id", "day"]], on="person_id", suffixes=("", "_t0"))
    recent = lt[(lt["day"] <= lt["day_t0"]) & (lt["end_day"] > lt["day_t0"] - p.washout_months * DAYS_PER_MONTH)]
    c = c[~c.set_index(["person_id", "day"]).index.isin(recent.set_index(["person_id", "day_t0"]).index)]
    flow["signals_without_recent_light_support"] = len(c)
    c = c.sort_values(["person_id", "day"]).drop_duplicates("person_id").reset_index(drop=True)
    flow["eligible"] = len(c)
    per = cohort.persons.reindex(c["person_id"])
    prior = lt[lt["day"] < lt["day_t0"]].groupby(["person_id", "day_t0"]).size()
    return pd.DataFrame({
        "person_id": c["person_id"], "t0": c["day"], "age": (c["day"] - per["birth"].to_numpy()) / DAYS_PER_YEAR,
        "male": per["male"].to_numpy(), "sdq": c["sdq_total"], "one_parent": per["one_parent"].to_numpy(),
        "benefit": per["benefit"].to_numpy(), "wijk": c["wijk"].fillna("unknown"),
        "prior_light": c.set_index(["person_id", "day"]).index.isin(prior.index).astype(float),
        "year": pd.to_datetime(c["day"], unit="D").dt.year.to_numpy(float),
        "birth": per["birth"].to_numpy(), "death": per["death"].to_numpy(),
        "first_specialist": per["first_specialist"].to_numpy(), "res_end": c["end"],
        "res_end_reason": c["end_reason"]})


def follow_up(elig: pd.DataFrame, cohort: Cohort, p: TrialParams) -> pd.DataFrame:
    """Per eligible child, in days since time zero: end of follow-up, its reason, first light start."""
    t0 = elig["t0"].to_numpy()
    moves = elig["res_end_reason"].isin(["move_out", "emigration"]).to_numpy()
    cand = np.stack([elig["first_specialist"].to_numpy() - t0, elig["death"].to_numpy() - t0,
                     np.where(moves, elig["res_end"].to_numpy() - t0, np.inf),
                     elig["birth"].to_numpy() + 18 * DAYS_PER_YEAR - t0, cohort.extract + 1 - t0,
                     np.full(len(t0), p.tau_days)], axis=1)
    cand = np.where(np.isnan(cand), np.inf, cand)
    end = cand.min(axis=1)
    reason = np.array([SPECIALIST, DIED, MOVED, CENSORED, CENSORED, CENSORED])[cand.argmin(axis=1)]
    lt = cohort.light.merge(elig[["person_id", "t0"]], on="person_id")
    lt = lt[lt["day"] >= lt["t0"]]
    start = (lt["day"] - lt["t0"]).groupby(lt["person_id"]).min().reindex(elig["person_id"]).to_numpy()
    out = elig.drop(columns=["birth", "death", "first_specialist", "res_end", "res_end_reason"]).copy()
    out["end"] = np.maximum(end, 0.5)   # an event on the day of the signal counts after time zero
    out["reason"] = reason
    out["light_start"] = np.where(np.isnan(start), np.inf, start)
    return out


def _design(frame: pd.DataFrame, wijken: list[str]) -> pd.DataFrame:
    month = frame["month"].to_numpy()
    X = pd.DataFrame({"const": 1.0}, index=frame.index)
    for lo, hi in zip(MONTH_GROUPS[:-1], MONTH_GROUPS[1:]):
        if lo > 0:
            X[f"m{lo}"] = ((month >= lo) & (month < hi)).astype(float)
    X[f"m{MONTH_GROUPS[-1]}"] = (month >= MONTH_GROUPS[-1]).astype(float)
    for c in BASELINE:
        X[c] = frame[c].to_numpy(float)
    X["year"] = X["year"] - 2015
    for w in wijken[1:]:
        X[f"wijk_{w}"] = (frame["wijk"] == w).astype(float)
    return X


def _person_months(fu: pd.DataFrame, until: np.ndarray) -> pd.DataFrame:
    """One row per child and month since time zero, for months that begin before ``until``."""
    n_months = np.ceil(np.maximum(until, 0) / DAYS_PER_MONTH).astype(int)
    idx = np.repeat(np.arange(len(fu)), n_months)
    month = np.arange(len(idx)) - np.repeat(np.cumsum(n_months) - n_months, n_months)
    pm = fu.iloc[idx].reset_index(drop=True)
    pm["month"] = month
    pm["row"] = idx
    return pm


def _fit_hazard(pm: pd.DataFrame, y: np.ndarray, wijken: list[str]) -> tuple[np.ndarray, list[str]]:
    """Pooled logistic model of a monthly hazard (coefficients, columns used)."""
    X = _design(pm, wijken)
    X = X.loc[:, (X.std() > 0) | (X.columns == "const")]
    return fit_logistic(X.to_numpy(), y), list(X.columns)


def _monthly_hazards(fu: pd.DataFrame, p: TrialParams, wijken: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Predicted monthly probability of starting light support and of moving out, months 0..K-1."""
    K = int(np.ceil(p.tau_days / DAYS_PER_MONTH)) + 1
    at_risk_start = np.minimum(fu["light_start"].to_numpy(), fu["end"].to_numpy())
    pm = _person_months(fu, at_risk_start)
    y = (fu["light_start"].to_numpy()[pm["row"]] < (pm["month"].to_numpy() + 1) * DAYS_PER_MONTH).astype(float)
    start_model, start_cols = _fit_hazard(pm, y, wijken)
    pm2 = _person_months(fu, fu["end"].to_numpy())
    moved = (fu["reason"].to_numpy()[pm2["row"]] == MOVED) & \
        (fu["end"].to_numpy()[pm2["row"]] < (pm2["month"].to_numpy() + 1) * DAYS_PER_MONTH)
    move_model, move_cols = (_fit_hazard(pm2, moved.astype(float), wijken) if moved.sum() >= 5 else (None, None))
    grid = fu.iloc[np.repeat(np.arange(len(fu)), K)].reset_index(drop=True)
    grid["month"] = np.tile(np.arange(K), len(fu))
    Xg = _design(grid, wijken)
    h_start = predict_logistic(Xg.reindex(columns=start_cols, fill_value=0.0).to_numpy(), start_model).reshape(len(fu), K)
    h_move = (predict_logistic(Xg.reindex(columns=move_cols, fill_value=0.0).to_numpy(), move_model).reshape(len(fu), K)
              if move_model is not None else np.zeros((len(fu), K)))
    return h_start, h_move


def _survive(h: np.ndarray) -> np.ndarray:
    """P(no event before month k) and the mid-month version used as weight denominators."""
    before = np.concatenate([np.ones((len(h), 1)), np.cumprod(1 - h, axis=1)[:, :-1]], axis=1)
    return before * (1 - h / 2)


def clones(fu: pd.DataFrame, p: TrialParams, h_start: np.ndarray, h_move: np.ndarray) -> pd.DataFrame:
    """Clone-month rows of both arms with artificial censoring and inverse-probability weights."""
    grace = p.grace_months * DAYS_PER_MONTH
    start, end = fu["light_start"].to_numpy(), fu["end"].to_numpy()
    started_in_grace = start <= grace
    end_a = np.where(started_in_grace, end, np.minimum(end, grace))
    end_b = np.minimum(end, start)
    move_w = 1 / _survive(h_move)
    nostart = _survive(h_start)
    p_start_grace = 1 - np.prod(1 - h_start[:, :max(p.grace_months, 0)], axis=1) if p.grace_months else \
        np.clip(h_start[:, 0], 1e-6, None)
    frames = []
    for arm, arm_end in (("a", end_a), ("b", end_b)):
        pm = _person_months(fu, arm_end)
        r, k = pm["row"].to_numpy(), pm["month"].to_numpy()
        lo = k * DAYS_PER_MONTH
        hi = np.minimum((k + 1) * DAYS_PER_MONTH, arm_end[r])
        last = hi >= arm_end[r]
        natural = last & (arm_end[r] >= end[r])
        code = fu["reason"].to_numpy()[r]
        if not p.moved_competing:
            code = np.where(code == MOVED, CENSORED, code)
        event = np.where(natural, code, CENSORED)
        kk = np.minimum(k, h_start.shape[1] - 1)
        if arm == "a":
            dev_w = np.where(lo >= grace, 1 / p_start_grace[r], 1.0)
        else:
            dev_w = 1 / nostart[r, kk]
        w = dev_w * (move_w[r, kk] if not p.moved_competing else 1.0)
        frames.append(pd.DataFrame({"person_id": fu["person_id"].to_numpy()[r], "arm": arm, "start": lo,
                                    "stop": hi, "event": event, "weight": w}))
    rows = pd.concat(frames, ignore_index=True)
    rows = rows[rows["stop"] > rows["start"]]
    if p.truncate:
        lo_q, hi_q = np.percentile(rows["weight"], p.truncate)
        rows = rows.assign(weight=rows["weight"].clip(lo_q, hi_q))
    return rows.reset_index(drop=True)


@dataclass(frozen=True)
class TrialEstimate:
    """Point estimates of the emulated trial (no intervals: see :mod:`analysis.study.bootstrap`)."""

    cif_a: float
    cif_b: float
    rmst_a_months: float
    rmst_b_months: float
    n_eligible: int
    events_a: int
    events_b: int
    curve_a: object = field(repr=False, default=None)
    curve_b: object = field(repr=False, default=None)
    rows: pd.DataFrame = field(repr=False, default=None)

    @property
    def rd(self) -> float:
        return self.cif_a - self.cif_b

    @property
    def rmst_diff_months(self) -> float:
        return self.rmst_a_months - self.rmst_b_months

    def as_dict(self) -> dict:
        return {"cif_a_tau": self.cif_a, "cif_b_tau": self.cif_b, "rd_tau": self.rd,
                "rmst_a_months": self.rmst_a_months, "rmst_b_months": self.rmst_b_months,
                "rmst_diff_months": self.rmst_diff_months}


def estimate(fu: pd.DataFrame, p: TrialParams, keep_rows: bool = False) -> TrialEstimate:
    """Clone, censor, weight and estimate the curves of both arms from the follow-up frame."""
    wijken = sorted(fu["wijk"].unique())
    h_start, h_move = _monthly_hazards(fu, p, wijken)
    rows = clones(fu, p, h_start, h_move)
    out = {}
    for arm in ("a", "b"):
        r = rows[rows["arm"] == arm]
        curve = aalen_johansen(r, entry="start", exit="stop", event="event", event_of_interest=SPECIALIST,
                               weights="weight", label=arm, se=False)
        events = int(((r["event"] == SPECIALIST) & (r["stop"] <= p.tau_days)).sum())
        out[arm] = (curve, float(curve.at(p.tau_days)[0]), rmst(curve, p.tau_days) / DAYS_PER_MONTH, events)
    return TrialEstimate(cif_a=out["a"][1], cif_b=out["b"][1], rmst_a_months=out["a"][2],
                         rmst_b_months=out["b"][2], n_eligible=len(fu), events_a=out["a"][3],
                         events_b=out["b"][3], curve_a=out["a"][0], curve_b=out["b"][0],
                         rows=rows if keep_rows else None)


def balance(fu: pd.DataFrame, rows: pd.DataFrame, p: TrialParams) -> pd.DataFrame:
    """Standardised mean differences of baseline covariates: the clones still uncensored just after
    the grace period (arm a) or at τ/2 (arm b) against all eligible children, before and after weighting."""
    grace = p.grace_months * DAYS_PER_MONTH
    target = fu.set_index("person_id")[BASELINE]
    out = {}
    for arm, at in (("a", grace + 1), ("b", grace + 1)):
        r = rows[(rows["arm"] == arm) & (rows["start"] <= at) & (rows["stop"] > at)]
        x = target.loc[r["person_id"]]
        w = r["weight"].to_numpy()
        sd = np.sqrt((target.var() + x.var()) / 2).replace(0, np.nan)
        out[f"smd_{arm}_unweighted"] = (x.mean() - target.mean()) / sd
        out[f"smd_{arm}_weighted"] = (x.mul(w, axis=0).sum() / w.sum() - target.mean()) / sd
    return pd.DataFrame(out)


def weight_summary(rows: pd.DataFrame) -> pd.DataFrame:
    """Percentiles of the weights per arm (no minimum or maximum: they may identify a child)."""
    q = [1, 5, 25, 50, 75, 95, 99]
    return rows.groupby("arm")["weight"].apply(lambda w: pd.Series(np.percentile(w, q), index=[f"p{x}" for x in q])).unstack()
