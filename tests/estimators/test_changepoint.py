"""Piecewise-constant Poisson rates: change points found where they were planted."""
import numpy as np
import pytest

from analysis.estimators.changepoint import poisson_segments


def test_a_flat_series_has_no_change_point_and_its_rate_is_the_total_over_the_exposure():
    y, e = np.array([9, 11, 10, 12, 8, 10, 11, 9]), np.full(8, 100.0)
    s = poisson_segments(y, e)
    assert s.bounds == ((0, 8),) and s.rates == (pytest.approx(0.1),)
    # the log likelihood by hand, without the log(y!) constant: Y log(Y/E) − Y
    assert s.loglik == pytest.approx(80 * np.log(80 / 800) - 80)


def test_a_window_with_a_structural_zero_before_and_a_step_down_after_is_found():
    e = np.linspace(900, 1100, 30)             # a growing population: rates, not counts, are constant
    rate = np.r_[np.zeros(8), np.full(14, 0.02), np.full(8, 0.004)]
    y = np.round(rate * e)                     # the expected counts: no noise, so exact bounds
    s = poisson_segments(y, e, max_changes=3)
    assert s.bounds == ((0, 8), (8, 22), (22, 30))
    assert s.rates[0] == 0 and s.rates[1] == pytest.approx(0.02, rel=0.03) and s.rates[2] == pytest.approx(0.004, rel=0.1)   # counts rounded


def test_noise_alone_rarely_makes_a_change_point():
    rng = np.random.default_rng(1)
    found = sum(len(poisson_segments(rng.poisson(5.0, 40), np.full(40, 1.0), max_changes=2).bounds) > 1
                for _ in range(100))
    assert found <= 10


def test_the_shortest_segment_and_bad_input():
    s = poisson_segments([0, 10, 10, 10, 10, 10], [1] * 6, min_length=2)
    assert min(b - a for a, b in s.bounds) >= 2
    with pytest.raises(ValueError):
        poisson_segments([1, -1], [1, 1])
    with pytest.raises(ValueError):
        poisson_segments([1, 2], [1, 0])


def _exhaustive(y, e, max_changes, min_length):
    """The search written out: every placement, in the order of itertools.combinations."""
    from itertools import combinations
    n, best = len(y), None
    for k in range(max_changes + 1):
        top = None
        for cuts in combinations(range(min_length, n - min_length + 1), k):
            edges = (0, *cuts, n)
            if any(b - a < min_length for a, b in zip(edges[:-1], edges[1:])):
                continue
            ll = sum(y[a:b].sum() * np.log(y[a:b].sum() / e[a:b].sum()) - y[a:b].sum() if y[a:b].sum() > 0 else 0.0
                     for a, b in zip(edges[:-1], edges[1:]))
            if top is None or ll > top[0] + 1e-12:
                top = (ll, edges)
        if top is None:
            continue
        bic = -2 * top[0] + (2 * k + 1) * np.log(n)
        if best is None or bic < best[0] - 1e-9:
            best = (bic, tuple(zip(top[1][:-1], top[1][1:])), top[0])
    return best


def test_the_search_finds_the_placement_a_plain_exhaustive_search_finds():
    rng = np.random.default_rng(4)
    for i in range(60):
        n = int(rng.integers(4, 30))
        e = rng.uniform(50, 2000, n)
        rate = np.full(n, rng.choice([0.0, 0.002, 0.02]))
        for _ in range(rng.integers(0, 4)):
            rate[rng.integers(0, n):] = rng.choice([0.0, 0.002, 0.02, 0.1])
        y = rng.poisson(rate * e).astype(float)
        k, m = int(rng.integers(1, 4)), int(rng.integers(1, 3))
        bic, bounds, ll = _exhaustive(y, e, k, m)
        s = poisson_segments(y, e, k, m)
        assert s.bounds == bounds and s.loglik == pytest.approx(ll, rel=1e-12) and s.bic == pytest.approx(bic, rel=1e-12)
