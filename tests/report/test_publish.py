"""Publishing: appendices with contents and provenance, the index with a pooled estimate, and the
disclosure scan that refuses every planted violation (nothing is published then)."""
from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

from analysis import cli
from analysis.report import disclosure as dc
from analysis.errors import WorkbenchError
from analysis.report.publish import DisclosureRefused, pooled_estimate, publish
from analysis.study.verdict import NO_ANSWER
from analysis.registry.bsn import make_bsn


@pytest.mark.slow
def test_index_puts_the_municipalities_side_by_side_and_links_resolve(published):
    index = published.index.read_text(encoding="utf-8")
    assert set(published.appendices) == {"9908", "9909"} and set(published.failed) == {"9907"}
    assert "9907" in index and "mislukt" in index and "persons.csv" in index
    links = re.findall(r'href="([^"#]+)"', index)
    assert len(links) == 2 * 5 + 1                     # 4 appendices and results.json each, and the protocol
    assert all((published.out / link).exists() for link in links)
    assert "Analyseprotocol" in (published.out / "analysis-protocol.html").read_text(encoding="utf-8")
    assert 'src="data:image/png;base64,' in index               # the forest plot is embedded
    for code in ("9908", "9909"):
        r = json.loads((published.out / code / "results.json").read_text())
        est = r["primary"]["rd_tau"]["estimate"]
        row = re.search(rf"<tr><th>{code} .*?</tr>", index).group(0)
        if r["verdict"] in NO_ANSWER:       # estimates the verdict disowns are not shown
            assert est is None or f"{100 * est:+.1f}" not in row
        else:
            assert est is not None and f"{100 * est:+.1f}" in row
        # appendix 4's block: the median wait, the share within the norm and the step-up rate side by side
        block = index[index.index('<table id="routes">'):]
        routes_row = re.search(rf"<tr><th>{code} .*?</tr>", block).group(0)
        median = r["waiting"]["median_days"]
        assert median["estimate"] is None or f"{median['estimate']:.0f} ({median['ci_low']:.0f} … " in routes_row
        within = r["waiting"]["share_started_within_norm"]
        assert within["estimate"] is None or f"{100 * within['estimate']:.1f}" in routes_row
        up = r["routes"]["step_up_per_100_child_years"]
        assert up["estimate"] is None or f"{up['estimate']:.1f}" in routes_row
    assert "Routes en wachttijden per gemeente" in index


@pytest.mark.slow
def test_appendices_have_contents_provenance_and_no_code(published, region):
    html = (published.out / "9908" / "02_survival.html").read_text(encoding="utf-8")
    toc = re.search(r'<nav id="toc".*?</nav>', html, re.S).group(0)
    anchors = re.findall(r'href="#([^"]+)"', toc)
    assert len(anchors) >= 8 and all(f'id="{a}"' in html for a in anchors)
    prov = json.loads((region / "reports" / "9908" / "results.json").read_text())["provenance"]
    assert 'id="provenance"' in html and prov["code_sha256"] in html
    assert prov["input_files_sha256"]["persons"] in html
    assert "persons.csv" not in html and "personen:" in html         # input files by role, not by name
    assert 'href="../analysis-protocol.html"' in html
    assert "primary_analysis(" not in html and "import " not in html   # code hidden
    assert html.count("data:image/png;base64") >= 4
    assert "Appendix 2 — Does" not in html and "Bijlage 2 — Voorkomt" in html   # Dutch only


@pytest.mark.slow
def test_publish_refuses_another_language_than_the_run(first_run, region, tmp_path):
    with pytest.raises(WorkbenchError, match="rerun `workbench batch --lang en`"):
        publish(region / "reports", tmp_path, processed=region / "processed", lang="en")


def _plant_output(reports: Path, html: str | None = None, text: str | None = None) -> None:
    nb_path = reports / "9908" / "02_survival.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    data = {"text/html": html} if html else {"text/plain": text}
    nb.cells[-1].outputs.append(nbformat.v4.new_output("display_data", data=data))
    nbformat.write(nb, nb_path)


