"""Validation: nothing lost, every defect caught with its reason, structural errors named."""
import json

import pandas as pd
import pytest

from analysis.errors import BSNFoundError, RegistryError
from analysis.registry.bsn import looks_like_bsn, make_bsn
from analysis.registry.store import save
from analysis.registry.merge import merge_overlaps
from analysis.registry.validate import validate_delivery

from conftest import pid, write_delivery


def test_clean_delivery_is_accepted_whole(tiny):
    res = validate_delivery(tiny)
    assert res.n_rejected == 0
    assert {n: t.rows_in for n, t in res.tables.items()} == {
        "persons": 3, "residence_periods": 3, "screenings": 2, "light_support_episodes": 2,
        "specialist_episodes": 2, "protection_measures": 0, "requests": 0}
    spec = res.tables["specialist_episodes"].accepted
    assert spec["bij_hulpvorm"].tolist() == ["02", "11"]           # codes stay strings
    assert spec["end_date"].isna().sum() == 1                         # open episode kept
    assert str(res.tables["screenings"].accepted["sdq_total"].dtype) == "Int64"


def test_hand_counted_rejections(tmp_path):
    folder = write_delivery(tmp_path / "0037", {
        "persons": [[pid(1), "2010-03-01", "M"], [pid(2), "2012-07-15", "X"], [pid(1), "2010-03-01", "M"],
                    [pid(3), "2011-01-01", "V"], [pid(3), "2011-02-02", "V"], ["", "2011-01-01", "V"]],
        "residence_periods": [[pid(1), "0037", "2010-03-01", "2016-01-01"], [pid(1), "0037", "2015-06-01", ""],
                              [pid(3), "37", "2011-01-01", ""]],
        "screenings": [["S1", pid(1), "2015-09-01", "sdq_parent", "41"], ["S2", pid(9), "2016-09-01", "sdq_parent", "5"],
                       ["S3", pid(3), "2016-09-01", "sdq_parent", "vijf"]],
        "light_support_episodes": [["L1", pid(1), "wijkteam", "2016-03-01", "2015-10-01"],
                                   ["L2", pid(3), "cjg", "2025-02-01", ""], ["L3", pid(1), "cjg", "2005-01-01", ""]],
        "specialist_episodes": [["J1", pid(1), "12345678", "2", "2017-01-01", "", "01"],
                                ["J2", pid(3), "1234567X", "02", "2018-05-01", "", ""]],
    })
    res = validate_delivery(folder)
    rules = {n: t.rejected["rule"].tolist() for n, t in res.tables.items()}
    assert rules["persons"] == ["unknown_code", "duplicate_row", "duplicate_key", "missing_required"]
    assert rules["residence_periods"] == ["residence_overlap"]
    assert rules["screenings"] == ["out_of_range", "unknown_person", "not_a_number"]
    assert rules["light_support_episodes"] == ["end_before_start", "after_extract", "before_birth"]
    assert rules["specialist_episodes"] == ["end_reason_without_end_date", "bad_pattern"]
    rej = res.tables["persons"].rejected
    assert rej["row"].tolist() == [3, 4, 6, 7]        # header is row 1
    assert rej["file"].unique().tolist() == ["persons.csv"]
    # "37" became "0037" (a spreadsheet drops leading zeros); "2" became "02" but J1 still fails
    assert res.tables["residence_periods"].accepted["municipality_code"].tolist() == ["0037", "0037"]
    for t in res.tables.values():
        assert t.rows_in == t.accepted_rows + len(t.rejected)


def test_messy_registry_every_defect_caught(messy, tmp_path):
    res = validate_delivery(messy)
    manifest = json.loads((messy / "messy_manifest.json").read_text())["defects"]
    assert set(manifest) == {"duplicate_row", "overlap", "end_before_start", "unknown_code",
                             "missing_end_date", "impossible_age", "stray_identifier", "unknown_person"}
    for defect, spec in manifest.items():
        for entry in spec["entries"]:
            table = res.tables[entry["table"]]
            if entry["expected_rule"] is None:   # overlaps are merged, not rejected
                assert table.merged_rows == entry["merged"], defect
                continue
            rej = table.rejected.set_index("row")
            assert set(entry["rows"]) <= set(rej.index), defect
            for row in entry["rows"]:
                assert entry["expected_rule"] in rej.loc[row, "all_rules"], (defect, row)
    quality = res.quality()
    assert quality["rows_in"] == quality["accepted"] + quality["rejected"]
    injected = sum(e["count"] for k, s in manifest.items() if k != "overlap" for e in s["entries"])
    assert quality["rejected"] == injected     # nothing else was rejected: the clean part is clean


