"""A municipality's own export (semicolons, Windows-1252, Dutch names, dd-mm-jjjj, XLSX, Parquet)
is mapped onto the uniform format through mapping.yml and validated."""
import textwrap

import pandas as pd
import pytest

from analysis.errors import RegistryError
from analysis.registry.validate import validate_delivery

from conftest import pid

MAPPING = textwrap.dedent("""\
    delivery:
      municipality_code: "0037"
      municipality_name: Stadskanaal
      extract_date: 2024-12-31
      registry_start: 2015-01-01
    tables:
      persons:
        file: Cliënten export.csv
        columns: {Cliëntnummer: person_id, Geboortedatum: birth_date, Geslacht: sex, Gezinsvorm: household_type}
        recode:
          sex: {"1": M, "2": V, "0": O}
          household_type: {éénoudergezin: one_parent, tweeoudergezin: two_parent}
        dates: {birth_date: jjjjmmdd}
      residence_periods:
        file: BRP.csv
        columns: {Cliëntnummer: person_id, Gemeente: municipality_code, "Datum vestiging": start_date,
                  "Datum vertrek": end_date}
        date_format: dd-mm-jjjj
      screenings:
        file: JGZ.xlsx
        sheet: SDQ
        columns: {Nr: screening_id, Cliëntnummer: person_id, Datum: screening_date, "SDQ totaal": sdq_total}
        constants: {instrument: sdq_parent}
        date_format: dd-mm-jjjj
      light_support_episodes:
        file: wijkteam.parquet
        columns: {traject: episode_id, client: person_id, begin: start_date, eind: end_date}
        constants: {provider_type: wijkteam}
      specialist_episodes:
        file: BIJ jeugdhulp.csv
        columns: {Trajectnr: episode_id, BSN_pseudo: person_id, AGB: provider_agb, Hulpvorm: bij_hulpvorm,
                  "Datum aanvang": start_date, "Datum einde": end_date, "Reden beeindiging": end_reason_bij}
        date_format: dd-mm-jjjj
    """)


@pytest.fixture
def export(tmp_path):
    d = tmp_path / "stadskanaal"
    d.mkdir()
    (d / "mapping.yml").write_text(MAPPING, encoding="utf-8")
    persons = ("Cliëntnummer;Geboortedatum;Geslacht;Gezinsvorm\n"
               f"{pid(1)};20100301;1;tweeoudergezin\n{pid(2)};20120700;2;éénoudergezin\n"
               f"{pid(3)};20080000;2;\n{pid(4)};20090512;3;tweeoudergezin\n")
    (d / "Cliënten export.csv").write_bytes(persons.encode("cp1252"))
    (d / "BRP.csv").write_bytes(("Cliëntnummer;Gemeente;Datum vestiging;Datum vertrek\n"
                                 f"{pid(1)};37;01-03-2010;\n{pid(2)};0037;15-07-2012;30-06-2020\n"
                                 f"{pid(3)};0037;20-01-2008;\n").encode("cp1252"))
    with pd.ExcelWriter(d / "JGZ.xlsx") as xw:
        pd.DataFrame({"Nr": ["S1", "S2"], "Cliëntnummer": [pid(1), pid(2)],
                      "Datum": ["01-09-2015", "01-10-2017"], "SDQ totaal": [15, 6]}).to_excel(xw, sheet_name="SDQ", index=False)
    pd.DataFrame({"traject": ["W1", "W2"], "client": [pid(1), pid(3)],
                  "begin": pd.to_datetime(["2015-10-01", "2016-01-01"]),
                  "eind": pd.to_datetime(["2016-03-01", None])}).to_parquet(d / "wijkteam.parquet")
    (d / "BIJ jeugdhulp.csv").write_bytes(("Trajectnr\tBSN_pseudo\tAGB\tHulpvorm\tDatum aanvang\tDatum einde\tReden beeindiging\n"
                                           f"J1\t{pid(1)}\t12345678\t2\t01-01-2017\t31-12-2017\t1\n"
                                           f"J2\t{pid(3)}\t12345678\t11\t01-05-2018\t\t\n").encode("utf-8"))
    return d


def test_export_is_mapped_and_validated(export):
    res = validate_delivery(export)
    assert res.code == "0037"
    persons = res.tables["persons"]
    assert persons.rows_in == 4 and persons.accepted_rows == 3
    assert persons.rejected["rule"].tolist() == ["unknown_code"]           # Geslacht 3
    assert persons.rejected["column"].tolist() == ["Geslacht (sex)"]        # named as in their file
    assert persons.rejected["row"].tolist() == [5]
    acc = persons.accepted.set_index("person_id")
    assert acc.loc[pid(2), "sex"] == "V" and acc.loc[pid(2), "household_type"] == "one_parent"
    # BIJ partial birth dates: day unknown → 15th, month unknown → 1 July
    assert acc.loc[pid(2), "birth_date"] == pd.Timestamp("2012-07-15")
    assert acc.loc[pid(2), "birth_date_precision"] == "month"
    assert acc.loc[pid(3), "birth_date"] == pd.Timestamp("2008-07-01")
    assert acc.loc[pid(3), "birth_date_precision"] == "year"
    res_p = res.tables["residence_periods"]
    assert {k: res_p.source[k] for k in ("format", "encoding", "separator")} == \
        {"format": "csv", "encoding": "windows-1252", "separator": "semicolon"}
    assert len(res_p.source["sha256"]) == 64
    assert res_p.accepted["municipality_code"].tolist() == ["0037", "0037", "0037"]
    assert res_p.accepted["end_date"].tolist()[1] == pd.Timestamp("2020-06-30")
    scr = res.tables["screenings"]
    assert scr.source["format"] == "xlsx" and scr.accepted["sdq_total"].tolist() == [15, 6]
    light = res.tables["light_support_episodes"]
    assert light.source["format"] == "parquet" and light.accepted["provider_type"].unique().tolist() == ["wijkteam"]
    spec = res.tables["specialist_episodes"]
    assert spec.source["separator"] == "tab"
    assert spec.accepted["bij_hulpvorm"].tolist() == ["02", "11"] and spec.accepted["end_reason_bij"].tolist()[0] == "01"
    assert res.n_rejected == 1


