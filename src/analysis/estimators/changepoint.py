"""Piecewise-constant Poisson rates: where a count series steps up or down.

A generic estimator (not specific to youth care): counts ``y[q]`` over periods with exposure
``e[q]`` (e.g. light-support starts per quarter against the child-quarters at risk), modelled as
Poisson with a rate that is constant between change points. The number of change points (0 up to
``max_changes``) is chosen by BIC; for a given number, the change points maximise the likelihood
over every admissible placement (exhaustive, vectorised: O(n^k) for k change points, a
millisecond for three change points in 40 quarters). Each segment is at least ``min_length`` periods long.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

import numpy as np


@dataclass(frozen=True)
class Segments:
    """The fitted segments: ``bounds`` are (first, last + 1) period indices, ``rates`` the rate per
    unit of exposure in each, ``loglik`` and ``bic`` of the chosen model."""

    bounds: tuple[tuple[int, int], ...]
    rates: tuple[float, ...]
    loglik: float
    bic: float


def _seg_loglik(y_sum: float, e_sum: float) -> float:
    """Poisson log likelihood of a segment at its MLE rate, without the log(y!) constant."""
    if y_sum <= 0:
        return 0.0 if e_sum >= 0 else -np.inf
    return float(y_sum * np.log(y_sum / e_sum) - y_sum)


def poisson_segments(y, exposure, max_changes: int = 2, min_length: int = 2) -> Segments:
    """The BIC-best piecewise-constant Poisson rate of ``y`` (counts) over ``exposure``.

    Examples
    --------
    >>> s = poisson_segments([0, 0, 0, 0, 9, 11, 10, 12], [100] * 8)
    >>> s.bounds, [round(r, 3) for r in s.rates]
    (((0, 4), (4, 8)), [0.0, 0.105])
    """
    y = np.asarray(y, float)
    e = np.asarray(exposure, float)
    if y.shape != e.shape or y.ndim != 1 or not len(y):
        raise ValueError("y and exposure must be 1-d arrays of the same, non-zero length")
    if np.any(y < 0) or np.any(e <= 0):
        raise ValueError("counts must be ≥ 0 and exposures > 0")
    n = len(y)
    cy, ce = np.concatenate([[0], np.cumsum(y)]), np.concatenate([[0], np.cumsum(e)])
    # every segment's log likelihood at once: seg[a, b] for the periods a..b-1 (b > a)
    ys, es = cy[None, :] - cy[:, None], ce[None, :] - ce[:, None]
    with np.errstate(divide="ignore", invalid="ignore"):
        seg = np.where(ys > 0, ys * np.log(np.where(ys > 0, ys, 1.0) / np.where(es > 0, es, 1.0)) - ys, 0.0)
    best = None
    for k in range(max_changes + 1):
        if (k + 1) * min_length > n:
            break
        combos = list(combinations(range(min_length, n - min_length + 1), k))
        cuts = np.array(combos, np.int64).reshape(len(combos), k)
        edges = np.column_stack([np.zeros(len(cuts), np.int64), cuts, np.full(len(cuts), n)])
        edges = edges[np.all(np.diff(edges, axis=1) >= min_length, axis=1)]
        if not len(edges):
            continue
        lls = seg[edges[:, 0], edges[:, 1]]
        for j in range(1, k + 1):        # summed segment by segment, in order
            lls = lls + seg[edges[:, j], edges[:, j + 1]]
        # the first placement that beats every earlier one by more than 1e-12, in the order of
        # itertools.combinations (ties: the earliest change points)
        top_i, top = 0, None
        for i, ll in enumerate(lls.tolist()):
            if top is None or ll > top + 1e-12:
                top_i, top = i, ll
        ll, edges = top, tuple(int(x) for x in edges[top_i])
        bic = -2 * ll + (2 * k + 1) * np.log(n)     # k + 1 rates and k change points
        if best is None or bic < best.bic - 1e-9:
            bounds = tuple(zip(edges[:-1], edges[1:]))
            best = Segments(bounds=bounds, rates=tuple(float((cy[b] - cy[a]) / (ce[b] - ce[a])) for a, b in bounds),
                            loglik=float(ll), bic=float(bic))
    return best
