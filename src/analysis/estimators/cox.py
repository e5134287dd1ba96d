"""Cox regression on counting-process data: ``fit_cox``.

Neither library has this fit in a usable form: lifelines' ``CoxTimeVaryingFitter`` has no robust
standard errors and slows down quadratically with the number of distinct event times; statsmodels
``PHReg`` ignores weights and gives NaN robust errors when a row is censored before the first
event. Here the risk-set sums are built once from difference arrays over the sorted event times
(a row is at risk at event time ``t`` when ``start < t <= stop``: it enters at the first event time
after its start and leaves after its stop), so a fit costs O(n p^2 + m p^2) per Newton step for
n rows, m distinct event times and p covariates.

Ties follow R's ``survival::coxph`` (Efron by default, Breslow on request), also with case weights;
the cluster-robust variance is the sandwich of R's weighted dfbeta residuals collapsed by cluster.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import ndtr, ndtri   # normal cdf and quantile (scipy.stats costs 0.5 s to import)

from ..errors import WorkbenchError


class CoxFitError(WorkbenchError):
    """The Cox model cannot be fitted (constant covariate, no events, no convergence)."""


@dataclass(frozen=True)
class CoxResult:
    """A fitted Cox model. Coefficients are log hazard ratios."""

    params: pd.Series
    standard_errors: pd.Series          # robust when a cluster was given, else model-based
    naive_standard_errors: pd.Series
    cov: pd.DataFrame
    log_likelihood: float
    log_likelihood_null: float
    n_events: int
    n_obs: int
    n_clusters: int | None
    iterations: int
    ties: str
    robust: bool
    alpha: float = 0.05
    extra: dict = field(default_factory=dict)

    @property
    def confidence_intervals(self) -> pd.DataFrame:
        z = ndtri(1 - self.alpha / 2)
        return pd.DataFrame({"lower": self.params - z * self.standard_errors,
                             "upper": self.params + z * self.standard_errors})

    @property
    def hazard_ratios(self) -> pd.DataFrame:
        ci = np.exp(self.confidence_intervals)
        return pd.DataFrame({"hr": np.exp(self.params), "lower": ci["lower"], "upper": ci["upper"]})

    def summary(self) -> pd.DataFrame:
        z = self.params / self.standard_errors
        return pd.DataFrame({"coef": self.params, "se": self.standard_errors, "z": z,
                             "p": 2 * ndtr(-np.abs(z)), **self.hazard_ratios})


@dataclass
class _Stratum:
    start: np.ndarray
    stop: np.ndarray
    event: np.ndarray
    x: np.ndarray
    w: np.ndarray
    rows: np.ndarray                     # positions in the full data
    times: np.ndarray = None             # distinct event times
    lo: np.ndarray = None                # first event-time index at which a row is at risk
    hi: np.ndarray = None                # one past the last
    tie: np.ndarray = None               # event-time index of each event row (-1: none)
    d: np.ndarray = None                 # deaths per event time
    sums: sparse.csc_matrix = None       # (2m + 1) × n: risk-set differences and event indicators (prepare)
    entry_row: np.ndarray = None         # the row of each entry of sums
    buffer: np.ndarray = None            # the weighted entries of sums, reused every Newton step
    z: np.ndarray = None                 # n × (1 + p + p(p+1)/2): 1, x and the products x_a x_b (a ≤ b)
    ev_x: np.ndarray = None              # covariates of the event rows
    ev_wt: np.ndarray = None             # weights of the event rows
    ev_w: np.ndarray = None              # per event time: the sum of its events' weights
    ev_wx: np.ndarray = None             # the weighted covariate sum over all events

    def prepare(self) -> None:
        ev = self.event.astype(bool)
        self.times = np.unique(self.stop[ev])
        self.lo = _index_after(self.times, self.start)
        self.hi = _index_after(self.times, self.stop)
        self.tie = np.where(ev, self.hi - 1, -1)
        self.d = np.bincount(self.tie[ev], minlength=len(self.times))
        n, m = len(self.stop), len(self.times)
        # One sparse matrix gives every sum a Newton step needs, in one product with the rows'
        # weighted values: rows 0..m of the product are differences whose running sum is the sum over
        # the risk set at each event time (a row enters at lo and leaves at hi), rows m+1..2m the sum
        # over each event time's events. Built in CSC form directly: column i holds lo_i and hi_i
        # (when the row is at risk at some event time) and m + 1 + its event time (when it has the
        # event); entries within a column are in increasing order, as CSC wants.
        at = self.lo < self.hi
        counts = 2 * at.astype(np.int64) + ev
        indptr = np.concatenate([[0], np.cumsum(counts)])
        slots = np.full((n, 3), -1, dtype=np.int64)
        slots[at, 0], slots[at, 1] = self.lo[at], self.hi[at]
        slots[ev, 2] = m + 1 + self.tie[ev]
        keep = slots >= 0
        indices = slots[keep]
        data = np.broadcast_to(np.array([1.0, -1.0, 1.0]), (n, 3))[keep]
        self.sums = sparse.csc_matrix((data, indices, indptr), shape=(2 * m + 1, n))
        self.entry_row = np.repeat(np.arange(n), counts)   # the row of each stored entry
        self.buffer = np.empty(len(data))                  # reused: the weighted entries of each step
        p = self.x.shape[1]
        pairs = [(a, b) for a in range(p) for b in range(a, p)]
        self.z = np.empty((n, 1 + p + len(pairs)))
        self.z[:, 0] = 1.0
        self.z[:, 1:1 + p] = self.x
        for k, (a, b) in enumerate(pairs):
            self.z[:, 1 + p + k] = self.x[:, a] * self.x[:, b]
        # what does not change with the coefficients: per event time the weights of its events, and
        # the events' weights, covariates and weighted covariate sum
        ev_rows = np.flatnonzero(ev)
        self.ev_x, self.ev_wt = self.x[ev_rows], self.w[ev_rows]
        self.ev_w = np.bincount(self.tie[ev], self.ev_wt, minlength=m)
        self.ev_wx = self.ev_wt @ self.ev_x


def _index_after(times: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``np.searchsorted(times, values, side="right")``: for whole-number times (days) in a range
    of at most 10 million through a table of counts, which is several times faster."""
    if len(values) and len(times):
        lo, hi = float(min(times[0], values.min())), float(max(times[-1], values.max()))
        if np.isfinite(lo) and np.isfinite(hi) and hi - lo < 1e7 and np.all(times == np.floor(times)) \
                and np.array_equal(values, np.floor(values)):
            table = np.zeros(int(hi - lo) + 2, dtype=np.int64)
            table[(times - lo).astype(np.int64) + 1] = 1
            np.cumsum(table, out=table)
            return table[(values - lo).astype(np.int64) + 1]
    return np.searchsorted(times, values, side="right")


