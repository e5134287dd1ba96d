"""fit_logistic agrees with statsmodels' Logit."""
import numpy as np
import statsmodels.api as sm
import pytest

from analysis.estimators.logistic import fit_logistic, fit_logistic_factor, predict_logistic


def test_agrees_with_statsmodels():
    rng = np.random.default_rng(7)
    n = 5000
    X = np.column_stack([np.ones(n), rng.normal(size=n), rng.binomial(1, 0.3, n), rng.normal(size=n)])
    y = (rng.random(n) < 1 / (1 + np.exp(-(X @ np.array([-2.5, 0.8, -0.5, 0.2]))))).astype(float)
    ours = fit_logistic(X, y)
    ref = sm.Logit(y, X).fit(disp=0, tol=1e-12).params
    np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-9)
    assert np.allclose(predict_logistic(X, ours), 1 / (1 + np.exp(-(X @ ref))))


def test_aggregated_rows_with_weights_give_the_fit_of_the_expanded_rows_and_warm_starts_change_nothing():
    """Binomial rows (share y of w trials) are the expanded 0/1 rows; frequency weights are repeated rows."""
    rng = np.random.default_rng(11)
    groups = np.column_stack([np.ones(40), rng.normal(size=40), rng.binomial(1, 0.5, 40)])
    trials = rng.integers(1, 30, 40).astype(float)
    succ = rng.binomial(trials.astype(int), 1 / (1 + np.exp(-(groups @ [-1.5, 0.7, 0.4])))).astype(float)
    X = np.repeat(groups, trials.astype(int), axis=0)
    y = np.concatenate([np.r_[np.ones(int(s)), np.zeros(int(t - s))] for s, t in zip(succ, trials)])
    full = fit_logistic(X, y)
    np.testing.assert_allclose(fit_logistic(groups, succ / trials, trials), full, rtol=1e-9, atol=1e-12)
    ref = sm.GLM(np.column_stack([succ, trials - succ]), groups, family=sm.families.Binomial()).fit(tol=1e-13).params
    np.testing.assert_allclose(full, ref, rtol=1e-6, atol=1e-9)
    # frequency weights: a row drawn k times counts k times
    k = rng.integers(0, 3, len(y))
    np.testing.assert_allclose(fit_logistic(X, y, k), fit_logistic(np.repeat(X, k, axis=0), np.repeat(y, k)),
                               rtol=1e-8, atol=1e-11)
    info = {}
    warm = fit_logistic(X, y, k, start=full, info=info)
    cold = {}
    np.testing.assert_allclose(warm, fit_logistic(X, y, k, info=cold), rtol=1e-8, atol=1e-11)
    assert info["hessians"] < cold["hessians"]      # a warm start keeps its information matrix


def _factor_data(n=6000, q=5, L=40, seed=3):
    rng = np.random.default_rng(seed)
    D = np.column_stack([np.ones(n), rng.normal(size=(n, q - 1))])
    level = rng.choice(L, n, p=np.r_[np.full(L - 3, 0.9 / (L - 3)), 0.07, 0.03, 0.0])   # a rare level, an absent one
    effect = rng.normal(0, 0.7, L)
    eta = D @ np.r_[-1.5, rng.normal(0, 0.5, q - 1)] + effect[level]
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    w = rng.integers(0, 3, n).astype(float)            # frequency weights, zeros included
    return D, level, L, y, w


@pytest.mark.parametrize("reference", [None, 5])
def test_factor_fit_equals_the_fit_on_dummy_columns(reference):
    D, level, L, y, w = _factor_data()
    ref = int(np.flatnonzero(np.bincount(level, w, minlength=L) > 0)[0]) if reference is None else reference
    b, g = fit_logistic_factor(D, level, L, y, w, reference=reference)
    dummies = (level[:, None] == np.arange(L)[None, :]).astype(float)
    keep = [j for j in range(L) if j != ref]
    dense = fit_logistic(np.column_stack([D, dummies[:, keep]]), y, w)
    np.testing.assert_allclose(b, dense[:D.shape[1]], atol=1e-7)
    np.testing.assert_allclose(g[keep], dense[D.shape[1]:], atol=1e-6)
    assert g[ref] == 0.0 and g[L - 1] == pytest.approx(0.0, abs=1e-12)    # the reference; a level without rows


def test_factor_fit_recovers_a_known_model():
    rng = np.random.default_rng(11)
    n, L = 200_000, 25
    D = np.column_stack([np.ones(n), rng.normal(size=n)])
    level = rng.integers(0, L, n)
    g_true = np.r_[0.0, rng.normal(0, 0.5, L - 1)]
    y = (rng.random(n) < 1 / (1 + np.exp(-(D @ np.array([-1.0, 0.8]) + g_true[level])))).astype(float)
    b, g = fit_logistic_factor(D, level, L, y, reference=0)
    np.testing.assert_allclose(b, [-1.0, 0.8], atol=0.05)
    np.testing.assert_allclose(g, g_true, atol=0.08)
