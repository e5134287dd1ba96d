"""BSNs are replaced by keyed HMAC-SHA-256 pseudonyms, consistently across the tables of a delivery."""
import hashlib
import hmac

import numpy as np
import pandas as pd
import pytest

from analysis.errors import RegistryError
from analysis.registry.bsn import make_bsn
from analysis.registry.pseudonymise import load_key, pseudonymise_folder
from analysis.registry.validate import validate_delivery

from conftest import write_delivery

KEY = b"gemeente-geheim-0123456789abcdef"


@pytest.fixture
def with_bsns(tmp_path):
    b = make_bsn(np.random.default_rng(3), 2)
    folder = write_delivery(tmp_path / "in", {
        "persons": [[b[0], "2010-03-01", "M"], [b[1], "2012-07-15", "V"]],
        "residence_periods": [[b[0], "0037", "2010-03-01", ""], [b[1], "0037", "2012-07-15", ""]],
        "specialist_episodes": [["J1", b[1], "12345678", "02", "2017-01-01", "2017-12-31", "01"]],
    })
    return folder, b


def test_pseudonyms_are_keyed_hmacs_consistent_across_tables(with_bsns, tmp_path):
    folder, bsn = with_bsns
    out = tmp_path / "out"
    report = {f.file: f.columns for f in pseudonymise_folder(folder, out, KEY)}
    assert report["persons.csv"] == {"person_id": 2} and report["specialist_episodes.csv"] == {"person_id": 1}
    expected = hmac.new(KEY, bsn[1].encode(), hashlib.sha256).hexdigest()
    persons = pd.read_csv(out / "persons.csv", dtype=str)
    spec = pd.read_csv(out / "specialist_episodes.csv", dtype=str)
    assert persons["person_id"].tolist()[1] == expected == spec["person_id"].tolist()[0]
    for f in out.iterdir():
        text = f.read_bytes()
        assert KEY not in text and all(b.encode() not in text for b in bsn)
    res = validate_delivery(out)                 # the pseudonymised delivery validates clean
    assert res.n_rejected == 0 and len(res.tables["persons"].accepted) == 2


def test_another_key_gives_other_pseudonyms(with_bsns, tmp_path):
    folder, _ = with_bsns
    pseudonymise_folder(folder, tmp_path / "a", KEY)
    pseudonymise_folder(folder, tmp_path / "b", KEY[::-1])
    a = pd.read_csv(tmp_path / "a" / "persons.csv", dtype=str)["person_id"]
    b = pd.read_csv(tmp_path / "b" / "persons.csv", dtype=str)["person_id"]
    assert not (a == b).any()


def test_key_must_be_given_and_long_enough(tmp_path, monkeypatch):
    monkeypatch.delenv("WORKBENCH_PSEUDONYM_KEY", raising=False)
    with pytest.raises(RegistryError, match="key"):
        load_key()
    (tmp_path / "k").write_text("short\n")
    with pytest.raises(RegistryError, match="16 bytes"):
        load_key(tmp_path / "k")
    monkeypatch.setenv("WORKBENCH_PSEUDONYM_KEY", KEY.decode())
    assert load_key() == KEY


# ----------------------------------------------------------------------------- a BIJ-style export


def _passing_8_digit(rng, n, make):
    """Values of 8 digits that pass the elfproef once padded to 9: what the old pseudonymiser took for BSNs."""
    from analysis.registry.bsn import looks_like_bsn
    out = []
    while len(out) < n:
        v = make(rng)
        if looks_like_bsn(pd.Series([v])).iloc[0] and v not in out:
            out.append(v)
    return out


@pytest.fixture
def bij_export(tmp_path):
    """A municipality-style export with BSNs: semicolon CSV in Windows-1252, jjjjmmdd dates and
    AGB codes that pass the elfproef when padded, an XLSX with numeric BSN cells, a tab file."""
    from test_mapping import MAPPING
    rng = np.random.default_rng(7)
    bsn = make_bsn(rng, 4)
    dates = _passing_8_digit(rng, 4, lambda r: f"{r.integers(2006, 2013)}{r.integers(1, 13):02d}{r.integers(1, 29):02d}")
    agb = _passing_8_digit(rng, 2, lambda r: f"{r.integers(10_000_000, 99_999_999)}")
    d = tmp_path / "export"
    d.mkdir()
    (d / "mapping.yml").write_text(MAPPING, encoding="utf-8")
    persons = "Cliëntnummer;Geboortedatum;Geslacht;Gezinsvorm\r\n" + "".join(
        f"{b};{dt};{s};{h}\r\n" for b, dt, s, h in zip(bsn, dates, "1221", ["tweeoudergezin", "éénoudergezin", "", "tweeoudergezin"]))
    (d / "Cliënten export.csv").write_bytes(persons.encode("cp1252"))
    (d / "BRP.csv").write_bytes(("Cliëntnummer;Gemeente;Datum vestiging;Datum vertrek\n"
                                 f"{bsn[0]};37;01-03-2013;\n{bsn[1]};0037;15-07-2013;30-06-2020\n"
                                 f"{bsn[2]};0037;20-01-2013;\n").encode("cp1252"))
    with pd.ExcelWriter(d / "JGZ.xlsx") as xw:
        pd.DataFrame({"Nr": ["S1", "S2"], "Cliëntnummer": [int(bsn[0]), int(bsn[1])],
                      "Datum": ["01-09-2015", "01-10-2017"], "SDQ totaal": [15, 6]}).to_excel(xw, sheet_name="SDQ", index=False)
    pd.DataFrame({"traject": ["W1", "W2"], "client": [bsn[0], bsn[2]],
                  "begin": pd.to_datetime(["2015-10-01", "2016-01-01"]),
                  "eind": pd.to_datetime(["2016-03-01", None])}).to_parquet(d / "wijkteam.parquet")
    (d / "BIJ jeugdhulp.csv").write_bytes(("Trajectnr\tBSN_pseudo\tAGB\tHulpvorm\tDatum aanvang\tDatum einde\tReden beeindiging\n"
                                           f"J1\t{bsn[0]}\t{agb[0]}\t2\t01-01-2017\t31-12-2017\t1\n"
                                           f"J2\t{bsn[2]}\t{agb[1]}\t11\t01-05-2018\t\t\n").encode("utf-8"))
    return d, bsn, dates, agb


