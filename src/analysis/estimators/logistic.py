"""Maximum-likelihood logistic regression by Newton–Raphson, for the pooled models of the trial.

The inverse-probability weights are refitted in every bootstrap replicate, on person-month frames
of up to a few hundred thousand rows; statsmodels' GLM (IRLS) and Logit spend most of their time
on results the weights do not need (about 1–6 s per fit at 100k rows here, against 0.1 s).
``tests/test_logistic.py`` checks the coefficients against statsmodels' ``Logit``.
"""
from __future__ import annotations

import numpy as np
import scipy.linalg

from ..errors import WorkbenchError


EXTRAPOLATE = 0.5   # a full Newton step at least this long (log-odds) is tried doubled too
CHORD = 0.5   # a kept information matrix is recomputed when a step is more than this share of the last


class LogisticFitError(WorkbenchError):
    """The logistic model did not converge."""


def fit_logistic(X: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None, *, start: np.ndarray | None = None,
                 max_iter: int = 100, tol: float = 1e-9, ridge: float = 1e-6, info: dict | None = None,
                 steps: int | None = None, information=None) -> np.ndarray:
    """Coefficients of ``P(y=1) = 1 / (1 + exp(-X b))``; X includes the constant column (first).

    ``weights`` are case weights: frequency weights (a row drawn twice counts twice) or binomial
    trials, with ``y`` then the share of successes (``y * weights`` successes in ``weights``
    trials), so that rows with the same covariates can be aggregated into one. ``start`` is a
    warm start (the full sample's fit for a bootstrap replicate); the fit is iterated to the same
    convergence criterion from wherever it starts (every coefficient's Newton step below ``tol``),
    so a warm start changes the speed, not the estimate. ``info`` receives the number of
    iterations. ``steps`` stops after that many Newton steps, converged or not (to measure how
    close a few steps from a warm start come). With a warm start the information matrix is kept
    while the steps shrink fast (chord steps: the same fixed point, the gradient is always exact);
    ``information`` is one to start with (the full sample's, which ``info["information"]`` returns
    from its fit: a bootstrap replicate then needs no information matrix of its own unless its
    steps stop shrinking fast).

    A tiny ridge penalty (``ridge * |b|^2 / 2`` on all but the first coefficient) keeps the fit
    finite when a covariate separates the outcome (a neighbourhood without any start, say), where
    the unpenalised estimate does not exist; elsewhere it changes nothing that matters.
    """
    X = np.asarray(X, float)
    y = np.asarray(y, float)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, float)
    wy = w * y
    b = np.zeros(X.shape[1]) if start is None else np.array(start, float)
    pen = np.full(len(b), ridge)
    pen[0] = 0.0

    def loglik(coef):
        eta = X @ coef
        log1p_exp = np.maximum(eta, 0) + np.log1p(np.exp(-np.abs(eta)))   # log(1 + e^eta), 6x faster than logaddexp
        return float(np.sum(wy * eta - w * log1p_exp) - 0.5 * np.sum(pen * coef ** 2)), eta

    ll, eta = loglik(b) if start is not None else (-np.inf, X @ b)
    factor, last, hessians = (information if start is not None else None), np.inf, 0
    kept = factor
    for it in range(1, max_iter + 1):
        p = 1 / (1 + np.exp(-eta))
        grad = X.T @ (wy - w * p) - pen * b
        if factor is None:
            hessians += 1
            hess = X.T @ (X * (w * np.maximum(p * (1 - p), 1e-12))[:, None]) + np.diag(pen)
            try:
                factor = scipy.linalg.cho_factor(hess + 1e-10 * np.eye(len(b)))
            except np.linalg.LinAlgError:
                raise LogisticFitError("singular information matrix (a covariate without variation?)") from None
        step = scipy.linalg.cho_solve(factor, grad)
        size = np.max(np.abs(step))
        # near the optimum the information matrix is kept (chord steps: the same fixed point,
        # a fraction of the cost); it is recomputed whenever the steps stop shrinking fast
        kept = factor
        if (start is None and size > 1e-6) or size > CHORD * last:
            factor = None
        last = size
        for _ in range(30):
            new = b + step
            new_ll, new_eta = loglik(new)
            if new_ll >= ll - 1e-12 * abs(new_ll):
                break
            step = step / 2
        b, eta = new, new_eta
        if np.max(np.abs(step)) <= tol or abs(new_ll - ll) <= 1e-15 * abs(new_ll) or it == steps:
            if info is not None:
                info["iterations"] = it
                info["hessians"] = hessians
                info["information"] = kept
            return b
        ll = new_ll
    raise LogisticFitError(f"did not converge in {max_iter} iterations")


