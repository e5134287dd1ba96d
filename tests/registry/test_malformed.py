"""A corpus of malformed deliveries: each ends in every row accounted for (input = accepted +
rejected, counted from the file itself) or in a clear exit 2 that names the file."""
from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.cli import main
from analysis.registry.bsn import make_bsn
from analysis.registry.readers import decode

from conftest import pid, write_delivery

BSN = make_bsn(np.random.default_rng(5), 2)


def _edit(name, fn):
    def go(d: Path):
        f = d / f"{name}.csv"
        f.write_text(fn(f.read_text(encoding="utf-8")), encoding="utf-8")
    return go


def _bytes(name, data: bytes):
    return lambda d: (d / f"{name}.csv").write_bytes(data)


def _add_col(name, col, values):
    def go(d: Path):
        df = pd.read_csv(d / f"{name}.csv", dtype=str, keep_default_na=False)
        df[col] = values[: len(df)] + [""] * (len(df) - len(values))
        df.to_csv(d / f"{name}.csv", index=False)
    return go


def _to_excel(name, sheets=1):
    def go(d: Path):
        df = pd.read_csv(d / f"{name}.csv", dtype=str, keep_default_na=False)
        (d / f"{name}.csv").unlink()
        with pd.ExcelWriter(d / f"{name}.xlsx") as xw:
            for i in range(sheets):
                df.iloc[i::sheets].to_excel(xw, sheet_name=f"Blad{i + 1}", index=False)
    return go


def _to_parquet(name):
    def go(d: Path):
        df = pd.read_csv(d / f"{name}.csv", dtype=str, keep_default_na=False)
        (d / f"{name}.csv").unlink()
        df.to_parquet(d / f"{name}.parquet")
    return go


def _reencode(name, enc):
    return lambda d: (d / f"{name}.csv").write_bytes((d / f"{name}.csv").read_text(encoding="utf-8").encode(enc))


CASES = {
    "zero_byte_persons": _bytes("persons", b""),
    "zero_byte_protection": _bytes("protection_measures", b""),
    "header_only_screenings": _edit("screenings", lambda t: t.splitlines()[0] + "\n"),
    "cut_off_mid_row": _edit("persons", lambda t: t.rstrip("\n")[:-12]),
    "impossible_date": _edit("residence_periods", lambda t: t.replace("2020-06-30", "2020-02-31")),
    "zero_date": _edit("persons", lambda t: t.replace("2012-07-15", "0000-00-00")),
    "open_end_9999": _edit("residence_periods", lambda t: t.replace("2020-06-30", "9999-12-31")),
    "unknown_sex": _edit("persons", lambda t: t.replace(",M\n", ",X\n")),
    "unknown_optional_code": _add_col("screenings", "setting", ["Groep 2", "groep7"]),
    "code_in_capitals": _add_col("specialist_episodes", "funding", ["ZIN", "Pgb"]),
    "bsn_as_identifier": _edit("persons", lambda t: t.replace(pid(1), BSN[0])),
    "bsn_in_a_text_column": _edit("screenings", lambda t: t.replace("S2,", f"{BSN[1]},")),
    "duplicate_row": _edit("persons", lambda t: t + t.splitlines()[1] + "\n"),
    "blank_lines_inside": _edit("persons", lambda t: t.replace("\n", "\n\n", 2)),
    "semicolons": _edit("residence_periods", lambda t: t.replace(",", ";")),
    "tabs": _edit("screenings", lambda t: t.replace(",", "\t")),
    "windows_1252": lambda d: (d / "persons.csv").write_bytes(
        (d / "persons.csv").read_text().replace(",M\n", ",M\n").encode("cp1252")),
    "utf16": _reencode("persons", "utf-16"),
    "utf8_bom": _reencode("persons", "utf-8-sig"),
    "missing_required_column": _edit("persons", lambda t: "\n".join(",".join(r.split(",")[:2]) for r in t.splitlines()) + "\n"),
    "extra_column": _add_col("persons", "opmerking", ["ok", "prima"]),
    "crlf": _edit("specialist_episodes", lambda t: t.replace("\n", "\r\n")),
    "quoted_newline": _add_col("light_support_episodes", "provider_name", ["Wijkteam\nNoord", "CJG, Zuid"]),
    "too_many_fields": _edit("persons", lambda t: t.replace(",M\n", ",M,extra,more\n", 1)),
    "blanks_around_codes": _edit("specialist_episodes", lambda t: t.replace(",02,", ", 02 ,")),
    "dropped_leading_zero": _edit("residence_periods", lambda t: t.replace(",0037,", ",37,")),
    "not_a_number": _edit("screenings", lambda t: t.replace(",15\n", ",vijf\n")),
    "out_of_range": _edit("screenings", lambda t: t.replace(",15\n", ",41\n")),
    "after_extract": _edit("screenings", lambda t: t.replace("2017-10-01", "2026-10-01")),
    "end_before_start": _edit("light_support_episodes", lambda t: t.replace("2016-03-01", "2014-03-01")),
    "xlsx_one_sheet": _to_excel("screenings"),
    "xlsx_two_sheets": _to_excel("screenings", sheets=2),
    "parquet": _to_parquet("specialist_episodes"),
    "no_delivery_yml": lambda d: (d / "delivery.yml").unlink(),
    "code_as_number": lambda d: (d / "delivery.yml").write_text(
        (d / "delivery.yml").read_text().replace("'0037'", "37").replace('"0037"', "37")),
    "whole_column_other_date_format": _edit("persons", lambda t: t.replace("2010-03-01", "01-03-2010")
                                            .replace("2012-07-15", "15-07-2012").replace("2008-01-20", "20-01-2008")),
    "only_spaces": _bytes("protection_measures", b"   \n  \n"),
    "separator_at_every_line_end": _edit("persons", lambda t: "\n".join(
        r + "," if i else r for i, r in enumerate(t.splitlines())) + "\n"),
}


