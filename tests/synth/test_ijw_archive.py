"""``workbench synth --ijw``: the iJw archive of the synthetic specialist care, with planted noise,
and the round trip through ``workbench import-ijw`` — the same episodes, the report naming every
planted rejection, and the same results.json as the uniform-format registry (issue 16, part 2)."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from analysis.cli import main
from analysis.errors import RegistryError
from analysis.registry.bsn import looks_like_bsn
from analysis.registry.ijw import read_archive
from analysis.registry.ijw_episodes import block_frame, rebuild
from analysis.registry.ijw_import import read_products
from analysis.synth.ijw import synthetic_bsns
from analysis.synth.params import LIGHT_PROVIDER_TYPES

CODE = "0037"
#: the columns iJw carries (request date, crisis and pgb funding it does not)
IJW_COLUMNS = ["person_id", "provider_agb", "bij_hulpvorm", "ijw_productcategorie", "ijw_productcode", "referrer",
               "allocation_number", "intervention_level", "start_date", "end_date", "end_reason_bij", "end_reason_ijw",
               "responsible_municipality"]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """A 2,500-child registry with its archive, and the archive imported over a copy of it."""
    base = tmp_path_factory.mktemp("ijw")
    well = [a for t in LIGHT_PROVIDER_TYPES for a in ("--registration", f"{t}:2015:0.9")]
    assert main(["synth", "--out", str(base / "raw"), "--ijw", str(base / "ijw"), "--municipality", f"{CODE}:2500",
                 *well]) == 0
    shutil.copytree(base / "raw" / CODE, base / "imported" / CODE)
    ijw = base / "ijw" / CODE
    # the planted rule breakers make the import exit 1, as a real archive with rejections does
    assert main(["import-ijw", str(ijw / "berichten"), "--out", str(base / "imported" / CODE), "--key-file",
                 str(ijw / "key.txt"), "--products", str(ijw / "products.csv")]) == 1
    return base


def _read(path):
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_the_import_gives_back_exactly_the_synthetic_specialist_episodes(archive):
    synth = _read(archive / "raw" / CODE / "specialist_episodes.csv")
    got = _read(archive / "imported" / CODE / "specialist_episodes.csv")
    assert len(synth) > 1000 and len(got) == len(synth)
    key = IJW_COLUMNS
    a = synth[key].sort_values(key).reset_index(drop=True)
    b = got[key].sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert (got["end_date"] == "").sum() > 50            # care still running at the extract: starts without a stop


def test_the_report_names_every_planted_rejection_with_file_and_element(archive):
    manifest = json.loads((archive / "ijw" / CODE / "manifest.json").read_text())
    report = json.loads((archive / "imported" / CODE / "import_report.json").read_text())
    planted = manifest["planted_counts"]
    # every kind of noise is there
    for kind in ("correction_start", "correction_stop", "temporary_stop", "late_stop", "start_missing",
                 "duplicate_delivery", "withdrawn_allocation", "delete_without_delivery", "start_deleted_after_stop",
                 "malformed_xml", "unknown_namespace", "missing_element"):
        assert planted.get(kind, 0) >= 1, kind
    exp = manifest["expected"]
    assert {(b["file"], b["xpath"], b["rule"]) for b in report["rejected_blocks"]} == \
        {(b["file"], b["xpath"], b["rule"]) for b in exp["rejected_blocks"]}
    assert sorted((f["file"], f["element"]) for f in report["rejected_files"]) == \
        sorted((f["file"], f["element"]) for f in exp["rejected_files"])
    assert report["input_equals_used_deleted_rejected"]
    acc = {m["kind"]: m for m in report["messages"]}
    assert acc["JW305"]["corrected"] + acc["JW307"]["corrected"] == exp["corrections"]
    assert acc["JW307"]["stop_without_start"] == exp["stops_without_start"]
    assert acc["JW305"]["deleted"] == 2 * planted["correction_start"]
    assert acc["JW307"]["deleted"] == 2 * planted["correction_stop"]
    assert report["bij_form_from"] == {"product_list": report["episodes"], "category": 0}
    links = report["allocations_and_requests"]
    # every episode under its allocation, with its referrer; the withdrawn ones counted, never linked
    assert links["episodes_with_a_current_allocation"] == links["episodes_with_a_referrer"] == report["episodes"]
    assert links["JW301"]["withdrawn"] == planted["withdrawn_allocation"]
    assert links["JW301"]["allocations"] == report["episodes"] + planted["withdrawn_allocation"]
    assert links["JW315"]["blocks_read"] == report["episodes"] + planted["withdrawn_allocation"]
    # the files really are out of date order: file order says nothing
    files = sorted(p.relative_to(archive / "ijw" / CODE / "berichten").as_posix()
                   for p in (archive / "ijw" / CODE / "berichten").rglob("*.xml"))
    assert len(files) == manifest["files"]


def test_the_episodes_do_not_depend_on_the_order_the_blocks_arrive_in(archive):
    messages, _ = read_archive(archive / "ijw" / CODE / "berichten")
    blocks = block_frame(messages)
    first, _ = rebuild(blocks)
    shuffled, _ = rebuild(blocks.sample(frac=1.0, random_state=3).reset_index(drop=True))
    key = ["bsn", "allocation", "start", "end", "end_reason_ijw"]
    pd.testing.assert_frame_equal(first.sort_values(key).reset_index(drop=True),
                                  shuffled.sort_values(key).reset_index(drop=True))


@pytest.mark.slow
def test_the_imported_registry_gives_the_same_results_json_apart_from_hashes(archive):
    from analysis.registry.store import save
    from analysis.registry.validate import validate_delivery
    from analysis.report.results_file import results_json
    from analysis.run.params import SurvivalParams
    from analysis.study.results import primary_analysis, routes_waiting, sensitivity_analysis
    from analysis.synth.planning import registration_planning

    def results(kind):
        r = validate_delivery(archive / kind / CODE)
        save(r, archive / f"processed-{kind}")
        ap = SurvivalParams(municipality=CODE, processed_dir=str(archive / f"processed-{kind}"), n_boot=20,
                            n_boot_sensitivity=20)
        return r.quality(), results_json(primary_analysis(ap), sensitivity_analysis(ap), r.quality(),
                                         planning=registration_planning(ap), routes=routes_waiting(ap))

    (qa, a), (qb, b) = results("raw"), results("imported")
    assert qb["tables"]["specialist_episodes"]["rejected"] == 0
    assert a.pop("registry_sha256") != b.pop("registry_sha256")      # other files, so another hash
    # the specialist care is what the analysis counts: events in the flow, step-ups in the routes
    assert b["flow"]["events_specialist"] > 100 and b["routes"]["step_up_all_levels_per_100_child_years"]["estimate"] > 0
    assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def test_synthetic_bsns_are_distinct_pass_the_elfproef_and_start_in_the_test_range():
    b = synthetic_bsns(1, CODE, 12000)
    assert len(set(b)) == 12000 and looks_like_bsn(pd.Series(b)).all()
    test_range = (b >= "999900006") & (b <= "999999990")
    assert test_range.sum() == 9091          # every number of the test range that passes, then below it
    assert (synthetic_bsns(1, CODE, 50) == synthetic_bsns(1, CODE, 50)).all()


def test_a_product_list_with_a_wrong_code_is_named_by_file_row_and_column(tmp_path):
    f = tmp_path / "producten.csv"
    f.write_text("ijw_productcategorie;ijw_productcode;bij_hulpvorm\n45;45A01;02\n45;45C01;07\n", encoding="utf-8")
    with pytest.raises(RegistryError) as exc:
        read_products(f)
    assert exc.value.row == 3 and exc.value.column == "bij_hulpvorm" and "producten.csv" in str(exc.value)
    f.write_text("ijw_productcategorie;ijw_productcode;bij_hulpvorm\n45;45A01;02\n45;45A01;04\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="listed twice"):
        read_products(f)
    f.write_text("categorie;code\n45;45A01\n", encoding="utf-8")
    with pytest.raises(RegistryError, match="lacks the column"):
        read_products(f)
    f.write_text("ijw_productcategorie,ijw_productcode,bij_hulpvorm,intervention_level\n45,45C01,04,intensief\n"
                 "45,45A01,02,\n", encoding="utf-8")
    p = read_products(f)
    assert p.values.tolist() == [["45", "45C01", "04", "intensief"], ["45", "45A01", "02", ""]]
