"""``workbench import-ijw`` on a small archive: episodes in the uniform format, pseudonymised, every
message accounted for, the rule-breaking ones named with file and element."""
from __future__ import annotations

import json

import pandas as pd

from analysis.cli import main
from analysis.registry.pseudonymise import pseudonym

from test_ijw_parse import START, message

STOP = ("<jw307:StopProduct><jw307:ToewijzingNummer>4711</jw307:ToewijzingNummer>"
        "<jw307:Product><ijw:Categorie>45</ijw:Categorie><ijw:Code>45A01</ijw:Code></jw307:Product>"
        "<jw307:Begindatum>2021-02-15</jw307:Begindatum><jw307:RedenBeeindiging>31</jw307:RedenBeeindiging>"
        "<jw307:Einddatum>2021-06-30</jw307:Einddatum><jw307:StatusAanlevering>1</jw307:StatusAanlevering></jw307:StopProduct>")


def test_import_ijw_writes_pseudonymised_episodes_and_an_account_that_balances(tmp_path, capsys):
    arch = tmp_path / "archief"
    arch.mkdir()
    start = message("jw305", "438", START.format(status="1"))
    (arch / "start.xml").write_bytes(start)
    (arch / "start_again.xml").write_bytes(start.replace(b"M0001", b"M0002"))      # delivered twice
    (arch / "stop.xml").write_bytes(message("jw307", "440", STOP).replace(b"2021-03-01", b"2021-07-02"))
    (arch / "broken.xml").write_bytes(start[:-50])
    key_file = tmp_path / "key.txt"
    key_file.write_text("0123456789abcdef0123456789abcdef")
    out = tmp_path / "0037"
    assert main(["import-ijw", str(arch), "--out", str(out), "--key-file", str(key_file)]) == 1
    err = capsys.readouterr().err
    assert "broken.xml" in err and "duplicate_delivery" in err and "StartProduct[1]" in err
    ep = pd.read_csv(out / "specialist_episodes.csv", dtype=str, keep_default_na=False)
    key = key_file.read_bytes()
    assert ep[["person_id", "provider_agb", "bij_hulpvorm", "start_date", "end_date", "end_reason_bij", "end_reason_ijw"]] \
        .values.tolist() == [[pseudonym(key, "123456782"), "12345678", "02", "2021-02-15", "2021-06-30", "01", "31"]]
    report = json.loads((out / "import_report.json").read_text())
    assert report["input_equals_used_deleted_rejected"]
    assert {(m["kind"], m["read"], m["used"], m["rejected"]) for m in report["messages"]} == {("JW305", 2, 1, 1), ("JW307", 1, 1, 0)}
    assert [f["file"] for f in report["rejected_files"]] == ["broken.xml"]
    for f in out.iterdir():               # no BSN anywhere in what was written
        assert "123456782" not in f.read_text()
