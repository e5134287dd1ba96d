"""The pooled trial: each municipality's part is its own primary analysis's, the pool one trial."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from analysis.registry.store import load_quality
from analysis.study.params import AnalysisParams
from analysis.study.pooled import municipality_part, pooled_primary
from analysis.study.results import _design, _load, _trial_params, run_trial
from analysis.study.trial import TrialEngine, eligible, follow_up


def _own(p: AnalysisParams):
    """The municipality's own primary trial, as results.primary_analysis runs it."""
    quality = load_quality(p.municipality, p.processed_dir)
    tables, cohort_all = _load(p, quality)
    cohort, periods, _ = _design(p, tables, quality, cohort_all)
    tp = _trial_params(p, windows=periods)
    fu = follow_up(eligible(cohort, tp), cohort, tp)
    return run_trial(fu, tp, p.n_boot, p.seed, 1, "primary", cohort=cohort)[0], fu


def test_a_pool_of_one_municipality_is_its_own_primary_trial(medium):
    _, processed = medium
    p = AnalysisParams(municipality="9902", processed_dir=str(processed), n_boot=20, workers=1)
    own, fu = _own(p)
    pooled = pooled_primary(str(processed), ["9902"], p, workers=1)
    assert pooled.parts["eligible"].tolist() == [len(fu)] and own.n_eligible > 100
    for k, v in own.ci.items():
        for part in ("estimate", "ci_low", "ci_high"):
            assert pooled.trial.ci[k][part] == pytest.approx(v[part], rel=1e-9, abs=1e-12), (k, part)
    assert pooled.trial.prevented_fraction["estimate"] == pytest.approx(own.prevented_fraction["estimate"], rel=1e-9)
    assert pooled.trial.reduces["specialist_months_diff"]["estimate"] == pytest.approx(
        own.reduces["specialist_months_diff"]["estimate"], rel=1e-9)


def test_neighbourhoods_are_the_municipalitys_own_levels(medium, tmp_path):
    """Two copies of one registry under two codes: the same wijk names become distinct levels of
    the weight models (the municipality nested), every child and episode is kept once per copy."""
    _, processed = medium
    shutil.copytree(processed / "9902", tmp_path / "9902")
    shutil.copytree(processed / "9902", tmp_path / "9998")
    p = AnalysisParams(municipality="9902", processed_dir=str(tmp_path), n_boot=20, workers=1)
    fu1, spec1 = municipality_part(p)
    fu2, spec2 = municipality_part(AnalysisParams(municipality="9998", processed_dir=str(tmp_path), n_boot=20))
    wijken = fu1["wijk"].str.split(":").str[1].nunique()
    assert wijken >= 3 and set(fu1["wijk"]).isdisjoint(fu2["wijk"])
    assert len(fu1) == len(fu2) and len(spec1) == len(spec2) > 0
    import pandas as pd
    from analysis.study.bootstrap import order_by_data
    engine = TrialEngine(order_by_data(pd.concat([fu1, fu2], ignore_index=True)), _trial_params(p))
    assert len(engine.wijken) == 2 * wijken
    # a pool of a registry with its copy: the same point estimates as the registry alone (every
    # child twice, each municipality's intercepts equal), the weights' models fitted on both
    one = TrialEngine(order_by_data(fu1), _trial_params(p)).estimate()
    two = engine.estimate()
    for k in ("cif_a_tau", "cif_b_tau", "rd_tau", "rmst_diff_months"):
        assert two[k] == pytest.approx(one[k], rel=1e-6), k
    assert np.isclose(two["events_a"], 2 * one["events_a"])


def test_the_pooled_command_writes_rounded_counts_and_the_estimates(medium, tmp_path, capsys):
    from analysis import cli
    from analysis.report.disclosure import scan_file
    _, processed = medium
    out = tmp_path / "pooled.json"
    assert cli.main(["pooled", "--processed", str(processed), "--n-boot", "20", "--workers", "1", "--out", str(out)]) == 0
    import json
    got = json.loads(out.read_text())
    assert got["municipalities"] == 1 and got["eligible"] % 5 == 0 and got["replicates"] == 20
    assert got["estimates"]["rd_tau"]["ci_low"] <= got["estimates"]["rd_tau"]["estimate"] <= got["estimates"]["rd_tau"]["ci_high"]
    assert got["verdict"] and set(got["answers"]) == {"prevents", "delays", "reduces"}
    assert "pooled over 1 municipality," in capsys.readouterr().out
    assert not scan_file(out)