def _plants(region: Path):
    pid = pd.read_parquet(region / "processed" / "9908" / "registry" / "persons.parquet")["person_id"].iloc[3]
    bsn = make_bsn(np.random.default_rng(1), 1)[0]
    rows = pd.DataFrame({"person_id": [pid], "sdq": [15]})
    return {
        "identifier": dict(text=f"kind {pid} kreeg hulp"),
        "bsn": dict(text=f"zie dossier {bsn}"),
        "small_count": dict(html=pd.DataFrame({"aantal": [4, 20]}, index=["wijkteam", "cjg"]).to_html()),
        "unrounded_count": dict(html=pd.DataFrame({"n": [123]}, index=["totaal"]).to_html()),
        "small_count_text": dict(text="In deze wijk ging het om n = 3."),
        "extreme": dict(html=pd.DataFrame({"age": [4.0, 11.5, 16.9]}).describe().to_html()),
        "row_level": dict(html=rows.to_html()),
        "row_level_long": dict(html=pd.DataFrame({"sdq": np.arange(300) % 20}).to_html()),
    }


KINDS = {"identifier": "identifier", "bsn": "identifier", "small_count": "small_count",
         "unrounded_count": "unrounded_count", "small_count_text": "small_count", "extreme": "extreme",
         "row_level": "row_level", "row_level_long": "row_level"}


@pytest.mark.slow
@pytest.mark.parametrize("plant", sorted(KINDS))
def test_every_planted_violation_is_refused(plant, first_run, region, tmp_path):
    reports = tmp_path / "reports"
    shutil.copytree(region / "reports", reports)
    _plant_output(reports, **_plants(region)[plant])
    out = tmp_path / "out"
    with pytest.raises(DisclosureRefused) as err:
        publish(reports, out, processed=region / "processed")
    found = [v for v in err.value.violations if v.kind == KINDS[plant]]
    assert found and all(v.file == "9908/02_survival.html" for v in found), err.value.violations
    assert not (out / "index.html").exists() and not list(out.rglob("*.html"))   # nothing published


@pytest.mark.slow
def test_a_small_count_in_results_json_is_refused_through_the_command(first_run, region, tmp_path, capsys):
    reports = tmp_path / "reports"
    shutil.copytree(region / "reports", reports)
    r = json.loads((reports / "9909" / "results.json").read_text())
    r["flow"]["eligible"] = 7
    (reports / "9909" / "results.json").write_text(json.dumps(r))
    code = cli.main(["publish", "--runs", str(reports), "--out", str(tmp_path / "out"),
                     "--processed", str(region / "processed")])
    err = capsys.readouterr().err
    assert code == cli.EXIT_REFUSED
    assert "9909/results.json: flow.eligible: small_count" in err and "Nothing was published" in err


def test_scan_reads_tables_the_way_pandas_writes_them(tmp_path):
    counts = pd.DataFrame({"2019": [15, 0], "2020": [5, 20]}, index=["wijkteam", "cjg"]).rename_axis(columns="aantal")
    f = tmp_path / "t.html"
    f.write_text(counts.to_html())
    [v] = dc.scan_file(f)
    assert v.kind == "small_count" and "row 1" in v.place and "2020" in v.place
    f.write_text(counts.rename_axis(columns="jaar").to_html())   # not a count table: years, shares
    assert dc.scan_file(f) == []
    f.write_text("<p>Gewichten als percentielen; geen minimum of maximum. 45 kinderen.</p>")
    assert dc.scan_file(f) == []
    f.write_text("<p>Het ging om 7 kinderen.</p>")
    assert [v.kind for v in dc.scan_file(f)] == ["small_count"]


