"""Child processes that never outlive the workbench process that started them."""
from __future__ import annotations

import ctypes
import os
import signal
import sys
from pathlib import Path

_PR_SET_PDEATHSIG = 1


def children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (deepest first), from /proc."""
    out = []
    try:
        for d in Path("/proc").iterdir():
            if d.name.isdigit():
                try:
                    stat = (d / "stat").read_text().rsplit(")", 1)[1].split()
                except OSError:
                    continue
                if int(stat[1]) == pid:
                    out += children(int(d.name)) + [int(d.name)]
    except OSError:
        pass
    return out


def stop_children(pid: int) -> None:
    """SIGTERM to every descendant of ``pid`` (kernels, bootstrap workers), deepest first."""
    for child in children(pid):
        try:
            os.kill(child, signal.SIGTERM)
        except OSError:
            pass


def _stop_and_exit(signum, frame):
    """Stop this process's own children first, then exit."""
    stop_children(os.getpid())
    os._exit(128 + signum)


def die_with_parent() -> None:
    """Initializer of a pool worker: when the parent dies (even by ``kill -9``) the kernel sends
    this worker SIGTERM, and the worker stops its own children before it exits (Linux; elsewhere
    a no-op). Without it a worker finishes its unit for nobody and then waits for ever."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        return
    signal.signal(signal.SIGTERM, _stop_and_exit)
    if os.getppid() == 1:      # the parent died before prctl took effect
        _stop_and_exit(signal.SIGTERM, None)


FAULT_ENV = "WORKBENCH_FAULT"


def fault_point(name: str) -> None:
    """Fault injection for the test suite: ``WORKBENCH_FAULT=<name>`` kills this process here with
    SIGKILL (what a power cut or the out-of-memory killer does), so that tests can check that every
    stage leaves a state the next run repairs. Does nothing unless the variable names this point."""
    if os.environ.get(FAULT_ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
