"""``workbench pseudonymise``: replace BSNs by keyed pseudonyms before a delivery leaves the municipality.

Each BSN becomes ``HMAC-SHA-256(key, BSN)`` as 64 hexadecimal characters. The same key gives the
same pseudonym in every table of a delivery (and in later deliveries), so the tables stay linked;
without the key the pseudonyms cannot be traced back (an unkeyed hash of a BSN can be: there are
only about 10^8 valid BSNs). The key comes from a file or from the environment variable
``WORKBENCH_PSEUDONYM_KEY``; it is kept by the municipality and never written anywhere.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .. import io
from ..errors import RegistryError
from .bsn import looks_like_bsn
from .readers import ROW, SUFFIXES, read_table_file

KEY_ENV = "WORKBENCH_PSEUDONYM_KEY"
MIN_KEY_BYTES = 16


def load_key(key_file: Path | None = None) -> bytes:
    """The secret key: the file's bytes (trailing newline dropped) or the environment variable."""
    if key_file is not None:
        key = Path(key_file).read_bytes().rstrip(b"\r\n")
        where = str(key_file)
    else:
        key = os.environ.get(KEY_ENV, "").encode()
        where = f"environment variable {KEY_ENV}"
    if len(key) < MIN_KEY_BYTES:
        raise RegistryError(f"the pseudonymisation key from {where} is missing or shorter than "
                            f"{MIN_KEY_BYTES} bytes; make one with: python -c \"import secrets; "
                            "print(secrets.token_hex(32))\" > key.txt (and keep it safe)")
    return key


def pseudonym(key: bytes, bsn: str) -> str:
    """HMAC-SHA-256 of the 9-digit BSN (leading zeros restored)."""
    return hmac.new(key, bsn.strip().zfill(9).encode("ascii"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class PseudonymisedFile:
    file: str
    rows: int
    columns: dict[str, int]  # column → number of values replaced


def pseudonymise_frame(df: pd.DataFrame, key: bytes, columns: list[str] | None = None) -> tuple[pd.DataFrame, dict]:
    """Replace BSN-like values in ``columns`` (default: every column that holds any)."""
    out = df.copy()
    counts = {}
    for col in (columns or [c for c in df.columns if c != ROW]):
        if col not in out.columns:
            raise RegistryError(f"column {col!r} not found", column=col)
        hit = looks_like_bsn(out[col])
        if hit.any():
            cache: dict[str, str] = {}
            out.loc[hit, col] = [cache.setdefault(v, pseudonym(key, v)) for v in out.loc[hit, col]]
            counts[col] = int(hit.sum())
    return out, counts


def pseudonymise_folder(src: Path, dst: Path, key: bytes, columns: list[str] | None = None) -> list[PseudonymisedFile]:
    """Pseudonymise every table file in ``src`` into ``dst`` (CSV as UTF-8 CSV, Parquet as Parquet,
    XLSX as CSV); other files (mapping.yml, delivery.yml) are copied unchanged."""
    src, dst = Path(src), Path(dst)
    if src.resolve() == dst.resolve():
        raise RegistryError("the output folder must differ from the input folder", file=str(dst))
    done = []
    for path in sorted(src.iterdir()):
        if path.is_dir():
            continue
        if path.suffix.lower() not in SUFFIXES:
            dst.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dst / path.name)
            continue
        df, info = read_table_file(path)
        out, counts = pseudonymise_frame(df, key, [c for c in (columns or []) if c in df.columns] or None)
        out = out.drop(columns=[ROW])
        if path.suffix.lower() == ".parquet":
            io.write_parquet(dst / path.name, out)
        else:
            sep = {"comma": ",", "semicolon": ";", "tab": "\t"}.get(info.get("separator", "comma"), ",")
            target = dst / (path.stem + (".csv" if path.suffix.lower() == ".xlsx" else path.suffix))
            io.write_text(target, out.to_csv(index=False, sep=sep, lineterminator="\n"))
        done.append(PseudonymisedFile(path.name, len(out), counts))
    return done
