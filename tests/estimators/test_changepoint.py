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