def test_pooled_estimate_is_inverse_variance_when_the_municipalities_agree():
    res = {c: {"verdict": "prevents", "primary": {"rd_tau": {"estimate": e, "ci_low": e - 1.959964 * s,
                                                              "ci_high": e + 1.959964 * s}}}
           for c, e, s in (("0001", -0.10, 0.05), ("0002", -0.11, 0.04), ("0003", -0.09, 0.03))}
    pooled = pooled_estimate(res)
    w = np.array([1 / 0.05 ** 2, 1 / 0.04 ** 2, 1 / 0.03 ** 2])   # τ² = 0 here: Q < df
    expected = float(np.dot(w, [-0.10, -0.11, -0.09]) / w.sum())
    assert pooled["tau2"] == 0 and pooled["i2"] == 0
    assert pooled["estimate"] == pytest.approx(expected, abs=1e-9)
    assert pooled["ci_high"] - pooled["ci_low"] == pytest.approx(2 * 1.959964 / np.sqrt(w.sum()), rel=1e-4)


@pytest.mark.slow
def test_a_municipality_that_failed_later_loses_its_old_appendices(first_run, region, tmp_path):
    reports, out = tmp_path / "reports", tmp_path / "out"
    shutil.copytree(region / "reports", reports)
    publish(reports, out, processed=region / "processed")
    assert (out / "9909" / "02_survival.html").exists()
    state = json.loads((reports / "9909" / "unit.json").read_text())
    state.update(status="failed", stage="validation", error="RegistryError: planted")
    (reports / "9909" / "unit.json").write_text(json.dumps(state))
    pub = publish(reports, out, processed=region / "processed")
    assert set(pub.failed) == {"9907", "9909"}
    assert not list((out / "9909").glob("*.html")) and not (out / "9909" / "results.json").exists()
    assert "planted" in pub.index.read_text(encoding="utf-8")


@pytest.mark.slow
def test_identifiers_are_found_from_the_runs_own_records_and_notebooks_are_never_published(
        first_run, region, tmp_path):
    reports = tmp_path / "reports"
    shutil.copytree(region / "reports", reports)
    pid = pd.read_parquet(region / "processed" / "9908" / "registry" / "persons.parquet")["person_id"].iloc[3]
    r = json.loads((reports / "9908" / "results.json").read_text())
    r["municipality_name"] = f"Testgemeente {pid}"
    (reports / "9908" / "results.json").write_text(json.dumps(r))
    # no --processed: the batch's unit.json says where the registry is, and the identifier is found
    with pytest.raises(DisclosureRefused) as err:
        publish(reports, tmp_path / "out")
    assert any(v.kind == "identifier" and v.file.startswith("9908/") for v in err.value.violations)
    # a registry that cannot be found means no check, and so no publication
    for c in ("9908", "9909"):
        u = json.loads((reports / c / "unit.json").read_text())
        u["processed"] = str(tmp_path / "elsewhere")
        (reports / c / "unit.json").write_text(json.dumps(u))
    with pytest.raises(WorkbenchError, match="cannot check the publication for person identifiers"):
        publish(reports, tmp_path / "out2")
    assert not (tmp_path / "out2" / "index.html").exists()
    # the executed notebooks (here one holding an identifier) stay in the batch folder: the batch
    # folder, or a folder inside it or around it, cannot be the publication
    r["municipality_name"] = "Testgemeente"
    (reports / "9908" / "results.json").write_text(json.dumps(r))
    _plant_output(reports, text=f"kind {pid}")
    for bad in (reports, reports / "site", tmp_path):
        with pytest.raises(WorkbenchError, match="must be a folder of its own"):
            publish(reports, bad, processed=region / "processed")
    # what a notebook shows reaches the publication only through its rendered appendix: scanned there
    with pytest.raises(DisclosureRefused) as err:
        publish(reports, tmp_path / "out3", processed=region / "processed")
    assert [v.file for v in err.value.violations] == ["9908/02_survival.html"], err.value.violations
    assert not (tmp_path / "out3").exists()
