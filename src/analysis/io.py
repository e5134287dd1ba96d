"""Writing files atomically (temporary file, then rename), so a crash never leaves half a file;
and switching a whole folder at once (:func:`switch_folder`)."""
from __future__ import annotations

import ctypes
import errno
import json
import os
import tempfile
from pathlib import Path

import pandas as pd

from .procs import fault_point


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


UMASK = _umask()


def write_bytes(path: Path, data: bytes) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, 0o666 & ~UMASK)     # as a file written in place would be (mkstemp makes it 0600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_text(path: Path, text: str) -> Path:
    return write_bytes(path, text.encode("utf-8"))


def write_json(path: Path, obj) -> Path:
    return write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, sort_keys=False) + "\n")


def write_csv(path: Path, df: pd.DataFrame) -> Path:
    return write_text(path, df.to_csv(index=False, lineterminator="\n"))


def write_parquet(path: Path, df: pd.DataFrame) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    df.to_parquet(tmp, index=False)
    os.replace(tmp, path)
    return path


_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``): at every moment each path
    holds one of the two, whole. False where the system or the file system cannot do it."""
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    if fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.EPERM):
        return False
    raise OSError(err, os.strerror(err), str(b))


def make_folder(parent: Path, prefix: str) -> Path:
    """A new, uniquely named folder with the permissions of any other (mkdtemp makes it 0700)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    os.chmod(folder, 0o777 & ~UMASK)
    return folder


def switch_folder(new: Path, target: Path, old: Path, *, exchange_ok: bool | None = None) -> None:
    """Put folder ``new`` at ``target`` in one rename; what was at ``target`` ends at ``old``.

    A reader of ``target`` sees the old folder or the new one, never a mix: where the two can be
    exchanged atomically that is what happens; elsewhere ``target`` is moved aside and ``new`` moved
    in (two renames, between which ``target`` briefly does not exist; :func:`finish_switch` puts
    ``new`` in place when a process was killed between them)."""
    new, target, old = Path(new), Path(target), Path(old)
    if exchange_ok is None:      # WORKBENCH_SWITCH=rename: the two renames even where exchange works
        exchange_ok = os.environ.get("WORKBENCH_SWITCH", "exchange") != "rename"
    if not target.exists() and not target.is_symlink():
        os.rename(new, target)
    elif exchange_ok and exchange(new, target):
        os.rename(new, old)
    else:
        os.rename(target, old)
        fault_point("publish_switch_between")
        os.rename(new, target)


def finish_switch(new: Path, target: Path) -> bool:
    """After a kill: ``new`` (a folder that was ready) goes to ``target`` when ``target`` is missing,
    which happens only between the two renames of :func:`switch_folder`. True if it did."""
    if Path(new).is_dir() and not Path(target).exists() and not Path(target).is_symlink():
        os.rename(new, target)
        return True
    return False
