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
            "--out", str(base / "reports"), "--n-boot", "20", "--n-boot-sensitivity", "20", *extra]


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
    assert not list((tmp_path / "reports").glob(".publish-*"))
