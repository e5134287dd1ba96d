"""Recovery of the synthetic registry's causal truth by the emulated target trial.

Registries with complete registration of light support (the estimator's assumption); the truth
comes from ground_truth.json, which the estimators never read.
"""
import pytest

from analysis.study.results import secondary_cox
from analysis.synth.evaluate import trial_on_synthetic
from analysis.synth.params import Municipality, SynthParams

pytestmark = pytest.mark.slow


def _run(tmp_path, children, seed, **knobs):
    p = SynthParams(seed=seed, light_registration="complete", municipalities=(Municipality("9910", "T", children),),
                    **knobs)
    return trial_on_synthetic(p, n_boot=100, seed=1, workers=2)


def covers(ci, value):
    return ci["ci_low"] <= value <= ci["ci_high"]


def test_no_effect(tmp_path):
    truth, trial, cohort = _run(tmp_path, 8000, 101, prevent=0.0, delay_months=0.0)
    assert truth["rd_tau"] == 0 and truth["verdict"] == "no_detectable_effect"
    assert trial.n_eligible == truth["n_eligible"]            # the same children as the generator's
    assert trial.verdict == "no_detectable_effect"
    assert covers(trial.ci["rd_tau"], 0.0) and covers(trial.ci["rmst_diff_months"], 0.0)
    # version 2: neither prevention nor delay; π and D cover the truth (0 and 0)
    assert truth["answers"]["prevents"] == truth["answers"]["delays"] == "not_shown"
    assert trial.answers["prevents"] != "yes" and trial.answers["delays"] != "yes"
    assert covers(trial.prevented_fraction, truth["prevented_fraction"]) and covers(trial.delay_months, truth["delay_months"])
    # reduces: no change in months of specialist care or heavy care (the truth: exactly none)
    assert truth["specialist_months_diff"] == 0 and truth["answers"]["reduces"] == "not_shown"
    assert trial.answers["reduces"] != "yes"
    assert covers(trial.reduces["specialist_months_diff"], 0.0) and covers(trial.reduces["heavy_care_rd"], 0.0)
    # the naive ever/never comparison: immortal time makes light support look protective
    tv, naive = secondary_cox(cohort, 30)
    assert naive["hr"]["upper"] < 1 and naive["hr"]["hr"] < tv["hr"]["hr"]


def test_prevent(tmp_path):
    truth, trial, _ = _run(tmp_path, 10000, 202, prevent=0.6, delay_months=0.0)
    assert truth["verdict"] == "prevents"
    assert trial.verdict == "prevents"
    assert covers(trial.ci["rd_tau"], truth["rd_tau"])
    assert covers(trial.ci["rmst_diff_months"], truth["rmst_diff_months"])
    # version 2: prevention shown, π and D (near 0 here) covered
    assert trial.answers["prevents"] == "yes" and truth["answers"]["prevents"] == "yes"
    assert covers(trial.prevented_fraction, truth["prevented_fraction"]) and covers(trial.delay_months, truth["delay_months"])


def test_pure_delay(tmp_path):
    truth, trial, _ = _run(tmp_path, 20000, 303, prevent=0.0, delay_months=12.0)   # D needs the size
    assert truth["rmst_diff_months"] > 0.5
    assert covers(trial.ci["rmst_diff_months"], truth["rmst_diff_months"])
    assert trial.ci["rmst_diff_months"]["estimate"] > 0
    # version 2: the delay is shown and prevention is not (the case: RD(36) alone said "prevents")
    assert trial.answers["delays"] == "yes" and trial.answers["prevents"] != "yes" and trial.verdict == "delays"
    assert truth["delay_months"] > 6 and covers(trial.delay_months, truth["delay_months"])
    assert covers(trial.prevented_fraction, truth["prevented_fraction"])


def test_reduce(tmp_path):
    """Light support that neither prevents nor delays the first specialist care but makes what
    follows shorter and less often heavy: reduces, and only that."""
    truth, trial, _ = _run(tmp_path, 30000, 404, prevent=0.0, delay_months=0.0, reduce=0.6)
    assert truth["answers"] == {"prevents": "not_shown", "delays": "not_shown", "reduces": "yes"}
    assert trial.answers["reduces"] == "yes" and trial.answers["prevents"] != "yes"
    for k in ("specialist_months_diff", "specialist_months_a", "specialist_months_b", "heavy_care_rd"):
        assert covers(trial.reduces[k], truth[k]), k
    assert covers(trial.ci["rd_tau"], truth["rd_tau"])
    assert trial.minimum_detectable["specialist_months_diff"] < abs(truth["specialist_months_diff"])
