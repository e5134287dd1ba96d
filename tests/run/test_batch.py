"""The batch over municipalities: failures isolated, unchanged units skipped, reruns identical,
the same units on a Dask cluster, and a notebook failure reported with its cell."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from analysis import cli, paths
from analysis.run.runner import Unit, batch, execute, make_units

from conftest import region_cli as _cli

FAST = {"n_boot": 20, "n_boot_sensitivity": 20}


@pytest.mark.slow
def test_a_broken_municipality_fails_alone_and_is_named(first_run, region, capsys):
    code, units = first_run
    assert code == cli.EXIT_REJECTED
    assert units["9908"]["status"] == units["9909"]["status"] == "ok"
    assert units["9907"]["status"] == "failed"
    assert "persons.csv" in units["9907"]["error"] and "birth_date" in units["9907"]["error"]
    for c in ("9908", "9909"):
        folder = region / "reports" / c
        assert all((folder / f"{n}.ipynb").exists()
                   for n in ("01_data_quality", "02_survival", "03_sensitivity", "04_routes_waiting"))
        results = json.loads((folder / "results.json").read_text())
        assert results["municipality"] == c
        prov = results["provenance"]
        assert len(prov["git_commit"] or "") in (0, 40) and prov["seed"] == 20261123
        assert prov["parameters"]["n_boot"] == 20 and "pandas" in prov["packages"]
        assert set(prov["input_files_sha256"]) >= {"persons", "delivery.yml"}   # by role, not by file name
        assert prov["mapping"] == {}                              # the uniform format: no mapping applied
        # routes and waiting times: the synthetic registry delivers a requests table (format 1.1), so
        # the waits are those of every request, not only of the started ones
        w = results["waiting"]
        assert w["conditional_on_starting"] is False and w["norm_days"] == 28
        for k in ("median_days", "share_started_within_norm"):
            assert w[k]["ci_low"] <= w[k]["estimate"] <= w[k]["ci_high"], k
        up = results["routes"]["step_up_all_levels_per_100_child_years"]
        assert 0 < up["ci_low"] < up["estimate"] < up["ci_high"]
        assert set(results["routes"]["step_up_from_levels"]) == {"universeel", "selectief", "licht"}


@pytest.mark.slow
def test_second_run_skips_unchanged_and_force_gives_identical_results(first_run, region, capsys):
    before = {c: (region / "reports" / c / "results.json").read_bytes() for c in ("9908", "9909")}
    capsys.readouterr()
    assert _cli(region, "--municipality", "9908", "--municipality", "9909") == cli.EXIT_OK
    assert "2 unchanged, skipped" in capsys.readouterr().out
    # a forced rerun recomputes everything (the analysis cache is cleared) and gives the same bytes
    assert _cli(region, "--municipality", "9908", "--force") == cli.EXIT_OK
    units = {u["code"]: u for u in json.loads((region / "reports" / "batch.json").read_text())["units"]}
    assert units["9908"]["status"] == "ok"
    assert (region / "reports" / "9908" / "results.json").read_bytes() == before["9908"]
    # a changed input file reruns that municipality only
    delivery = region / "raw" / "9909" / "README.txt"
    delivery.write_text(delivery.read_text() + "\nchanged\n")
    units = {r.code: r.status for r in batch(make_units(
        [region / "raw" / "9908", region / "raw" / "9909"], processed=region / "processed",
        out=region / "reports", analysis=FAST), progress=False)}
    assert units == {"9908": "skipped", "9909": "ok"}


@pytest.mark.slow
def test_the_same_units_run_on_a_dask_cluster(first_run, region, tmp_path):
    from distributed import LocalCluster
    units = make_units([region / "raw" / "9908", region / "raw" / "9907"], processed=tmp_path / "processed",
                       out=tmp_path / "reports", analysis=FAST, scheduler="dask")
    assert all(u.analysis["workers"] == 1 and Path(u.raw).is_absolute() for u in units)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        results = batch(units, scheduler=cluster.scheduler_address, progress=False)
    by = {r.code: r for r in results}
    assert by["9908"].status == "ok" and by["9907"].status == "failed"
    ours = json.loads((tmp_path / "reports" / "9908" / "results.json").read_text())
    local = json.loads((region / "reports" / "9908" / "results.json").read_text())
    assert ours["primary"] == local["primary"] and ours["verdict"] == local["verdict"]


@pytest.mark.slow
def test_a_failing_cell_is_named_and_its_partial_notebook_kept(region, tmp_path, monkeypatch):
    nbdir = tmp_path / "notebooks"
    shutil.copytree(paths.NOTEBOOKS_DIR, nbdir)
    nb = nbformat.read(nbdir / "02_survival.ipynb", as_version=4)
    params_at = next(i for i, c in enumerate(nb.cells) if "parameters" in c.metadata.get("tags", []))
    nb.cells.insert(params_at + 2, nbformat.v4.new_code_cell("raise RuntimeError('planted failure')"))
    nbformat.write(nb, nbdir / "02_survival.ipynb")
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", nbdir)
    [u] = make_units([region / "raw" / "9908"], processed=tmp_path / "processed", out=tmp_path / "reports",
                     analysis=FAST)
    [r] = batch([u], progress=False)
    assert (r.status, r.notebook, r.cell) == ("failed", "02_survival", params_at + 3)   # 1-based
    assert "planted failure" in r.error and "9908: FAILED in 02_survival, cell" in r.line()
    partial = nbformat.read(r.partial, as_version=4)
    planted = next(c for c in partial.cells if c.id == nb.cells[params_at + 2].id)
    assert any(o.get("output_type") == "error" for o in planted.outputs)
    assert (tmp_path / "reports" / "9908" / "01_data_quality.ipynb").exists()
    assert not (tmp_path / "reports" / "9908" / "results.json").exists()


def test_a_kernel_that_dies_before_the_first_cell_is_retried_once(tmp_path, monkeypatch):
    import papermill as pm
    from nbclient.exceptions import DeadKernelError
    calls = []

    def fake(src, out, **kw):
        calls.append(kw["kernel_name"])
        if len(calls) == 1:
            # what papermill leaves when the kernel dies before its first reply (a port taken by
            # another kernel): every cell marked "completed", none started
            nb = nbformat.read(src, as_version=4)
            for c in nb.cells:
                c.metadata["papermill"] = {"status": "completed", "start_time": None, "end_time": None,
                                           "duration": None, "exception": None}
            nbformat.write(nb, out)
            raise DeadKernelError("Kernel died before replying to kernel_info")
        shutil.copy(src, out)
    monkeypatch.setattr(pm, "execute_notebook", fake)
    out = execute("03_sensitivity", {}, tmp_path, "9908")
    assert out.exists() and calls == ["python3", "python3"]


def test_a_kernel_that_dies_after_a_cell_started_is_not_retried(tmp_path, monkeypatch):
    import papermill as pm
    from nbclient.exceptions import DeadKernelError
    from analysis.run.runner import RunFailed
    calls = []

    def fake(src, out, **kw):
        calls.append(1)
        nb = nbformat.read(src, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        code[1].metadata["papermill"] = {"status": "running", "start_time": "2026-12-03T16:00:00"}
        nbformat.write(nb, out)
        raise DeadKernelError("Kernel died")
    monkeypatch.setattr(pm, "execute_notebook", fake)
    with pytest.raises(RunFailed):
        execute("03_sensitivity", {}, tmp_path, "9908")
    assert calls == [1]


def test_units_are_checked_before_anything_runs(tmp_path):
    from analysis.errors import ParameterError
    (tmp_path / "37").mkdir()
    [bad] = make_units([tmp_path / "37"], processed=tmp_path, out=tmp_path)   # fails alone, when it runs
    [r] = batch([bad], progress=False)
    assert r.status == "failed" and r.stage == "validation" and "e.g. '0037'" in r.error
    (tmp_path / "0037").mkdir()
    with pytest.raises(ParameterError, match="tau_months"):
        make_units([tmp_path / "0037"], processed=tmp_path, out=tmp_path, analysis={"tau_months": 2})
    u = make_units([tmp_path / "0037"], processed=tmp_path, out=tmp_path, workers=2)[0]
    assert isinstance(u, Unit) and u.analysis["workers"] >= 1


@pytest.mark.slow
def test_a_municipality_that_lost_its_specialist_care_in_validation_fails_loudly(region, tmp_path, capsys):
    """One unrecoded label in a required column rejected every specialist episode: the run must say so
    (failed, with the reason), never publish an empty analysis as ok, unless the researcher accepts it."""
    import pandas as pd
    raw = tmp_path / "raw"
    shutil.copytree(region / "raw" / "9908", raw / "9908")
    spec = pd.read_csv(raw / "9908" / "specialist_episodes.csv", dtype=str, keep_default_na=False)
    spec["bij_hulpvorm"] = "Ambulant"
    spec.to_csv(raw / "9908" / "specialist_episodes.csv", index=False)
    base = ["batch", "--data-dir", str(raw), "--processed", str(tmp_path / "processed"), "--runs",
            str(tmp_path / "reports"), "--n-boot", "20", "--n-boot-sensitivity", "20"]
    assert cli.main(base) == cli.EXIT_REJECTED
    err = capsys.readouterr().err
    assert "9908: FAILED in validation" in err and "specialist_episodes" in err and "--accept-rejections" in err
    assert "'Ambulant'" in err
    assert not (tmp_path / "reports" / "9908" / "results.json").exists()
    # the failure is what the index shows, with its reason
    from analysis.report.publish import publish
    pub = publish(tmp_path / "reports", tmp_path / "site", processed=tmp_path / "processed")
    assert "9908" in pub.failed and "specialist_episodes" in pub.failed["9908"]
    # accepted on purpose: it runs, and the index shows how many rows were rejected
    assert cli.main([*base, "--accept-rejections"]) == cli.EXIT_OK
    results = json.loads((tmp_path / "reports" / "9908" / "results.json").read_text())
    v = results["validation"]["tables"]["specialist_episodes"]
    assert v["rejected"] == v["rows_in"] and v["rejected_share"] == 1.0
    pub = publish(tmp_path / "reports", tmp_path / "site", processed=tmp_path / "processed")
    index = pub.index.read_text(encoding="utf-8")
    assert "afgewezen rijen" in index and f"{results['validation']['rejected']} (" in index


def test_one_key_function_the_unit_reruns_after_any_code_or_notebook_edit_the_cache_after_code_only(tmp_path, monkeypatch):
    from analysis import fingerprint
    from analysis.run.runner import unit_key
    from analysis.study.params import AnalysisParams
    from analysis.study.results import cache_path
    (tmp_path / "0037").mkdir()
    [u] = make_units([tmp_path / "0037"], processed=tmp_path, out=tmp_path)
    ap = AnalysisParams(municipality="0037", processed_dir=str(tmp_path), require_registry=False)
    before = unit_key(u, {"persons.csv": "x"}), cache_path(ap, "primary", "sha")
    # a notebook's text edited: the appendices change, the numbers do not
    nbdir = tmp_path / "notebooks"
    shutil.copytree(paths.NOTEBOOKS_DIR, nbdir)
    monkeypatch.setattr(paths, "NOTEBOOKS_DIR", nbdir)
    nb = nbformat.read(nbdir / "02_survival.ipynb", as_version=4)
    nb.cells[0].source += "\n\nEen zin erbij."
    nbformat.write(nb, nbdir / "02_survival.ipynb")
    after_nb = unit_key(u, {"persons.csv": "x"}), cache_path(ap, "primary", "sha")
    assert after_nb[0] != before[0] and after_nb[1] == before[1]
    # a module of the package edited: both change
    mod = tmp_path / "edited.py"
    mod.write_text("X = 1\n")
    files = fingerprint.code_files()
    monkeypatch.setattr(fingerprint, "code_files", lambda: [*files, mod])
    after_code = unit_key(u, {"persons.csv": "x"}), cache_path(ap, "primary", "sha")
    assert after_code[0] != after_nb[0] and after_code[1] != after_nb[1]
    # and an input file changed: the unit reruns
    assert unit_key(u, {"persons.csv": "y"}) != after_code[0]
