"""``workbench pseudonymise``: replace BSNs by keyed pseudonyms before a delivery leaves the municipality.

Each identifier becomes ``HMAC-SHA-256(key, BSN)`` as 64 hexadecimal characters. The same key gives
the same pseudonym in every table of a delivery (and in later deliveries), so the tables stay
linked; without the key the pseudonyms cannot be traced back (an unkeyed hash of a BSN can be:
there are only about 10^8 valid BSNs). The key comes from a file or from the environment variable
``WORKBENCH_PSEUDONYM_KEY``; it is kept by the municipality and never written anywhere.

Only the **identifier columns** are touched: the columns named with ``--column``, else the columns
that ``mapping.yml`` maps to ``person_id``, else the uniform format's ``person_id``. Every other
byte of a CSV stays as it was (encoding, separator, quoting, line ends); an XLSX stays an XLSX and
a Parquet file a Parquet file, with the same name, so ``mapping.yml`` and ``delivery.yml`` still
fit and are copied unchanged. A BSN-like value (9 digits passing the elfproef) anywhere else is
reported with its file, row and column and nothing is written: dates (``jjjjmmdd``), AGB codes
and other 8-digit numbers are never taken for BSNs there.
"""
from __future__ import annotations

import csv
import hashlib
import hmac
import io as _io
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import BSNFoundError, RegistryError
from .bsn import looks_like_bsn
from .mapping import load_mapping
from .readers import ROW, SUFFIXES, decode, read_table_file, sniff_delimiter
from .schema import FORMAT

