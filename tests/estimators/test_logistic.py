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
