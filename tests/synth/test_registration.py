"""How the synthetic registry registers light support: windows, sensitivity, declarations."""
import json

import pandas as pd
import pytest
import yaml

from analysis.errors import ParameterError
from analysis.synth.generate import simulate_municipality, write_municipality
from analysis.synth.params import LIGHT_PROVIDER_TYPES, Municipality, SynthParams
from analysis.synth.registration import parse_registration, registration_plan

M = Municipality("9908", "Reg", 5000)


def _light(**kw):
    p = SynthParams(municipalities=(M,), **kw)
    tables, truth, _ = simulate_municipality(M, p)
    light = tables["light_support_episodes"]
    return light.assign(start=pd.to_datetime(light["start_date"]),
                        end=pd.to_datetime(light["end_date"].replace("", None))), truth


def test_the_command_lines_registration_is_read_or_refused_with_the_reason():
    assert parse_registration("wijkteam:2015:0.9") == ("wijkteam", 2015, None, 0.9)
    assert parse_registration("poh_jeugd:2018-2021:0.6") == ("poh_jeugd", 2018, 2021, 0.6)
    assert parse_registration("cjg:never") == ("cjg", None, None, 0.0)
    for bad, why in (("poh:2015:0.5", "must be one of"), ("cjg:2015", "TYPE:FROM"), ("cjg:2015:1.5", "(0, 1]"),
                     ("cjg:2020-2018:0.8", "ends (2018) before"), ("cjg:x:0.8", "whole numbers")):
        with pytest.raises(ParameterError) as err:
            SynthParams(registration=(bad,)).check()
        assert why in str(err.value), (bad, str(err.value))


def test_a_planted_window_and_sensitivity_are_what_the_registry_shows():
    full, _ = _light(registration=("wijkteam:2015:1.0", "poh_jeugd:2015:1.0"))
    light, truth = _light(registration=("wijkteam:2019-2021:1.0", "poh_jeugd:2015:0.5", "cjg:never"))
    w = light[light["provider_type"] == "wijkteam"]
    # inside the window only: started in 2019–2021, or started before and still running into 2019
    assert len(w) > 30 and (w["start"] <= "2021-12-31").all()
    assert ((w["start"] >= "2019-01-01") | (w["end"].isna() | (w["end"] >= "2019-01-01"))).all()
    assert (w["start"].dt.year.between(2019, 2021)).mean() > 0.7      # the rest: running when it began
    assert not (light["provider_type"] == "cjg").any()
    # half of poh_jeugd's episodes, and exactly a subset of the complete registration's
    n_full = (full["provider_type"] == "poh_jeugd").sum()
    n_half = (light["provider_type"] == "poh_jeugd").sum()
    assert n_full > 100 and abs(n_half / n_full - 0.5) < 4 * (0.25 / n_full) ** 0.5
    key = ["person_id", "start_date"]
    half = light[light["provider_type"] == "poh_jeugd"][key]
    assert len(half.merge(full[full["provider_type"] == "poh_jeugd"][key])) == len(half)
    reg = truth["registration"]["types"]
    assert reg["wijkteam"]["windows"] == [["2019-01-01", "2021-12-31"]] and reg["poh_jeugd"]["sensitivity"] == 0.5
    assert reg["cjg"]["windows"] == [] and truth["registration"]["misdeclared"] is None


def test_the_realistic_default_differs_between_municipalities_and_the_complete_mode_registers_all():
    p = SynthParams()
    plans = [registration_plan(m, p) for m in p.municipalities]
    assert len({tuple((r.start, r.end, r.sensitivity) for r in plan.values()) for plan in plans}) == 3
    for plan in plans:
        for r in plan.values():
            assert r.start is None or (p.registry_start <= r.start <= r.end <= p.extract_date
                                       and 0.7 <= r.sensitivity <= 1.0)
    complete = registration_plan(M, SynthParams(light_registration="complete"))
    assert all((r.start, r.end, r.sensitivity) == (SynthParams().registry_start, SynthParams().extract_date, 1.0)
               for r in complete.values())


def test_delivery_declares_the_windows_and_a_misdeclared_one_is_recorded(tmp_path):
    p = SynthParams(municipalities=(M,), misdeclare=True, registration=("jgz:2019:0.8",))
    folder = write_municipality(tmp_path, M, p)
    declared = yaml.safe_load((folder / "delivery.yml").read_text())["registration_windows"]
    truth = json.loads((folder / "ground_truth.json").read_text())["registration"]
    assert set(declared) == set(LIGHT_PROVIDER_TYPES)
    wrong = [t for t in declared if declared[t] != truth["types"][t]["windows"]]
    assert wrong == [truth["misdeclared"]]
    assert declared[wrong[0]][0][0] < truth["types"][wrong[0]]["windows"][0][0]   # declared too early
