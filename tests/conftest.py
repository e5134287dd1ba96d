"""Shared fixtures: small registries built in code, and one synthetic municipality per session."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from analysis import cli
from analysis.registry.store import save
from analysis.registry.validate import validate_delivery
from analysis.synth.generate import write_municipality
from analysis.synth.params import LIGHT_PROVIDER_TYPES, Municipality, SynthParams

HEADERS = {
    "persons": ["person_id", "birth_date", "sex"],
    "residence_periods": ["person_id", "municipality_code", "start_date", "end_date"],
    "screenings": ["screening_id", "person_id", "screening_date", "instrument", "sdq_total"],
    "light_support_episodes": ["episode_id", "person_id", "provider_type", "start_date", "end_date"],
    "specialist_episodes": ["episode_id", "person_id", "provider_agb", "bij_hulpvorm", "start_date",
                            "end_date", "end_reason_bij"],
}


def write_delivery(folder: Path, tables: dict[str, list[list[str]]], *, code: str = "0037",
                   headers: dict | None = None, extract: str = "2024-12-31") -> Path:
    """A small delivery in the uniform format: rows as lists of strings, in the HEADERS' order."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "delivery.yml").write_text(yaml.safe_dump({
        "municipality_code": code, "municipality_name": "Testgemeente", "extract_date": extract,
        "registry_start": "2015-01-01", "format_version": 1}), encoding="utf-8")
    heads = {**HEADERS, **(headers or {})}
    for name, head in heads.items():
        rows = tables.get(name, [])
        pd.DataFrame(rows, columns=head, dtype=str).to_csv(folder / f"{name}.csv", index=False)
    return folder


def pid(i: int) -> str:
    return f"{i:064x}"


@pytest.fixture
def tiny(tmp_path) -> Path:
    """Three children, hand-made, every table valid."""
    return write_delivery(tmp_path / "0037", {
        "persons": [[pid(1), "2010-03-01", "M"], [pid(2), "2012-07-15", "V"], [pid(3), "2008-01-20", "V"]],
        "residence_periods": [[pid(1), "0037", "2010-03-01", ""], [pid(2), "0037", "2014-01-01", "2020-06-30"],
                              [pid(3), "0037", "2008-01-20", ""]],
        "screenings": [["S1", pid(1), "2015-09-01", "sdq_parent", "15"], ["S2", pid(2), "2017-10-01", "sdq_parent", "6"]],
        "light_support_episodes": [["L1", pid(1), "wijkteam", "2015-10-01", "2016-03-01"],
                                   ["L2", pid(3), "cjg", "2016-01-01", ""]],
        "specialist_episodes": [["J1", pid(1), "12345678", "02", "2017-01-01", "2017-12-31", "01"],
                                ["J2", pid(3), "12345678", "11", "2018-05-01", "", ""]],
    })


@pytest.fixture(scope="session")
def medium(tmp_path_factory) -> tuple[Path, Path]:
    """The medium demo municipality (6,000 children), generated and validated once per session."""
    base = tmp_path_factory.mktemp("medium")
    p = SynthParams(municipalities=(Municipality("9902", "Middenveen", 6000),))
    folder = write_municipality(base / "raw", p.municipalities[0], p)
    save(validate_delivery(folder), base / "processed")
    return folder, base / "processed"


@pytest.fixture(scope="session")
def messy(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("messy")
    p = SynthParams(seed=11, messy=True, municipalities=(Municipality("9901", "Kleinwolde", 2000),))
    return write_municipality(base / "raw", p.municipalities[0], p)


#: a municipality that registers every kind of light support from the registry's start: for the
#: tests of the pipeline (the registration design and its consequences have tests of their own);
#: with the realistic draw a 1,000-child municipality is often ``insufficient_registration``
WELL_REGISTERED = tuple(f"{t}:2015:0.9" for t in LIGHT_PROVIDER_TYPES)


def _synth(raw: Path, code: str, children: int, seed: int) -> Path:
    p = SynthParams(seed=seed, municipalities=(Municipality(code, f"Test {code}", children, WELL_REGISTERED),))
    return write_municipality(raw, p.municipalities[0], p)


@pytest.fixture(scope="session")
def region(tmp_path_factory):
    """Two small synthetic municipalities and one whose persons file lacks a required column."""
    base = tmp_path_factory.mktemp("region")
    raw = base / "raw"
    _synth(raw, "9908", 1000, 1)
    _synth(raw, "9909", 1000, 2)
    broken = _synth(raw, "9907", 300, 3)
    persons = pd.read_csv(broken / "persons.csv", dtype=str)
    persons.drop(columns=["birth_date"]).to_csv(broken / "persons.csv", index=False)
    return base


def region_cli(base: Path, *extra: str) -> int:
    return cli.main(["batch", "--data-dir", str(base / "raw"), "--processed", str(base / "processed"),
                     "--runs", str(base / "reports"), "--n-boot", "20", "--n-boot-sensitivity", "20", *extra])


@pytest.fixture(scope="session")
def first_run(region):
    code = region_cli(region, "--workers", "2")
    summary = json.loads((region / "reports" / "batch.json").read_text())
    return code, {u["code"]: u for u in summary["units"]}


@pytest.fixture(scope="session")
def published(first_run, region, tmp_path_factory):
    """The region's batch, published (the broken municipality listed as failed)."""
    from analysis.report.publish import publish
    out = tmp_path_factory.mktemp("published")
    return publish(region / "reports", out, processed=region / "processed")
