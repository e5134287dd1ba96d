"""Map a municipality's own export onto the uniform format through ``mapping.yml``.

Example ``mapping.yml`` (beside the export files)::

    delivery:                       # instead of a delivery.yml
      municipality_code: "0037"
      municipality_name: Stadskanaal
      extract_date: 2024-12-31
      registry_start: 2015-01-01
    tables:
      persons:
        file: Clienten.csv          # CSV (comma/semicolon/tab; UTF-8 or Windows-1252), XLSX, Parquet
        columns: {Clientnummer: person_id, Geboortedatum: birth_date, Geslacht: sex}
        recode: {sex: {"1": M, "2": V, "0": O}}
        date_format: dd-mm-jjjj     # every date column of this table; or per column:
        dates: {birth_date: jjjjmmdd}
        constants: {birth_date_precision: day}
        sheet: Blad1                # XLSX only

``columns`` maps the municipality's column names (keys) to the uniform names (values); columns not
named there and not in the format are ignored (listed in ``quality.json``). ``recode`` is keyed by
the **uniform** column name, and its keys match the municipality's values whatever their case and
surrounding blanks (``"zin"`` matches ``ZIN``, ``Zin`` and `` zin ``); the format's own codes match
case-insensitively too. A value that is still not a code of the format rejects the row in a
required column; in an optional column it empties that cell and is counted per column and value
(``workbench validate`` lists them), the row stays.

Date formats are written with Dutch or English letters: ``dd-mm-jjjj``, ``dd/mm/jjjj``,
``jjjjmmdd``, ``jjjj-mm-dd`` (the default), ``yyyy-mm-dd``. In ``jjjjmmdd`` birth dates the BIJ
convention holds: day ``00`` = day unknown (the 15th is used, precision "month"), month ``00`` =
month unknown (1 July, precision "year").
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from ..errors import RegistryError

DEFAULT_DATE_FORMAT = "jjjj-mm-dd"


@dataclass(frozen=True)
class TableMapping:
    file: str | None = None
    columns: dict[str, str] = field(default_factory=dict)   # source name → uniform name
    recode: dict[str, dict[str, str]] = field(default_factory=dict)
    dates: dict[str, str] = field(default_factory=dict)
    date_format: str = DEFAULT_DATE_FORMAT
    constants: dict[str, str] = field(default_factory=dict)
    sheet: str | int | None = None

    def source_name(self, column: str) -> str:
        """The municipality's own name of a uniform column (for messages that point into its file)."""
        for src, dst in self.columns.items():
            if dst == column:
                return f"{src} ({column})"
        return column

    def date_format_of(self, column: str) -> str:
        return self.dates.get(column, self.date_format)


@dataclass(frozen=True)
class Mapping:
    tables: dict[str, TableMapping]
    delivery: dict | None = None
    path: Path | None = None

    def table(self, name: str) -> TableMapping:
        return self.tables.get(name, TableMapping())

    def summary(self) -> dict:
        """What the mapping does, per uniform table, for the provenance: the columns renamed (own
        name → uniform name), the recodes (per uniform column: own value → code), the constants and
        the date formats other than the default. Never the file or sheet names (a municipality's own
        names may hold anything). Empty: the delivery is in the uniform format."""
        out = {}
        for name, tm in sorted(self.tables.items()):
            entry = {"columns": dict(tm.columns), "recode": {c: dict(m) for c, m in tm.recode.items()},
                     "constants": dict(tm.constants),
                     "date_formats": {**({"*": tm.date_format} if tm.date_format != DEFAULT_DATE_FORMAT else {}),
                                      **tm.dates}}
            out[name] = {k: v for k, v in entry.items() if v}
        return out


def load_mapping(folder: Path) -> Mapping:
    """``folder/mapping.yml`` if present, else the identity mapping."""
    path = Path(folder) / "mapping.yml"
    if not path.exists():
        return Mapping(tables={})
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise RegistryError(f"mapping.yml is not valid YAML: {exc}", file=str(path)) from None
    tables = {}
    for name, spec in (raw.get("tables") or {}).items():
        spec = spec or {}
        unknown = set(spec) - {"file", "columns", "recode", "dates", "date_format", "constants", "sheet"}
        if unknown:
            raise RegistryError(f"table {name}: unknown mapping keys {sorted(unknown)}", file=str(path))
        tables[name] = TableMapping(
            file=spec.get("file"), columns={str(k): str(v) for k, v in (spec.get("columns") or {}).items()},
            recode={c: {str(k): str(v) for k, v in m.items()} for c, m in (spec.get("recode") or {}).items()},
            dates={str(k): str(v) for k, v in (spec.get("dates") or {}).items()},
            date_format=str(spec.get("date_format", DEFAULT_DATE_FORMAT)),
            constants={str(k): str(v) for k, v in (spec.get("constants") or {}).items()},
            sheet=spec.get("sheet"))
    return Mapping(tables=tables, delivery=raw.get("delivery"), path=path)


