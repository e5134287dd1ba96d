"""The registration design (protocol, "Registration" 2): what it does to a municipality's answer."""
from __future__ import annotations

import pytest

from analysis.synth.evaluate import trial_on_synthetic
from analysis.synth.params import LIGHT_PROVIDER_TYPES, Municipality, SynthParams


def _late(year: int, children: int = 4000, **kw) -> SynthParams:
    reg = tuple(f"{t}:{year}:1.0" for t in LIGHT_PROVIDER_TYPES)
    return SynthParams(seed=8, municipalities=(Municipality("9961", "Laat", children, reg),), truth_replicates=2, **kw)


@pytest.mark.slow
def test_registration_that_starts_late_leaves_no_answer_and_says_why():
    # every provider type registers from 2021: time zero from 2022 (the washout inside the window),
    # at most three years of follow-up before the extract, none to τ_L = 60 months; without the
    # design (every signal since 2015) the same registry has enough
    truth, trial, _ = trial_on_synthetic(_late(2021), n_boot=20)
    assert trial.verdict == "insufficient_registration"
    assert set(trial.answers.values()) == {"insufficient_registration"}
    assert trial.at_risk_long == (0, 0) or trial.n_eligible < 50


@pytest.mark.slow
def test_a_small_registry_that_registers_everything_is_short_of_data_not_of_registration():
    # registered from the start: the design takes every signal, and what is missing is children
    truth, trial, _ = trial_on_synthetic(_late(2015, children=300), n_boot=20)
    assert trial.verdict == "insufficient_data"
