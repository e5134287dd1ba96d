"""The workbench command: exit codes 0 (clean), 1 (rows rejected), 2 (unreadable)."""
import json
import subprocess
import sys

import numpy as np

from analysis.cli import main
from analysis.registry.bsn import make_bsn

from conftest import pid, write_delivery


def test_validate_exit_codes(tiny, tmp_path, capsys):
    out = tmp_path / "processed"
    assert main(["validate", str(tiny), "--processed", str(out)]) == 0
    q = json.loads((out / "0037" / "quality.json").read_text())
    assert q["rejected"] == 0 and q["rows_in"] == q["accepted"] == 12
    (tiny / "persons.csv").write_text((tiny / "persons.csv").read_text() + f"{pid(4)},2011-01-01,Q\n")
    assert main(["validate", str(tiny), "--processed", str(out)]) == 1
    assert "rejected 1 (unknown_code 1)" in capsys.readouterr().out
    assert (out / "0037" / "rejected" / "persons.csv").exists()
    (tiny / "persons.csv").write_text("person_id,sex\n")
    assert main(["validate", str(tiny), "--processed", str(out)]) == 2
    assert "birth_date" in capsys.readouterr().err


def test_bsn_delivery_exits_2_and_points_to_pseudonymise(tmp_path, capsys):
    b = make_bsn(np.random.default_rng(9), 2)
    folder = write_delivery(tmp_path / "0037", {"persons": [[x, "2010-01-01", "M"] for x in b]})
    assert main(["validate", str(folder), "--processed", str(tmp_path / "p")]) == 2
    err = capsys.readouterr().err
    assert "workbench pseudonymise" in err and b[0] not in err


def test_synth_then_validate_through_the_console_script(tmp_path):
    bin_dir = __import__("pathlib").Path(sys.executable).parent
    subprocess.run([bin_dir / "workbench", "synth", "--out", tmp_path / "raw", "--municipality", "9907:300",
                    "--messy", "--seed", "3"], check=True, capture_output=True)
    assert (tmp_path / "raw" / "9907" / "messy_manifest.json").exists()
    r = subprocess.run([bin_dir / "workbench", "validate", tmp_path / "raw", "--processed", tmp_path / "p"],
                       capture_output=True, text=True)
    assert r.returncode == 1, r.stderr
    assert "rejected" in r.stdout


def test_pseudonymise_command(tmp_path, monkeypatch, capsys):
    b = make_bsn(np.random.default_rng(2), 1)
    folder = write_delivery(tmp_path / "in", {"persons": [[b[0], "2010-01-01", "M"]],
                                              "residence_periods": [[b[0], "0037", "2010-01-01", ""]]})
    monkeypatch.setenv("WORKBENCH_PSEUDONYM_KEY", "x" * 32)
    assert main(["pseudonymise", str(folder), str(tmp_path / "out" / "0037")]) == 0
    # validates without a rejected row; exit 1 only because this small delivery has no screenings
    # and no specialist care, which `validate` reports as essential tables without rows
    assert main(["validate", str(tmp_path / "out" / "0037"), "--processed", str(tmp_path / "p")]) == 1
    q = json.loads((tmp_path / "p" / "0037" / "quality.json").read_text())
    assert q["rejected"] == 0 and q["accepted"] == 2
    assert "x" * 32 not in capsys.readouterr().out


def test_every_option_explains_itself_with_its_default():
    import argparse
    from analysis.cli import build_parser
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    missing = []
    for name, p in sub.choices.items():
        for a in p._actions:
            if isinstance(a, argparse._HelpAction):
                continue
            text = a.help or ""
            if not text.strip():
                missing.append(f"{name} {a.option_strings or a.dest}: no help")
            elif a.option_strings and a.default not in (None, False) and "default" not in text:
                missing.append(f"{name} {a.option_strings}: default {a.default!r} not told")
    assert not missing, missing