def apply_columns(df: pd.DataFrame, tm: TableMapping) -> pd.DataFrame:
    """Rename the municipality's columns, add constants, recode values (strings in, strings out)."""
    out = df.rename(columns=tm.columns)
    for col, value in tm.constants.items():
        out[col] = value
    for col, table in tm.recode.items():
        if col in out.columns:   # keys match whatever their case and surrounding blanks
            folded = {k.strip().casefold(): v for k, v in table.items()}
            out[col] = out[col].map(lambda v, t=folded: t.get(v.strip().casefold(), v))
    return out


_TOKENS = (("jjjj", "%Y"), ("yyyy", "%Y"), ("mm", "%m"), ("dd", "%d"))


def strptime_format(fmt: str) -> str:
    """``dd-mm-jjjj`` → ``%d-%m-%Y``."""
    out = fmt.lower()
    for token, code in _TOKENS:
        out = out.replace(token, code)
    if "%Y" not in out or "%m" not in out or "%d" not in out:
        raise RegistryError(f"date format {fmt!r} needs day, month and year (e.g. dd-mm-jjjj)")
    return out


#: the date formats a municipality's export uses, tried in this order by :func:`guess_date_format`
DATE_FORMATS = ("jjjj-mm-dd", "dd-mm-jjjj", "dd/mm/jjjj", "jjjjmmdd", "dd.mm.jjjj", "jjjj/mm/dd", "ddmmjjjj",
                "mm/dd/jjjj")


def guess_date_format(values: pd.Series, share: float = 0.9, bij_partial: bool = False) -> str | None:
    """The format of :data:`DATE_FORMATS` in which most filled values (``share``) are dates, the
    first of the best; None when none fits (or nothing is filled). ``dd/mm/jjjj`` wins over
    ``mm/dd/jjjj`` when both fit (a Dutch export). ``bij_partial``: BIJ birth dates with ``00`` for
    an unknown day or month count as dates in ``jjjjmmdd``."""
    s = values.astype(str).str.strip()
    s = s[s != ""]
    if not len(s):
        return None
    best, best_ok = None, 0.0
    for fmt in DATE_FORMATS:
        ok = 1.0 - float(parse_dates(s, fmt, strict=False, bij_partial=bij_partial)[2].mean())
        if ok > best_ok + 1e-12:
            best, best_ok = fmt, ok
    return best if best_ok >= share else None


# values that mean "no end" in end dates (read as empty): what case systems write for an open end
OPEN_END = ("9999-12-31", "31-12-9999", "99991231", "31/12/9999", "9999/12/31")


def parse_dates(values: pd.Series, fmt: str, *, bij_partial: bool = False,
                strict: bool = True) -> tuple[pd.Series, pd.Series | None] | tuple[pd.Series, pd.Series | None, pd.Series]:
    """Parse a column of date strings; returns (datetime64 series with NaT for empty, precision).

    ``strict``: raises ``ValueError`` with the index of the first value that cannot be read.
    Otherwise returns a third element, the mask of filled values that are no date (NaT there).
    """
    s = values.astype(str).str.strip()
    precision = None
    if bij_partial and fmt.lower() in ("jjjjmmdd", "yyyymmdd"):
        day_unknown = s.str.fullmatch(r"\d{6}00")
        month_unknown = s.str.fullmatch(r"\d{4}0000")
        precision = pd.Series("day", index=s.index).where(~day_unknown, "month").where(~month_unknown, "year")
        precision = precision.where(s != "", "")
        s = s.where(~month_unknown, s.str[:4] + "0701").where(~day_unknown | month_unknown, s.str[:6] + "15")
    parsed = pd.to_datetime(s.where(s != "", None), format=strptime_format(fmt), errors="coerce")
    bad = parsed.isna() & (s != "")
    if not strict:
        return parsed, precision, bad
    if bad.any():
        first = bad.idxmax()
        raise ValueError(first)
    return parsed, precision
