"""fit_logistic agrees with statsmodels' Logit."""
import numpy as np
import statsmodels.api as sm

from analysis.estimators.logistic import fit_logistic, predict_logistic


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
