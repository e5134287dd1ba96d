"""Faults during a batch leave nothing behind: kill -9 of the parent takes its pool workers,
their bootstrap workers and kernels with it, and a rerun gives the same results as a clean run."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from analysis import io
from analysis.lock import LOCK_NAME
from analysis.procs import children

from conftest import _synth


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return stat[0] != "Z"


def _batch_cmd(base: Path, *extra: str) -> list[str]:
    exe = Path(sys.executable).parent / "workbench"
    return [str(exe), "batch", "--data-dir", str(base / "raw"), "--processed", str(base / "processed"),
            "--runs", str(base / "reports"), "--n-boot", "20", "--n-boot-sensitivity", "20", *extra]


@pytest.mark.slow
def test_kill_9_of_the_batch_takes_its_workers_and_kernels_along_and_a_rerun_is_clean(tmp_path):
    _synth(tmp_path / "raw", "9921", 600, 21)
    _synth(tmp_path / "raw", "9922", 600, 22)
    p = subprocess.Popen(_batch_cmd(tmp_path, "--workers", "2"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    # wait until the pool workers run their kernels
    deadline = time.time() + 120
    kids: list[int] = []
    while time.time() < deadline:
        kids = children(p.pid)
        cmdlines = " ".join(Path(f"/proc/{k}/cmdline").read_text(errors="replace") for k in kids if _alive(k))
        if "ipykernel" in cmdlines:
            break
        time.sleep(0.5)
    assert "ipykernel" in cmdlines, "no kernel started"
    os.kill(p.pid, signal.SIGKILL)
    p.wait()
    deadline = time.time() + 30
    while time.time() < deadline and any(_alive(k) for k in kids):
        time.sleep(0.5)
    assert not [k for k in kids if _alive(k)], "processes outlived the killed batch"
    assert (tmp_path / "reports" / LOCK_NAME).exists()           # the dead batch's lock is still there ...
    r = subprocess.run(_batch_cmd(tmp_path, "--workers", "2"), capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]                    # ... and taken over by the rerun
    after_kill = {c: (tmp_path / "reports" / c / "results.json").read_bytes() for c in ("9921", "9922")}
    r = subprocess.run(_batch_cmd(tmp_path, "--workers", "2", "--force"), capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    for c in ("9921", "9922"):                                      # identical to a clean (forced) run
        assert (tmp_path / "reports" / c / "results.json").read_bytes() == after_kill[c]
        assert json.loads(after_kill[c])["municipality"] == c


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
            and not p.name.startswith(".")}


@pytest.mark.slow
@pytest.mark.parametrize("stage", ["validation", "publish_staging", "publish_switch", "publish_switch_between"])
def test_kill_9_at_a_stage_then_a_rerun_gives_the_clean_run_byte_for_byte(stage, tmp_path_factory):
    base = tmp_path_factory.getbasetemp() / "faults_clean"
    if not (base / "site").exists():                   # one clean run, shared by the stages
        _synth(base / "raw", "9931", 300, 31)
        r = subprocess.run([*_batch_cmd(base), "--workers", "1"], capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, r.stderr[-2000:]
        exe = Path(sys.executable).parent / "workbench"
        r = subprocess.run([str(exe), "publish", "--runs", str(base / "reports"), "--out", str(base / "site")],
                           capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, r.stderr[-2000:]
    work = tmp_path_factory.mktemp(stage)
    shutil_copy = __import__("shutil").copytree
    exe = Path(sys.executable).parent / "workbench"
    # publish_switch_between: a file system without an atomic exchange, killed between the two renames
    env = {**os.environ, "WORKBENCH_FAULT": stage, "WORKBENCH_SWITCH": "rename" if "between" in stage else "exchange"}
    if stage == "validation":
        shutil_copy(base / "raw", work / "raw")
        r = subprocess.run(_batch_cmd(work), env=env, capture_output=True, text=True, timeout=900)
        assert r.returncode == -signal.SIGKILL
        r = subprocess.run(_batch_cmd(work), capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, r.stderr[-2000:]
        assert (work / "reports" / "9931" / "results.json").read_bytes() == \
            (base / "reports" / "9931" / "results.json").read_bytes()
        return
    shutil_copy(base / "reports", work / "reports")
    shutil_copy(base / "processed", work / "processed")
    for c in work.glob("reports/*/unit.json"):          # the copy's registry is where the copy is
        u = json.loads(c.read_text())
        u["processed"] = str(work / "processed")
        c.write_text(json.dumps(u))
    shutil_copy(base / "site", work / "site")            # an earlier publication, told apart by its index
    (work / "site" / "index.html").write_text((base / "site" / "index.html").read_text() + "<!-- earlier -->")
    (work / "site" / "9999").mkdir()                      # and a municipality the new one no longer has
    (work / "site" / "9999" / "02_survival.html").write_text("<p>earlier</p>")
    earlier = _tree(work / "site")
    cmd = [str(exe), "publish", "--runs", str(work / "reports"), "--out", str(work / "site")]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == -signal.SIGKILL
    staging = work / ".site.publish"
    left = {p.name for p in staging.iterdir()}
    if stage == "publish_switch_between":    # the earlier publication moved aside, the new one not yet in
        assert not (work / "site").exists() and left == {LOCK_NAME, "ready", "previous"}
    else:                                    # the earlier publication whole, not one file of the new one
        assert _tree(work / "site") == earlier
        if stage == "publish_switch":        # complete and scanned, not yet switched
            assert left == {LOCK_NAME, "ready"}
        else:                                # killed while staging: unscanned files only in the staging folder
            assert LOCK_NAME in left and len([n for n in left if n.startswith("stage-")]) == 1 and len(left) == 2
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-2000:]
    assert _tree(work / "site") == _tree(base / "site")        # the clean publication, byte for byte
    mode = lambda f: f.stat().st_mode & 0o777                   # noqa: E731   readable like any other folder
    assert mode(work / "site") == 0o777 & ~io.UMASK and mode(work / "site" / "index.html") == 0o666 & ~io.UMASK
    assert not list(staging.iterdir())                         # no staging, no lock left
    assert not [p for p in work.iterdir() if ".kept-" in p.name]   # an earlier publication is not kept


@pytest.mark.slow
def test_a_publish_and_a_second_batch_during_a_batch_are_refused(tmp_path):
    _synth(tmp_path / "raw", "9941", 300, 41)
    first = subprocess.Popen(_batch_cmd(tmp_path), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = tmp_path / "reports" / LOCK_NAME
    deadline = time.time() + 60
    while time.time() < deadline and not lock.exists():
        time.sleep(0.2)
    assert lock.exists()
    exe = Path(sys.executable).parent / "workbench"
    pub = subprocess.run([str(exe), "publish", "--runs", str(tmp_path / "reports"), "--out", str(tmp_path / "site")],
                         capture_output=True, text=True, timeout=120)
    again = subprocess.run(_batch_cmd(tmp_path), capture_output=True, text=True, timeout=120)
    out, err = first.communicate(timeout=900)
    for r in (pub, again):
        assert r.returncode == 2 and f"process {first.pid} " in r.stderr and "`workbench batch`" in r.stderr, r.stderr
    assert first.returncode == 0, err[-2000:]
    assert json.loads((tmp_path / "reports" / "9941" / "unit.json").read_text())["status"] == "ok"
    assert not (tmp_path / "site").exists()                          # the refused publish wrote nothing
    assert not lock.exists()
