"""Where every published number came from: code, inputs, packages, parameters, seed.

No clock times here: the same inputs, code and parameters give the same provenance, so that
``results.json`` is byte-identical across reruns (run times live in the batch summary).
"""
from __future__ import annotations

import subprocess
from functools import lru_cache
from pathlib import Path

from .. import paths
from ..fingerprint import code_sha256, file_sha256, notebooks_sha256, package_versions


def input_roles(folder: Path, hashes: dict[str, str]) -> dict[str, str]:
    """The input files' hashes keyed by what each file *is*, never by the municipality's own file
    names (which may hold anything, a BSN included): the format's table a file delivers (by its
    uniform name or through mapping.yml), ``delivery.yml``, ``mapping.yml``, ``ground_truth.json``,
    else ``other_file_<k>``."""
    from ..registry.mapping import load_mapping
    from ..registry.schema import FORMAT
    try:
        mapped = {tm.file: name for name, tm in load_mapping(Path(folder)).tables.items() if tm.file}
    except Exception:     # an unreadable mapping.yml fails validation with its own message
        mapped = {}
    out, k = {}, 0
    for rel in sorted(hashes):
        stem = Path(rel).stem
        if rel in mapped:
            role = mapped[rel]
        elif Path(rel).parent == Path(".") and stem in FORMAT.tables:
            role = stem
        elif rel in paths.METADATA_FILES:
            role = rel
        else:
            k += 1
            role = f"other_file_{k}"
        while role in out:     # two files for one table: the validator refuses it; keep both here
            role += "+"
        out[role] = hashes[rel]
    return out


def input_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file of a delivery folder (hidden files left out), by relative path."""
    folder = Path(folder)
    return {str(p.relative_to(folder)): file_sha256(p) for p in sorted(folder.rglob("*"))
            if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)}


def _git(*args: str) -> str | None:
    try:
        r = subprocess.run(["git", "-C", str(paths.PROJECT_ROOT), *args], capture_output=True, text=True,
                           timeout=20, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return r.stdout.strip()


@lru_cache(maxsize=1)
def git_state() -> dict:
    """The commit of the checkout and whether tracked or new (not ignored) files differ from it."""
    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain") if commit else None
    return {"git_commit": commit, "git_dirty": bool(status) if status is not None else None}


def applied_mapping(folder: Path) -> dict:
    """What the delivery's ``mapping.yml`` does (:meth:`analysis.registry.mapping.Mapping.summary`):
    empty for a delivery in the uniform format."""
    from ..registry.mapping import load_mapping
    try:
        return load_mapping(Path(folder)).summary()
    except Exception:     # an unreadable mapping.yml fails validation with its own message
        return {}


def provenance(inputs: dict[str, str], parameters: dict, seed: int | None, mapping: dict | None = None) -> dict:
    """The provenance block of one municipality's appendices and ``results.json``; ``mapping``: the
    applied mapping (:func:`applied_mapping`), besides ``mapping.yml``'s hash among the inputs."""
    return {**git_state(), "code_sha256": code_sha256(), "notebooks_sha256": notebooks_sha256(),
            "input_files_sha256": dict(sorted(inputs.items())), "mapping": mapping or {},
            "packages": package_versions(), "parameters": parameters, "seed": seed}
