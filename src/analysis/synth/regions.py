"""Many fictional municipalities of realistic sizes: a region for the batch benchmark, a country for
the national registry (issue 14).

Sizes follow the shape of the Dutch municipalities (CBS, 2024: 342 municipalities, about 3.4 million
residents aged 0–17; the median municipality about 6,000 of them, the smallest a few hundred on the
Wadden islands, the largest about 150,000): a log-normal law with median 6,000 and σ = 0.95 (mean
about 9,400), truncated to 300–160,000 and scaled so that the total is the one asked for. The codes
are fictional (``8000`` on; the demo uses ``99xx``) and the names say that they are fictional.
"""
from __future__ import annotations

import numpy as np

from .params import Municipality

MEDIAN_CHILDREN = 6_000
SIGMA = 0.95
SMALLEST, LARGEST = 300, 160_000
NATIONAL_MUNICIPALITIES = 340
NATIONAL_CHILDREN = 3_400_000


def sizes(n: int, total: int | None = None, seed: int = 20261203) -> np.ndarray:
    """``n`` municipality sizes (children aged 0–17), largest first; summing to ``total`` (± rounding)
    where given, else drawn as they come."""
    rng = np.random.default_rng([seed, n])
    x = np.clip(np.exp(np.log(MEDIAN_CHILDREN) + SIGMA * rng.standard_normal(n)), SMALLEST, LARGEST)
    if total is not None:
        for _ in range(20):     # rescale and clip again until the clipping no longer moves the total
            x = np.clip(x * total / x.sum(), SMALLEST, LARGEST)
    return np.sort(np.round(x).astype(int))[::-1]


def municipalities(n: int, total: int | None = None, seed: int = 20261203, first_code: int = 8000,
                   scale: float = 1.0) -> tuple[Municipality, ...]:
    """``n`` fictional municipalities of :func:`sizes` (times ``scale``, at least 100 children),
    codes from ``first_code`` on."""
    out = []
    for i, c in enumerate(sizes(n, total, seed)):
        out.append(Municipality(f"{first_code + i:04d}", f"Fictieve gemeente {first_code + i}",
                                max(int(round(c * scale)), 100)))
    return tuple(out)