def test_version_names_the_package_and_the_commit(capsys):
    import pytest
    from analysis import __version__
    with pytest.raises(SystemExit) as ex:
        main(["--version"])
    assert ex.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"workbench {__version__} (git ") and out.strip().endswith(")")


def test_publish_needs_an_out_of_its_own_for_a_batch_folder_of_its_own(monkeypatch, tmp_path, capsys):
    import analysis.report.publish as pub
    from analysis import paths
    seen = {}

    def fake(runs, out, **kw):
        seen.update(runs=runs, out=out)
        return pub.Published(out=out, index=out / "index.html")
    monkeypatch.setattr(pub, "publish", fake)
    assert main(["publish"]) == 0
    assert seen == {"runs": paths.RUNS_DIR, "out": paths.REPORTS_DIR}
    assert main(["publish", "--out", str(tmp_path / "site")]) == 0
    assert seen == {"runs": paths.RUNS_DIR, "out": tmp_path / "site"}
    seen.clear()     # another batch folder without --out would replace the default publication: refused
    for cmd in ("publish", "run"):
        assert main([cmd, "--runs", str(tmp_path / "r")]) == 2
        assert "say where its publication goes with --out DIR" in capsys.readouterr().err and not seen
    assert not (tmp_path / "r").exists()
    assert main(["publish", "--runs", str(tmp_path / "r"), "--out", str(tmp_path / "s")]) == 0
    assert seen == {"runs": tmp_path / "r", "out": tmp_path / "s"}


def test_a_municipality_code_without_its_leading_zeros_gets_a_hint(tmp_path):
    import pytest
    from analysis.errors import ParameterError
    from analysis.run.runner import make_units
    (tmp_path / "37").mkdir()
    [u] = make_units([tmp_path / "37"], processed=tmp_path, out=tmp_path)
    assert "write the code as four digits, e.g. '0037'" in u.problem
    with pytest.raises(ParameterError, match="write the code as four digits, e.g. '0037'"):
        from analysis.registry.delivery import check_municipality_code
        check_municipality_code("37", "--municipality")
    assert main(["batch", "--data-dir", str(tmp_path), "--municipality", "37"]) == 2


def test_validate_refuses_a_folder_named_after_another_municipality(tiny, tmp_path, capsys):
    import shutil
    for name in ("9902", "990", "abcd"):
        wrong = tmp_path / name
        shutil.copytree(tiny, wrong)
        assert main(["validate", str(wrong), "--processed", str(tmp_path / "p")]) == 2
        assert "holds the delivery of municipality 0037" in capsys.readouterr().err
    assert not (tmp_path / "p").exists()                 # nothing written, nothing overwritten


def test_bad_workers_and_seed_are_refused_before_anything_runs(tiny, tmp_path, capsys):
    base = ["batch", "--data-dir", str(tiny.parent), "--processed", str(tmp_path / "p"), "--runs", str(tmp_path / "r")]
    for extra, word in ((["--workers", "0"], "--workers"), (["--workers", "-2"], "--workers"), (["--seed", "-1"], "seed")):
        assert main([*base, *extra]) == 2
        assert word in capsys.readouterr().err
    assert not (tmp_path / "p").exists() and not (tmp_path / "r").exists()    # nothing validated, nothing run


def test_synth_takes_a_municipalitys_median_wait_and_writes_its_truth(tmp_path, capsys):
    import pytest
    assert main(["synth", "--out", str(tmp_path), "--municipality", "0037:400:120"]) == 0
    truth = json.loads((tmp_path / "0037" / "ground_truth.json").read_text())
    assert truth["waiting"]["model"]["wait_median_days_without_withdrawal"] == 120.0
    assert truth["waiting"]["median_days"] > 120          # withdrawals compete: the median of starting is later
    assert (tmp_path / "0037" / "requests.csv").exists()
    with pytest.raises(SystemExit):
        main(["synth", "--out", str(tmp_path), "--municipality", "0037:400:0"])
    assert "CODE:CHILDREN:WAIT_DAYS" in capsys.readouterr().err
