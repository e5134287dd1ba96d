"""The three answers from the trial's curves: the RD trajectory, the prevented fraction π and the
delay D (protocol, "The three answers"), each with person-level bootstrap intervals.

π and D are the fit of CIF_a(t) ≈ (1 − π) · CIF_b(t − D) over the months 1..τ_L
(:func:`analysis.estimators.curve_shift.fit_scale_shift`). Each month is weighted by the inverse of
the binomial variance of the two curves there, F_a(1 − F_a) + F_b(1 − F_b) (floored at 1 % of its
largest value): a function of the curves alone, so that the estimate, every bootstrap replicate
and the synthetic registry's truth are one and the same projection whatever the censoring, and
months in which the curves are known more precisely count more.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..estimators.curve_shift import fit_scale_shift


def month_weights(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Weights of the months 0..τ_L for the π, D fit (month 0 and months where both curves are 0: none)."""
    v = a * (1 - a) + b * (1 - b)
    w = np.where(v > 0, 1 / np.maximum(v, 0.01 * v.max() if v.max() > 0 else 1.0), 0.0)
    w[0] = 0.0
    return w


def prevent_delay(a: np.ndarray, b: np.ndarray):
    """π and D of two curves on the monthly grid 0..τ_L (None when curve b has no events)."""
    if not np.any(b > 0):
        return None
    t = np.arange(len(a), dtype=float)
    return fit_scale_shift(t, a, b, weights=month_weights(a, b), resolution=0.1)


def interval(point: float, reps: np.ndarray) -> dict:
    """{estimate, ci_low, ci_high, se}: percentile 95 % interval of the replicates (at least 10)."""
    reps = reps[np.isfinite(reps)]
    if not np.isfinite(point) or len(reps) < 10:
        return {"estimate": float(point), "ci_low": np.nan, "ci_high": np.nan, "se": np.nan}
    lo, hi = np.percentile(reps, [2.5, 97.5])
    return {"estimate": float(point), "ci_low": float(lo), "ci_high": float(hi), "se": float(np.std(reps, ddof=1))}


def prevent_delay_with_ci(a: np.ndarray, b: np.ndarray, reps_a: np.ndarray, reps_b: np.ndarray) -> dict:
    """π and D of the point curves with percentile intervals from the replicates' curves (rows)."""
    fit = prevent_delay(a, b)
    pis, ds = [], []
    for ra, rb in zip(reps_a, reps_b):
        f = prevent_delay(ra, rb)
        pis.append(f.prevented_fraction if f else np.nan)
        ds.append(f.delay if f else np.nan)
    nan = float("nan")
    return {"prevented_fraction": interval(fit.prevented_fraction if fit else nan, np.array(pis)),
            "delay_months": interval(fit.delay if fit else nan, np.array(ds)),
            "replicates": {"prevented_fraction": np.array(pis, float), "delay_months": np.array(ds, float)},
            "fit_r2": fit.r2 if fit else nan,
            "fitted": fit.fitted if fit else np.full(len(a), nan),
            "residuals": fit.residuals if fit else np.full(len(a), nan)}


def trajectory(a: np.ndarray, b: np.ndarray, reps_a: np.ndarray, reps_b: np.ndarray,
               n_at_risk_a: np.ndarray, n_at_risk_b: np.ndarray, n_events_a: np.ndarray,
               n_events_b: np.ndarray) -> pd.DataFrame:
    """Per month 0..τ_L: RD(t) and both arms' CIF with pointwise 95 % percentile bands, and the
    children at risk and events so far per arm (for disclosure control)."""
    rd = reps_a - reps_b
    q = lambda x, p: np.percentile(x, p, axis=0) if len(x) else np.full(len(a), np.nan)  # noqa: E731
    return pd.DataFrame({"month": np.arange(len(a)), "rd": a - b, "rd_low": q(rd, 2.5), "rd_high": q(rd, 97.5),
                         "cif_a": a, "cif_a_low": q(reps_a, 2.5), "cif_a_high": q(reps_a, 97.5),
                         "cif_b": b, "cif_b_low": q(reps_b, 2.5), "cif_b_high": q(reps_b, 97.5),
                         "n_at_risk_a": n_at_risk_a, "n_at_risk_b": n_at_risk_b,
                         "events_a": n_events_a, "events_b": n_events_b})