def _weighted_sums(s: _Stratum, weight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each event time: the sums of ``weight × z`` over the rows at risk and over its events
    (the weights go into the sparse matrix's entries, so no n × k product is ever formed)."""
    m = len(s.times)
    mat = s.sums
    np.take(weight, s.entry_row, out=s.buffer)
    s.buffer *= mat.data
    out = sparse.csc_matrix((s.buffer, mat.indices, mat.indptr), shape=mat.shape) @ s.z
    return np.cumsum(out[:m + 1], axis=0)[:m], out[m + 1:]


def _efron_steps(d: np.ndarray, ties: str) -> tuple[np.ndarray, np.ndarray]:
    """Expanded Efron steps: (event-time index, fraction k/d) for k = 0..d-1 per event time."""
    j = np.repeat(np.arange(len(d)), d)
    k = np.arange(len(j)) - np.repeat(np.cumsum(d) - d, d)
    frac = k / d[j] if ties == "efron" else np.zeros(len(j))
    return j, frac


def _stratum_terms(s: _Stratum, beta: np.ndarray, ties: str, want_resid: bool):
    """Log partial likelihood, score and information of one stratum (and the score residuals).

    Efron's ties: at an event time with d events, step k = 0..d−1 has the denominator
    den_k = A0 − f_k D0 (A: sums over the risk set, D: over the time's events, f_k = k/d) and the
    mean covariate s1_k = (A1 − f_k D1) / den_k. Every sum over the steps is a sum of A's and D's
    with per-time scalar factors — Σ c_k, Σ f_k c_k, Σ c_k², Σ f_k c_k², Σ f_k² c_k² with
    c_k = 1 / den_k — so only those scalars are computed per step, the vectors per event time.
    """
    p = s.x.shape[1]
    eta = s.x @ beta
    risk = np.exp(eta)
    wr = s.w * risk
    pairs = [(a, b) for a in range(p) for b in range(a, p)]
    at_risk, dead = _weighted_sums(s, wr)
    m = len(s.times)
    mw = s.ev_w / s.d                      # the mean weight of the events at each time
    j, frac = _efron_steps(s.d, ties)
    efron = ties == "efron"
    if not efron:
        dead = np.zeros_like(at_risk)
    den = at_risk[j, 0] - frac * dead[j, 0]
    c = 1.0 / den
    mwj = mw[j]
    per_time = lambda v: np.bincount(j, v, minlength=m)  # noqa: E731
    c0, c20 = per_time(mwj * c), per_time(mwj * c * c)
    c1, c21, c22 = (per_time(mwj * frac * c), per_time(mwj * frac * c * c), per_time(mwj * frac * frac * c * c)) \
        if efron else (np.zeros(m),) * 3
    a1, d1 = at_risk[:, 1:1 + p], dead[:, 1:1 + p]
    loglik = float(s.ev_wt @ (s.ev_x @ beta)) - np.sum(mwj * np.log(den))
    score = s.ev_wx - (c0 @ a1 - c1 @ d1)
    s2sum = c0 @ at_risk[:, 1 + p:] - c1 @ dead[:, 1 + p:]
    info = np.zeros((p, p))
    for idx, (a, b) in enumerate(pairs):
        info[a, b] = info[b, a] = s2sum[idx]
    cross = (a1 * c21[:, None]).T @ d1
    info -= (a1 * c20[:, None]).T @ a1 - cross - cross.T + (d1 * c22[:, None]).T @ d1
    resid = None
    if want_resid:
        s1 = (at_risk[j, 1:1 + p] - frac[:, None] * dead[j, 1:1 + p]) * c[:, None]
        resid = _score_residuals(s, risk, j, frac, mw, den, s1, m)
    return loglik, score, info, resid


def _score_residuals(s: _Stratum, risk, j, frac, mw, den, xbar, m):
    """Unweighted score residuals per row (R's ``residuals(fit, "score")``)."""
    p = s.x.shape[1]
    haz = mw[j] / den
    h = np.bincount(j, haz, minlength=m)
    g = np.stack([np.bincount(j, haz * xbar[:, c], minlength=m) for c in range(p)], axis=1)
    h2 = np.bincount(j, haz * frac, minlength=m)
    g2 = np.stack([np.bincount(j, haz * frac * xbar[:, c], minlength=m) for c in range(p)], axis=1)
    xmean = np.stack([np.bincount(j, xbar[:, c], minlength=m) for c in range(p)], axis=1) / s.d[:, None]
    cum = lambda a: np.concatenate([np.zeros((1,) + a.shape[1:]), np.cumsum(a, axis=0)])  # noqa: E731
    ch, cg = cum(h), cum(g)
    H = ch[s.hi] - ch[s.lo]
    G = cg[s.hi] - cg[s.lo]
    resid = -risk[:, None] * (s.x * H[:, None] - G)
    ev = s.tie >= 0
    t = s.tie[ev]
    resid[ev] += (s.x[ev] - xmean[t]) + risk[ev, None] * (s.x[ev] * h2[t, None] - g2[t])
    return resid


def _total(strata, beta, ties, want_resid=False):
    p = len(beta)
    ll, u, info = 0.0, np.zeros(p), np.zeros((p, p))
    resid = []
    for s in strata:
        a, b, c, r = _stratum_terms(s, beta, ties, want_resid)
        ll, u, info = ll + a, u + b, info + c
        resid.append(r)
    return ll, u, info, resid


def fit_cox(df: pd.DataFrame, *, start: str, stop: str, event: str, covariates: list[str],
            strata: str | list[str] | None = None, weights: str | None = None, cluster: str | None = None,
            ties: Literal["efron", "breslow"] = "efron", max_iter: int = 50, tol: float = 1e-10,
            alpha: float = 0.05) -> CoxResult:
    """Fit a Cox model to counting-process rows ``(start, stop]``.

    Parameters
    ----------
    df : DataFrame
        One row per interval; a row is at risk at event times ``t`` with ``start < t <= stop``.
    start, stop, event : str
        Column names; ``event`` is 1 when the interval ends with the event.
    covariates : list of str
        Numeric columns (dummy-code categories before).
    strata : str or list of str, optional
        Separate baseline hazards per stratum.
    weights : str, optional
        Case weights (e.g. inverse-probability weights).
    cluster : str, optional
        Cluster identifier (e.g. the child): gives cluster-robust (sandwich) standard errors.
    ties : {"efron", "breslow"}
        Tie handling, as in R's ``coxph``.

    Returns
    -------
    CoxResult

    Notes
    -----
    Newton–Raphson from zero with step halving when the log partial likelihood decreases; it stops
    when the relative change of the log likelihood is below ``tol``. Results agree with R's
    ``survival::coxph`` (tests compare against committed fixtures made by R).
    """
    if ties not in ("efron", "breslow"):
        raise ValueError(f"ties must be 'efron' or 'breslow', got {ties!r}")
    cols = [start, stop, event, *covariates] + ([weights] if weights else []) + ([cluster] if cluster else [])
    strata_cols = [strata] if isinstance(strata, str) else list(strata or [])
    missing = [c for c in cols + strata_cols if c not in df.columns]
    if missing:
        raise CoxFitError(f"columns not found: {missing}")
    d = df.dropna(subset=cols + strata_cols)
    x = d[covariates].to_numpy(dtype=float)
    for i, c in enumerate(covariates):
        if np.ptp(x[:, i]) == 0:
            raise CoxFitError(f"covariate {c!r} is constant: it cannot be estimated")
    t0, t1 = d[start].to_numpy(float), d[stop].to_numpy(float)
    if np.any(t1 <= t0):
        raise CoxFitError(f"every row needs {stop} > {start}")
    ev = d[event].to_numpy(dtype=float)
    w = d[weights].to_numpy(float) if weights else np.ones(len(d))
    if np.any(w < 0):
        raise CoxFitError("weights must be ≥ 0")
    if ev.sum() == 0:
        raise CoxFitError("no events: nothing to fit")
    groups = d.groupby(strata_cols, sort=True).ngroup().to_numpy() if strata_cols else np.zeros(len(d), int)
    units = []
    for g in np.unique(groups):
        rows = np.flatnonzero(groups == g)
        s = _Stratum(t0[rows], t1[rows], ev[rows], x[rows], w[rows], rows)
        if s.event.sum() > 0:
            s.prepare()
            units.append(s)
    beta = np.zeros(len(covariates))
    ll, u, info, _ = _total(units, beta, ties)
    ll_null = ll
    it = 0
    for it in range(1, max_iter + 1):
        try:
            step = np.linalg.solve(info, u)
        except np.linalg.LinAlgError:
            raise CoxFitError("the information matrix is singular (collinear covariates?)") from None
        for _ in range(30):
            new_ll, new_u, new_info, _ = _total(units, beta + step, ties)
            if np.isfinite(new_ll) and new_ll >= ll - 1e-12 * abs(ll):
                break
            step = step / 2
        else:
            raise CoxFitError("no step increases the likelihood (separation or an infinite coefficient?)")
        beta = beta + step
        converged = abs(new_ll - ll) <= tol * abs(new_ll) and np.max(np.abs(step)) < 1e-7
        ll, u, info = new_ll, new_u, new_info
        if converged:
            break
    else:
        raise CoxFitError(f"did not converge in {max_iter} iterations (coefficients {dict(zip(covariates, beta))})")
    ll, u, info, resid = _total(units, beta, ties, want_resid=cluster is not None)
    naive = np.linalg.inv(info)
    cov = naive
    n_clusters = None
    if cluster:
        score = np.zeros((len(d), len(beta)))
        for s, r in zip(units, resid):
            score[s.rows] = r * s.w[:, None]
        codes, uniq = pd.factorize(d[cluster])
        n_clusters = len(uniq)
        collapsed = np.stack([np.bincount(codes, score[:, c], minlength=n_clusters) for c in range(len(beta))], 1)
        cov = naive @ (collapsed.T @ collapsed) @ naive
    idx = pd.Index(covariates, name="covariate")
    return CoxResult(
        params=pd.Series(beta, idx), standard_errors=pd.Series(np.sqrt(np.diag(cov)), idx),
        naive_standard_errors=pd.Series(np.sqrt(np.diag(naive)), idx), cov=pd.DataFrame(cov, idx, idx),
        log_likelihood=float(ll), log_likelihood_null=float(ll_null), n_events=int(ev.sum()), n_obs=len(d),
        n_clusters=n_clusters, iterations=it, ties=ties, robust=cluster is not None, alpha=alpha)
