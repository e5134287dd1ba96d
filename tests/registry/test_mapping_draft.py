"""``workbench mapping draft``: a first mapping.yml for a municipality's own export — tables by
their columns, renames by Dutch and English synonyms, date formats from the values, codes from the
values — that validates once its TODOs are filled in (issue 16, part 4)."""
from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from analysis.cli import main
from analysis.registry.draft import TODO, draft_mapping, norm, q
from analysis.registry.pseudonymise import pseudonymise_folder
from analysis.registry.validate import validate_delivery

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "voorbeeldstad"
KEY = b"0123456789abcdef0123456789abcdef"


def _guide_mapping() -> str:
    spec = importlib.util.spec_from_file_location("guide", ROOT / "tests" / "registry" / "test_mapping_guide.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return "".join(c for k, a, c in mod.PARTS if k == "file" and a == "export/mapping.yml")


def _todos(node, path=()):
    """The paths of every TODO value in a parsed mapping."""
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _todos(v, (*path, str(k)))
    elif node == TODO:
        yield path


def _set(doc, path, value):
    for k in path[:-1]:
        doc = doc[k]
    doc[path[-1]] = value


def _validated(export: Path, out: Path):
    pseudonymise_folder(export, out, KEY)
    return validate_delivery(out)


def test_the_draft_of_the_guides_export_validates_once_its_todos_are_filled_in(tmp_path):
    export = tmp_path / "export"
    shutil.copytree(EXAMPLE, export)
    d = draft_mapping(export)
    doc = yaml.safe_load(d.text)
    todos = set(_todos(doc))
    # exactly what the export cannot tell: the name, the two dates, and what an empty provider type means
    assert todos == {("delivery", "municipality_name"), ("delivery", "extract_date"), ("delivery", "registry_start"),
                     ("tables", "light_support_episodes", "recode", "provider_type", "")}
    assert d.unplaced == ["Wijkteam_trajecten.xlsx (sheet Toelichting)"]
    answers = {("delivery", "municipality_name"): "Voorbeeldstad", ("delivery", "extract_date"): "2024-06-30",
               ("delivery", "registry_start"): "2018-01-01",
               ("tables", "light_support_episodes", "recode", "provider_type", ""): "wijkteam"}
    for path, value in answers.items():
        _set(doc, path, value)
    (export / "mapping.yml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    drafted = _validated(export, tmp_path / "drafted" / "9990")
    assert drafted.n_rejected == 0
    # the same tables as with the guide's checked mapping.yml (which also declares registration windows)
    (export / "mapping.yml").write_text(_guide_mapping(), encoding="utf-8")
    guide = _validated(export, tmp_path / "guide" / "9990")
    for name, t in guide.tables.items():
        pd.testing.assert_frame_equal(drafted.tables[name].accepted, t.accepted, obj=name)
    assert sum(t.accepted_rows for t in drafted.tables.values()) == 52


def test_a_todo_left_in_is_rejected_loudly(tmp_path):
    export = tmp_path / "export"
    shutil.copytree(EXAMPLE, export)
    doc = yaml.safe_load(draft_mapping(export).text)
    doc["delivery"].update(municipality_name="Voorbeeldstad", extract_date="2024-06-30", registry_start="2018-01-01")
    (export / "mapping.yml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    res = _validated(export, tmp_path / "out" / "9990")
    light = res.tables["light_support_episodes"]
    assert light.rejected["rule"].tolist() == ["unknown_code"] and light.rejected["row"].tolist() == [4]   # W-003


def test_an_english_export_its_codes_and_values_it_cannot_place(tmp_path):
    export = tmp_path / "export"
    export.mkdir()
    pd.DataFrame({"Client ID": ["a1", "a2", "a3", "a4"], "Date of birth": ["03/01/2010", "15/07/2012", "", "01/12/2011"],
                  "Gender": ["male", "Female", "x", "jongen"], "Household type": ["Single parent", "", "", ""],
                  "Notes": ["", "", "", ""]}).to_csv(export / "clients.csv", index=False)
    pd.DataFrame({"Client ID": ["a1", "a2"], "Screening date": ["2019-01-01", "2019-02-01"],
                  "Questionnaire": ["parent", "teacher"], "SDQ total score": ["12", "15"]}).to_csv(
        export / "sdq.csv", index=False)
    d = draft_mapping(export)
    doc = yaml.safe_load(d.text)
    assert d.tables == {"persons": "clients.csv", "screenings": "sdq.csv"}
    p = doc["tables"]["persons"]
    assert p["columns"] == {"Client ID": "person_id", "Date of birth": "birth_date", "Gender": "sex",
                            "Household type": "household_type"}
    assert p["date_format"] == "dd/mm/jjjj"
    assert p["recode"]["sex"] == {"male": "M", "Female": "V", "x": "O", "jongen": "M"}
    assert p["recode"]["household_type"] == {"Single parent": TODO}           # cannot tell: asks
    assert "# not mapped, so not read: Notes" in d.text
    s = doc["tables"]["screenings"]
    assert s["recode"]["instrument"] == {"parent": "sdq_parent", "teacher": "sdq_teacher"}
    assert "date_format" not in s                                            # jjjj-mm-dd is the default
    # the required tables it found no file for are named
    for t in ("residence_periods", "light_support_episodes", "specialist_episodes"):
        assert f"no file found for the required table {t}" in d.text


def test_the_draft_never_writes_a_bsn(tmp_path):
    export = tmp_path / "export"
    export.mkdir()
    pd.DataFrame({"BSN": ["999999886", "999999916"], "Geboortedatum": ["20100101", "20110101"],
                  "Geslacht": ["M", "999999953"]}).to_csv(export / "personen.csv", index=False, sep=";")
    text = draft_mapping(export).text
    assert "999999" not in text and "look like a BSN" in text


def test_the_command_writes_the_draft_and_never_overwrites_one(tmp_path, capsys):
    export = tmp_path / "export"
    shutil.copytree(EXAMPLE, export)
    assert main(["mapping", "draft", str(export)]) == 0
    assert "4 TODOs" in capsys.readouterr().out and (export / "mapping.yml").exists()
    assert main(["mapping", "draft", str(export)]) != 0
    assert "exists" in capsys.readouterr().err
    assert main(["mapping", "draft", str(export), "--out", str(tmp_path / "other.yml")]) == 0


def test_names_and_scalars():
    assert norm("AGB-code") == "agb code" and norm("Cliëntnummer") == "clientnummer" and norm(" Reden  beëindiging ") == "reden beeindiging"
    for v in ("01", "", "yes", "Groep 2", "a: b", "POH-GGZ jeugd", "x #y", "9990"):
        assert yaml.safe_load(f"k: {q(v)}")["k"] == v
