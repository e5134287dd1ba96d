"""The probabilistic bias analysis of incomplete light-support registration (protocol, "Registration" 3)."""
from __future__ import annotations

import numpy as np
import pytest

from analysis.errors import ParameterError
from analysis.study.bias import Priors, TypeCounts, bias_analysis, combine, draw_starts, multiplier
from analysis.study.cohort import DAYS_PER_MONTH
from analysis.study.params import AnalysisParams
from analysis.study.results import run_trial
from analysis.synth.evaluate import design_on_synthetic
from analysis.synth.params import LIGHT_PROVIDER_TYPES, Municipality, SynthParams

LIGHT = AnalysisParams.__dataclass_fields__["light_types"].default


def test_the_multiplier_counted_by_hand():
    # counted a (100 registered starts, sensitivity 0.5) and b (50, sensitivity 1): 250 true for 150 shown;
    # uncounted c: 30 starts in its own window, where a and b show 60 and 30 (true 120 + 30 = 150): c adds 30/150
    counts = TypeCounts({"a": 100, "b": 50}, {"c": (30, {"a": 60, "b": 30})})
    assert multiplier(counts, {"a": 0.5, "b": 1.0, "c": 1.0}, {}) == pytest.approx(250 / 150 * 1.2 - 1)
    assert multiplier(TypeCounts({"a": 100}), {"a": 1.0}, {}) == 0.0
    # a type that never registers: its prior rate relative to an average counted type (two here)
    counts = TypeCounts({"a": 100, "b": 50}, {"d": None})
    assert multiplier(counts, {"a": 1.0, "b": 1.0}, {"d": 1.0}) == pytest.approx(0.5)


def test_unregistered_starts_are_drawn_at_the_hazard_asked_for():
    rng = np.random.default_rng(1)
    h = np.full(24, 0.1)
    s = draw_starts(h, 1.0, 200_000, rng)
    assert np.mean(s < DAYS_PER_MONTH) == pytest.approx(0.1, abs=0.003)            # first month
    assert np.mean(s < 12 * DAYS_PER_MONTH) == pytest.approx(1 - 0.9 ** 12, abs=0.003)
    s2 = draw_starts(h, 2.0, 200_000, rng)                                            # m = 2: hazard 1 − 0.9²
    assert np.mean(s2 < DAYS_PER_MONTH) == pytest.approx(1 - 0.81, abs=0.003)
    assert np.all(np.isinf(draw_starts(h, 0.0, 10, rng)))


def test_random_error_is_added_around_the_draws():
    boot = np.random.default_rng(2).normal(0.3, 0.05, 200)
    c = combine(np.full(50, 0.5), boot)
    assert c["estimate"] == pytest.approx(0.5, abs=1e-12)          # constant draws: their value
    lo, hi = np.percentile(boot - np.median(boot), [2.5, 97.5])
    assert c["ci_low"] == pytest.approx(0.5 + lo) and c["ci_high"] == pytest.approx(0.5 + hi)
    assert c["systematic_low"] == c["systematic_high"] == 0.5
    # a prevented fraction cannot pass 1, whatever the random error adds
    c = combine(np.full(50, 0.98), boot, upper=1.0)
    assert c["ci_high"] == 1.0 and c["estimate"] == pytest.approx(0.98, abs=1e-12)


def test_priors_are_checked():
    with pytest.raises(ParameterError, match="bias_sensitivity"):
        Priors.from_param({"nonsense": (0.5, 0.6)}, (0.5, 1.5), LIGHT)
    with pytest.raises(ParameterError, match="0 < low"):
        Priors.from_param((0.0, 0.5), (0.5, 1.5), LIGHT)
    with pytest.raises(ParameterError, match="bias_sensitivity"):
        AnalysisParams("9901", ".", bias_sensitivity=(0.9, 0.8), require_registry=False)


def _trial(children: int, registration: tuple, seed: int, **kw):
    p = SynthParams(seed=seed, municipalities=(Municipality("9962", "Bias", children, registration),),
                    truth_replicates=4, **kw)
    d = design_on_synthetic(p)
    trial, _ = run_trial(d.fu, d.tp, n_boot=100, seed=1, workers=2, label="bias", cohort=d.cohort)
    return d.truth, trial, d.fu, d.tp, d.cohort_all, d.registration


@pytest.mark.slow
def test_with_complete_registration_the_bias_analysis_returns_the_primary_estimate():
    truth, trial, fu, tp, cohort_all, reg = _trial(3000, tuple(f"{t}:2015:1.0" for t in LIGHT_PROVIDER_TYPES), 6)
    b = bias_analysis(fu, tp, cohort_all.light, reg, LIGHT, Priors.from_param((1.0, 1.0), (0.5, 1.5), LIGHT),
                      boot=trial.replicates, n_draws=20, n_tipping=2)
    assert b.counts.uncounted == {} and np.all(b.draws["m"] == 0)
    assert b.adjusted["rd_tau"]["estimate"] == pytest.approx(trial.ci["rd_tau"]["estimate"], abs=1e-9)
    assert b.adjusted["prevented_fraction"]["estimate"] == pytest.approx(trial.prevented_fraction["estimate"], abs=1e-9)


@pytest.mark.slow
def test_a_poorly_registered_dominant_provider_is_corrected_for():
    # a municipality whose wijkteam delivers 70 % of light support and registers 60 % of it; the
    # researcher's prior on the wijkteam's sensitivity is 0.5–0.7, on the others' 0.95–1.0
    reg = ("wijkteam:2015:0.6",) + tuple(f"{t}:2015:1.0" for t in LIGHT_PROVIDER_TYPES[1:])
    truth, trial, fu, tp, cohort_all, design = _trial(40_000, reg, 1,
                                                      light_provider_share=(0.7, 0.06, 0.06, 0.06, 0.06, 0.06))
    priors = Priors.from_param({"wijkteam": (0.5, 0.7), "default": (0.95, 1.0)}, (0.5, 1.5), LIGHT)
    b = bias_analysis(fu, tp, cohort_all.light, design, LIGHT, priors, boot=trial.replicates, n_draws=60,
                      n_tipping=2, workers=2)
    for key, primary in (("rd_tau", trial.ci["rd_tau"]), ("prevented_fraction", trial.prevented_fraction)):
        adj, true = b.adjusted[key], truth[key]
        assert abs(adj["estimate"] - true) < abs(primary["estimate"] - true), (key, adj, primary, true)
        assert adj["ci_low"] <= true <= adj["ci_high"], (key, adj, true)