def _data_rows(path: Path) -> int | None:
    """Rows in the file as a person would count them (header excluded; blank lines count)."""
    if path.suffix == ".csv":
        text, _ = decode(path.read_bytes(), str(path))
        head = text.split("\n", 1)[0]
        sep = max((",", ";", "\t"), key=head.count)
        return len(list(csv.reader(io.StringIO(text, newline=""), delimiter=sep))) - 1
    if path.suffix == ".parquet":
        return len(pd.read_parquet(path))
    return None


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_row_accounted_for_or_a_clear_refusal(case, tiny, tmp_path, capsys):
    CASES[case](tiny)
    processed = tmp_path / "processed"
    code = main(["validate", str(tiny), "--processed", str(processed)])
    err = capsys.readouterr().err
    assert code in (0, 1, 2)
    if code == 2:
        assert "Traceback" not in err
        assert str(tiny) in err or any(p.name in err for p in tiny.iterdir()), err
        assert not (processed / "0037" / "quality.json").exists()
        return
    q = json.loads((processed / "0037" / "quality.json").read_text())
    for name, t in q["tables"].items():
        assert t["rows_in"] == t["accepted"] + t["rejected"], (case, name, t)
        if t["file"]:
            n = _data_rows(tiny / t["file"])
            if n is not None:
                assert t["rows_in"] == n, (case, name, t["rows_in"], n)
    assert q["rows_in"] == q["accepted"] + q["rejected"]


def test_the_corpus_is_large_and_both_outcomes_occur(tiny, tmp_path, capsys):
    assert len(CASES) >= 30
    codes = {}
    for case in ("utf16", "unknown_sex", "open_end_9999", "too_many_fields", "separator_at_every_line_end",
                 "impossible_date", "header_only_screenings"):
        d = tmp_path / case / "0037"
        shutil.copytree(tiny, d)
        CASES[case](d)
        codes[case] = main(["validate", str(d), "--processed", str(tmp_path / case / "p")])
    assert codes == {"utf16": 2, "unknown_sex": 1, "open_end_9999": 0, "too_many_fields": 2,
                     "separator_at_every_line_end": 2, "impossible_date": 1,   # never shifted into other columns
                     "header_only_screenings": 1}                               # an essential table without rows
