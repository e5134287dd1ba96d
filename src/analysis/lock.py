"""One process at a time per folder: a lock file that names its holder.

A second ``workbench batch`` or ``publish`` on the same data or reports folder is refused with a
message that names the process holding it and when it started. A lock left by a process that no
longer runs (killed, machine restarted) is taken over. The process is recognised by its id *and*
its start time, so a new process that got the old id does not keep a stale lock alive.
"""
from __future__ import annotations

import json
import os
import socket
import time
from contextlib import contextmanager, ExitStack
from pathlib import Path

from .errors import WorkbenchError

LOCK_NAME = ".workbench.lock"


class FolderLocked(WorkbenchError):
    """Another running workbench process holds the folder."""


def _start_ticks(pid: int) -> str | None:
    """The process's start time in clock ticks since boot (Linux), None where unknown."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _alive(holder: dict) -> bool:
    pid = holder.get("pid")
    if not isinstance(pid, int) or holder.get("host") != socket.gethostname():
        return holder.get("host") != socket.gethostname() and bool(holder.get("host"))   # another machine: trust it
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    ticks = _start_ticks(pid)
    return ticks is None or holder.get("start_ticks") in (None, ticks)


@contextmanager
def folder_lock(folder: Path, what: str):
    """Hold ``folder/.workbench.lock`` for the duration of the block; refuse when a live process has it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / LOCK_NAME
    me = {"pid": os.getpid(), "start_ticks": _start_ticks(os.getpid()), "host": socket.gethostname(),
          "what": what, "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    for _ in range(3):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                holder = json.loads(path.read_text(encoding="utf-8") or "{}")
            except (OSError, ValueError):
                holder = {}
            if holder and _alive(holder):
                raise FolderLocked(
                    f"{folder} is in use by `workbench {holder.get('what', '?')}` (process {holder.get('pid')} on "
                    f"{holder.get('host')}, started {holder.get('started')}): wait until it has finished, or stop "
                    "that process; a lock of a process that no longer runs is taken over by itself") from None
            if not holder and time.time() - path.stat().st_mtime < 5:   # being written right now
                time.sleep(0.2)
                continue
            path.unlink(missing_ok=True)      # stale: its process is gone
            continue
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(me, fh)
        break
    else:
        raise FolderLocked(f"{folder}: could not take the lock {path}")
    try:
        yield path
    finally:
        try:
            if json.loads(path.read_text(encoding="utf-8")).get("pid") == me["pid"]:
                path.unlink()
        except (OSError, ValueError):
            pass


@contextmanager
def folder_locks(folders, what: str):
    """Locks on several folders (each once, in a fixed order so that two processes cannot deadlock)."""
    with ExitStack() as stack:
        for f in sorted({Path(f).resolve() for f in folders}):
            stack.enter_context(folder_lock(f, what))
        yield
