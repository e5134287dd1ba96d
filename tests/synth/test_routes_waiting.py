"""The generator's requests, waits and routes (issue 15, part 5): the truth is right, the registry is
consistent, and the estimators behind results.json recover the truth on the demo's long-wait
municipality."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis.registry.store import load_registry, save
from analysis.registry.validate import validate_delivery
from analysis.study.results import routes_and_waits
from analysis.synth.course import course_before, make_draws, make_screenings, month_grid_end, run_course
from analysis.synth.generate import simulate_municipality, write_municipality
from analysis.synth.params import DEMO_MUNICIPALITIES, Municipality, SynthParams
from analysis.synth.population import day_number, make_population
from analysis.synth.requests import waiting_truth

MIDDENVEEN = DEMO_MUNICIPALITIES[1]


def test_the_demo_has_one_municipality_with_a_wait_of_about_three_months():
    p = SynthParams()
    medians = {m.name: waiting_truth(m, p)["median_days"] for m in p.municipalities}
    assert 80 <= medians["Middenveen"] <= 110
    assert all(v < 50 for k, v in medians.items() if k != "Middenveen")


def test_the_true_waiting_distribution_is_that_of_the_model_by_simulation():
    """The quadrature against two million draws of (W, V) as the generator draws them."""
    p = SynthParams()
    m = Municipality("9990", "T", 100, wait_median_days=60.0)
    truth = waiting_truth(m, p)
    rng = np.random.default_rng(5)
    n = 2_000_000
    w = np.exp(rng.normal(np.log(60.0), p.wait_sigma, n))
    v = rng.exponential(365.25 / p.withdraw_per_year, n)
    started, wait = w < v, np.ceil(w)
    for d in (28, 56, 84):
        share = np.mean(started & (wait <= d))
        assert truth["share_started_within"][str(d)] == pytest.approx(share, abs=4 * np.sqrt(share * (1 - share) / n))
    assert truth["share_started_ever"] == pytest.approx(started.mean(), abs=0.002)
    # the median: the first whole day on which half the requests have started
    days = np.sort(np.where(started, wait, np.inf))
    assert truth["median_days"] == days[n // 2 - 1]


def test_a_longer_course_is_the_same_course_up_to_the_extract():
    """The generator runs the course past the extract (for requests still waiting): the registry
    must be the course of a run that stops at the extract, event for event."""
    p = SynthParams(seed=3)
    m = Municipality("9991", "T", 800)
    pop = make_population(m, p, np.random.SeedSequence(1))
    rng = np.random.default_rng(2)
    scr = make_screenings(rng, pop, p)
    draws = make_draws(rng, pop.n)
    end = day_number(p.extract_date) + 1
    short = run_course(pop, scr, draws, p, end)
    cut = course_before(run_course(pop, scr, draws, p, end + 900), month_grid_end(pop, end))
    for f in short.__dataclass_fields__:
        a, b = getattr(short, f), getattr(cut, f)
        assert len(a) == len(b), f
        assert np.array_equal(a.astype(str), b.astype(str)), f


@pytest.fixture(scope="module")
def middenveen(tmp_path_factory):
    """The demo's Middenveen (6,000 children, the long wait), validated as a delivery is."""
    base = tmp_path_factory.mktemp("mv")
    p = SynthParams(municipalities=(MIDDENVEEN,))
    _, truth, _ = simulate_municipality(MIDDENVEEN, p, truth=False)
    folder = write_municipality(base / "raw", MIDDENVEEN, p, truth=False)
    result = validate_delivery(folder)
    save(result, base / "processed")
    return p, truth, folder, result, load_registry(MIDDENVEEN.code, base / "processed")


def test_the_requests_table_is_valid_and_consistent_with_the_episodes(middenveen):
    p, truth, folder, result, tables = middenveen
    q = result.quality()["tables"]
    assert q["requests"]["rejected"] == 0 and q["requests"]["accepted"] > 1000
    req = pd.read_csv(folder / "requests.csv", dtype=str, keep_default_na=False)
    spec = pd.read_csv(folder / "specialist_episodes.csv", dtype=str, keep_default_na=False)
    counts = req["outcome"].value_counts()
    assert {"started", "withdrawn", "referred_elsewhere", "waiting"} <= set(counts.index)
    # a started request is the request of its episode: the same child, request date and start
    started = req[req["outcome"] == "started"].merge(spec, on="episode_id", suffixes=("", "_ep"))
    assert len(started) == counts["started"]
    assert (started["person_id"] == started["person_id_ep"]).all()
    assert (started["outcome_date"] == started["start_date"]).all()
    assert (started["request_date"] == started["request_date_ep"]).all()
    # still waiting: no outcome date, no episode; requests made within the registry window
    waiting = req[req["outcome"] == "waiting"]
    assert (waiting["outcome_date"] == "").all() and (waiting["episode_id"] == "").all()
    assert req["request_date"].min() >= str(p.registry_start) and req["request_date"].max() <= str(p.extract_date)
    # withdrawals compete at about the model's rate: P(V < W) by the truth
    ended = counts.drop("waiting")
    share = (ended["withdrawn"] + ended["referred_elsewhere"]) / ended.sum()
    assert share == pytest.approx(1 - truth["waiting"]["share_started_ever"], abs=0.03)


def test_the_long_waits_median_and_share_within_the_norm_cover_the_truth(middenveen):
    p, truth, _, _, tables = middenveen
    r = routes_and_waits(tables, p.registry_start, p.extract_date)
    w, tw = r.waiting, truth["waiting"]
    assert not w.conditional
    assert w.median_days["ci_low"] <= tw["median_days"] <= w.median_days["ci_high"]
    s = w.share_started_within_norm
    assert s["ci_low"] <= tw["share_started_within_norm"] <= s["ci_high"]
    for d in ("56", "84"):
        est = w.share_within[int(d)]
        assert est["ci_low"] <= tw["share_started_within"][d] <= est["ci_high"]


def test_the_step_up_rate_out_of_light_support_covers_the_truth(middenveen):
    p, truth, _, _, tables = middenveen
    r = routes_and_waits(tables, p.registry_start, p.extract_date)
    tr = truth["routes"]
    assert r.step_up["ci_low"] <= tr["step_up_per_100_child_years"] <= r.step_up["ci_high"]
    # the truth's numerator is the compensator of the step-ups that happened: a Poisson-like count
    assert abs(tr["step_ups"] - tr["expected_step_ups"]) < 3 * np.sqrt(tr["expected_step_ups"])
    # the registry registers part of the light support: fewer child-years than the truth's, not more
    assert r.step_rates.loc[r.step_rates["level"].isin(["selectief", "licht"]), "child_years"].sum() \
        < tr["child_years_in_light_support"]