def test_wrong_date_format_names_their_column(export):
    text = (export / "BRP.csv").read_bytes().decode("cp1252")
    for a, b in (("01-03-2010", "2010-03-01"), ("15-07-2012", "2012-07-15"), ("20-01-2008", "2008-01-20")):
        text = text.replace(a, b)
    (export / "BRP.csv").write_bytes(text.encode("cp1252"))
    with pytest.raises(RegistryError) as err:
        validate_delivery(export)
    assert err.value.file == "BRP.csv" and err.value.row == 2 and err.value.column == "Datum vestiging (start_date)"
    assert "3 of 3 values" in str(err.value) and "date_format" in str(err.value)
    # the message says what the values look like: here the default, so date_format must go
    assert "look like jjjj-mm-dd" in str(err.value) and "remove date_format: dd-mm-jjjj" in str(err.value)


def test_a_date_column_in_another_format_is_named_with_the_format_it_looks_like(export):
    text = (export / "BRP.csv").read_bytes().decode("cp1252")
    for a, b in (("01-03-2010", "20100301"), ("15-07-2012", "20120715"), ("20-01-2008", "20080120")):
        text = text.replace(a, b)
    (export / "BRP.csv").write_bytes(text.encode("cp1252"))
    with pytest.raises(RegistryError, match="look like jjjjmmdd: set date_format: jjjjmmdd"):
        validate_delivery(export)


def test_guess_date_format():
    from analysis.registry.mapping import guess_date_format
    s = lambda *v: pd.Series(list(v))  # noqa: E731
    assert guess_date_format(s("2010-03-01", "2012-07-15", "")) == "jjjj-mm-dd"
    assert guess_date_format(s("01-03-2010", "15-07-2012")) == "dd-mm-jjjj"
    assert guess_date_format(s("01/03/2010", "15/07/2012")) == "dd/mm/jjjj"
    assert guess_date_format(s("03/01/2010", "07/15/2012")) == "mm/dd/jjjj"   # 15 cannot be a month
    assert guess_date_format(s("20100301", "20120715")) == "jjjjmmdd"
    assert guess_date_format(s("maandag", "dinsdag")) is None and guess_date_format(s("", "")) is None


def test_one_impossible_date_rejects_its_row_and_an_open_end_means_no_end(export):
    text = (export / "BRP.csv").read_bytes().decode("cp1252").replace("15-07-2012;30-06-2020", "31-02-2012;31-12-9999")
    text = text.replace("20-01-2008;", "20-01-2008;31-12-9999")
    (export / "BRP.csv").write_bytes(text.encode("cp1252"))
    res = validate_delivery(export).tables["residence_periods"]
    assert res.rows_in == 3 and res.accepted_rows == 2
    assert res.rejected["rule"].tolist() == ["bad_date"] and res.rejected["row"].tolist() == [3]
    assert res.accepted["end_date"].isna().all()           # 9999-12-31: still living there


def test_missing_mapped_file(export):
    (export / "JGZ.xlsx").unlink()
    with pytest.raises(RegistryError, match="JGZ.xlsx"):
        validate_delivery(export)


def test_the_provenance_lists_the_applied_mapping_without_file_or_sheet_names(export):
    from analysis.report import disclosure as dc
    from analysis.report.publish import mapping_html
    from analysis.run.provenance import applied_mapping
    m = applied_mapping(export)
    assert m["persons"]["columns"]["Geslacht"] == "sex" and m["persons"]["recode"]["sex"] == {"1": "M", "2": "V", "0": "O"}
    assert m["persons"]["date_formats"] == {"birth_date": "jjjjmmdd"}
    assert m["residence_periods"]["date_formats"] == {"*": "dd-mm-jjjj"}
    assert m["screenings"]["constants"] == {"instrument": "sdq_parent"}
    text = str(m)
    assert "Cliënten export.csv" not in text and "JGZ.xlsx" not in text and "SDQ'" not in text   # no own names of files, sheets
    page = mapping_html(m, "nl")
    assert "Geslacht → sex" in page and "hercodering sex: 1 → M" in page and "alle datums dd-mm-jjjj" in page
    assert "personen" in page                                  # the uniform tables by their Dutch names
    assert mapping_html({}, "en") == "none: the delivery follows the uniform format"
    assert applied_mapping(export.parent / "no such folder") == {}
    html_file = export.parent / "prov.html"
    html_file.write_text(f"<html><body>{page}</body></html>", encoding="utf-8")
    assert not dc.scan_file(html_file)
