"""The notebooks are stored clean and execute through papermill into readable, safe HTML."""
import json
import re
from dataclasses import fields
from pathlib import Path

import pandas as pd
import pytest

from analysis.errors import ParameterError
from analysis.study.params import QualityParams
from analysis.run.params import NOTEBOOK_PARAMS, SurvivalParams
from analysis.report.publish import publish
from analysis.run.runner import batch, make_units
from analysis.synth.generate import write_municipality
from analysis.synth.params import Municipality, SynthParams

NOTEBOOKS = sorted((Path(__file__).resolve().parents[2] / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_stored_without_outputs_and_parameterised(path):
    nb = json.loads(path.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    assert "parameters" in code[0]["metadata"].get("tags", [])
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    # the parameters cell holds exactly the fields of the notebook's parameter model
    names = set(re.findall(r"^(\w+) = ", "".join(code[0]["source"]), re.M))
    assert names == {f.name for f in fields(NOTEBOOK_PARAMS[path.stem])}
    # every markdown cell is in one language, and both languages are there
    tags = [set(c["metadata"].get("tags", [])) & {"lang-nl", "lang-en"} for c in nb["cells"] if c["cell_type"] == "markdown"]
    assert all(len(t) == 1 for t in tags) and tags.count({"lang-nl"}) == tags.count({"lang-en"})
    assert not any(re.search(r"^\s*def ", "".join(c["source"]), re.M) for c in code)
    # words come from the translation table, never from the notebook: no language switches in code
    assert not any(re.search(r"\bif\s+lang\b|\blang\s*==", "".join(c["source"])) for c in code)


def _run(folder: Path, tmp_path: Path) -> list[Path]:
    """Batch one delivery in this process, publish it; the three HTML appendices."""
    units = make_units([folder], processed=tmp_path / "processed", out=tmp_path / "reports",
                       analysis={"n_boot": 20, "n_boot_sensitivity": 20})
    [r] = batch(units, progress=False)
    assert r.status == "ok", r.line()
    return publish(tmp_path / "reports", tmp_path / "site", processed=tmp_path / "processed").appendices[folder.name]


def _html_text(html: str) -> str:
    return re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", html)


@pytest.mark.slow
def test_quality_notebook_runs_on_a_small_registry(tmp_path):
    p = SynthParams(seed=4, messy=True, municipalities=(Municipality("9908", "Klein", 800),))
    folder = write_municipality(tmp_path / "raw", p.municipalities[0], p)
    htmls = _run(folder, tmp_path)
    assert [h.name for h in htmls] == ["01_data_quality.html", "02_survival.html", "03_sensitivity.html",
                                       "04_routes_waiting.html"]
    for h in htmls[1:]:
        body = _html_text(h.read_text(encoding="utf-8"))
        assert "Traceback" not in body and "SYNTHETISCHE DATA" in body
    results = json.loads((tmp_path / "reports" / "9908" / "results.json").read_text())
    assert results["municipality"] == "9908" and results["verdict"] in (
        "prevents", "delays", "more_specialist_care", "no_detectable_effect", "insufficient_data",
        "insufficient_registration")
    for key in ("rd_tau", "rmst_diff_months", "cif_a_tau", "cif_b_tau"):
        assert set(results["primary"][key]) == {"estimate", "ci_low", "ci_high"}
    for value in results["flow"].values():      # counts: suppressed below 10 or a multiple of 5
        assert value == "<10" or (isinstance(value, (int, float)) and (value == 0 or value >= 10))
    html = htmls[0]
    text = html.read_text(encoding="utf-8")
    assert "SYNTHETISCHE DATA" in text and "Datakwaliteit" in text
    assert text.count("data:image/png;base64") >= 5                 # the figures are embedded
    assert "build_quality_appendix" not in text                     # code is hidden
    assert "Traceback" not in text
    body = _html_text(text)
    ids = pd.read_csv(folder / "persons.csv", dtype=str)["person_id"]
    assert not any(i in body for i in ids)                           # no person identifiers
    nb = json.loads((tmp_path / "reports" / "9908" / "01_data_quality.ipynb").read_text())
    assert nb["metadata"]["papermill"]["parameters"]["municipality"] == "9908"


@pytest.mark.slow
def test_quality_notebook_survives_a_tiny_registry(tiny, tmp_path):
    htmls = _run(tiny, tmp_path)
    for html in htmls:
        assert "Traceback" not in html.read_text(encoding="utf-8")
    assert json.loads((tmp_path / "reports" / "0037" / "results.json").read_text())["verdict"] == "insufficient_data"


def test_parameters_are_validated(tmp_path):
    with pytest.raises(ParameterError, match="4-digit string"):
        QualityParams(municipality=37, processed_dir=str(tmp_path))
    with pytest.raises(ParameterError, match="validate"):
        QualityParams(municipality="0037", processed_dir=str(tmp_path))


def test_parameters_reach_papermill_as_plain_json(medium):
    import numpy as np
    _, processed = medium
    p = SurvivalParams(municipality="9902", processed_dir=str(processed), n_boot=np.int64(50), tau_months=np.int32(24))
    d = p.as_papermill()
    assert type(d["n_boot"]) is int and type(d["tau_months"]) is int and isinstance(d["light_types"], list)
    assert json.loads(json.dumps(d)) == d
    with pytest.raises(ParameterError, match="n_boot"):
        SurvivalParams(municipality="9902", processed_dir=str(processed), n_boot=2.5)
    with pytest.raises(ParameterError, match="4-digit"):
        SurvivalParams(municipality="902", processed_dir=str(processed))