def predict_logistic(X: np.ndarray, b: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(np.asarray(X, float) @ b)))


def fit_logistic_factor(D: np.ndarray, level: np.ndarray, n_levels: int, y: np.ndarray,
                        weights: np.ndarray | None = None, *, reference: int | None = None,
                        start: tuple[np.ndarray, np.ndarray] | None = None, max_iter: int = 100,
                        tol: float = 1e-9, ridge: float = 1e-6, info: dict | None = None,
                        steps: int | None = None, information: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`fit_logistic` with a factor (a neighbourhood, a municipality) as a factor, not as
    dummy columns: ``P(y=1) = 1 / (1 + exp(-(D b + g[level])))``, ``g[reference] = 0``.

    The same model, objective and optimum as :func:`fit_logistic` on ``[D, dummies of every level
    but the reference]`` (the same tiny ridge on all but ``D``'s first, constant column, and on every
    level), but the information matrix is never formed whole: its factor block is diagonal (a sum
    per level) and its cross block is per-level sums of ``D``'s columns, so a Newton step (through
    the Schur complement of the factor block) costs O(rows × q²) for q dense columns, whatever the
    number of levels (for a pooled national model: 340 municipalities or thousands of wijken,
    where dummy columns would not fit in memory). ``reference``: the level fixed at 0 (default:
    the first level with positive weight, as the trial's weight models choose it). Levels without
    positive weight are held at 0 too (a dummy column of zeros: the ridge keeps it there). Returns
    ``(b, g)``.

    ``start``, ``steps``, ``info`` and ``information`` as in :func:`fit_logistic`: from a warm start
    the information (the Schur complement's factor and the per-level blocks) is kept while the
    steps shrink fast; ``info["information"]`` returns the one a fit ended with, for the next fit
    of the same levels to start with.
    """
    D = np.asarray(D, float)
    level = np.asarray(level, np.int64)
    y = np.asarray(y, float)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, float)
    wy = w * y
    q, L = D.shape[1], int(n_levels)
    weight = np.bincount(level, w, minlength=L)
    if reference is None:
        present = np.flatnonzero(weight > 0)
        reference = int(present[0]) if len(present) else 0
    fixed = weight <= 0
    fixed[reference] = True
    pen_b = np.full(q, ridge)
    pen_b[0] = 0.0
    if start is None:
        b, g = np.zeros(q), np.zeros(L)
    else:
        b, g = np.array(start[0], float), np.where(fixed, 0.0, np.asarray(start[1], float))
    rest = D @ b
    g = _level_optimum(level, L, w, wy, fixed, rest, ridge, _separated_levels(level, L, w, wy, weight, fixed, rest, ridge, g))

    def loglik(b_, g_):
        eta = D @ b_ + g_[level]
        log1p_exp = np.maximum(eta, 0) + np.log1p(np.exp(-np.abs(eta)))
        return float(np.sum(wy * eta - w * log1p_exp) - 0.5 * np.sum(pen_b * b_ ** 2) - 0.5 * ridge * np.sum(g_ ** 2)), eta

    def information_at(p):
        v = w * np.maximum(p * (1 - p), 1e-12)
        h_bb = D.T @ (D * v[:, None]) + np.diag(pen_b)
        h_gb = np.stack([np.bincount(level, v * D[:, j], minlength=L) for j in range(q)], axis=1)
        h_gg = np.bincount(level, v, minlength=L) + ridge
        h_gb[fixed], h_gg[fixed] = 0.0, 1.0                  # held at 0
        scaled = h_gb / h_gg[:, None]
        try:
            factor = scipy.linalg.cho_factor(h_bb - h_gb.T @ scaled + 1e-10 * np.eye(q))
        except np.linalg.LinAlgError:
            raise LogisticFitError("singular information matrix (a covariate without variation?)") from None
        return {"factor": factor, "h_gb": h_gb, "h_gg": h_gg, "scaled": scaled, "fixed": fixed}

    ll, eta = loglik(b, g) if start is not None else (-np.inf, D @ b + g[level])
    usable = start is not None and information is not None and np.array_equal(information["fixed"], fixed)
    current, last, hessians = (information if usable else None), np.inf, 0
    kept = current
    for it in range(1, max_iter + 1):
        with np.errstate(over="ignore"):
            p = 1 / (1 + np.exp(-eta))
        r = wy - w * p
        grad_b = D.T @ r - pen_b * b
        grad_g = np.bincount(level, r, minlength=L) - ridge * g
        grad_g[fixed] = 0.0
        if current is None:
            hessians += 1
            current = information_at(p)
        step_b = scipy.linalg.cho_solve(current["factor"], grad_b - current["scaled"].T @ grad_g)
        step_g = (grad_g - current["h_gb"] @ step_b) / current["h_gg"]
        size = max(np.max(np.abs(step_b)), np.max(np.abs(step_g), initial=0.0))
        # near the optimum the information is kept (chord steps), as in fit_logistic
        kept = current
        if (start is None and size > 1e-6) or size > CHORD * last:
            current = None
        last = size
        for halved in range(30):
            new_ll, new_eta = loglik(b + step_b, g + step_g)
            if new_ll >= ll - 1e-12 * abs(new_ll):
                break
            step_b, step_g = step_b / 2, step_g / 2
        if halved == 0 and size >= EXTRAPOLATE:
            # a long full step: a coefficient that separates the outcome (a month group without any
            # start, say), whose optimum (kept finite by the ridge) Newton approaches by about one unit
            # of log-odds per step; doubled while the log likelihood still rises
            for _ in range(5):
                far_ll, far_eta = loglik(b + 2 * step_b, g + 2 * step_g)
                if not far_ll > new_ll:
                    break
                step_b, step_g, new_ll, new_eta = 2 * step_b, 2 * step_g, far_ll, far_eta
                current = None
        b, g, eta = b + step_b, g + step_g, new_eta
        if max(np.max(np.abs(step_b)), np.max(np.abs(step_g), initial=0.0)) <= tol \
                or abs(new_ll - ll) <= 1e-15 * abs(new_ll) or it == steps:
            if info is not None:
                info.update(iterations=it, hessians=hessians, information=kept)
            return b, g
        ll = new_ll
    raise LogisticFitError(f"did not converge in {max_iter} iterations")


def _separated_levels(level, L, w, wy, weight, fixed, eta_rest, ridge, g):
    """``g`` with the levels whose rows have no events (or only events) set near their optimum.

    Such a level's estimate goes to -inf (+inf) but for the ridge; Newton steps from a finite start
    approach it by about one unit of log-odds per step (the log likelihood is nearly exponential
    there), 15–20 steps for a neighbourhood without a start in a pooled national model. Its optimum
    given the other coefficients solves ``exp(g) S = ridge |g|`` (S: the level's weighted exp of
    the rest of the linear predictor; exactly so as the hazard goes to 0), a fixed point that
    ``g = log(ridge |g| / S)`` reaches in a few iterations (it contracts by 1/|g|). Only the start
    changes: Newton still converges to the same optimum."""
    events = np.bincount(level, wy, minlength=L)
    for sign, sep in ((1.0, ~fixed & (events <= 0)), (-1.0, ~fixed & (events >= weight) & (weight > 0))):
        if not sep.any():
            continue
        with np.errstate(over="ignore"):
            S = np.bincount(level, w * np.exp(np.clip(sign * eta_rest, -700, 700)), minlength=L)[sep]
        x = np.ones(sep.sum())             # |g|
        for _ in range(8):
            x = np.maximum(-np.log(ridge * x / S), 1.0)
        g = g.copy()
        g[sep] = -sign * x
    return g


def _level_optimum(level, L, w, wy, fixed, rest, ridge, g, iterations: int = 6):
    """``g`` moved towards each level's optimum given the rest of the linear predictor ``rest``.

    Given the other coefficients the levels are independent one-dimensional problems: a few Newton
    steps for all of them at once, each halved where it would lower its level's log likelihood. A
    warm start for the joint Newton steps, which otherwise lose their quadratic convergence to
    the few small levels whose estimates a bootstrap replicate moves far (a neighbourhood of ten
    children of which two are drawn three times), and halve every coefficient's step for them."""
    free = ~fixed

    def level_ll(g_):
        eta = rest + g_[level]
        return np.bincount(level, wy * eta - w * (np.maximum(eta, 0) + np.log1p(np.exp(-np.abs(eta)))),
                           minlength=L) - 0.5 * ridge * g_ ** 2

    ll = None
    for i in range(iterations):
        with np.errstate(over="ignore"):
            p = 1 / (1 + np.exp(-(rest + g[level])))
        grad = np.bincount(level, wy - w * p, minlength=L) - ridge * g
        hess = np.bincount(level, w * np.maximum(p * (1 - p), 1e-12), minlength=L) + ridge
        step = np.where(free, grad / hess, 0.0)
        if np.max(np.abs(step), initial=0.0) < (0.5 if i == 0 else 1e-3):   # close enough for Newton
            break
        if ll is None:
            ll = level_ll(g)
        for _ in range(10):
            new = level_ll(g + step)
            worse = new < ll - 1e-12 * np.abs(new)
            if not worse.any():
                break
            step = np.where(worse, step / 2, step)
        keep = ~worse
        g = np.where(keep, g + step, g)
        ll = np.where(keep, new, ll)
    return g
