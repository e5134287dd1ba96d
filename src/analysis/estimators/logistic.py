"""Maximum-likelihood logistic regression by Newton–Raphson, for the pooled models of the trial.

The inverse-probability weights are refitted in every bootstrap replicate, on person-month frames
of up to a few hundred thousand rows; statsmodels' GLM (IRLS) and Logit spend most of their time
on results the weights do not need (about 1–6 s per fit at 100k rows here, against 0.1 s).
``tests/test_logistic.py`` checks the coefficients against statsmodels' ``Logit``.
"""
from __future__ import annotations

import numpy as np

from ..errors import WorkbenchError


class LogisticFitError(WorkbenchError):
    """The logistic model did not converge."""


def fit_logistic(X: np.ndarray, y: np.ndarray, max_iter: int = 100, tol: float = 1e-10,
                 ridge: float = 1e-6) -> np.ndarray:
    """Coefficients of ``P(y=1) = 1 / (1 + exp(-X b))``; X includes the constant column (first).

    A tiny ridge penalty (``ridge * |b|^2 / 2`` on all but the first coefficient) keeps the fit
    finite when a covariate separates the outcome (a neighbourhood without any start, say), where
    the unpenalised estimate does not exist; elsewhere it changes nothing that matters.
    """
    X = np.asarray(X, float)
    y = np.asarray(y, float)
    b = np.zeros(X.shape[1])
    pen = np.full(len(b), ridge)
    pen[0] = 0.0
    ll = -np.inf
    for _ in range(max_iter):
        eta = X @ b
        p = 1 / (1 + np.exp(-eta))
        w = np.maximum(p * (1 - p), 1e-12)
        grad = X.T @ (y - p) - pen * b
        hess = X.T @ (X * w[:, None]) + np.diag(pen)
        try:
            step = np.linalg.solve(hess + 1e-10 * np.eye(len(b)), grad)
        except np.linalg.LinAlgError:
            raise LogisticFitError("singular information matrix (a covariate without variation?)") from None
        for _ in range(30):
            new = b + step
            eta = X @ new
            new_ll = np.sum(y * eta - np.logaddexp(0, eta)) - 0.5 * np.sum(pen * new ** 2)
            if new_ll >= ll - 1e-12 * abs(new_ll):
                break
            step /= 2
        b = new
        if abs(new_ll - ll) <= tol * abs(new_ll):
            return b
        ll = new_ll
    raise LogisticFitError(f"did not converge in {max_iter} iterations")


def predict_logistic(X: np.ndarray, b: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-(np.asarray(X, float) @ b)))
