"""Read a table file (CSV, XLSX or Parquet) into a frame of strings, keeping each row's number.

Every value is read as text, so codes keep their leading zeros and nothing is guessed; the
column ``_row`` holds the row number as the file shows it (CSV and XLSX: the header is row 1;
Parquet: the 1-based record number). Structural problems raise :class:`RegistryError`.
"""
from __future__ import annotations

import csv
import io as _io
from pathlib import Path

import pandas as pd

from ..errors import RegistryError
from ..fingerprint import file_sha256

ROW = "_row"
SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".parquet")


def decode(data: bytes, file: str) -> tuple[str, str]:
    """Decode UTF-8 (with or without BOM) or Windows-1252, as Dutch Excel writes it."""
    if b"\x00" in data[:4096]:
        raise RegistryError("unreadable encoding: the file holds NUL bytes (UTF-16?); "
                            "save it as CSV UTF-8 or CSV (semicolon) from Excel", file=file)
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise RegistryError(f"unreadable encoding: byte {data[exc.start]:#x} is neither UTF-8 "
                            "nor Windows-1252", file=file, row=line) from None


def sniff_delimiter(header: str) -> str:
    """The separator of a CSV header line: comma, semicolon or tab, whichever occurs most."""
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_csv(path: Path) -> tuple[pd.DataFrame, dict]:
    data = Path(path).read_bytes()
    if not data.strip():
        raise RegistryError("the file is empty (0 bytes or only blanks): a table needs at least its header "
                            "row; leave an optional table out instead of delivering an empty file", file=str(path))
    text, encoding = decode(data, str(path))
    header = text.split("\n", 1)[0]
    sep = sniff_delimiter(header)
    _check_not_cut_off(text, sep, str(path))
    try:
        df = pd.read_csv(_io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                         na_filter=False, skip_blank_lines=False, engine="c")
    except pd.errors.ParserError as exc:
        row = _row_from_parser_error(str(exc))
        raise RegistryError(f"cannot split the row into columns with separator {sep!r}: {exc}",
                            file=str(path), row=row) from None
    if not isinstance(df.index, pd.RangeIndex):
        # more fields in the first row(s) than the header has names: pandas would silently take the
        # first column(s) as an index and shift every value one column to the right
        head = next(csv.reader([header], delimiter=sep))
        for i, row in enumerate(csv.reader(_io.StringIO(text, newline=""), delimiter=sep), start=1):
            if len(row) > len(head):
                raise RegistryError(f"row {i} has {len(row)} fields but the header has {len(head)} columns "
                                    f"(a separator too many, or an unquoted {sep!r} in a value)",
                                    file=str(path), row=i)
    # empty lines inside the file are kept as rows (and rejected later), never silently dropped
    df.columns = [str(c).strip() for c in df.columns]
    df.insert(0, ROW, range(2, len(df) + 2))
    return df, {"format": "csv", "encoding": encoding, "separator": {",": "comma", ";": "semicolon", "\t": "tab"}[sep]}


def _check_not_cut_off(text: str, sep: str, file: str) -> None:
    """A file that ends in the middle of a row (no line end, fewer fields than the header) was cut
    off while it was copied: the rows after it are missing, which no rejection can show."""
    if text.endswith(("\n", "\r")):
        return
    lines = text.splitlines()
    if len(lines) < 2:
        return
    head = next(csv.reader([lines[0]], delimiter=sep))
    last = next(csv.reader([lines[-1]], delimiter=sep), [])
    if len(last) < len(head):
        raise RegistryError(f"the file ends in the middle of row {len(lines)}: {len(last)} of {len(head)} columns "
                            "and no line end. It looks cut off (an interrupted copy or export); deliver the "
                            "whole file", file=file, row=len(lines))


def _row_from_parser_error(msg: str) -> int | None:
    import re
    m = re.search(r"line (\d+)", msg)
    return int(m.group(1)) if m else None


def read_xlsx(path: Path, sheet: str | int | None = None) -> tuple[pd.DataFrame, dict]:
    """One sheet of a workbook: the one named, or the only sheet that holds data. A workbook with
    data on more sheets than the one read is never read silently: without a named sheet it is
    refused (name it in mapping.yml), with one the others are listed in ``ignored_sheets``."""
    try:
        sheets = pd.read_excel(path, sheet_name=None, dtype=str, keep_default_na=False, na_filter=False,
                               engine="openpyxl")
    except (ValueError, KeyError, OSError) as exc:
        raise RegistryError(f"cannot read the workbook: {exc}", file=str(path)) from None
    with_data = [n for n, d in sheets.items() if len(d) or len(d.columns)]
    names = list(sheets)
    if sheet is None:
        if len(with_data) > 1:
            raise RegistryError(f"the workbook has data on {len(with_data)} sheets ({', '.join(with_data)}); "
                                "name the sheet that holds this table in mapping.yml (sheet: NAME), one table "
                                "per sheet", file=str(path))
        sheet = with_data[0] if with_data else names[0]
    key = names[sheet] if isinstance(sheet, int) and sheet < len(names) else sheet
    if key not in sheets:
        raise RegistryError(f"the workbook has no sheet {sheet!r}; its sheets are {names}", file=str(path))
    df = sheets[key]
    ignored = [n for n in with_data if n != key]
    df.columns = [str(c).strip() for c in df.columns]
    df = df.map(lambda v: v[:-9] if isinstance(v, str) and v.endswith(" 00:00:00") else v)
    df.insert(0, ROW, range(2, len(df) + 2))
    return df, {"format": "xlsx", "sheet": key, "ignored_sheets": ignored}


def read_parquet(path: Path) -> tuple[pd.DataFrame, dict]:
    try:
        raw = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several types for a damaged file
        raise RegistryError(f"cannot read the Parquet file: {exc}", file=str(path)) from None
    df = pd.DataFrame(index=raw.index)
    for c in raw.columns:
        col = raw[c]
        if pd.api.types.is_datetime64_any_dtype(col):
            df[c] = col.dt.strftime("%Y-%m-%d").fillna("")
        elif col.dtype == object and len(col.dropna()) and hasattr(col.dropna().iloc[0], "isoformat"):
            df[c] = col.map(lambda v: "" if v is None or v != v else v.isoformat()[:10])
        else:
            df[c] = col.astype("string").fillna("").astype(object)
    df = df.reset_index(drop=True)
    df.insert(0, ROW, range(1, len(df) + 1))
    return df, {"format": "parquet"}


def read_table_file(path: Path, sheet: str | int | None = None) -> tuple[pd.DataFrame, dict]:
    """Read one file by its suffix; returns the frame of strings and a description of the file
    (format, encoding, separator, and the SHA-256 of its bytes for provenance)."""
    path = Path(path)
    if not path.exists():
        raise RegistryError("file not found", file=str(path))
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv", ".txt"):
        df, info = read_csv(path)
    elif suffix == ".xlsx":
        df, info = read_xlsx(path, sheet)
    elif suffix == ".parquet":
        df, info = read_parquet(path)
    else:
        raise RegistryError(f"unknown file type {suffix!r}: use CSV, XLSX or Parquet", file=str(path))
    info["sha256"] = file_sha256(path)
    return df, info


def find_table_file(folder: Path, table: str) -> Path | None:
    """``<folder>/<table>.<csv|tsv|txt|xlsx|parquet>``, or None."""
    hits = [Path(folder) / f"{table}{s}" for s in SUFFIXES if (Path(folder) / f"{table}{s}").exists()]
    if len(hits) > 1:
        raise RegistryError(f"more than one file for table {table}: {[h.name for h in hits]}",
                            file=str(folder))
    return hits[0] if hits else None