def test_outputs_written_and_balanced(messy, tmp_path):
    out = save(validate_delivery(messy), tmp_path)
    q = json.loads((out / "quality.json").read_text())
    for name, t in q["tables"].items():
        assert t["balanced"] and t["rows_in"] == t["accepted"] + t["rejected"]
        n_written = len(pd.read_csv(out / "rejected" / f"{name}.csv")) if t["rejected"] else 0
        assert n_written == t["rejected"]
        assert len(pd.read_parquet(out / "registry" / f"{name}.parquet")) == t["episodes_after_merge"]
    # stray BSNs are masked in the rejected rows: no identifier reaches an output file
    text = (out / "rejected" / "light_support_episodes.csv").read_text()
    bsns = pd.read_csv(messy / "light_support_episodes.csv", dtype=str)["provider_id"]
    assert not any(b in text for b in bsns[looks_like_bsn(bsns)])
    assert "*********" in text


def test_bsn_as_person_id_refuses_the_delivery(tmp_path):
    import numpy as np
    bsn = make_bsn(np.random.default_rng(1), 3)
    folder = write_delivery(tmp_path / "0037", {"persons": [[b, "2010-01-01", "M"] for b in bsn]})
    with pytest.raises(BSNFoundError) as err:
        validate_delivery(folder)
    msg = str(err.value)
    assert "persons.csv" in msg and "row 2" in msg and "person_id" in msg and "workbench pseudonymise" in msg
    assert bsn[0] not in msg


def test_bsn_recognition():
    s = pd.Series(["999900006", "123456782", "123456789", "12345678", "99990000", "abc", "", "000000000"])
    # 999900006 and 123456782 pass the elfproef; 123456789 does not; 8 digits are padded with a zero
    assert looks_like_bsn(s).tolist() == [True, True, False, False, False, False, False, True]
    assert looks_like_bsn(pd.Series(make_bsn(__import__("numpy").random.default_rng(0), 50))).all()


def test_structural_errors_name_file_row_and_column(tiny):
    (tiny / "screenings.csv").write_text("screening_id,person_id,screening_date,instrument,sdq_total\n"
                                         f"S1,{pid(1)},01-09-2015,sdq_parent,15\nS2,{pid(1)},31-12-2016,sdq_parent,3\n"
                                         f"S3,{pid(3)},15-10-2016,sdq_parent,8\n")
    with pytest.raises(RegistryError) as err:      # a whole column in another format: the format is wrong
        validate_delivery(tiny)
    assert (err.value.file, err.value.row, err.value.column) == ("screenings.csv", 2, "screening_date")
    (tiny / "screenings.csv").write_text("screening_id,person_id,instrument,sdq_total\n")
    with pytest.raises(RegistryError, match="screening_date") as err:
        validate_delivery(tiny)
    assert err.value.column == "screening_date"
    (tiny / "screenings.csv").unlink()
    with pytest.raises(RegistryError, match="required table screenings"):
        validate_delivery(tiny)


def test_unreadable_encoding(tiny):
    (tiny / "persons.csv").write_bytes("person_id,birth_date,sex\n".encode("utf-16"))
    with pytest.raises(RegistryError, match="encoding"):
        validate_delivery(tiny)


def test_delivery_metadata_code_must_be_a_string(tiny):
    (tiny / "delivery.yml").write_text("municipality_code: 0037\nmunicipality_name: X\n"
                                       "extract_date: 2024-12-31\nregistry_start: 2015-01-01\n")
    with pytest.raises(RegistryError, match="quoted 4-digit"):
        validate_delivery(tiny)


