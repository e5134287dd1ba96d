"""The analysis cache is never stale, and results do not depend on the pseudonyms."""
from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from analysis import fingerprint
from analysis.registry.store import save
from analysis.registry.validate import validate_delivery
from analysis.report.results_file import results_json
from analysis.study import results, trial
from analysis.study.params import AnalysisParams
from analysis.synth.generate import write_municipality
from analysis.synth.params import Municipality, SynthParams

FAST = {"n_boot": 20, "n_boot_sensitivity": 20, "workers": 1}


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("small")
    p = SynthParams(seed=5, municipalities=(Municipality("9911", "Testdorp", 1500),))
    folder = write_municipality(base / "raw", p.municipalities[0], p)
    save(validate_delivery(folder), base / "processed")
    return folder, base / "processed"


def _params(processed: Path) -> AnalysisParams:
    return AnalysisParams(municipality="9911", processed_dir=str(processed), **FAST)


def test_a_code_change_gives_fresh_numbers_not_the_cached_ones(small, tmp_path, monkeypatch):
    _, processed = small
    processed = Path(shutil.copytree(processed, tmp_path / "processed"))
    p = _params(processed)
    before = results.primary_analysis(p).primary.point["rd_tau"]
    # a researcher edits the analysis code (here: the months-since-time-zero groups of the weight
    # models, as in the issue); the edited module is on disk, so the code hash changes
    edited = tmp_path / "trial_edit.py"
    edited.write_text("MONTH_GROUPS = (0, 6, 24)\n")
    files = fingerprint.code_files()
    monkeypatch.setattr(fingerprint, "code_files", lambda: [*files, edited])
    monkeypatch.setattr(trial, "MONTH_GROUPS", (0, 6, 24))
    after = results.primary_analysis(p).primary.point["rd_tau"]
    assert after != pytest.approx(before, abs=1e-9), "the cache served numbers that other code made"
    # and the edit is undone: the original numbers again (from the first cache entry)
    monkeypatch.undo()
    assert results.primary_analysis(p).primary.point["rd_tau"] == before


def test_an_unchanged_rerun_hits_the_cache(small, tmp_path, monkeypatch):
    _, processed = small
    processed = Path(shutil.copytree(processed, tmp_path / "processed"))
    p = _params(processed)
    first = results.primary_analysis(p)
    cached = list((processed / "9911" / "analysis").glob("primary-*.pkl"))
    assert len(cached) == 1

    def boom(*a, **k):
        raise AssertionError("recomputed although nothing changed")
    monkeypatch.setattr(results, "run_trial", boom)
    again = results.primary_analysis(p)
    assert again.primary.point == first.primary.point and again.primary.ci == first.primary.ci
    # a new file in the package (code hash changed) misses the cache and recomputes
    extra = tmp_path / "new_module.py"
    extra.write_text("X = 1\n")
    files = fingerprint.code_files()
    monkeypatch.setattr(fingerprint, "code_files", lambda: [*files, extra])
    with pytest.raises(AssertionError, match="recomputed"):
        results.primary_analysis(p)


def test_the_code_hash_follows_an_edit_on_disk(tmp_path, monkeypatch):
    mod = tmp_path / "m.py"
    mod.write_text("A = 1\n")
    files = fingerprint.code_files()
    monkeypatch.setattr(fingerprint, "code_files", lambda: [*files, mod])
    h1 = fingerprint.code_sha256()
    mod.write_text("A = 2  # edited\n")
    assert fingerprint.code_sha256() != h1
    assert fingerprint.key("x", a=1) != fingerprint.key("x", a=2)


def _repseudonymise(src: Path, dst: Path, key: bytes) -> None:
    """The same delivery under another pseudonym key: every person_id replaced consistently."""
    shutil.copytree(src, dst)
    for f in dst.glob("*.csv"):
        df = pd.read_csv(f, dtype=str, keep_default_na=False)
        if "person_id" in df:
            df["person_id"] = [hashlib.sha256(key + v.encode()).hexdigest() for v in df["person_id"]]
            df.to_csv(f, index=False)


def test_results_do_not_depend_on_the_pseudonym_key(small, tmp_path):
    folder, _ = small
    outs = []
    for key in (b"first key", b"second key"):
        raw = tmp_path / key.decode().replace(" ", "_") / "9911"
        _repseudonymise(folder, raw, key)
        processed = tmp_path / key.decode().replace(" ", "_") / "processed"
        save(validate_delivery(raw), processed)
        p = _params(processed)
        out = results_json(results.primary_analysis(p), results.sensitivity_analysis(p))
        out.pop("registry_sha256")
        outs.append(json.dumps(out, sort_keys=True))
    # the pseudonyms differ, so the order of the children in the registry differs ...
    a = pd.read_csv(tmp_path / "first_key" / "9911" / "persons.csv", dtype=str)["person_id"]
    b = pd.read_csv(tmp_path / "second_key" / "9911" / "persons.csv", dtype=str)["person_id"]
    assert not set(a) & set(b)
    # ... and the results, intervals included, are the same to the byte
    assert outs[0] == outs[1]
