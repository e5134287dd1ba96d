"""Run the primary trial on a freshly simulated registry, beside its truth (tests, coverage studies)."""
from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..study.cohort import Cohort, build_cohort
from ..registry.validate import validate_delivery
from ..study.trial import TrialParams, eligible, follow_up
from .generate import write_municipality
from .params import SynthParams


@dataclass
class Design:
    """A simulated registry as the product's default registration design sees it."""

    truth: dict
    fu: pd.DataFrame            # the design's follow-up frame, in the bootstrap's order
    tp: TrialParams
    cohort: Cohort              # the counted types' cohort
    cohort_all: Cohort          # every light-support type
    registration: dict          # the registration block (windows, counted_types, design_windows)

    def limited(self):
        """``run_trial``'s ``registration_limited`` for this design."""
        from ..study.results import enough_without_design
        if self.tp.windows is None:
            return None
        version1 = TrialParams(grace_months=self.tp.grace_months, tau_months=self.tp.tau_months)
        return lambda: enough_without_design(self.cohort_all, version1)


def design_on_synthetic(p: SynthParams) -> Design:
    """Simulate ``p.municipalities[0]``, validate it and apply the default registration design on
    the windows its delivery declares. The estimators see only the validated registry; the truth
    is read afterwards, for comparison."""
    from ..study.bootstrap import order_by_data
    from ..study.params import AnalysisParams
    from ..study.results import registration_design
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_municipality(Path(tmp), p.municipalities[0], p)
        truth = json.loads((folder / "ground_truth.json").read_text())
        res = validate_delivery(folder)
    tables = {n: t.accepted for n, t in res.tables.items()}
    light_types = AnalysisParams.__dataclass_fields__["light_types"].default
    start, end = str(p.registry_start), str(p.extract_date)
    cohort_all = build_cohort(tables, start, end, light_types)
    cohort, periods, reg = registration_design(tables, start, end, res.delivery.get("registration_windows"),
                                               light_types, cohort_all)
    tp = TrialParams(grace_months=p.primary_grace_months, tau_months=p.tau_months, windows=periods)
    fu = order_by_data(follow_up(eligible(cohort, tp), cohort, tp))
    return Design(truth, fu, tp, cohort, cohort_all, reg)


def trial_on_synthetic(p: SynthParams, n_boot: int, seed: int = 1, workers: int = 2):
    """Simulate ``p.municipalities[0]``, validate it, run the trial; returns (truth, TrialResult, cohort)."""
    from ..study.results import run_trial
    d = design_on_synthetic(p)
    trial, _ = run_trial(d.fu, d.tp, n_boot=n_boot, seed=seed, workers=workers, label="synthetic", cohort=d.cohort,
                         registration_limited=d.limited())
    return d.truth, trial, d.cohort
