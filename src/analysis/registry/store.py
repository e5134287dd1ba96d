"""Where a validated registry lives: ``data/processed/<code>/``.

``registry/<table>.parquet`` (accepted rows, typed and merged), ``rejected/<table>.csv`` (every
rejected row with file, row, column and rule; identifiers masked), ``quality.json`` (counts, with
input = accepted + rejected checked) and ``delivery.json``.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from .. import io
from ..errors import WorkbenchError
from .schema import FORMAT
from .validate import ValidationResult


def save(result: ValidationResult, base: Path) -> Path:
    """Write the validated registry of one municipality under ``base/<code>/``; returns that folder."""
    folder = Path(base) / result.code
    quality = result.quality()
    for name, t in quality["tables"].items():
        if not t["balanced"]:  # cannot happen unless the validator is wrong: never write such a result
            raise WorkbenchError(f"{name}: {t['rows_in']} rows in, but {t['accepted']} accepted + "
                                 f"{t['rejected']} rejected")
    for name, t in result.tables.items():
        io.write_parquet(folder / "registry" / f"{name}.parquet", t.accepted)
        rejected = folder / "rejected" / f"{name}.csv"
        if len(t.rejected):
            io.write_csv(rejected, t.rejected)
        elif rejected.exists():
            rejected.unlink()
    delivery = {k: (str(v) if not isinstance(v, (bool, int, dict, list)) else v) for k, v in result.delivery.items()}
    io.write_json(folder / "delivery.json", delivery)
    io.write_json(folder / "quality.json", quality)
    return folder


def load_registry(code: str, base: Path, columns: dict[str, list[str]] | None = None) -> dict[str, pd.DataFrame]:
    """The accepted tables of a validated registry (``columns``: per table, only those of its
    columns that the file has; the other tables whole)."""
    folder = Path(base) / code / "registry"
    if not folder.is_dir():
        raise WorkbenchError(f"no validated registry in {folder}: run `workbench validate` first")

    def read(name: str) -> pd.DataFrame:
        path = folder / f"{name}.parquet"
        if not path.exists() and not FORMAT.tables[name].required:   # validated before the table existed
            return pd.DataFrame({c: pd.Series(dtype=object) for c in FORMAT.tables[name].columns})
        if columns is None or name not in columns:
            return pd.read_parquet(path)
        import pyarrow.parquet as pq
        have = set(pq.read_schema(path).names)
        return pd.read_parquet(path, columns=[c for c in columns[name] if c in have])
    return {name: read(name) for name in FORMAT.tables}


def registry_sha256(quality: dict) -> str:
    """One hash over the input files of a delivery: the tables' SHA-256s in table order, and those
    of delivery.yml and mapping.yml (a changed recode changes the registry)."""
    import hashlib
    parts = [f"{n}:{t['source'].get('sha256', '')}" for n, t in sorted(quality["tables"].items())]
    parts += [f"{n}:{h}" for n, h in sorted(quality.get("metadata_sha256", {}).items())]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def load_quality(code: str, base: Path) -> dict:
    return json.loads((Path(base) / code / "quality.json").read_text(encoding="utf-8"))


def load_rejected(code: str, base: Path) -> pd.DataFrame:
    """All rejected rows of all tables, with a ``table`` column."""
    folder = Path(base) / code / "rejected"
    frames = [pd.read_csv(f, dtype=str, keep_default_na=False).assign(table=f.stem)
              for f in sorted(folder.glob("*.csv"))] if folder.is_dir() else []
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["table", "rule"])
