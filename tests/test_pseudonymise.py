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
