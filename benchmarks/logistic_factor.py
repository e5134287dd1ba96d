"""The weight models' factor fit against the same model on dummy columns, in one run.

    .venv/bin/python benchmarks/logistic_factor.py [--repeats 3]

``fit_logistic_factor`` (the neighbourhood or municipality as a factor: Newton steps through the
Schur complement of its diagonal block) against ``fit_logistic`` on the dense design with one
dummy column per level (the peer: what the trial's models did before), on binomial rows shaped
like the trial's aggregated person-months (a constant, six month groups, seven baseline columns,
frequency weights), at the sizes of a municipality, a region and the country:

  - 20,000 rows, 15 levels (a municipality's start model);
  - 200,000 rows, 340 levels (the country's municipalities);
  - 1,000,000 rows, 3,000 levels (the country's neighbourhoods; dummy columns: 24 GB, not run).

Both from zero, to the same convergence; the coefficients must agree to 1e-6. Medians of
``--repeats``. The last line: the speed-up at 200,000 rows and 340 levels.
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from analysis.estimators.logistic import fit_logistic, fit_logistic_factor


def data(rows: int, levels: int, seed: int = 1):
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 7, rows)
    D = np.column_stack([np.ones(rows), group[:, None] == np.arange(1, 7)[None, :], rng.normal(size=(rows, 7))]).astype(float)
    level = np.minimum(rng.zipf(1.3, rows) - 1, levels - 1) if levels > 20 else rng.integers(0, levels, rows)
    eta = -3 + D[:, 1:7] @ rng.normal(0, 0.3, 6) + D[:, 7:] @ rng.normal(0, 0.2, 7) + rng.normal(0, 0.5, levels)[level]
    trials = rng.integers(1, 12, rows).astype(float)
    events = rng.binomial(trials.astype(int), 1 / (1 + np.exp(-eta)))
    return D, level, trials, events / trials


def timed(f, repeats):
    times, out = [], None
    for _ in range(repeats):
        t = time.perf_counter()
        out = f()
        times.append(time.perf_counter() - t)
    return statistics.median(times), out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args(argv)
    headline = None
    for rows, levels in ((20_000, 15), (200_000, 340), (1_000_000, 3_000)):
        D, level, w, y = data(rows, levels)
        ref = int(np.flatnonzero(np.bincount(level, w, minlength=levels) > 0)[0])
        t_f, (b, g) = timed(lambda: fit_logistic_factor(D, level, levels, y, w), a.repeats)
        line = f"{rows:>9,} rows, {levels:>5,} levels: factor {t_f:7.3f} s"
        if rows * levels * 8 <= 4e9:
            keep = [j for j in range(levels) if j != ref]
            X = np.column_stack([D, (level[:, None] == np.array(keep)[None, :]).astype(float)])
            t_d, dense = timed(lambda: fit_logistic(X, y, w), a.repeats)
            assert np.allclose(b, dense[:D.shape[1]], atol=1e-6) and np.allclose(g[keep], dense[D.shape[1]:], atol=1e-5)
            line += f"; dummy columns {t_d:7.3f} s ({t_d / t_f:.1f}×; the same coefficients to 1e-6)"
            if levels == 340:
                headline = t_d / t_f
        else:
            line += f"; dummy columns not run ({rows * levels * 8 / 1e9:.0f} GB of design matrix)"
        print(line, flush=True)
    print(f"factor fit at 200,000 rows and 340 levels: {headline:.1f}× faster than dummy columns")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
