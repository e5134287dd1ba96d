"""``workbench mapping draft EXPORT_DIR``: a first ``mapping.yml`` for a municipality's own export,
for a researcher to check (issue 16, part 4).

Per file (per sheet of a workbook with data on several sheets) the table whose columns it carries,
matched by name against the uniform names and the Dutch and English synonyms of the format
definition (``synonyms`` in ``format_v1.yaml``; case, accents and punctuation ignored); the column
renames; the date formats, detected from the values (Excel date cells need none); for every coded
column its distinct values with the codes they probably mean (by the code, its labels and
``code_synonyms``), and ``TODO`` where the draft cannot tell: a value it cannot place, empty cells
in a required column, a required column not found (a constant), the delivery's name and dates.
A ``TODO`` left in is not a code, so validation rejects it loudly; nothing is silently guessed.

The draft reads the export before it is pseudonymised, inside the municipality: it never writes a
value that looks like a BSN, and writes no dates or identifiers, only column names and the values
of coded columns.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import RegistryError
from .bsn import looks_like_bsn
from .mapping import DEFAULT_DATE_FORMAT, OPEN_END, guess_date_format, parse_dates
from .readers import ROW, SUFFIXES, read_table_file
from .schema import Format, load_format

TODO = "TODO"
#: a coded column with more distinct values than this is listed as a question, not value by value
MAX_VALUES = 40
_PLAIN = re.compile(r"[A-Za-zÀ-ÿ][A-Za-zÀ-ÿ0-9 _.\-/()]*")
_YAML_WORDS = {"yes", "no", "true", "false", "null", "on", "off", "y", "n", "~"}


def norm(text) -> str:
    """Lower case, accents and punctuation dropped, words separated by one blank: ``AGB-code`` →
    ``agb code``, ``Cliëntnummer`` → ``clientnummer``."""
    s = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode().casefold()
    return " ".join(re.findall(r"[a-z0-9]+", s))


def q(value) -> str:
    """A YAML scalar: plain where that reads back as the same string, else double-quoted."""
    s = str(value)
    if _PLAIN.fullmatch(s) and s.strip() == s and s.lower() not in _YAML_WORDS and ": " not in s and " #" not in s:
        return s
    return json.dumps(s, ensure_ascii=False)


@dataclass
class Source:
    """One file, or one sheet of a workbook."""

    file: str
    sheet: str | None
    frame: pd.DataFrame

    @property
    def label(self) -> str:
        return self.file + (f" (sheet {self.sheet})" if self.sheet else "")

    @property
    def columns(self) -> list[str]:
        return [c for c in self.frame.columns if c != ROW]


@dataclass
class TableDraft:
    table: str
    source: Source
    score: float
    columns: dict[str, str] = field(default_factory=dict)            # source → uniform
    doubles: dict[str, list[str]] = field(default_factory=dict)       # uniform → other candidate sources
    lines: list[str] = field(default_factory=list)
    todos: list[str] = field(default_factory=list)


def read_sources(folder: Path) -> list[Source]:
    out = []
    for path in sorted(Path(folder).iterdir()):
        if not path.is_file() or path.suffix.lower() not in SUFFIXES or path.name.startswith("."):
            continue
        if path.suffix.lower() == ".xlsx":
            from openpyxl import load_workbook
            names = load_workbook(path, read_only=True).sheetnames
            for name in names:
                df, _ = read_table_file(path, name)
                if len(df) or len(df.columns) > 1:
                    out.append(Source(path.name, name if len(names) > 1 else None, df))
            continue
        df, _ = read_table_file(path)
        out.append(Source(path.name, None, df))
    return out


class Matcher:
    """Column names and code values of the format, normalised, for matching."""

    def __init__(self, fmt: Format):
        self.fmt = fmt
        self.names: dict[str, dict[str, str]] = {}       # table → normalised name → column
        for t, table in fmt.tables.items():
            idx = {}
            for c in table.columns:
                for n in [c, c.replace("_", " "), *fmt.synonyms.get(t, {}).get(c, [])]:
                    idx.setdefault(norm(n), c)
            self.names[t] = idx
        self.tables_with = {}
        for t, idx in self.names.items():
            for n in idx:
                self.tables_with[n] = self.tables_with.get(n, 0) + 1

    def match(self, table: str, columns: list[str]) -> tuple[float, dict[str, str], dict[str, list[str]]]:
        """The score of ``table`` for these source columns, the renames and the doubles."""
        idx, got, doubles, score = self.names[table], {}, {}, 0.0
        for src in columns:
            n = norm(src)
            c = idx.get(n)
            if c is None:
                continue
            if c in got.values():
                doubles.setdefault(c, []).append(src)
                continue
            got[src] = c
            score += 1.0 / self.tables_with[n]
        return score, got, doubles

    def code_of(self, code_list: str, value: str) -> list[str]:
        """The codes ``value`` probably means (empty: none; several: cannot tell)."""
        codes = self.fmt.codes[code_list]
        v = value.strip()
        digits = [k for k in codes if k.isdigit()]
        if v.casefold() in {k.casefold() for k in codes}:
            return [next(k for k in codes if k.casefold() == v.casefold())]
        if v.isdigit() and digits and len({len(k) for k in digits}) == 1 and v.zfill(len(digits[0])) in codes:
            return [v.zfill(len(digits[0]))]
        n = norm(v)
        hits = []
        for k, lab in codes.items():
            words = {norm(k), norm(k.replace("_", " ")), norm(lab.get("nl", "")), norm(lab.get("en", ""))}
            words |= {norm(s) for s in self.fmt.code_synonyms.get(code_list, {}).get(k, [])}
            if n and n in words:
                hits.append(k)
        return hits

    def is_code(self, code_list: str, value: str) -> bool:
        """Whether validation reads ``value`` as a code as it is (case, leading zeros)."""
        codes = self.fmt.codes[code_list]
        v = value.strip()
        if v.casefold() in {k.casefold() for k in codes}:
            return True
        keys = list(codes)
        return (v.isdigit() and all(k.isdigit() for k in keys) and len({len(k) for k in keys}) == 1
                and v.zfill(len(keys[0])) in codes)


def _assign(sources: list[Source], m: Matcher) -> tuple[list[TableDraft], list[Source]]:
    """Each source to the table it matches best (at least two columns and a score ≥ 1); a table
    taken by a better source goes to the next best; the rest are left for the researcher."""
    options = []
    for s in sources:
        for t in m.fmt.tables:
            score, got, doubles = m.match(t, s.columns)
            if len(got) >= 2 and score >= 1.0:
                options.append((score, len(got), t, s, got, doubles))
    options.sort(key=lambda o: (-o[0], -o[1]))
    taken, used, drafts = set(), set(), []
    for score, _, t, s, got, doubles in options:
        if t in taken or id(s) in used:
            continue
        taken.add(t)
        used.add(id(s))
        drafts.append(TableDraft(t, s, score, got, doubles))
    order = list(m.fmt.tables)
    drafts.sort(key=lambda d: order.index(d.table))
    return drafts, [s for s in sources if id(s) not in used]


def _table_lines(d: TableDraft, m: Matcher) -> None:
    fmt, table = m.fmt, m.fmt.tables[d.table]
    df = d.source.frame.rename(columns=d.columns)
    L, todo = d.lines, d.todos
    L.append(f"  {d.table}:")
    L.append(f"    file: {q(d.source.file)}")
    if d.source.sheet:
        L.append(f"    sheet: {q(d.source.sheet)}")
    renames = {s: u for s, u in d.columns.items() if s != u}
    if renames:
        L.append("    columns:")
        L += [f"      {q(s)}: {u}" for s, u in renames.items()]
    ignored = [c for c in d.source.columns if c not in d.columns and c not in table.columns]
    if ignored:
        L.append(f"    # not mapped, so not read: {', '.join(ignored)}")
    for u, others in d.doubles.items():
        L.append(f"    # {', '.join(others)} could also be {u}; {next(s for s, x in d.columns.items() if x == u)} was taken")
    # dates: the format per column, from its values; the most common one for the whole table
    formats = {}
    for c in table.date_columns:
        if c not in df.columns:
            continue
        vals = df[c].astype(str).str.strip()
        vals = vals[(vals != "") & ~vals.isin(OPEN_END)]
        if not len(vals):
            continue
        f = guess_date_format(vals, bij_partial=(c == "birth_date"))
        formats[c] = f if f else TODO
    known = [f for f in formats.values() if f != TODO]
    common = max(set(known), key=known.count) if known else DEFAULT_DATE_FORMAT
    if common != DEFAULT_DATE_FORMAT:
        L.append(f"    date_format: {common}")
    other = {c: f for c, f in formats.items() if f != common}
    if other:
        L.append("    dates:")
        for c, f in other.items():
            if f == TODO:
                L.append(f"      {c}: {TODO}   # the values are in none of the formats {', '.join(_formats())}: which?")
                todo.append(f"{d.table}.dates.{c}")
            else:
                L.append(f"      {c}: {f}" + ("   # Excel date cells or ISO dates" if f == DEFAULT_DATE_FORMAT else ""))
    # codes
    recode_lines = []
    for c, col in table.columns.items():
        if c not in df.columns or not col.codes:
            continue
        counts = df[c].astype(str).str.strip().value_counts()
        entries, notes = [], []
        empty = int(counts.get("", 0))
        filled = counts[counts.index != ""]
        if len(filled) > MAX_VALUES:
            notes.append(f"{len(filled)} different values: is this a coded column? its codes: {_code_list(fmt, col.codes)}")
        else:
            bsn_like = 0
            for v, n in filled.items():
                if looks_like_bsn(pd.Series([v])).iloc[0]:
                    bsn_like += int(n)
                    continue
                if m.is_code(col.codes, v):
                    continue
                hits = m.code_of(col.codes, v)
                if len(hits) == 1:
                    entries.append(f"{q(v)}: {q(hits[0])}")
                else:
                    entries.append(f"{q(v)}: {TODO}   # {n}×; " + (f"one of {', '.join(hits)}" if hits else
                                   "codes: " + _code_list(fmt, col.codes)))
                    todo.append(f"{d.table}.recode.{c}.{v}")
            if bsn_like:
                notes.append(f"{bsn_like} values that look like a BSN: left out here")
        if empty and col.required:
            entries.append(f'"": {TODO}   # {empty} empty cells in a required column: which code do they mean? '
                           + _code_list(fmt, col.codes))
            todo.append(f"{d.table}.recode.{c}.")
        elif empty:
            notes.append(f'{empty} empty cells: they stay empty (unknown); recode "" to give them a code')
        if entries:
            recode_lines.append(f"      {c}:")
            recode_lines += [f"        {e}" for e in entries] + [f"        # {n}" for n in notes]
        else:
            recode_lines += [f"      # {c}: {n}" for n in notes]
    if recode_lines:
        L.append("    recode:" if any(not r.lstrip().startswith("#") for r in recode_lines) else "    # recode:")
        L += recode_lines
    missing = [c for c in table.required_columns if c not in df.columns]
    if missing:
        L.append("    constants:")
        for c in missing:
            hint = _code_list(fmt, table.columns[c].codes) if table.columns[c].codes else table.columns[c].en
            L.append(f"      {c}: {TODO}   # required, no column found: one value for every row ({hint}), "
                     "or map a column under columns:")
            todo.append(f"{d.table}.constants.{c}")


def _formats():
    from .mapping import DATE_FORMATS
    return DATE_FORMATS


def _code_list(fmt: Format, codes: str) -> str:
    return ", ".join(f"{k} ({v.get('nl', '')})" for k, v in fmt.codes[codes].items())


def _delivery_lines(drafts: list[TableDraft]) -> tuple[list[str], list[str]]:
    L, todo = ["delivery:"], []
    code = None
    res = next((d for d in drafts if d.table == "residence_periods"), None)
    if res is not None and "municipality_code" in res.columns.values():
        src = next(s for s, u in res.columns.items() if u == "municipality_code")
        vals = res.source.frame[src].astype(str).str.strip()
        vals = vals[vals.str.fullmatch(r"\d{1,4}")].str.zfill(4)
        if len(vals):
            top = vals.value_counts()
            code = top.index[0]
            L.append(f"  municipality_code: \"{code}\"   # the most common code in {res.source.label}, column {src} "
                     f"({int(top.iloc[0])} of {len(vals)} rows): check")
    if code is None:
        L.append(f"  municipality_code: {TODO}   # the CBS code, four digits in quotes: \"0037\"")
        todo.append("delivery.municipality_code")
    L.append(f"  municipality_name: {TODO}")
    todo.append("delivery.municipality_name")
    last, first = None, None
    for d in drafts:
        table = FORMAT_TABLES[d.table]
        df = d.source.frame.rename(columns=d.columns)
        for c in table.date_columns:
            if c not in df.columns or c in ("birth_date", "death_date"):
                continue
            vals = df[c].astype(str).str.strip()
            vals = vals[(vals != "") & ~vals.isin(OPEN_END)]
            f = guess_date_format(vals) if len(vals) else None
            if not f:
                continue
            dates = parse_dates(vals, f, strict=False)[0].dropna()
            if len(dates):
                last = max(last, dates.max()) if last is not None else dates.max()
                if c == "start_date" and d.table in ("light_support_episodes", "specialist_episodes"):
                    first = min(first, dates.min()) if first is not None else dates.min()
    L.append(f"  extract_date: {TODO}   # the day the data were extracted (jjjj-mm-dd)"
             + (f"; the latest date in the files is {last:%Y-%m-%d}" if last is not None else ""))
    L.append(f"  registry_start: {TODO}   # from when the registrations are complete (jjjj-mm-dd)"
             + (f"; the earliest start of an episode is {first:%Y-%m-%d}" if first is not None else ""))
    todo += ["delivery.extract_date", "delivery.registry_start"]
    L.append("  format_version: \"1.1\"")
    L.append("  # registration_windows: per light-support provider type the periods it registers (optional;"
             " see docs/mapping.md)")
    return L, todo


FORMAT_TABLES = load_format().tables


@dataclass
class Draft:
    text: str
    todos: list[str]
    tables: dict[str, str]          # table → source label
    unplaced: list[str]             # sources the draft could not place


def draft_mapping(folder: Path, fmt: Format | None = None) -> Draft:
    """The draft ``mapping.yml`` for the export in ``folder``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RegistryError("not a folder", file=str(folder))
    fmt = fmt or load_format()
    m = Matcher(fmt)
    sources = read_sources(folder)
    if not sources:
        raise RegistryError(f"no table files here ({', '.join(SUFFIXES)})", file=str(folder))
    drafts, rest = _assign(sources, m)
    head = ["# mapping.yml: a draft by `workbench mapping draft` — check every line, fill in every TODO.",
            "# Guide: docs/mapping.md. Recode keys are the uniform column names; values match whatever",
            "# their case. A TODO left in is not a code: validation rejects it.", ""]
    dl, todos = _delivery_lines(drafts)
    lines = head + dl + ["", "tables:"]
    for d in drafts:
        _table_lines(d, m)
        lines += d.lines
        todos += d.todos
    for t in fmt.tables:
        if fmt.tables[t].required and t not in {d.table for d in drafts}:
            lines.append(f"  # TODO: no file found for the required table {t}: add it (file:, columns: …)")
    for s in rest:
        lines.append(f"  # TODO: which table is {s.label}? columns: {', '.join(s.columns)} — add it above, "
                     "or leave it out")
    return Draft(text="\n".join(lines) + "\n", todos=todos, tables={d.table: d.source.label for d in drafts},
                 unplaced=[s.label for s in rest])
