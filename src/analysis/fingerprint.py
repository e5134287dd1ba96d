"""Fingerprints: what a number depends on, as hashes.

One place computes the hash of a file, of the package's code and of the package versions, and
one function (:func:`key`) combines them with the parameters and data hashes of a computation.
The analysis cache (:mod:`analysis.study.results`) and the batch's unit skip
(:mod:`analysis.run.runner`) both use :func:`key`, so they cannot disagree on what "unchanged"
means, and neither can forget the code: every key includes the code's hash (the one provenance
records as ``code_sha256``). The notebooks have a hash of their own: they change the appendices
and so the unit's key, not the cached numbers (editing a notebook in JupyterLab does not throw
away a bootstrap that took minutes).
"""
from __future__ import annotations

import hashlib
import json
import sys
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from . import __version__, paths

# the packages whose versions can change a number or a rendered page
PACKAGES = ("pandas", "numpy", "scipy", "statsmodels", "lifelines", "pyarrow", "matplotlib", "papermill",
            "nbformat", "nbconvert", "ipykernel")

_PACKAGE_DIR = Path(__file__).resolve().parent
_file_cache: dict[Path, tuple[int, int, str]] = {}


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _hash_cached(path: Path) -> str:
    """A file's hash, recomputed whenever its size or modification time changes."""
    st = path.stat()
    hit = _file_cache.get(path)
    if hit and hit[:2] == (st.st_mtime_ns, st.st_size):
        return hit[2]
    digest = file_sha256(path)
    _file_cache[path] = (st.st_mtime_ns, st.st_size, digest)
    return digest


def code_files() -> list[Path]:
    """The package's source: its Python modules and the format definition (YAML)."""
    return sorted(p for p in [*_PACKAGE_DIR.rglob("*.py"), *_PACKAGE_DIR.rglob("*.yaml")]
                  if "__pycache__" not in p.parts)


def _digest(files: list[Path], base: Path) -> str:
    h = hashlib.sha256()
    for p in files:
        try:
            rel = p.relative_to(base).as_posix()
        except ValueError:
            rel = p.name
        h.update(rel.encode() + b"\0" + _hash_cached(p).encode() + b"\n")
    return h.hexdigest()


def code_sha256() -> str:
    """SHA-256 over the package's source as it is on disk *now*: what every number depends on.

    Not cached for the life of the process: a researcher who edits a module in JupyterLab
    (autoreload) gets a new hash at the next call. Unchanged files are not read again.
    """
    return _digest(code_files(), _PACKAGE_DIR)


def notebooks_sha256() -> str:
    """SHA-256 over the notebooks: what the appendices (not the numbers) depend on besides the code."""
    return _digest(sorted(paths.NOTEBOOKS_DIR.glob("*.ipynb")), paths.NOTEBOOKS_DIR)


@lru_cache(maxsize=1)
def package_versions() -> dict[str, str | None]:
    out = {"python": ".".join(map(str, sys.version_info[:3])), "analysis": __version__}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = None
    return out


def key(kind: str, **parts) -> str:
    """The key of a cached or skipped result: its kind and parts (parameters, data hashes), the
    package's code hash and the package versions. Parts must be JSON values."""
    payload = {"kind": kind, "parts": parts, "code": code_sha256(), "packages": package_versions()}
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
