"""Disclosure control for everything published (protocol, "Disclosure control").

Counts from 1 to ``threshold - 1`` are suppressed (shown as ``<10``), with secondary suppression
in each row and column where one suppressed cell could be recovered from the others or a total;
other counts are rounded to multiples of ``round_to``. A zero reveals no one and is shown.
Shares are shown only when both the group and the number with (and without) the feature reach
the threshold.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

THRESHOLD = 10
ROUND_TO = 5


def _primary(values: np.ndarray, threshold: int) -> np.ndarray:
    return (values > 0) & (values < threshold)


def _secondary(values: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Hide a second cell in every row/column with exactly one hidden cell (repeat until stable)."""
    hidden = hidden.copy()
    changed = True
    while changed:
        changed = False
        for axis in (1, 0):
            v = values if axis == 1 else values.T
            h = hidden if axis == 1 else hidden.T
            for i in np.flatnonzero(h.sum(axis=1) == 1):
                candidates = np.flatnonzero(~h[i] & (v[i] > 0))
                if len(candidates):
                    h[i, candidates[np.argmin(v[i, candidates])]] = True
                    changed = True
    return hidden


def round_count(x, round_to: int = ROUND_TO):
    return (np.floor(np.asarray(x, float) / round_to + 0.5) * round_to).astype(int)


def protect_counts(table: pd.DataFrame, threshold: int = THRESHOLD, round_to: int = ROUND_TO,
                   secondary: bool = True) -> pd.DataFrame:
    """A count table ready to publish: strings, ``<10`` where suppressed, rounded elsewhere."""
    values = table.to_numpy(dtype=float)
    hidden = _primary(values, threshold)
    if secondary and values.ndim == 2 and min(values.shape) > 1:
        hidden = _secondary(values, hidden)
    shown = np.where(hidden, f"<{threshold}", round_count(values, round_to).astype(str))
    return pd.DataFrame(shown, index=table.index, columns=table.columns)


def protect_share(numerator, denominator, threshold: int = THRESHOLD) -> np.ndarray:
    """Percentages, NaN where the group, the numerator or its complement is below the threshold."""
    num, den = np.asarray(numerator, float), np.asarray(denominator, float)
    ok = (den >= threshold) & ((num >= threshold) | (num == 0)) & (((den - num) >= threshold) | (den == num))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ok & (den > 0), 100.0 * num / den, np.nan)


def protect_plot_counts(values, threshold: int = THRESHOLD, round_to: int = ROUND_TO) -> np.ndarray:
    """Counts for a figure: NaN where suppressed (a gap in the line), rounded elsewhere."""
    v = np.asarray(values, float)
    return np.where(_primary(v, threshold), np.nan, round_count(v, round_to))


def truncate_curve(table: pd.DataFrame, threshold: int = THRESHOLD, column: str = "n_at_risk") -> pd.DataFrame:
    """A curve for publication: only the steps before fewer than ``threshold`` children remain at risk."""
    low = np.flatnonzero(table[column].to_numpy() < threshold)
    return table.iloc[: low[0]] if len(low) else table
