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
