"""Descriptive survival estimators on any frame of (entry, exit, event) rows.

- :func:`kaplan_meier`: product-limit survival with delayed entry and case weights; Greenwood
  standard errors (unweighted), log-transformed 95 % intervals (R's default);
- :func:`aalen_johansen`: cumulative incidence of one event type with competing types and
  delayed entry. Tied times of different types are handled together in one step (no jitter), so
  the result does not depend on the order of the rows;
- :func:`risk_table`: at risk / events / censored at chosen times (for the table under a plot);
- :func:`rmst`: the area under a step curve up to a horizon;
- :class:`FixedRows`: the Aalen–Johansen CIF of rows whose times stay fixed while their weights
  change (bootstrap replicates as frequency weights), O(rows) per weight vector.

A row is at risk at time ``t`` when ``entry < t <= exit``; an event at ``exit`` counts at that
time, and a row censored at ``t`` is still at risk at ``t`` (as in R's ``survival``).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.special import ndtri   # the normal quantile (scipy.stats costs 0.5 s to import)


@dataclass(frozen=True)
class Curve:
    """A step curve: one row per distinct event time (table), estimate in ``value``."""

    table: pd.DataFrame          # time, at_risk, events, competing, censored, value, se, lower, upper
    kind: str                    # "survival" or "cif"
    label: str = ""

    def at(self, t) -> np.ndarray:
        """Value of the step curve at times ``t`` (right-continuous; 0 or 1 before the first step)."""
        t = np.atleast_1d(np.asarray(t, float))
        idx = np.searchsorted(self.table["time"].to_numpy(), t, side="right") - 1
        start = 1.0 if self.kind == "survival" else 0.0
        vals = np.concatenate([[start], self.table["value"].to_numpy()])
        return vals[idx + 1]


def _arrays(df: pd.DataFrame, entry: str | None, exit: str, event: str, weights: str | None):
    t1 = df[exit].to_numpy(float)
    t0 = df[entry].to_numpy(float) if entry else np.full(len(df), -np.inf)
    ev = df[event].to_numpy()
    w = df[weights].to_numpy(float) if weights else np.ones(len(df))
    if np.any(t1 <= t0):
        raise ValueError(f"every row needs {exit} > {entry}")
    return t0, t1, ev, w


def _at_risk(t0, t1, w, times):
    """Weighted number at risk (entry < t <= exit) at each of ``times``."""
    o1, o0 = np.argsort(t1), np.argsort(t0)
    c1 = np.concatenate([np.cumsum(w[o1][::-1])[::-1], [0.0]])
    c0 = np.concatenate([np.cumsum(w[o0][::-1])[::-1], [0.0]])
    exit_ge = c1[np.searchsorted(t1[o1], times, side="left")]
    entry_ge = c0[np.searchsorted(t0[o0], times, side="left")]
    return exit_ge - entry_ge


def _counts(t1, ev, w, times, mask):
    idx = np.searchsorted(times, t1[mask])
    return np.bincount(idx, w[mask], minlength=len(times))


def kaplan_meier(df: pd.DataFrame, *, exit: str, event: str, entry: str | None = None,
                 weights: str | None = None, alpha: float = 0.05, label: str = "") -> Curve:
    """Kaplan–Meier survival; ``event`` is truthy for the event (any type)."""
    t0, t1, ev, w = _arrays(df, entry, exit, event, weights)
    died = ev.astype(bool)
    times = np.unique(t1[died])
    n = _at_risk(t0, t1, w, times)
    d = _counts(t1, ev, w, times, died)
    surv = np.cumprod(1 - d / n)
    with np.errstate(divide="ignore", invalid="ignore"):
        green = np.cumsum(np.where(n > d, d / (n * (n - d)), np.inf))
    se = surv * np.sqrt(green)
    z = ndtri(1 - alpha / 2)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = surv * np.exp(-z * np.sqrt(green))
        upper = np.minimum(surv * np.exp(z * np.sqrt(green)), 1.0)
    all_times = np.unique(t1)
    cens = _counts(t1, ev, w, all_times, ~died)
    cens_at = pd.Series(cens, index=all_times).reindex(times, fill_value=0).to_numpy()
    table = pd.DataFrame({"time": times, "at_risk": n, "events": d, "competing": 0.0, "censored": cens_at,
                          "value": surv, "se": se, "lower": lower, "upper": upper})
    return Curve(table, "survival", label)


def aalen_johansen(df: pd.DataFrame, *, exit: str, event: str, event_of_interest, entry: str | None = None,
                   weights: str | None = None, alpha: float = 0.05, label: str = "", se: bool = True) -> Curve:
    """Cumulative incidence of ``event_of_interest``; other non-zero codes in ``event`` compete.

    The standard error (``se=True``) is the infinitesimal jackknife, as R's ``survfit`` gives it; for
    confidence statements about estimands the workbench bootstraps by child.
    """
    t0, t1, ev, w = _arrays(df, entry, exit, event, weights)
    any_ev = ev != 0
    main = ev == event_of_interest
    times = np.unique(t1[any_ev])
    n = _at_risk(t0, t1, w, times)
    d_all = _counts(t1, ev, w, times, any_ev)
    d_main = _counts(t1, ev, w, times, main)
    surv_before = np.concatenate([[1.0], np.cumprod(1 - d_all / n)[:-1]])
    cif = np.cumsum(surv_before * d_main / n)
    se = (_aj_ij_se(t0, t1, ev, w, event_of_interest, times, n, d_all, d_main, surv_before, cif) if se
          else np.full(len(cif), np.nan))
    z = ndtri(1 - alpha / 2)
    all_times = np.unique(t1)
    cens = pd.Series(_counts(t1, ev, w, all_times, ~any_ev), index=all_times).reindex(times, fill_value=0)
    table = pd.DataFrame({"time": times, "at_risk": n, "n_at_risk": _at_risk(t0, t1, np.ones(len(t1)), times),
                          "events": d_main, "competing": d_all - d_main,
                          "censored": cens.to_numpy(), "value": cif, "se": se,
                          "lower": np.clip(cif - z * se, 0, 1), "upper": np.clip(cif + z * se, 0, 1)})
    return Curve(table, "cif", label)


def _aj_ij_se(t0, t1, ev, w, event_of_interest, times, n, d_all, d_main, surv_before, cif):
    """Infinitesimal-jackknife standard error of the CIF at every event time (R's default), in
    O(rows + times).

    The influence of row i on CIF(t_J) is
    ``sum_{l<=J} [S(t_{l-1}) dA_1_i(l) - (CIF_J - CIF_l) dA_i(l) / (1 - dA(l))]`` with
    ``dA_k_i(l) = (event_ik(l) - at_risk_i(l) dA_k(l)) / n(l)``. With prefix sums over event times
    it takes two forms: a row still at risk after ``t_J`` (``lo <= J <= hi - 2``) has
    ``u = X_J + a_i - CIF_J b_i``, a row that has left (``J >= hi - 1``) has ``u = g_i + CIF_J h_i``.
    The variance ``sum_i w_i^2 u_i(J)^2`` is then a polynomial in ``X_J`` and ``CIF_J`` whose
    coefficients are sums of row terms over the rows of each form at ``J``: difference arrays.
    """
    m = len(times)
    with np.errstate(divide="ignore", invalid="ignore"):
        da, da1 = d_all / n, d_main / n
        q = np.where(da < 1, da / ((1 - da) * n), 0.0)
        r_main = surv_before * da1 / n
        inv = np.where(da < 1, 1 / (1 - da), 0.0)     # a step that takes every row at risk: no term
    pre = lambda x: np.concatenate([[0.0], np.cumsum(x)])  # noqa: E731
    p1, p2, p3 = pre(r_main), pre(q), pre(q * cif)
    lo = np.searchsorted(times, t0, side="right")
    hi = np.searchsorted(times, t1, side="right")
    w2 = np.asarray(w, float) ** 2

    def over(vals, start, stop):     # per J: the sum of vals over the rows with start <= J < stop
        return np.cumsum(np.bincount(start, vals, minlength=m + 1) - np.bincount(stop, vals, minlength=m + 1))[:m]

    J1 = np.arange(1, m + 1)
    at = lo <= hi - 2
    a, b, ww, st, sp = (p1[lo] + p3[lo])[at], p2[lo][at], w2[at], lo[at], hi[at] - 1
    x = -p1[J1] + cif * p2[J1] - p3[J1]
    var = (x * x * over(ww, st, sp) + over(ww * a * a, st, sp) + cif * cif * over(ww * b * b, st, sp)
           + 2 * x * over(ww * a, st, sp) - 2 * x * cif * over(ww * b, st, sp) - 2 * cif * over(ww * a * b, st, sp))
    k = np.clip(hi - 1, 0, m - 1)
    has = (ev != 0) & (hi >= 1)
    g = -(p1[hi] - p1[lo]) - (p3[hi] - p3[lo])
    h = p2[hi] - p2[lo]
    with np.errstate(divide="ignore", invalid="ignore"):
        g = g + np.where(has, (np.where(ev == event_of_interest, surv_before[k], 0.0) + cif[k] * inv[k]) / n[k], 0.0)
        h = h - np.where(has, inv[k] / n[k], 0.0)
    st, sp = np.maximum(hi - 1, 0), np.full(len(hi), m)
    var += over(w2 * g * g, st, sp) + 2 * cif * over(w2 * g * h, st, sp) + cif * cif * over(w2 * h * h, st, sp)
    return np.sqrt(np.maximum(var, 0.0))


def risk_table(df: pd.DataFrame, times, *, exit: str, event: str, entry: str | None = None,
               event_of_interest=None) -> pd.DataFrame:
    """Numbers under observation at each time, and cumulative events and censorings up to it.

    Under observation at ``t``: ``entry <= t < exit``. Events count ``event_of_interest`` (any
    non-zero code when None); "competing" counts the other non-zero codes.
    """
    t0, t1, ev, _ = _arrays(df, entry, exit, event, None)
    main = (ev != 0) if event_of_interest is None else (ev == event_of_interest)
    other = (ev != 0) & ~main
    rows = []
    for t in np.atleast_1d(times):
        rows.append({"time": t, "at_risk": int(np.sum((t0 <= t) & (t1 > t))),
                     "events": int(np.sum(main & (t1 <= t))), "competing": int(np.sum(other & (t1 <= t))),
                     "censored": int(np.sum((ev == 0) & (t1 <= t)))})
    return pd.DataFrame(rows)


def rmst(curve: Curve, tau: float) -> float:
    """Restricted mean up to ``tau`` of a survival curve, or of 1 − CIF for a CIF curve."""
    t = curve.table["time"].to_numpy()
    v = curve.table["value"].to_numpy()
    if curve.kind == "cif":
        v = 1 - v
    keep = t < tau
    knots = np.concatenate([[0.0], t[keep], [tau]])
    heights = np.concatenate([[1.0], v[keep]])
    return float(np.sum(np.diff(knots) * heights))


class FixedRows:
    """(entry, exit, event) rows prepared once for the Aalen–Johansen CIF under many weight vectors.

    The same estimator as :func:`aalen_johansen` (at risk when ``entry < t <= exit``, tied event
    types in one step), evaluated at the event times of all rows; rows of weight 0 (a child not
    drawn into a bootstrap replicate) add no step, so a time at which only they have an event
    leaves the curve where it was.
    """

    def __init__(self, entry, exit, event, event_of_interest):
        entry, exit, event = np.asarray(entry, float), np.asarray(exit, float), np.asarray(event)
        if np.any(exit <= entry):
            raise ValueError("every row needs exit > entry")
        has = event != 0
        self.times = np.unique(exit[has])
        m = len(self.times)
        self._lo = np.searchsorted(self.times, entry, side="right")   # at risk from this event time on
        self._hi = np.searchsorted(self.times, exit, side="right")    # ... up to (not including) this one
        self._ev_rows = np.flatnonzero(has)
        self._ev_at = self._hi[self._ev_rows] - 1
        self._main = (event[self._ev_rows] == event_of_interest)
        self._m = m

    def cif(self, w) -> np.ndarray:
        """The CIF of the event of interest at :attr:`times` under row weights ``w``."""
        w = np.asarray(w, float)
        m = self._m
        n = np.cumsum(np.bincount(self._lo, w, m + 1) - np.bincount(self._hi, w, m + 1))[:m]
        we = w[self._ev_rows]
        d_all = np.bincount(self._ev_at, we, m)
        d_main = np.bincount(self._ev_at[self._main], we[self._main], m)
        pos = n > 1e-12
        haz = np.divide(d_all, n, out=np.zeros(m), where=pos)
        h1 = np.divide(d_main, n, out=np.zeros(m), where=pos)
        surv_before = np.concatenate([[1.0], np.cumprod(1 - haz)[:-1]])
        return np.cumsum(surv_before * h1)

    def at(self, cif: np.ndarray, t) -> np.ndarray:
        """Values of a CIF of :meth:`cif` at times ``t`` (right-continuous step function)."""
        idx = np.searchsorted(self.times, np.atleast_1d(np.asarray(t, float)), side="right") - 1
        return np.concatenate([[0.0], cif])[idx + 1]

    def rmst(self, cif: np.ndarray, tau: float) -> float:
        """Restricted mean event-free time up to ``tau`` (the area under 1 − CIF), as :func:`rmst`."""
        keep = self.times < tau
        knots = np.concatenate([[0.0], self.times[keep], [tau]])
        heights = np.concatenate([[1.0], 1 - cif[keep]])
        return float(np.sum(np.diff(knots) * heights))