KEY_ENV = "WORKBENCH_PSEUDONYM_KEY"
MIN_KEY_BYTES = 16
_PSEUDONYM = re.compile(r"[0-9a-f]{64}")


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
    """HMAC-SHA-256 of the identifier (a BSN with its leading zeros restored)."""
    v = bsn.strip()
    if v.isdigit() and len(v) < 9:
        v = v.zfill(9)
    return hmac.new(key, v.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class PseudonymisedFile:
    file: str
    rows: int
    columns: dict[str, int]                                    # identifier column → values replaced
    not_bsn: dict[str, int] = field(default_factory=dict)      # of those, values that fail the elfproef


def identifier_columns(folder: Path, columns: list[str] | None = None) -> dict[str, set[str]]:
    """Per table file name: the columns that hold person identifiers.

    ``columns`` given: those, in every table file that has them. Otherwise the columns that
    ``mapping.yml`` maps to ``person_id`` (in the file it names for each table) and, for the
    uniform format's own file names, ``person_id``."""
    folder = Path(folder)
    files = [p for p in sorted(folder.iterdir()) if p.is_file() and p.suffix.lower() in SUFFIXES]
    if columns:
        return {p.name: set(columns) for p in files}
    out: dict[str, set[str]] = {}
    mapping = load_mapping(folder)
    for name, tm in mapping.tables.items():
        if tm.file:
            ids = {src for src, dst in tm.columns.items() if dst == "person_id"}
            out.setdefault(tm.file, set()).update(ids or {"person_id"})
    uniform = {t for t in FORMAT.tables}
    for p in files:
        if p.stem in uniform and p.name not in out:
            tm = mapping.table(p.stem)
            ids = {src for src, dst in tm.columns.items() if dst == "person_id"}
            out[p.name] = ids or {"person_id"}
    return out


def _stray_bsns(df: pd.DataFrame, ids: set[str], file: str) -> list[str]:
    """Places outside the identifier columns where a value is 9 digits passing the elfproef."""
    found = []
    for col in df.columns:
        if col == ROW or col in ids:
            continue
        hit = looks_like_bsn(df[col], padded_8=False)
        for r in df.loc[hit, ROW].head(5):
            found.append(f"file {file}, row {int(r)}, column {col!r}")
        if hit.sum() > 5:
            found.append(f"file {file}, column {col!r}: {int(hit.sum()) - 5} more")
    return found


def _mapper(key: bytes):
    cache: dict[str, str] = {}

    def f(v: str) -> str:
        if v is None or str(v).strip() == "":
            return v
        s = str(v)
        if s not in cache:
            cache[s] = pseudonym(key, s)
        return cache[s]
    return f


def _check_ids(df: pd.DataFrame, ids: set[str], file: str) -> dict[str, int]:
    """Identifier columns must exist and must not hold pseudonyms already; returns per column
    the number of filled values that fail the elfproef (pseudonymised all the same)."""
    not_bsn = {}
    for col in ids:
        if col not in df.columns:
            raise RegistryError(f"identifier column {col!r} not found (columns: {[c for c in df.columns if c != ROW]})",
                                file=file, column=col)
        vals = df[col].astype(str).str.strip()
        filled = vals != ""
        already = vals.str.fullmatch(_PSEUDONYM) & filled
        if already.any():
            r = int(df.loc[already.idxmax(), ROW])
            raise RegistryError("holds 64-character pseudonyms already: this delivery was pseudonymised "
                                "before (pseudonymising twice breaks the link with later deliveries)",
                                file=file, row=r, column=col)
        bad = int((filled & ~looks_like_bsn(vals, padded_8=True)).sum())
        if bad:
            not_bsn[col] = bad
    return not_bsn


def _csv_text(path: Path, ids: set[str], key: bytes) -> tuple[bytes, int, dict[str, int]]:
    """The CSV with only the identifier fields replaced; every other byte as it was."""
    data = path.read_bytes()
    text, encoding = decode(data, str(path))
    bom = data.startswith(b"\xef\xbb\xbf")
    header = text.split("\n", 1)[0]
    sep = sniff_delimiter(header)
    f = _mapper(key)
    counts: dict[str, int] = {}
    if '"' not in text:
        lines = text.splitlines(keepends=True)
        head = [h.strip() for h in lines[0].rstrip("\r\n").split(sep)]
        idx = {head.index(c): c for c in ids if c in head}
        out = [lines[0]]
        for line in lines[1:]:
            body = line.rstrip("\r\n")
            end = line[len(body):]
            fields = body.split(sep)
            for i, c in idx.items():
                if i < len(fields) and fields[i].strip():
                    fields[i] = f(fields[i])
                    counts[c] = counts.get(c, 0) + 1
            out.append(sep.join(fields) + end)
        new = "".join(out)
    else:   # quoted fields (perhaps with line breaks): through the csv module, minimal quoting
        term = "\r\n" if "\r\n" in text else "\n"
        rows = list(csv.reader(_io.StringIO(text, newline=""), delimiter=sep))
        head = [h.strip() for h in rows[0]]
        idx = {head.index(c): c for c in ids if c in head}
        for row in rows[1:]:
            for i, c in idx.items():
                if i < len(row) and row[i].strip():
                    row[i] = f(row[i])
                    counts[c] = counts.get(c, 0) + 1
        buf = _io.StringIO(newline="")
        csv.writer(buf, delimiter=sep, lineterminator=term).writerows(rows)
        new = buf.getvalue()
        if not text.endswith(("\n", "\r")):
            new = new[: -len(term)]
    enc = "utf-8-sig" if bom else ("cp1252" if encoding == "windows-1252" else "utf-8")
    return new.encode(enc), len(text.splitlines()) - 1, counts


def _xlsx(path: Path, target: Path, ids: set[str], key: bytes) -> dict[str, int]:
    """Every sheet of the workbook, identifier cells replaced in place (formats and other cells kept)."""
    from openpyxl import load_workbook
    wb = load_workbook(path)
    f = _mapper(key)
    counts: dict[str, int] = {}
    for ws in wb.worksheets:
        header = [str(c.value).strip() if c.value is not None else "" for c in next(ws.iter_rows(max_row=1), [])]
        for col in ids:
            if col not in header:
                continue
            j = header.index(col) + 1
            for (cell,) in ws.iter_rows(min_row=2, min_col=j, max_col=j):
                if cell.value is not None and str(cell.value).strip():
                    v = cell.value
                    s = str(int(v)) if isinstance(v, float) and v.is_integer() else str(v)
                    cell.value = f(s)
                    cell.number_format = "@"
                    counts[col] = counts.get(col, 0) + 1
    wb.save(target)
    return counts


def _parquet(path: Path, target: Path, ids: set[str], key: bytes) -> dict[str, int]:
    import pyarrow as pa
    import pyarrow.parquet as pq
    table = pq.read_table(path)
    f = _mapper(key)
    counts = {}
    for col in ids:
        if col in table.column_names:
            vals = [None if v is None else f(str(v)) for v in table.column(col).to_pylist()]
            counts[col] = sum(v is not None and v != "" for v in vals)
            table = table.set_column(table.column_names.index(col), col, pa.array(vals, pa.string()))
    pq.write_table(table, target)
    return counts


def pseudonymise_folder(src: Path, dst: Path, key: bytes, columns: list[str] | None = None) -> list[PseudonymisedFile]:
    """Pseudonymise the identifier columns of every table file in ``src`` into ``dst``.

    Raises :class:`BSNFoundError` (and writes nothing) when a BSN-like value stands outside the
    identifier columns; :class:`RegistryError` when an identifier column is missing."""
    src, dst = Path(src), Path(dst)
    if not src.is_dir():
        raise RegistryError("not a folder", file=str(src))
    if src.resolve() == dst.resolve():
        raise RegistryError("the output folder must differ from the input folder", file=str(dst))
    id_cols = identifier_columns(src, columns)
    if not id_cols:
        raise RegistryError("no table file with a person identifier found: name the column with --column, "
                            "or describe the export in mapping.yml (a column mapped to person_id)", file=str(src))
    # first read and check everything: a refused delivery writes nothing
    plan, stray = [], []      # per file: (path, identifier columns it has, values failing the elfproef)
    for path in sorted(p for p in src.iterdir() if p.is_file()):
        if path.suffix.lower() not in SUFFIXES:
            plan.append((path, set(), {}))
            continue
        ids = id_cols.get(path.name, set())
        sheets = [None]
        if path.suffix.lower() == ".xlsx":
            from openpyxl import load_workbook
            sheets = load_workbook(path, read_only=True).sheetnames
        present: set[str] = set()
        not_bsn: dict[str, int] = {}
        first = None
        for sheet in sheets:
            df, _ = read_table_file(path, sheet)
            first = df if first is None else first
            here = {c for c in ids if c in df.columns}
            stray += _stray_bsns(df, here, str(path) + (f" (sheet {sheet})" if sheet else ""))
            for c, n in _check_ids(df, here, str(path)).items():
                not_bsn[c] = not_bsn.get(c, 0) + n
            present |= here
        if ids and not present and not columns:
            _check_ids(first, ids, str(path))          # names the missing identifier column
        plan.append((path, present, not_bsn))          # a table without identifiers is copied as it is
    if stray:
        raise BSNFoundError("BSN-like values (9 digits, elfproef) outside the identifier columns "
                            f"{sorted({c for v in id_cols.values() for c in v})}: "
                            + "; ".join(stray[:20]) + ". Name the column with --column if it holds "
                            "person identifiers, or remove the values; nothing was written.")
    done = []
    dst.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dst, prefix=".pseudonymise-") as tmp:
        staged = []
        for path, ids, not_bsn in plan:
            target = Path(tmp) / path.name
            if not ids:
                shutil.copy2(path, target)
            else:
                suffix = path.suffix.lower()
                if suffix == ".xlsx":
                    counts = _xlsx(path, target, ids, key)
                    rows = max(counts.values(), default=0)
                elif suffix == ".parquet":
                    counts = _parquet(path, target, ids, key)
                    rows = max(counts.values(), default=0)
                else:
                    data, rows, counts = _csv_text(path, ids, key)
                    target.write_bytes(data)
                done.append(PseudonymisedFile(path.name, rows, counts, not_bsn or {}))
            staged.append(target)
        for t in staged:
            os.replace(t, dst / t.name)
    return done
