"""fit_cox against R's survival::coxph (fixtures made by tests/estimators/fixtures/survival/make_cox_fixture.R)."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.estimators.cox import CoxFitError, fit_cox

FIX = Path(__file__).parent / "fixtures" / "survival"
MODELS = {
    "efron": {}, "breslow": {"ties": "breslow"}, "strata": {"strata": "s"}, "weights": {"weights": "w"},
    "cluster": {"cluster": "id"}, "weights_cluster": {"weights": "w", "cluster": "id"},
    "all": {"strata": "s", "weights": "w", "cluster": "id"},
    "breslow_all": {"strata": "s", "weights": "w", "cluster": "id", "ties": "breslow"},
}


@pytest.fixture(scope="module")
def data():
    return pd.read_csv(FIX / "cox_data.csv")


@pytest.fixture(scope="module")
def reference():
    ref = pd.read_csv(FIX / "cox_reference.csv", skipinitialspace=True)
    return {m: g.set_index("term") for m, g in ref.groupby("model")}


@pytest.mark.parametrize("model", list(MODELS))
def test_agrees_with_r(model, data, reference):
    ref = reference[model]
    fit = fit_cox(data, start="start", stop="stop", event="event", covariates=["x1", "x2", "x3"], **MODELS[model])
    np.testing.assert_allclose(fit.params[ref.index], ref["coef"], rtol=1e-6)
    if model == "weights":
        # R makes the variance robust by itself for non-integer case weights, one cluster per row
        rows = fit_cox(data.assign(row=np.arange(len(data))), start="start", stop="stop", event="event",
                       covariates=["x1", "x2", "x3"], weights="w", cluster="row")
        np.testing.assert_allclose(rows.standard_errors[ref.index], ref["se"], rtol=1e-4)
    else:
        np.testing.assert_allclose(fit.standard_errors[ref.index], ref["se"], rtol=1e-4)
    np.testing.assert_allclose(fit.naive_standard_errors[ref.index], ref["naive_se"], rtol=1e-4)
    assert fit.log_likelihood == pytest.approx(ref["loglik"].iloc[0], rel=1e-9)
    assert fit.log_likelihood_null == pytest.approx(ref["loglik_null"].iloc[0], rel=1e-9)
    assert fit.n_events == ref["nevent"].iloc[0]
    assert fit.robust == ("cluster" in MODELS[model])


def test_clear_errors(data):
    with pytest.raises(CoxFitError, match="constant"):
        fit_cox(data.assign(c=1.0), start="start", stop="stop", event="event", covariates=["x1", "c"])
    with pytest.raises(CoxFitError, match="no events"):
        fit_cox(data.assign(event=0), start="start", stop="stop", event="event", covariates=["x1"])
    with pytest.raises(CoxFitError, match="not found"):
        fit_cox(data, start="start", stop="stop", event="event", covariates=["nope"])
    sep = data.assign(z=data["event"].astype(float))   # perfect separation: no finite estimate
    with pytest.raises(CoxFitError):
        fit_cox(sep, start="start", stop="stop", event="event", covariates=["z"], max_iter=25)


def test_confidence_intervals_and_hazard_ratios(data):
    fit = fit_cox(data, start="start", stop="stop", event="event", covariates=["x1"], cluster="id")
    ci = fit.confidence_intervals.loc["x1"]
    assert ci["lower"] < fit.params["x1"] < ci["upper"]
    assert fit.hazard_ratios.loc["x1", "hr"] == pytest.approx(np.exp(fit.params["x1"]))
