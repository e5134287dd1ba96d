"""One batch or publish at a time per folder; a lock of a dead process is taken over."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from analysis.lock import LOCK_NAME, FolderLocked, folder_lock
from analysis.report.publish import publish
from analysis.run.runner import batch, make_units

HOLD = ("import sys, time; from analysis.lock import folder_lock\n"
        "with folder_lock(sys.argv[1], 'batch'):\n    print('held', flush=True); time.sleep(120)\n")


@pytest.fixture
def holder(tmp_path):
    """Another process holding the lock on tmp_path/reports."""
    p = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path / "reports")], stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "held"
    yield p
    p.kill()
    p.wait()


def test_a_second_batch_and_a_publish_are_refused_naming_the_holder(holder, tmp_path):
    (tmp_path / "0037").mkdir()
    units = make_units([tmp_path / "0037"], processed=tmp_path / "processed", out=tmp_path / "reports")
    with pytest.raises(FolderLocked, match=rf"process {holder.pid} .*started 20\d\d-"):
        batch(units, progress=False)
    with pytest.raises(FolderLocked, match="workbench batch"):
        publish(tmp_path / "reports", tmp_path / "site", processed=tmp_path / "processed")
    assert not (tmp_path / "reports" / "0037").exists()          # refused before anything ran


def test_a_lock_left_by_a_killed_process_is_taken_over(holder, tmp_path):
    os.kill(holder.pid, signal.SIGKILL)
    holder.wait()
    lock = tmp_path / "reports" / LOCK_NAME
    assert json.loads(lock.read_text())["pid"] == holder.pid       # left behind by kill -9
    with folder_lock(tmp_path / "reports", "publish"):
        assert json.loads(lock.read_text())["pid"] == os.getpid()
    assert not lock.exists()                                       # and released after use


def test_a_reused_process_id_does_not_keep_a_stale_lock(tmp_path):
    lock = tmp_path / LOCK_NAME
    # our own pid, but another start time: the process that wrote it is gone
    lock.write_text(json.dumps({"pid": os.getppid(), "start_ticks": "1", "host": os.uname().nodename,
                                "what": "batch", "started": "2026-01-01 00:00:00"}))
    with folder_lock(tmp_path, "batch"):
        pass
    assert not lock.exists()