def test_merge_by_bij_rules_hand_count():
    d = pd.to_datetime
    df = pd.DataFrame({
        "episode_id": ["a", "b", "c", "d", "e"], "person_id": ["p", "p", "p", "p", "q"],
        "provider_type": ["cjg", "cjg", "cjg", "wijkteam", "cjg"],
        "start_date": d(["2020-01-01", "2020-02-01", "2020-04-01", "2020-02-01", "2020-01-15"]),
        "end_date": d(["2020-03-01", "2020-04-01", "2020-05-01", None, "2020-02-01"]),
        "end_reason_bij": ["01", "02", "01", None, "01"]})
    merged, absorbed = merge_overlaps(df, ("person_id", "provider_type"), "episode_id")
    assert absorbed == 1                                   # a+b overlap; c only touches b: kept apart
    row = merged.set_index("episode_id").loc["a"]
    assert row["end_date"] == pd.Timestamp("2020-04-01") and row["end_reason_bij"] == "02"
    assert row["merged_from"] == "a;b"
    assert sorted(merged["episode_id"]) == ["a", "c", "d", "e"]


def test_open_episode_absorbs_later_ones():
    d = pd.to_datetime
    df = pd.DataFrame({"episode_id": ["a", "b"], "person_id": ["p", "p"], "provider_type": ["cjg", "cjg"],
                       "start_date": d(["2020-01-01", "2021-01-01"]), "end_date": d([None, "2021-06-01"]),
                       "end_reason_bij": [None, "01"]})
    merged, absorbed = merge_overlaps(df, ("person_id", "provider_type"), "episode_id")
    assert absorbed == 1 and merged["end_date"].isna().all()


# ----------------------------------------------------------------------------- loud, not lost


def _with_setting(tmp_path, settings, funding=None):
    heads = {"screenings": ["screening_id", "person_id", "screening_date", "instrument", "sdq_total", "setting"],
             "specialist_episodes": ["episode_id", "person_id", "provider_agb", "bij_hulpvorm", "start_date",
                                     "end_date", "end_reason_bij", "funding"]}
    return write_delivery(tmp_path / "0037", {
        "persons": [[pid(i), "2010-03-01", "M"] for i in range(1, 5)],
        "residence_periods": [[pid(i), "0037", "2010-03-01", ""] for i in range(1, 5)],
        "screenings": [[f"S{i}", pid(i), "2015-09-01", "sdq_parent", "15", s] for i, s in enumerate(settings, 1)],
        "specialist_episodes": [[f"J{i}", pid(i), "12345678", "02", "2017-01-01", "", "", f]
                                for i, f in enumerate(funding or [], 1)],
    }, headers=heads)


def test_an_unknown_code_in_an_optional_column_empties_the_cell_and_keeps_the_row(tmp_path):
    res = validate_delivery(_with_setting(tmp_path, ["Groep 2", "groep2", "Groep 2", "GROEP7"]))
    scr = res.tables["screenings"]
    assert scr.rows_in == scr.accepted_rows == 4 and len(scr.rejected) == 0       # no row lost
    # "groep2" and "GROEP7" are codes of the format whatever their case; "Groep 2" is not
    assert scr.accepted["setting"].isna().tolist() == [True, False, True, False]
    assert scr.accepted["setting"].dropna().tolist() == ["groep2", "groep7"]
    assert scr.quality()["emptied_unknown_codes"] == {"setting": {"Groep 2": 2}}


def test_codes_match_whatever_their_case(tmp_path):
    res = validate_delivery(_with_setting(tmp_path, ["groep2"] * 4, funding=["ZIN", "Zin", " pgb ", "PGB"]))
    spec = res.tables["specialist_episodes"]
    assert len(spec.rejected) == 0 and spec.accepted["funding"].tolist() == ["zin", "zin", "pgb", "pgb"]


def test_recodes_match_whatever_their_case_and_blanks(tmp_path):
    folder = _with_setting(tmp_path, ["Groep 2", "GROEP 2 ", "groep 7", "Voortgezet"])
    (folder / "mapping.yml").write_text(
        "tables:\n  screenings:\n    recode:\n      setting: {'groep 2': groep2, 'Groep 7': groep7, voortgezet: voortgezet_onderwijs}\n",
        encoding="utf-8")
    scr = validate_delivery(folder).tables["screenings"]
    assert scr.accepted["setting"].tolist() == ["groep2", "groep2", "groep7", "voortgezet_onderwijs"]
    assert scr.quality()["emptied_unknown_codes"] == {}


