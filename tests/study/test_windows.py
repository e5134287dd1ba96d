"""Registration windows: detected from the data, compared with the declaration."""
import json
import tempfile
import warnings
from pathlib import Path

import pandas as pd
import pytest

from analysis.errors import DataQualityWarning, RegistryError
from analysis.registry.delivery import parse_windows
from analysis.registry.validate import validate_delivery
from analysis.study.windows import child_quarters, compare_windows, detect_windows, quarters, windows_agree
from analysis.synth.generate import write_municipality
from analysis.synth.params import LIGHT_PROVIDER_TYPES, Municipality, SynthParams


def test_child_quarters_by_hand():
    """Child A lives here all of 2020 (aged 5): 1 child-quarter per quarter. Child B moves in on
    1 April (Q2 complete, Q3, Q4) and turns 18 on 16 August 2020: Q2 1, Q3 46/92, Q4 0. Child C dies
    on 1 February: Q1 31/91."""
    persons = pd.DataFrame({"person_id": ["A", "B", "C"],
                            "birth_date": pd.to_datetime(["2015-03-01", "2002-08-16", "2010-01-01"]),
                            "death_date": pd.to_datetime([None, None, "2020-02-01"])})
    residence = pd.DataFrame({"person_id": ["A", "B", "C"],
                              "start_date": pd.to_datetime(["2019-01-01", "2020-04-01", "2012-01-01"]),
                              "end_date": pd.to_datetime([None, None, None])})
    q = quarters("2020-01-01", "2020-12-31")
    got = child_quarters(residence, persons, q)
    # 18th birthday by 365.25-day years: 2002-08-16 + 6574.5 days = 2020-08-16 (noon)
    assert got == pytest.approx([1 + 31 / 91, 2, 1 + 45.5 / 92, 1], abs=1e-9)


@pytest.fixture(scope="module")
def planted():
    """A registry where wijkteam registers throughout, poh_jeugd only 2016–2019, jgz from 2019,
    cjg never; jgz is declared from 2017 (wrong), cjg is not declared."""
    m = Municipality("9909", "W", 6000)
    p = SynthParams(seed=3, municipalities=(m,), registration=(
        "wijkteam:2015:0.95", "cjg:never", "jgz:2019:0.8", "poh_jeugd:2016-2019:0.9",
        "schoolmaatschappelijk_werk:2015:0.9", "opvoedondersteuning:2015:0.9"))
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_municipality(Path(tmp), m, p)
        text = (folder / "delivery.yml").read_text().replace(
            "  jgz:\n  - - '2019-01-01'", "  jgz:\n  - - '2017-01-01'").replace("  cjg: []\n", "")
        (folder / "delivery.yml").write_text(text)
        res = validate_delivery(folder)
        truth = json.loads((folder / "ground_truth.json").read_text())["registration"]
    t = {k: v.accepted for k, v in res.tables.items()}
    det, table = detect_windows(t["light_support_episodes"], t["residence_periods"], t["persons"],
                                res.delivery["registry_start"], res.delivery["extract_date"], types=LIGHT_PROVIDER_TYPES)
    return res.delivery, det, table, truth


def test_each_planted_window_is_detected(planted):
    _, det, table, truth = planted
    assert det["wijkteam"] == [["2015-01-01", "2024-12-31"]]
    assert det["poh_jeugd"] == [["2016-01-01", "2019-12-31"]]
    assert det["jgz"] == [["2019-01-01", "2024-12-31"]]
    assert det["cjg"] == [] and (table.loc[table["provider_type"] == "cjg", "status"] == "never").all()
    for t in LIGHT_PROVIDER_TYPES:
        assert windows_agree(det[t], truth["types"][t]["windows"]), t
    # the table behind it: one row per type and quarter, starts counted
    assert len(table) == len(LIGHT_PROVIDER_TYPES) * 40 and table["starts"].sum() > 1000


def test_a_misdeclared_window_is_warned_about_and_an_undeclared_type_gets_the_detected_one(planted):
    delivery, det, _, _ = planted
    declared = delivery["registration_windows"]
    assert "cjg" not in declared and declared["jgz"] == [["2017-01-01", "2024-12-31"]]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        used, table = compare_windows(declared, det)
    msgs = [str(w.message) for w in caught if issubclass(w.category, DataQualityWarning)]
    assert len(msgs) == 1 and "jgz" in msgs[0] and "2017-01-01" in msgs[0] and "2019-01-01" in msgs[0]
    row = table.set_index("provider_type")
    assert row.loc["jgz", "agree"] == False and row.loc["wijkteam", "agree"] == True  # noqa: E712
    assert used["jgz"] == declared["jgz"]                    # the declaration is used, with the warning
    assert used["cjg"] == [] and row.loc["cjg", "source"] == "detected"


def test_windows_agree_within_one_quarter():
    assert windows_agree([["2015-01-01", "2024-12-31"]], [["2015-04-01", "2024-12-31"]])
    assert not windows_agree([["2015-01-01", "2024-12-31"]], [["2015-07-01", "2024-12-31"]])
    assert not windows_agree([], [["2015-01-01", "2024-12-31"]]) and windows_agree([], [])


def test_a_bad_declaration_names_the_file_and_the_type():
    with pytest.raises(RegistryError) as err:
        parse_windows({"poh_jeugd": [["2019-01-01", "2018-01-01"]]}, "delivery.yml", {})
    assert err.value.file == "delivery.yml" and "poh_jeugd" in str(err.value) and "ends before" in str(err.value)


def test_the_documented_example_is_a_valid_declaration():
    import yaml
    from analysis.registry.schema import FORMAT
    example = yaml.safe_load(FORMAT.delivery["registration_windows"]["example"])["registration_windows"]
    got = parse_windows(example, "delivery.yml", {})
    assert got["schoolmaatschappelijk_werk"] == [["2016-01-01", "2018-12-31"], ["2021-01-01", "2024-12-31"]]
    assert got["opvoedondersteuning"] == []
