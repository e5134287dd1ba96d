"""Format 1.1: the optional requests table, its rules, and deliveries of version 1 still read."""
from __future__ import annotations

import pandas as pd
import pytest
import yaml

from analysis.errors import RegistryError
from analysis.registry.validate import validate_delivery
from conftest import pid, write_delivery

PERSONS = [[pid(1), "2010-03-01", "M"], [pid(2), "2012-07-15", "V"]]


def _delivery(tmp_path, requests: list[list[str]] | None, version="1.1"):
    folder = write_delivery(tmp_path / "0037", {"persons": PERSONS, "residence_periods": [
        [pid(1), "0037", "2010-03-01", ""], [pid(2), "0037", "2012-07-15", ""]]})
    meta = yaml.safe_load((folder / "delivery.yml").read_text())
    meta["format_version"] = version
    (folder / "delivery.yml").write_text(yaml.safe_dump(meta))
    if requests is not None:
        pd.DataFrame(requests, columns=["request_id", "person_id", "request_date", "provider_type",
                                        "intervention_level", "outcome", "outcome_date"]
                     ).to_csv(folder / "requests.csv", index=False)
    return folder


def test_requests_are_validated_row_by_row_with_reasons(tmp_path):
    rows = [["R1", pid(1), "2020-01-10", "wijkteam", "licht", "started", "2020-02-03"],            # ok
            ["R2", pid(1), "2021-05-01", "specialist", "specialistisch", "waiting", ""],           # ok
            ["R3", pid(2), "2020-03-01", "wijkteam", "licht", "withdrawn", "2020-02-01"],         # outcome before request
            ["R4", pid(2), "2020-04-01", "wijkteam", "licht", "started", ""],                     # started without a date
            ["R5", pid(2), "2020-05-01", "cjg", "licht", "waiting", "2020-06-01"],                # waiting with a date
            ["R6", pid(2), "2020-05-01", "cjg", "licht", "lost", "2020-06-01"],                   # unknown outcome
            ["R7", pid(2), "2011-01-01", "cjg", "licht", "started", "2011-02-01"]]                # before birth
    res = validate_delivery(_delivery(tmp_path, rows))
    t = res.tables["requests"]
    assert list(t.accepted["request_id"]) == ["R1", "R2"]
    rules = dict(zip(t.rejected["row"].astype(int), t.rejected["rule"]))
    assert rules == {4: "outcome_before_request", 5: "outcome_without_date", 6: "waiting_with_outcome_date",
                     7: "unknown_code", 8: "before_birth"}
    assert t.rows_in == len(t.accepted) + t.rejected["row"].nunique()           # nothing lost


def test_a_version_1_delivery_without_requests_still_validates_and_other_versions_are_refused(tmp_path):
    res = validate_delivery(_delivery(tmp_path / "a", None, version=1))
    assert len(res.tables["requests"].accepted) == 0 and res.tables["requests"].rows_in == 0
    with pytest.raises(RegistryError, match="format_version 2 is not supported"):
        validate_delivery(_delivery(tmp_path / "b", None, version=2))
