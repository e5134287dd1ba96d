"""The Aalen–Johansen estimator of a multi-state process, with infinitesimal-jackknife errors.

A generic estimator (nothing specific to youth care): counting-process rows, each an interval
``(start, stop]`` that one subject spends in ``from_state``, entering ``to_state`` at ``stop``
(``to_state == from_state``: the interval ends censored, or without a change). Any transitions,
back and forth; delayed entry (a subject counts in the risk sets from its first ``start`` on);
subjects entering in different states; case weights.

At every time t at which a transition happens, with weighted counts over the rows at risk
(``start < t <= stop``)::

    dA[h, j] = dN[h, j](t) / Y[h](t)   (j != h),   dA[h, h] = -sum_j dA[h, j]
    P(s, t)  = prod over s < u <= t of (I + dA(u))     p(t) = p0 P(start, t)

``p0`` is the weighted distribution of the states of the subjects at risk at the first time after
the start time (the smallest ``start``), as R's ``survfit`` takes it. The standard errors are the infinitesimal jackknife, clustered by subject:
the derivative of p(t) with respect to each row's weight, times that weight, summed over a
subject's rows; the variance is the sum of their squares. The derivative follows the product
(``D(t) = D(t-) (I + dA) + p(t-) dA'``); ``p0`` counts as fixed, as in R's ``survfit``.

Checked against R ``survival::survfit(Surv(tstart, tstop, state) ~ 1, id=, istate=, weights=)``
(``tests/estimators/fixtures/multistate/``, with the R script that made them). lifelines'
``AalenJohansenFitter`` has one starting state and jitters tied times; R's ``mstate`` refuses
weights and cycles.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class MultistateFit:
    """``pstate`` and ``std_err``: one row per distinct stop time after the start time (index
    ``time``), one column per state; ``p0`` the initial distribution; ``dA`` the increments of the
    cumulative hazard matrix at each row of ``pstate`` (zero where nothing but censoring happened);
    ``n_risk``: the weighted number at risk per state just before each time."""

    states: list
    p0: np.ndarray
    pstate: pd.DataFrame
    std_err: pd.DataFrame
    dA: np.ndarray
    n_risk: pd.DataFrame

    def transition(self, s: float, t: float) -> pd.DataFrame:
        """P(s, t): the probability of being in state j at t given state h at s (rows h, columns j)."""
        times = self.pstate.index.to_numpy(float)
        P = np.eye(len(self.states))
        for k in np.flatnonzero((times > s) & (times <= t)):
            P = P @ (np.eye(len(self.states)) + self.dA[k])
        return pd.DataFrame(P, index=self.states, columns=self.states)


def aalen_johansen_multistate(data: pd.DataFrame, *, id: str, start: str, stop: str, from_state: str,
                              to_state: str, weights: str | None = None, states: list | None = None,
                              start_time: float | None = None, se: bool = True) -> MultistateFit:
    """State occupation probabilities and their IJ standard errors; see the module notes.

    ``states``: their order in the output (default: sorted). ``se=False``: the probabilities alone
    (``std_err`` NaN), without the per-subject influence matrix: from cumulative sums, for curves
    over tens of thousands of children. Raises ``ValueError`` for an interval that does not end
    after it starts, a negative weight, or a subject in two rows at once."""
    d = data
    t0, t1 = d[start].to_numpy(float), d[stop].to_numpy(float)
    if np.any(~(t1 > t0)):
        raise ValueError(f"every interval must end after it starts ({stop} > {start})")
    w = np.ones(len(d)) if weights is None else d[weights].to_numpy(float)
    if np.any(w < 0) or np.any(~np.isfinite(w)):
        raise ValueError("weights must be finite and ≥ 0")
    names = list(states) if states is not None else sorted(set(d[from_state]) | set(d[to_state]))
    code = {s: k for k, s in enumerate(names)}
    try:
        fs = d[from_state].map(code).to_numpy(np.int64)
        ts = d[to_state].map(code).to_numpy(np.int64)
    except (TypeError, ValueError):
        raise ValueError(f"a state not in {names}") from None
    subj, _ = pd.factorize(d[id])
    order = np.lexsort((t0, subj))
    if np.any((subj[order][1:] == subj[order][:-1]) & (t0[order][1:] < t1[order][:-1])):
        raise ValueError("a subject is in two rows at once (overlapping intervals)")
    S, n = len(names), int(subj.max()) + 1 if len(subj) else 0
    s0 = float(np.min(t0)) if start_time is None else float(start_time)
    times = np.unique(t1[t1 > s0])
    if not len(times):
        raise ValueError(f"no interval ends after the start time {s0}")
    # p0: the states of those at risk at the first time (start < t <= stop), as R's survfit takes it
    first = (t0 < times[0]) & (t1 >= times[0])
    p = np.bincount(fs[first], w[first], minlength=S)
    if p.sum() <= 0:
        raise ValueError(f"nobody at risk at the first time {times[0]}")
    p0 = p / p.sum()
    p = p0.copy()
    if not se:
        return _occupation_only(names, p0, times, t0, t1, fs, ts, w)
    # rows enter the risk sets after their start, leave after their stop: per state, the weight at
    # risk just before each time as the difference of two cumulative sums
    by_start, by_stop = np.argsort(t0, kind="stable"), np.argsort(t1, kind="stable")
    moved = ts != fs
    D = np.zeros((n, S))
    out_p, out_se, out_dA, out_y = [], [], [], []
    eye = np.eye(S)
    # rows at risk at each time: start < t <= stop; found per time from the sorted starts and stops
    sorted_t0, sorted_t1 = t0[by_start], t1[by_stop]
    for t in times:
        risk = by_start[:np.searchsorted(sorted_t0, t, side="left")]
        risk = risk[t1[risk] >= t]
        Y = np.bincount(fs[risk], w[risk], minlength=S)
        ending = by_stop[np.searchsorted(sorted_t1, t, side="left"):np.searchsorted(sorted_t1, t, side="right")]
        ev = ending[moved[ending]]
        dN = np.zeros((S, S))
        np.add.at(dN, (fs[ev], ts[ev]), w[ev])
        dA = np.divide(dN, Y[:, None], out=np.zeros((S, S)), where=Y[:, None] > 0)
        dA[np.diag_indices(S)] = -dA.sum(axis=1)
        if ev.size:
            # derivative of p(t-) dA with respect to each row's weight, times the weight: rows at
            # risk in h give -w p_h / Y_h dA[h, :]; a row moving h -> j adds w p_h / Y_h (e_j - e_h)
            scale = np.divide(p, Y, out=np.zeros(S), where=Y > 0)
            G = -(w[risk] * scale[fs[risk]])[:, None] * dA[fs[risk]]
            D = D @ (eye + dA)
            np.add.at(D, subj[risk], G)
            g = w[ev] * scale[fs[ev]]
            np.add.at(D, (subj[ev], ts[ev]), g)
            np.add.at(D, (subj[ev], fs[ev]), -g)
            p = p @ (eye + dA)
        out_p.append(p.copy())
        out_se.append(np.sqrt(np.sum(D ** 2, axis=0)))
        out_dA.append(dA if ev.size else np.zeros((S, S)))
        out_y.append(Y)
    idx = pd.Index(times, name="time")
    return MultistateFit(states=names, p0=p0, pstate=pd.DataFrame(np.array(out_p).reshape(-1, S), index=idx, columns=names),
                         std_err=pd.DataFrame(np.array(out_se).reshape(-1, S), index=idx, columns=names),
                         dA=np.array(out_dA).reshape(-1, S, S),
                         n_risk=pd.DataFrame(np.array(out_y).reshape(-1, S), index=idx, columns=names))


def _occupation_only(names, p0, times, t0, t1, fs, ts, w) -> MultistateFit:
    """The probabilities of :func:`aalen_johansen_multistate` without standard errors: the weight at
    risk per state and time from sorted starts and stops (start < t <= stop), the transitions per
    time in one pass, then one S × S product per time."""
    S, T = len(names), len(times)
    Y = np.zeros((T, S))
    for k in range(S):
        m = fs == k
        a, b = np.sort(t0[m]), np.sort(t1[m])
        ca = np.concatenate([[0.0], np.cumsum(w[m][np.argsort(t0[m], kind="stable")])])
        cb = np.concatenate([[0.0], np.cumsum(w[m][np.argsort(t1[m], kind="stable")])])
        Y[:, k] = ca[np.searchsorted(a, times, side="left")] - cb[np.searchsorted(b, times, side="left")]
    ev = (ts != fs) & (t1 >= times[0])
    ti = np.searchsorted(times, t1[ev])
    dN = np.zeros((T, S, S))
    np.add.at(dN, (ti, fs[ev], ts[ev]), w[ev])
    dA = np.divide(dN, Y[:, :, None], out=np.zeros((T, S, S)), where=Y[:, :, None] > 0)
    diag = np.arange(S)
    dA[:, diag, diag] = -dA.sum(axis=2)
    out = np.empty((T, S))
    p = p0.copy()
    eye = np.eye(S)
    for i in range(T):
        if dN[i].any():
            p = p @ (eye + dA[i])
        out[i] = p
    idx = pd.Index(times, name="time")
    return MultistateFit(states=names, p0=p0, pstate=pd.DataFrame(out, index=idx, columns=names),
                         std_err=pd.DataFrame(np.full((T, S), np.nan), index=idx, columns=names), dA=dA,
                         n_risk=pd.DataFrame(Y, index=idx, columns=names))
