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
from ..estimators.logistic import fit_logistic_factor
from ..estimators.survival import FixedRows, aalen_johansen, rmst

BASELINE = ["age", "male", "sdq", "one_parent", "benefit", "prior_light", "year"]
MONTH_GROUPS = (0, 1, 2, 3, 6, 12, 24)
# a replicate's weight models stop when no coefficient moves by more than this (log-odds): their
# estimates then differ from fully converged ones by less than 1e-7 of the bootstrap spread
# (benchmarks/trial_engine.py measures it)
REPLICATE_TOL = 1e-7


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
    tau_long_months: int = 60        # τ_L: follow-up of the trial, for the RD trajectory and π, D
    # the registration design (protocol, "Registration" 2): the periods (first day, last day + 1, in
    # days since 1970) in which every counted provider type registers; None: all data (version 1)
    windows: tuple[tuple[float, float], ...] | None = None

    @property
    def tau_days(self) -> float:
        return self.tau_months * DAYS_PER_MONTH

    @property
    def long_months(self) -> int:
        """τ_L, never shorter than τ."""
        return max(self.tau_long_months, self.tau_months)

    @property
    def tau_long_days(self) -> float:
        return self.long_months * DAYS_PER_MONTH


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
    c = c.assign(window_end=np.inf)
    if p.windows is not None:
        # time zero where every counted type registers, for the whole washout before it too
        day, end = c["day"].to_numpy(float), np.full(len(c), np.nan)
        for lo, hi in p.windows:
            inside = (day >= lo + p.washout_months * DAYS_PER_MONTH) & (day < hi)
            end = np.where(inside & np.isnan(end), hi, end)
        before = c["person_id"].nunique()
        c = c[~np.isnan(end)].assign(window_end=end[~np.isnan(end)])
        flow["signals_inside_registration_window"] = len(c)
        flow["excluded_registration_window"] = before - c["person_id"].nunique()
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
        "res_end_reason": c["end_reason"], "window_end": c["window_end"].to_numpy(float)})


def follow_up(elig: pd.DataFrame, cohort: Cohort, p: TrialParams) -> pd.DataFrame:
    """Per eligible child, in days since time zero: end of follow-up, its reason, first light start."""
    t0 = elig["t0"].to_numpy()
    moves = elig["res_end_reason"].isin(["move_out", "emigration"]).to_numpy()
    window_end = elig["window_end"].to_numpy(float) if "window_end" in elig else np.full(len(t0), np.inf)
    cand = np.stack([elig["first_specialist"].to_numpy() - t0, elig["death"].to_numpy() - t0,
                     np.where(moves, elig["res_end"].to_numpy() - t0, np.inf),
                     elig["birth"].to_numpy() + 18 * DAYS_PER_YEAR - t0, cohort.extract + 1 - t0,
                     np.full(len(t0), p.tau_long_days), window_end - t0], axis=1)
    cand = np.where(np.isnan(cand), np.inf, cand)
    end = cand.min(axis=1)
    # the end of the registration window censors (a counted type stops registering)
    reason = np.array([SPECIALIST, DIED, MOVED, CENSORED, CENSORED, CENSORED, CENSORED])[cand.argmin(axis=1)]
    lt = cohort.light.merge(elig[["person_id", "t0"]], on="person_id")
    lt = lt[lt["day"] >= lt["t0"]]
    start = (lt["day"] - lt["t0"]).groupby(lt["person_id"]).min().reindex(elig["person_id"]).to_numpy()
    out = elig.drop(columns=["birth", "death", "first_specialist", "res_end", "res_end_reason", "window_end"],
                    errors="ignore").copy()
    out["end"] = np.maximum(end, 0.5)   # an event on the day of the signal counts after time zero
    out["reason"] = reason
    out["light_start"] = np.where(np.isnan(start), np.inf, start)
    # for *reduces*: follow-up beyond first specialist care, to moving out, 18, the extract or τ_L;
    # after death a child is followed with no care (death is not a censoring)
    out["end_ext"] = np.maximum(cand[:, 2:].min(axis=1), 0.5)
    out["death_ext"] = cand[:, 1]
    return out


