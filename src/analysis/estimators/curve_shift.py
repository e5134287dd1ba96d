"""How one cumulative-incidence curve relates to another: scaled down, shifted right, or both.

    CIF_a(t) ≈ (1 − π) · CIF_b(t − D),   CIF_b(s) = 0 for s < 0

π is the share of the events of curve b that curve a does not have at all (a prevented fraction;
π < 0: more events), D how much later the remaining events come (a delay, in the grid's unit;
D < 0: earlier). A pure delay leaves the curves parallel once the delay is over; a pure scaling
makes them drift apart. :func:`fit_scale_shift` is the weighted least-squares fit of the relation
over a grid: for a given D the best π has a closed form, so the fit is a one-dimensional search
over D (a fine grid, then a bounded refinement), with curve b read between grid points by linear
interpolation. Nothing here knows what the curves are about.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize_scalar


@dataclass(frozen=True)
class ScaleShift:
    prevented_fraction: float        # π
    delay: float                     # D, in the grid's unit
    fitted: np.ndarray               # (1 − π) · b(t − D) on the grid (nan where left out)
    residuals: np.ndarray            # a(t) − fitted
    rss: float                       # weighted residual sum of squares
    r2: float                        # 1 − rss / (weighted sum of squares of a − b): how much of the difference it explains


def _shifted(t: np.ndarray, b: np.ndarray, d: float | np.ndarray) -> np.ndarray:
    """b(t − d) by linear interpolation on the grid ``t`` (0 before the grid's start)."""
    d = np.atleast_1d(np.asarray(d, float))
    s = t[None, :] - d[:, None]
    out = np.interp(s.ravel(), t, b, left=0.0, right=b[-1]).reshape(s.shape)
    return np.where(s < t[0], 0.0, out)


def fit_scale_shift(t, a, b, weights=None, max_shift: float | None = None, resolution: float = 0.05) -> ScaleShift:
    """Fit ``a(t) ≈ (1 − π) b(t − D)`` on the grid ``t`` (increasing; ``a``, ``b`` curve values).

    ``weights`` per grid point (default 1; points of weight 0 are left out); ``max_shift`` bounds
    |D| (default: half the grid's span). Where D < 0, the points at which curve b would be read
    beyond its last grid point are left out, and the residual sum of squares is taken per unit of
    the weight used, so that shifts that leave points out are not favoured.
    """
    t, a, b = (np.asarray(x, float) for x in (t, a, b))
    w = np.ones_like(t) if weights is None else np.asarray(weights, float)
    if not (len(t) == len(a) == len(b) == len(w)) or len(t) < 3:
        raise ValueError("t, a, b and weights need the same length, at least 3")
    if np.any(np.diff(t) <= 0) or np.any(~np.isfinite(a)) or np.any(~np.isfinite(b)) or np.any(w < 0):
        raise ValueError("t must increase; a and b finite; weights ≥ 0")
    span = t[-1] - t[0]
    max_shift = span / 2 if max_shift is None else float(max_shift)

    def best_scale(d):
        d = np.atleast_1d(np.asarray(d, float))
        bs = _shifted(t, b, d)
        wd = w[None, :] * (t[None, :] - d[:, None] <= t[-1])      # b read within its grid only
        den = (wd * bs * bs).sum(axis=1)
        scale = np.divide((wd * a * bs).sum(axis=1), den, out=np.zeros(len(bs)), where=den > 0)
        used = wd.sum(axis=1)
        rss = (wd * (a - scale[:, None] * bs) ** 2).sum(axis=1) * np.divide(w.sum(), used, out=np.full(len(d), np.inf),
                                                                           where=used > 0)
        return scale, rss

    grid = np.arange(-max_shift, max_shift + resolution / 2, resolution)
    scale, rss = best_scale(grid)
    i = int(np.argmin(rss))
    lo, hi = grid[max(i - 1, 0)], grid[min(i + 1, len(grid) - 1)]
    if hi > lo:
        res = minimize_scalar(lambda d: best_scale(d)[1][0], bounds=(lo, hi), method="bounded",
                              options={"xatol": 1e-6})
        d = float(res.x) if res.fun <= rss[i] else float(grid[i])
    else:
        d = float(grid[i])
    s, r = best_scale(d)
    fitted = np.where(t - d <= t[-1], s[0] * _shifted(t, b, d)[0], np.nan)   # nan: left out (D < 0)
    total = float((w * (a - b) ** 2).sum())
    r = r * float(np.sum(w * np.isfinite(fitted))) / w.sum() if w.sum() > 0 else r
    return ScaleShift(prevented_fraction=float(1 - s[0]), delay=d, fitted=fitted, residuals=a - fitted,
                      rss=float(r[0]), r2=float(1 - r[0] / total) if total > 0 else float("nan"))
