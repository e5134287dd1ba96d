"""Run the primary trial on a freshly simulated registry, beside its truth (tests, coverage study)."""
from __future__ import annotations

import json
import tempfile
from pathlib import Path

from ..study.cohort import build_cohort
from ..registry.validate import validate_delivery
from ..study.trial import TrialParams, eligible, follow_up
from .generate import write_municipality
from .params import SynthParams


def trial_on_synthetic(p: SynthParams, n_boot: int, seed: int = 1, workers: int = 2):
    """Simulate ``p.municipalities[0]``, validate it, run the trial; returns (truth, TrialResult, cohort).

    The estimators see only the validated registry; the truth is read afterwards, for comparison.
    """
    from ..study.results import enough_without_design, registration_design, run_trial
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_municipality(Path(tmp), p.municipalities[0], p)
        truth = json.loads((folder / "ground_truth.json").read_text())
        res = validate_delivery(folder)
    from ..study.params import AnalysisParams
    tables = {n: t.accepted for n, t in res.tables.items()}
    light_types = AnalysisParams.__dataclass_fields__["light_types"].default
    cohort_all = build_cohort(tables, str(p.registry_start), str(p.extract_date), light_types)
    # the product's default registration design, on the windows the delivery declares
    cohort, periods, _ = registration_design(tables, str(p.registry_start), str(p.extract_date),
                                             res.delivery.get("registration_windows"), light_types, cohort_all)
    tp = TrialParams(grace_months=p.primary_grace_months, tau_months=p.tau_months, windows=periods)
    fu = follow_up(eligible(cohort, tp), cohort, tp)
    trial, _ = run_trial(fu, tp, n_boot=n_boot, seed=seed, workers=workers, label="synthetic", cohort=cohort,
                         registration_limited=periods is not None and (lambda: enough_without_design(
                             cohort_all, TrialParams(grace_months=p.primary_grace_months, tau_months=p.tau_months))))
    return truth, trial, cohort
