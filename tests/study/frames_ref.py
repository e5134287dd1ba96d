"""The emulated trial as it was computed before the trial engine: data frames rebuilt from a
resampled frame and both weight models fitted from zero (main at 84f7659, ``analysis/study/trial.py``).

Kept here, unchanged but for its return value, as the reference the engine
(:class:`analysis.study.trial.TrialEngine`) is tested against: the same estimator must give the same
numbers, for the full sample and for every bootstrap replicate.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.estimators.logistic import fit_logistic, predict_logistic
from analysis.estimators.survival import aalen_johansen, rmst
from analysis.study.cohort import CENSORED, DAYS_PER_MONTH, MOVED, SPECIALIST
from analysis.study.trial import BASELINE, MONTH_GROUPS, TrialParams


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


def estimate(fu: pd.DataFrame, p: TrialParams) -> dict:
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
    return {"cif_a_tau": out["a"][1], "cif_b_tau": out["b"][1], "rd_tau": out["a"][1] - out["b"][1],
            "rmst_a_months": out["a"][2], "rmst_b_months": out["b"][2],
            "rmst_diff_months": out["a"][2] - out["b"][2], "events_a": out["a"][3], "events_b": out["b"][3]}
