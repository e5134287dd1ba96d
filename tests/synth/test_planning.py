"""The registration advice (protocol, "Registration" 4): the search over years, the years already
registered, and the calibration of the planning registry against a registry with known knobs."""
from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from analysis.registry.store import save
from analysis.registry.validate import validate_delivery
from analysis.report import presentation as pt
from analysis.report.results_file import _advice_block
from analysis.study.params import AnalysisParams
from analysis.study.results import primary_analysis
from analysis.synth.generate import write_municipality
from analysis.synth.params import Municipality, SynthParams
from analysis.synth.planning import _registered_years, plan, search_years


def test_search_years_finds_the_first_year_from_which_the_target_holds():
    calls = []

    def f(y):
        calls.append(y)
        return 1 / y
    assert search_years(f, 0.1) == 10             # 1/10 ≤ 0.1, 1/9 > 0.1
    assert {6, 9, 12, 15} <= set(calls)           # the grid is always computed (the figure)
    assert search_years(lambda y: 1 / y, 0.2) == 6     # already at the shortest registration
    assert search_years(lambda y: 1 / y, 0.05) is None   # not within 15 years
    # noise: below the target at 9, above at 12, below from 13 on: the years from which it stays below
    values = {**{y: 0.3 for y in range(6, 16)}, 9: 0.15, 13: 0.19, 14: 0.18, 15: 0.17}
    assert search_years(values.get, 0.2) == 13


def test_years_registered_by_every_type_up_to_the_extract():
    extract = date(2024, 12, 31)
    years, types = _registered_years({"wijkteam": [["2016-01-01", "2024-12-31"]],
                                      "cjg": [["2018-04-01", "2024-12-31"]]}, extract)
    assert years == pytest.approx((extract - date(2018, 4, 1)).days / 365.25)
    assert types.set_index("provider_type")["since"].to_dict() == {"wijkteam": "2016-01-01", "cjg": "2018-04-01"}
    # one type stopped, one never registered: no year counts yet
    years, types = _registered_years({"wijkteam": [["2016-01-01", "2024-12-31"]],
                                      "cjg": [["2016-01-01", "2019-12-31"]], "jgz": []}, extract)
    assert years == 0
    assert types.set_index("provider_type")["registers_now"].to_dict() == {"wijkteam": True, "cjg": False, "jgz": False}


@pytest.fixture(scope="module")
def knobs(tmp_path_factory):
    """A registry with known, non-default rates: specialist care at 0.6 times and light-support
    uptake at 1.6 times the generator's, every type registered completely."""
    base = tmp_path_factory.mktemp("planning")
    p = SynthParams(seed=5, municipalities=(Municipality("9905", "Planstad", 6000),), light_registration="complete",
                    prevent=0.2, delay_months=0.0, specialist_scale=0.6, uptake_scale=1.6, truth_replicates=1)
    folder = write_municipality(base / "raw", p.municipalities[0], p)
    save(validate_delivery(folder), base / "processed")
    ap = AnalysisParams(municipality="9905", processed_dir=str(base / "processed"), n_boot=40, n_boot_sensitivity=40,
                        n_bias=20, workers=1)
    pr = primary_analysis(ap)
    return ap, pr, plan(ap, pr)


def test_the_planning_registry_is_calibrated_to_the_municipality(knobs):
    ap, pr, pl = knobs
    assert pr.bias is not None            # every type counted: the uptake is measured
    assert pl.uptake_measured
    # the knobs the registry was made with, recovered from its rates alone (up to the registry's own
    # chance: 6,000 children)
    assert pl.scales["specialist_scale"] == pytest.approx(0.6, rel=0.25)
    assert pl.scales["uptake_scale"] == pytest.approx(1.6, rel=0.2)
    # and the planning registry has the municipality's rates over the same period: as many signals,
    # as many events per child-year, the same uptake
    signals = lambda r: r.children * r.eligible_per_child  # noqa: E731
    assert signals(pl.planned) == pytest.approx(signals(pl.observed), rel=0.15)
    assert pl.planned.events_per_year == pytest.approx(pl.observed.events_per_year, rel=0.15)
    assert pl.planned.uptake == pytest.approx(pl.observed.uptake, rel=0.1)


def test_the_advice_for_a_municipality_of_stadskanaals_size(knobs):
    ap, pr, pl = knobs
    md = pl.by_years.set_index("years")["prevented_fraction"]
    assert {6, 9, 12, 15} <= set(md.index)
    # more years of registration, more children: the detectable effect shrinks
    assert md[15] < md[6] or not np.isfinite(md[6])
    # 6,000 children do not reach 0.2 in 15 years: the advice says so and how many such municipalities would
    assert pl.years is None and pl.more_years is None
    assert md[15] > 0.2
    k = int(np.ceil((md[15] / 0.2) ** 2))
    text = pt.advice_markdown(pl, "nl")
    assert (f"ongeveer **{k} gemeenten van deze omvang**" if k <= pt.MAX_POOLED else "**veel gemeenten**") in text
    assert "registreert sinds 2015-01-01 — blijf registreren" in text
    assert "begin met registreren" not in text          # every type registers
    block = _advice_block(pl, ap)
    assert block["years"] is None and block["years_simulated_up_to"] == 15
    assert block["years_registered_by_all_types"] == pytest.approx(10, abs=0.01)
    assert block["observed"]["children_rounded"] % 100 == 0