def _fields(data: bytes, sep: bytes) -> list[list[bytes]]:
    return [line.split(sep) for line in data.split(b"\n")]


def test_a_bij_export_changes_in_its_identifier_columns_only(bij_export, tmp_path, capsys):
    from analysis.cli import main
    from analysis.registry.pseudonymise import pseudonym
    src, bsn, dates, agb = bij_export
    out = tmp_path / "out"
    (tmp_path / "key").write_bytes(KEY + b"\n")
    assert main(["pseudonymise", str(src), str(out), "--key-file", str(tmp_path / "key")]) == 0
    said = capsys.readouterr().out
    assert "Geboortedatum" not in said and "AGB" not in said and "Aanmelddatum" not in said
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in src.iterdir())   # XLSX stays XLSX
    assert (out / "mapping.yml").read_bytes() == (src / "mapping.yml").read_bytes()
    for name, sep, col in (("Cliënten export.csv", b";", 0), ("BRP.csv", b";", 0), ("BIJ jeugdhulp.csv", b"\t", 1)):
        before, after = _fields((src / name).read_bytes(), sep), _fields((out / name).read_bytes(), sep)
        assert len(before) == len(after)
        for i, (a, b) in enumerate(zip(before, after)):
            assert a[:col] + a[col + 1:] == b[:col] + b[col + 1:], (name, i)     # every other byte, \r included
            if i and len(a) > 1:
                assert b[col].decode() == pseudonym(KEY, a[col].decode()) != a[col].decode()
    text = b"".join(p.read_bytes() for p in out.iterdir() if p.suffix == ".csv")
    assert all(d.encode() in text for d in dates) and all(a.encode() in text for a in agb)
    assert not any(b.encode() in text for b in bsn)
    jgz_in = pd.read_excel(src / "JGZ.xlsx", sheet_name="SDQ", dtype=str)
    jgz_out = pd.read_excel(out / "JGZ.xlsx", sheet_name="SDQ", dtype=str)
    assert jgz_out.drop(columns="Cliëntnummer").equals(jgz_in.drop(columns="Cliëntnummer"))
    assert jgz_out["Cliëntnummer"].tolist() == [pseudonym(KEY, v) for v in jgz_in["Cliëntnummer"]]
    w_in, w_out = pd.read_parquet(src / "wijkteam.parquet"), pd.read_parquet(out / "wijkteam.parquet")
    assert w_out.drop(columns="client").equals(w_in.drop(columns="client"))
    # the pseudonymised export validates through its unchanged mapping, linked across tables
    res = validate_delivery(out)
    assert res.tables["persons"].accepted_rows == 4 and res.n_rejected == 0
    assert set(res.tables["specialist_episodes"].accepted["person_id"]) <= set(res.tables["persons"].accepted["person_id"])
    assert res.tables["specialist_episodes"].accepted["provider_agb"].tolist() == agb


def test_a_bsn_outside_the_identifier_columns_is_reported_and_nothing_written(bij_export, tmp_path):
    from analysis.errors import BSNFoundError
    src, bsn, _, _ = bij_export
    text = (src / "BRP.csv").read_bytes().decode("cp1252").replace("01-03-2013;", f"01-03-2013;{bsn[3]}")
    (src / "BRP.csv").write_bytes(text.encode("cp1252"))
    out = tmp_path / "out"
    with pytest.raises(BSNFoundError) as err:
        pseudonymise_folder(src, out, KEY)
    assert "BRP.csv, row 2, column 'Datum vertrek'" in str(err.value)
    assert not out.exists() or not any(out.iterdir())


def test_an_identifier_column_that_holds_pseudonyms_already_is_refused(bij_export, tmp_path):
    src, _, _, _ = bij_export
    pseudonymise_folder(src, tmp_path / "once", KEY)
    with pytest.raises(RegistryError, match="pseudonymised before"):
        pseudonymise_folder(tmp_path / "once", tmp_path / "twice", KEY)


def test_a_table_file_without_identifiers_is_copied_as_it_is(bij_export, tmp_path):
    src, _, _, _ = bij_export
    (src / "codelijst.csv").write_bytes("code;omschrijving\r\n02;ambulant\r\n11;verblijf\r\n".encode("cp1252"))
    pseudonymise_folder(src, tmp_path / "out", KEY)
    assert (tmp_path / "out" / "codelijst.csv").read_bytes() == (src / "codelijst.csv").read_bytes()