def care_episodes(fu: pd.DataFrame, cohort: Cohort) -> pd.DataFrame:
    """Specialist care of the eligible children after time zero, in days since it: child (row of
    ``fu``), start, end, heavy."""
    if cohort.specialist is None:
        return pd.DataFrame({"child": [], "start": [], "end": [], "heavy": []})
    row = pd.Series(np.arange(len(fu)), index=fu["person_id"].to_numpy())
    sp = cohort.specialist[cohort.specialist["person_id"].isin(row.index)]
    child = row.loc[sp["person_id"]].to_numpy()
    t0 = fu["t0"].to_numpy()[child]
    out = pd.DataFrame({"child": child, "start": sp["start"].to_numpy() - t0, "end": sp["end"].to_numpy() - t0,
                        "heavy": sp["heavy"].to_numpy(bool)})
    return out[out["end"] > 0].reset_index(drop=True)


def _survive(h: np.ndarray) -> np.ndarray:
    """P(no event before month k) and the mid-month version used as weight denominators."""
    before = np.concatenate([np.ones((len(h), 1)), np.cumprod(1 - h, axis=1)[:, :-1]], axis=1)
    return before * (1 - h / 2)


def _months(until: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(child, month) of every month since time zero that begins before ``until`` (days)."""
    n_months = np.ceil(np.maximum(until, 0) / DAYS_PER_MONTH).astype(np.int64)
    child = np.repeat(np.arange(len(until)), n_months)
    month = np.arange(len(child)) - np.repeat(np.cumsum(n_months) - n_months, n_months)
    return child, month


class _HazardModel:
    """A pooled logistic model of a monthly hazard, its person-months aggregated per child and
    month group (the design is constant there): binomial rows of (months, events), refitted under
    frequency weights per child from a warm start. The same likelihood as one row per person-month."""

    def __init__(self, child: np.ndarray, month: np.ndarray, y: np.ndarray, base: np.ndarray,
                 wijk: np.ndarray, n_wijk: int):
        G = len(MONTH_GROUPS)
        group = np.searchsorted(MONTH_GROUPS, month, side="right") - 1
        cell = child * G + group
        cells, inv = np.unique(cell, return_inverse=True)
        self.child, self.group = cells // G, cells % G
        self.trials = np.bincount(inv, minlength=len(cells)).astype(float)
        self.events = np.bincount(inv, y, minlength=len(cells))
        # dense columns: const, month groups 1.., baseline; the neighbourhood is a factor
        # (estimators.logistic.fit_logistic_factor), its reference chosen per fit as the first one
        # present, as a fit on the drawn children would
        self.X = np.concatenate([np.ones((len(cells), 1)), (self.group[:, None] == np.arange(1, G)[None, :]),
                                 base[self.child]], axis=1).astype(float)
        self.X2 = self.X ** 2
        self.level, self.n_wijk = wijk[self.child], n_wijk
        self.share = self.events / self.trials
        self._cols, self._Xc = None, None
        self._full_cols, self._full_information = None, None

    def fit(self, m: np.ndarray, start: np.ndarray | None = None, info: dict | None = None,
            steps: int | None = None, full: bool | None = None) -> np.ndarray:
        """Coefficients (dense columns, then one per neighbourhood; 0 for those left out) under
        child frequency weights ``m``.

        Left out, as a fit on the drawn children's rows would: dense columns without variation among
        the rows of positive weight, neighbourhoods without such rows, and the first neighbourhood
        present (the reference)."""
        w = self.trials * m[self.child]
        W = w.sum()
        mean = (w @ self.X) / W
        var = (w @ self.X2) / W - mean ** 2
        keep = var > 1e-12 * (1 + mean ** 2)
        keep[0] = True
        cols = np.flatnonzero(keep)
        if not np.array_equal(cols, self._cols):     # rarely: a column left out
            self._cols, self._Xc = cols, np.ascontiguousarray(self.X[:, cols])
        q = self.X.shape[1]
        b0 = None if start is None else (start[cols], start[q:])
        coef = np.zeros(q + self.n_wijk)
        got: dict = {}
        full = start is None if full is None else full   # the full sample's fit (warm-started or not)
        same = not full and self._full_cols is not None and np.array_equal(cols, self._full_cols)
        coef[cols], coef[q:] = fit_logistic_factor(
            self._Xc, self.level, self.n_wijk, self.share, w, start=b0, info=got, steps=steps,
            information=self._full_information if same else None, tol=1e-9 if full else REPLICATE_TOL)
        if full:                  # the full sample's fit: its information starts every replicate
            self._full_cols, self._full_information = cols, got.get("information")
        if info is not None:
            info.update(got)
        return coef

    @staticmethod
    def predict(coef: np.ndarray, base: np.ndarray, wijk: np.ndarray, K: int) -> np.ndarray:
        """Monthly hazards, children × months 0..K-1."""
        G = len(MONTH_GROUPS)
        month_part = np.concatenate([[0.0], coef[1:G]])[np.searchsorted(MONTH_GROUPS, np.arange(K), side="right") - 1]
        child_part = coef[0] + base @ coef[G:G + base.shape[1]] + coef[G + base.shape[1]:][wijk]
        return 1 / (1 + np.exp(-(child_part[:, None] + month_part[None, :])))


def baseline(fu: pd.DataFrame) -> np.ndarray:
    """The weight models' baseline columns (``BASELINE``; the year from 2015) per child."""
    base = np.column_stack([fu[c].to_numpy(float) for c in BASELINE])
    base[:, BASELINE.index("year")] -= 2015
    return base


def start_model(start: np.ndarray, end: np.ndarray, base: np.ndarray, wijk: np.ndarray, n_wijk: int) -> "_HazardModel":
    """The pooled logistic model of starting light support, on each child's months before its
    start or the end of its follow-up (days since time zero)."""
    child, month = _months(np.minimum(start, end))
    y = (start[child] < (month + 1) * DAYS_PER_MONTH).astype(float)
    return _HazardModel(child, month, y, base, wijk, n_wijk)


class TrialEngine:
    """The emulated trial's arrays, built once from the follow-up frame; every estimate (the point
    estimate, each bootstrap replicate, later each bias-analysis draw) is a pass over them under
    frequency weights per child (``m``: how often a child is drawn, the same for all its months and
    clones), with the weight models refitted from the full sample's fit.

    Memory: the person-months of the two hazard models are aggregated per child and month group (at
    most 7 rows per child); the clone rows are about children × months × 2 (arm a is censored
    after the grace period unless light support started), each about 40 bytes.
    """

    def __init__(self, fu: pd.DataFrame, p: TrialParams, care: pd.DataFrame | None = None, warm: tuple | None = None):
        """``warm``: coefficients (start model, moving-out model) to start the full sample's fits from,
        those of a similar frame (the bias analysis's draws start from the primary trial's): fitted to
        the same convergence as from zero, faster."""
        self.p = p
        self.n = n = len(fu)
        self.K = int(np.ceil(p.tau_long_days / DAYS_PER_MONTH)) + 1
        self.person_id = fu["person_id"].to_numpy()
        self.base = base = baseline(fu)
        self.wijken, self.wijk = np.unique(fu["wijk"].to_numpy(str), return_inverse=True)
        start, end = fu["light_start"].to_numpy(float), fu["end"].to_numpy(float)
        reason = fu["reason"].to_numpy()
        self.start_model = start_model(start, end, base, self.wijk, len(self.wijken))
        child, month = _months(end)
        y = ((reason[child] == MOVED) & (end[child] < (month + 1) * DAYS_PER_MONTH)).astype(float)
        self.move_model = _HazardModel(child, month, y, base, self.wijk, len(self.wijken))
        self.moved = np.bincount(child, y, minlength=n)   # children whose follow-up ends by moving out
        # the clone rows of both arms: fixed; only their weights change
        grace = p.grace_months * DAYS_PER_MONTH
        end_a = np.where(start <= grace, end, np.minimum(end, grace))
        end_b = np.minimum(end, start)
        code = np.where(reason == MOVED, CENSORED, reason) if not p.moved_competing else reason
        self.arms = {}
        for arm, arm_end in (("a", end_a), ("b", end_b)):
            r, k = _months(arm_end)
            lo = k * DAYS_PER_MONTH
            hi = np.minimum((k + 1) * DAYS_PER_MONTH, arm_end[r])
            keep = hi > lo
            r, k, lo, hi = r[keep], k[keep], lo[keep], hi[keep]
            natural = (hi >= arm_end[r]) & (arm_end[r] >= end[r])
            event = np.where(natural, code[r], CENSORED)
            self.arms[arm] = {"r": r, "k": np.minimum(k, self.K - 1), "lo": lo, "hi": hi, "event": event,
                              "after_grace": lo >= grace, "aj": FixedRows(lo, hi, event, SPECIALIST),
                              "counted": (event == SPECIALIST) & (hi <= p.tau_days),
                              "counted_long": (event == SPECIALIST) & (hi <= p.tau_long_days),
                              "at_risk_long": (lo < p.tau_long_days) & (hi >= p.tau_long_days)}
        self.ext = self._extended(fu, care) if care is not None else None
        self.full = None
        self.full = self._coefs(np.ones(n), None, warm=warm)

    def _extended(self, fu: pd.DataFrame, care: pd.DataFrame) -> dict:
        """Clone rows for *reduces*: follow-up continues after first specialist care (a clone deviates
        only by what it does before it), to moving out, 18, the extract or τ_L; per row the days in
        specialist care; and the rows of the heavy-care curve (ended at the first heavy care, death
        competing). Deviation weights stay at their value at first specialist care; the moving-out
        weight goes on (stays at its value at death)."""
        p, G = self.p, self.p.grace_months * DAYS_PER_MONTH
        start, end = fu["light_start"].to_numpy(float), fu["end"].to_numpy(float)
        first = np.where(fu["reason"].to_numpy() == SPECIALIST, end, np.inf)
        end_ext, death = fu["end_ext"].to_numpy(float), fu["death_ext"].to_numpy(float)
        end_ext = np.minimum(end_ext, p.tau_long_days)
        # merged blocks of care per child (concurrent episodes counted once)
        c = care.sort_values(["child", "start"], kind="stable")
        ch, cs, ce = c["child"].to_numpy(int), np.maximum(c["start"].to_numpy(float), 0), c["end"].to_numpy(float)
        run_end = pd.Series(ce).groupby(ch).cummax().to_numpy()
        prev = pd.Series(run_end).groupby(ch).shift(1).to_numpy()
        block = np.cumsum(np.isnan(prev) | (cs > np.nan_to_num(prev, nan=-np.inf)))
        blocks = pd.DataFrame({"child": ch, "s": cs, "e": ce, "b": block}).groupby("b").agg(
            child=("child", "first"), s=("s", "min"), e=("e", "max"))
        rank = blocks.groupby("child").cumcount().to_numpy()
        J = int(rank.max()) + 1 if len(blocks) else 1
        S = np.full((self.n, J), np.inf); E = np.full((self.n, J), np.inf)
        S[blocks["child"].to_numpy(int), rank] = blocks["s"].to_numpy()
        E[blocks["child"].to_numpy(int), rank] = blocks["e"].to_numpy()
        heavy = np.full(self.n, np.inf)
        hv = care[care["heavy"].to_numpy(bool)]
        np.minimum.at(heavy, hv["child"].to_numpy(int), np.maximum(hv["start"].to_numpy(float), 0.5))
        month_of = lambda x: np.minimum(np.floor(np.where(np.isfinite(x), x, 1e12) / DAYS_PER_MONTH),  # noqa: E731
                                        self.K - 1).astype(int)
        out = {}
        for arm, dev in (("a", np.where((start > G) & (first > G), G, np.inf)),
                         ("b", np.where(start < first, start, np.inf))):
            arm_end = np.minimum(end_ext, dev)
            r, k = _months(arm_end)
            lo = k * DAYS_PER_MONTH
            hi = np.minimum((k + 1) * DAYS_PER_MONTH, arm_end[r])
            keep = hi > lo
            r, k, lo, hi = r[keep], k[keep], lo[keep], hi[keep]
            in_care = np.zeros(len(r))
            for j in range(J):
                in_care += np.clip(np.minimum(E[r, j], hi) - np.maximum(S[r, j], lo), 0, None)
            k_dev = np.minimum(np.minimum(k, month_of(first)[r]), self.K - 1)
            # the heavy-care curve: rows up to the first heavy care; death competes
            h, dead = heavy[r], death[r]
            hk = (lo < h) & (lo < dead)
            hi_h = np.minimum(np.minimum(hi, h), dead)
            ev = np.where((hi_h >= h) & np.isfinite(h), 1, np.where(hi_h >= dead, 2, 0))
            out[arm] = {"r": r, "k": k, "lo": lo, "hi": hi, "care": in_care, "k_dev": k_dev,
                        "started": (start[r] <= np.minimum(lo, first[r])) & (start[r] <= G),
                        "k_move": np.minimum(k, month_of(death)[r]), "heavy_rows": hk,
                        "heavy_aj": FixedRows(lo[hk], hi_h[hk], ev[hk], 1),
                        "heavy_counted": (ev[hk] == 1) & (hi_h[hk] <= p.tau_long_days)}
        return out

    # -- the weight models ---------------------------------------------------------------------
    def _coefs(self, m: np.ndarray, info: dict | None, steps: int | None = None, warm: tuple | None = None):
        if warm is not None:     # the full sample's fit from a similar frame's coefficients
            s = self.start_model.fit(m, warm[0], info, full=True)
            mv = self.move_model.fit(m, warm[1], None, full=True) if np.sum(m * self.moved) >= 5 else None
            return s, mv
        warm = self.full or (None, None)
        s = self.start_model.fit(m, warm[0], info, steps)
        mv = self.move_model.fit(m, warm[1], None, steps if warm[1] is not None else None) \
            if np.sum(m * self.moved) >= 5 else None
        return s, mv

    def weights(self, m: np.ndarray, coefs=None, ext_out: dict | None = None) -> dict[str, np.ndarray]:
        """Inverse-probability weights of every clone row, per arm (and, into ``ext_out``, of the
        rows that follow past first specialist care)."""
        p = self.p
        s, mv = coefs or self._coefs(m, None)
        h_start = _HazardModel.predict(s, self.base, self.wijk, self.K)
        # moving out censors (unless it is the competing-event sensitivity): its inverse-probability weight
        move_w = 1 / _survive(_HazardModel.predict(mv, self.base, self.wijk, self.K)) \
            if mv is not None and not p.moved_competing else None
        nostart = _survive(h_start)
        p_grace = (1 - np.prod(1 - h_start[:, :max(p.grace_months, 0)], axis=1) if p.grace_months
                   else np.clip(h_start[:, 0], 1e-6, None))
        out = {}
        for arm, a in self.arms.items():
            r, k = a["r"], a["k"]
            dev = np.where(a["after_grace"], 1 / p_grace[r], 1.0) if arm == "a" else 1 / nostart[r, k]
            out[arm] = dev * (move_w[r, k] if move_w is not None else 1.0)
        if self.ext is not None and ext_out is not None:
            for arm, a in self.ext.items():
                r = a["r"]
                if arm == "a":
                    # the strategy's start time is the natural one conditioned on a start within the
                    # grace period: a clone that has started weighs 1 / P(start within g); one that
                    # has not (yet, or before its first specialist care) weighs
                    # P_strategy(no start by then) / P(no start by then) = (1 − F/p_g) / (1 − F)
                    F = 1 - nostart[r, a["k_dev"]]
                    waiting = np.clip((1 - F / p_grace[r]) / np.maximum(1 - F, 1e-12), 0, None)
                    dev = np.where(a["started"], 1 / p_grace[r], waiting)
                else:
                    dev = 1 / nostart[r, a["k_dev"]]
                ext_out[arm] = dev * (move_w[r, a["k_move"]] if move_w is not None else 1.0)
        if p.truncate:
            allw = np.concatenate([out["a"], out["b"]])
            freq = np.concatenate([m[self.arms["a"]["r"]], m[self.arms["b"]["r"]]])
            lo_q, hi_q = _weighted_percentile(allw, freq, p.truncate)
            out = {arm: np.clip(w, lo_q, hi_q) for arm, w in out.items()}
            if ext_out:
                ext_out.update({arm: np.clip(w, lo_q, hi_q) for arm, w in ext_out.items()})
        return out

    # -- estimates -----------------------------------------------------------------------------
    def estimate(self, m: np.ndarray | None = None, info: dict | None = None, steps: int | None = None) -> dict:
        """RD(τ), CIFs and RMSTs under child frequency weights ``m`` (None: every child once), and
        both arms' CIF at the end of every month 0..τ_L (``cif_a_grid``, ``cif_b_grid``), events by
        τ and by τ_L and clones at risk at τ_L; with the rows of *reduces* the months in specialist
        care and the heavy-care risk per arm. For the point estimate also the per-month counts for
        disclosure control (``n_at_risk_*_grid``, ``n_events_*_grid``, ``n_seen_*_grid``, ...).
        ``steps``: the weight models take that many steps from the full sample's fit instead of
        converging (to measure what a cheaper refit would change)."""
        point = m is None
        if point:
            m, coefs = np.ones(self.n), self.full
        else:
            m = np.asarray(m, float)
            coefs = self._coefs(m, info, steps)
        w_ext: dict = {}
        w = self.weights(m, coefs, w_ext if self.ext is not None else None)
        tau = self.p.tau_days
        out = {}
        for arm, a in self.arms.items():
            fw = w[arm] * m[a["r"]]
            cif = a["aj"].cif(fw)
            out[f"cif_{arm}_tau"] = float(a["aj"].at(cif, tau)[0])
            out[f"rmst_{arm}_months"] = a["aj"].rmst(cif, tau) / DAYS_PER_MONTH
            mr = m[a["r"]]
            out[f"events_{arm}"] = float(np.sum(mr[a["counted"]]))
            out[f"events_long_{arm}"] = float(np.sum(mr[a["counted_long"]]))
            out[f"at_risk_long_{arm}"] = float(np.sum(mr[a["at_risk_long"]]))
            grid = np.arange(self.p.long_months + 1) * DAYS_PER_MONTH
            out[f"cif_{arm}_grid"] = a["aj"].at(cif, grid)
            if not point:
                continue
            # children (clones) at risk at each month's end, and events up to it: for disclosure control
            first, last = np.searchsorted(grid, a["lo"], side="right"), np.searchsorted(grid, a["hi"], side="right")
            at_risk = np.cumsum(np.bincount(first, mr, len(grid) + 1) - np.bincount(last, mr, len(grid) + 1))
            at_risk[0] = np.sum(mr[a["lo"] == 0])            # at time zero: every clone
            out[f"n_at_risk_{arm}_grid"] = at_risk[:len(grid)]
            ev = a["event"] == SPECIALIST
            out[f"n_events_{arm}_grid"] = np.cumsum(np.bincount(np.searchsorted(grid, a["hi"][ev], side="left"),
                                                                mr[ev], len(grid) + 1))[:len(grid)]
        out["rd_tau"] = out["cif_a_tau"] - out["cif_b_tau"]
        out["rmst_diff_months"] = out["rmst_a_months"] - out["rmst_b_months"]
        if self.ext is not None:
            L = self.p.long_months
            for arm, a in self.ext.items():
                fw = w_ext[arm] * m[a["r"]]
                k = np.minimum(a["k"], L)
                seen = np.bincount(k, fw * (a["hi"] - a["lo"]), L + 1)
                cared = np.bincount(k, fw * a["care"], L + 1)
                share = np.divide(cared, seen, out=np.zeros(L + 1), where=seen > 0)[:L]
                out[f"specialist_months_{arm}"] = float(share.sum())
                aj = a["heavy_aj"]
                out[f"heavy_care_{arm}"] = float(aj.at(aj.cif(fw[a["heavy_rows"]]), self.p.tau_long_days)[0])
                if point:
                    # for the figure and disclosure control: the share in care per month, the clones
                    # seen and those in care in it, and the clones with heavy care by τ_L (unweighted)
                    mr = m[a["r"]]
                    out[f"in_care_{arm}_grid"] = share
                    out[f"n_seen_{arm}_grid"] = np.bincount(k, mr, L + 1)[:L]
                    out[f"n_in_care_{arm}_grid"] = np.bincount(k, mr * (a["care"] > 0), L + 1)[:L]
                    out[f"heavy_events_{arm}"] = float(np.sum(mr[a["heavy_rows"]][a["heavy_counted"]]))
            out["specialist_months_diff"] = out["specialist_months_a"] - out["specialist_months_b"]
            out["heavy_care_rd"] = out["heavy_care_a"] - out["heavy_care_b"]
        return out

    def rows(self) -> pd.DataFrame:
        """The clone rows of the full sample with their weights (for balance and weight tables)."""
        w = self.weights(np.ones(self.n), self.full)
        return pd.concat([pd.DataFrame({"person_id": self.person_id[a["r"]], "arm": arm, "start": a["lo"],
                                        "stop": a["hi"], "event": a["event"], "weight": w[arm]})
                          for arm, a in self.arms.items()], ignore_index=True)


def _weighted_percentile(x: np.ndarray, freq: np.ndarray, q) -> np.ndarray:
    """``np.percentile`` (linear) of ``x`` with each value repeated ``freq`` times (integers)."""
    keep = freq > 0
    x, freq = x[keep], freq[keep]
    o = np.argsort(x, kind="mergesort")
    x, cum = x[o], np.cumsum(freq[o])
    pos = (cum[-1] - 1) * np.asarray(q, float) / 100
    lo = np.floor(pos)
    at = lambda j: x[np.searchsorted(cum, j, side="right")]   # noqa: E731  the j-th value (0-based)
    return at(lo) + (pos - lo) * (at(np.minimum(lo + 1, cum[-1] - 1)) - at(lo))


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


def estimate(fu: pd.DataFrame, p: TrialParams, keep_rows: bool = False,
             engine: TrialEngine | None = None) -> TrialEstimate:
    """Clone, censor, weight and estimate the curves of both arms from the follow-up frame."""
    engine = engine or TrialEngine(fu, p)
    rows = engine.rows()
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