def test_an_unknown_code_in_a_required_column_rejects_the_row_and_validate_lists_the_values(tmp_path, capsys):
    from analysis.cli import main
    folder = _with_setting(tmp_path, ["groep2"] * 4)
    scr = pd.read_csv(folder / "screenings.csv", dtype=str)
    scr["instrument"] = ["SDQ ouder", "SDQ ouder", "sdq_parent", "Ouder-SDQ"]
    scr.to_csv(folder / "screenings.csv", index=False)
    assert main(["validate", str(folder), "--processed", str(tmp_path / "processed")]) == 1
    out = capsys.readouterr()
    assert "screenings.instrument: unknown codes" in out.out and "'SDQ ouder' ×2, 'Ouder-SDQ' ×1" in out.out
    assert "screenings: 3 of 4 rows rejected (75% > 5%" in out.err
    q = json.loads((tmp_path / "processed" / "0037" / "quality.json").read_text())
    assert q["tables"]["screenings"]["rejected_unknown_codes"] == {"instrument": {"Ouder-SDQ": 1, "SDQ ouder": 2}}


def test_essential_losses_name_the_table_and_the_threshold():
    from analysis.registry.validate import essential_losses
    q = {"tables": {"persons": {"rows_in": 100, "rejected": 5, "accepted": 95, "rejected_by_rule": {"x": 5}},
                    "screenings": {"rows_in": 100, "rejected": 6, "accepted": 94, "rejected_by_rule": {"unknown_code": 6}},
                    "specialist_episodes": {"rows_in": 0, "rejected": 0, "accepted": 0, "rejected_by_rule": {}},
                    "light_support_episodes": {"rows_in": 10, "rejected": 10, "accepted": 0, "rejected_by_rule": {}}}}
    losses = essential_losses(q, 0.05)
    assert losses == ["screenings: 6 of 100 rows rejected (6% > 5%: unknown_code 6)",
                      "specialist_episodes: no rows in the delivery"]     # light support is not essential
    assert essential_losses(q, 0.10) == ["specialist_episodes: no rows in the delivery"]


def test_a_zero_byte_file_is_named_not_a_traceback(tiny, capsys):
    from analysis.cli import main
    (tiny / "protection_measures.csv").write_bytes(b"")
    with pytest.raises(RegistryError, match="empty") as err:
        validate_delivery(tiny)
    assert err.value.file.endswith("protection_measures.csv")
    assert main(["validate", str(tiny), "--processed", str(tiny.parent / "p")]) == 2
    assert "protection_measures.csv" in capsys.readouterr().err


def test_a_file_cut_off_mid_row_is_refused_with_the_row(tiny):
    text = (tiny / "persons.csv").read_text()
    (tiny / "persons.csv").write_text(text.rstrip("\n")[:-14])     # the last row loses its date and sex
    with pytest.raises(RegistryError, match="cut off") as err:
        validate_delivery(tiny)
    assert err.value.file.endswith("persons.csv") and err.value.row == 4


def test_a_workbook_with_data_on_two_sheets_is_never_read_half(tiny):
    scr = pd.read_csv(tiny / "screenings.csv", dtype=str)
    (tiny / "screenings.csv").unlink()
    with pd.ExcelWriter(tiny / "screenings.xlsx") as xw:
        scr.iloc[:1].to_excel(xw, sheet_name="2015", index=False)
        scr.iloc[1:].to_excel(xw, sheet_name="2017", index=False)
    with pytest.raises(RegistryError, match="2 sheets") as err:
        validate_delivery(tiny)
    assert "2015, 2017" in str(err.value) and "sheet" in str(err.value)
    (tiny / "mapping.yml").write_text("tables:\n  screenings:\n    sheet: '2017'\n", encoding="utf-8")
    res = validate_delivery(tiny)
    assert res.tables["screenings"].rows_in == 1
    assert res.quality()["tables"]["screenings"]["source"]["ignored_sheets"] == ["2015"]
    (tiny / "mapping.yml").write_text("tables:\n  screenings:\n    sheet: Blad1\n", encoding="utf-8")
    with pytest.raises(RegistryError, match=r"no sheet 'Blad1'; its sheets are \['2015', '2017'\]"):
        validate_delivery(tiny)
