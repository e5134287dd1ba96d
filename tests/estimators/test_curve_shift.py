"""fit_scale_shift on curves whose prevented fraction π and delay D are known exactly."""
import numpy as np
import pytest

from analysis.estimators.curve_shift import fit_scale_shift

T = np.arange(0, 61, 1.0)


def cif(t):
    return np.where(t > 0, 0.35 * (1 - np.exp(-np.maximum(t, 0) / 25.0)), 0.0)


@pytest.mark.parametrize("pi,d", [(0.0, 0.0), (0.4, 0.0), (0.0, 12.0), (0.3, 6.0), (-0.2, 3.0), (0.25, -4.0)])
def test_known_scale_and_whole_month_shift_are_recovered_exactly(pi, d):
    b = cif(T)
    a = (1 - pi) * cif(T - d)
    f = fit_scale_shift(T, a, b)
    assert f.prevented_fraction == pytest.approx(pi, abs=1e-6)
    assert f.delay == pytest.approx(d, abs=1e-4)
    assert np.nanmax(np.abs(f.residuals)) < 1e-6 and (f.r2 > 0.999999 or (pi, d) == (0.0, 0.0))


def test_a_shift_between_grid_points_is_found_to_within_the_interpolation_error():
    b, a = cif(T), 0.8 * cif(T - 7.4)
    f = fit_scale_shift(T, a, b)
    assert f.prevented_fraction == pytest.approx(0.2, abs=0.01) and f.delay == pytest.approx(7.4, abs=0.1)


def test_pure_delay_and_pure_prevention_are_told_apart_although_they_agree_at_36_months():
    """The issue's case: at 36 months both differences are the same; π and D tell them apart."""
    b = cif(T)
    delayed = cif(T - 12.0)
    k = (b[36] - delayed[36]) / b[36]                  # the prevention that gives the same RD(36)
    prevented = (1 - k) * b
    assert delayed[36] - b[36] == pytest.approx(prevented[36] - b[36])
    fd, fp = fit_scale_shift(T, delayed, b), fit_scale_shift(T, prevented, b)
    assert fd.delay == pytest.approx(12.0, abs=1e-3) and abs(fd.prevented_fraction) < 1e-6
    assert fp.prevented_fraction == pytest.approx(k, abs=1e-6) and abs(fp.delay) < 1e-3


def test_weights_and_noise():
    rng = np.random.default_rng(1)
    b = cif(T)
    a = 0.7 * cif(T - 5.0) + rng.normal(0, 0.002, len(T))
    w = np.where(T < 3, 0.0, 1.0)                        # months of weight 0 are left out
    f = fit_scale_shift(T, a, b, weights=w)
    assert f.prevented_fraction == pytest.approx(0.3, abs=0.03) and f.delay == pytest.approx(5.0, abs=1.0)
    with pytest.raises(ValueError):
        fit_scale_shift(T, a[:-1], b)
