"""The trial engine is the same estimator as refitting on resampled data frames.

The reference (``frames_ref.py``) is the implementation before the engine: person-month frames and
design matrices rebuilt from a resampled frame, both weight models fitted from zero. On a fixed
synthetic registry the engine must give the same point estimates, the same number for every
bootstrap replicate (the same draws as frequency weights), and so the same intervals.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytest

import frames_ref as ref
from analysis.registry.validate import validate_delivery
from analysis.study.bootstrap import KEYS, bootstrap, draws, order_by_data, percentile_ci
from analysis.study.cohort import SPECIALIST, build_cohort
from analysis.study.trial import TrialEngine, TrialParams, _weighted_percentile, eligible, estimate, follow_up
from analysis.synth.generate import write_municipality
from analysis.synth.params import Municipality, SynthParams

# the reference knows only τ: its follow-up ends there (τ_L = τ)
VARIANTS = {"primary": {}, "truncated": {"truncate": (1.0, 99.0)}, "moved_competing": {"moved_competing": True},
            "grace_0": {"grace_months": 0}, "grace_6_tau_60": {"grace_months": 6, "tau_months": 60}}
VARIANTS = {k: {"tau_long_months": v.get("tau_months", 36), **v} for k, v in VARIANTS.items()}


@pytest.fixture(scope="module")
def cohort():
    p = SynthParams(seed=5, light_registration="complete", municipalities=(Municipality("9910", "T", 4000),))
    with tempfile.TemporaryDirectory() as tmp:
        res = validate_delivery(write_municipality(Path(tmp), p.municipalities[0], p))
    return build_cohort({k: t.accepted for k, t in res.tables.items()}, str(p.registry_start), str(p.extract_date))


def _fu(cohort, tp):
    return order_by_data(follow_up(eligible(cohort, tp), cohort, tp))


def _resampled(fu, m):
    sample = fu.iloc[np.repeat(np.arange(len(fu)), m)].reset_index(drop=True)
    sample["person_id"] = np.arange(len(sample)).astype(str)    # a child drawn twice counts twice
    return sample


@pytest.mark.parametrize("variant", VARIANTS)
def test_point_estimate_and_every_replicate_equal_a_refit_on_the_resampled_frame(cohort, variant):
    tp = TrialParams(**VARIANTS[variant])
    fu = _fu(cohort, tp)
    assert len(fu) > 200
    engine = TrialEngine(fu, tp)
    want = ref.estimate(fu, tp)
    got, est = engine.estimate(), estimate(fu, tp, engine=engine).as_dict()
    for k in KEYS:
        assert got[k] == pytest.approx(want[k], rel=1e-9, abs=1e-12), k
        assert est[k] == pytest.approx(want[k], rel=1e-9, abs=1e-12), k
    assert (got["events_a"], got["events_b"]) == (want["events_a"], want["events_b"])
    for s in np.random.SeedSequence(7).spawn(4):
        m = draws(len(fu), s)
        assert m.sum() == len(fu) and (m == 0).any() and (m >= 2).any()
        info = {}
        rep, full_refit = engine.estimate(m, info=info), ref.estimate(_resampled(fu, m), tp)
        for k in KEYS:
            assert rep[k] == pytest.approx(full_refit[k], rel=1e-7, abs=1e-10), (k, rep[k], full_refit[k])
        assert (rep["events_a"], rep["events_b"]) == (full_refit["events_a"], full_refit["events_b"])
        assert info["hessians"] <= 4                 # a warm start: few information matrices


def test_the_intervals_equal_those_of_the_full_refit_bootstrap(cohort):
    tp = TrialParams(tau_long_months=36)
    fu = _fu(cohort, tp)
    seeds = np.random.SeedSequence(11).spawn(40)
    full_refit = [ref.estimate(_resampled(fu, draws(len(fu), s)), tp) for s in seeds]
    import pandas as pd
    want = percentile_ci(pd.DataFrame(full_refit), ref.estimate(fu, tp))
    got = percentile_ci(bootstrap(fu, tp, n_boot=40, seed=11, workers=1), TrialEngine(fu, tp).estimate())
    for k in KEYS:
        for part in ("estimate", "ci_low", "ci_high"):
            assert got[k][part] == pytest.approx(want[k][part], rel=1e-7, abs=1e-10), (k, part)
    # and where the replicates run does not change them: a pool from the first chunk on
    pooled = bootstrap(fu, tp, n_boot=20, seed=11, workers=2, pool_after_seconds=0)
    here = bootstrap(fu, tp, n_boot=20, seed=11, workers=1)
    pd.testing.assert_frame_equal(pooled, here)


def test_weighted_percentile_is_the_percentile_of_the_repeated_values():
    rng = np.random.default_rng(3)
    x = rng.lognormal(size=500)
    freq = rng.integers(0, 4, 500)
    for q in ((1.0, 99.0), (5.0, 50.0), (0.0, 100.0)):
        np.testing.assert_allclose(_weighted_percentile(x, freq, q), np.percentile(np.repeat(x, freq), q), rtol=1e-12)


# -- reduces: follow-up past first specialist care ------------------------------------------------

def _union_within(intervals, lo, hi):
    """Days of [lo, hi) covered by the union of ``intervals`` (a plain loop: the reference)."""
    cut = sorted((max(s, lo), min(e, hi)) for s, e in intervals if min(e, hi) > max(s, lo))
    total, reach = 0.0, -np.inf
    for s, e in cut:
        if e > reach:
            total += e - max(s, reach)
            reach = e
    return total


def test_days_in_care_per_clone_month_equal_a_plain_count_from_the_episodes(cohort):
    """Every clone row past first specialist care carries the days in care (episodes and protection
    measures, concurrent ones once) of its month, counted here child by child from the cohort."""
    from analysis.study.trial import care_episodes
    tp = TrialParams(tau_long_months=48)
    fu = _fu(cohort, tp)
    care = care_episodes(fu, cohort)
    engine = TrialEngine(fu, tp, care=care)
    spec = cohort.specialist.groupby("person_id")
    t0 = fu["t0"].to_numpy()
    checked = 0
    for arm in ("a", "b"):
        x = engine.ext[arm]
        with_care = np.flatnonzero(x["care"] > 0)
        assert len(with_care) > 50
        rng = np.random.default_rng(3)
        for row in rng.choice(len(x["r"]), 300, replace=False).tolist() + with_care[:200].tolist():
            child = x["r"][row]
            pid = fu["person_id"].iloc[child]
            eps = spec.get_group(pid) if pid in spec.groups else None
            ivs = [] if eps is None else list(zip(eps["start"] - t0[child], eps["end"] - t0[child]))
            assert x["care"][row] == pytest.approx(_union_within(ivs, x["lo"][row], x["hi"][row]), abs=1e-9)
            checked += 1
    assert checked == 1000
    # follow-up goes on past the first specialist care: rows after it exist, and carry care
    first = np.where(fu["reason"].to_numpy() == SPECIALIST, fu["end"].to_numpy(), np.inf)
    b = engine.ext["b"]
    after = b["lo"] >= first[b["r"]]
    assert after.sum() > 100 and b["care"][after].sum() > 0


def test_reduces_replicates_equal_the_engine_on_the_resampled_frame(cohort):
    """Months in care and heavy care under bootstrap frequency weights equal the engine built on the
    resampled children (each drawn child with its care episodes)."""
    from analysis.study.bootstrap import EXT_KEYS
    from analysis.study.trial import care_episodes
    tp = TrialParams(tau_long_months=48)
    fu = _fu(cohort, tp)
    care = care_episodes(fu, cohort)
    engine = TrialEngine(fu, tp, care=care)
    for s in np.random.SeedSequence(11).spawn(2):
        m = draws(len(fu), s)
        got = engine.estimate(m)
        idx = np.repeat(np.arange(len(fu)), m)
        sample = fu.iloc[idx].reset_index(drop=True)
        sample["person_id"] = np.arange(len(sample)).astype(str)
        copies = {c: np.flatnonzero(idx == c) for c in np.unique(care["child"])}
        rc = care.iloc[np.repeat(np.arange(len(care)), [len(copies.get(c, ())) for c in care["child"]])].copy()
        rc["child"] = np.concatenate([copies.get(c, np.zeros(0, int)) for c in care["child"]]) if len(rc) else []
        ref_engine = TrialEngine(sample, tp, care=rc.reset_index(drop=True))
        want = ref_engine.estimate()
        for k in EXT_KEYS:
            assert got[k] == pytest.approx(want[k], rel=1e-7, abs=1e-9), k
