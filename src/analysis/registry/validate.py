"""Validation that loses nothing: every input row is accepted or rejected with its reason.

Structural problems (a missing file or column, an unreadable encoding, a date that cannot be read,
a delivery full of BSNs) stop with a :class:`RegistryError` naming file, row and column. Row-level
problems reject the row, with the file, its row number, the column and the rule. Overlapping
episodes of the same type are merged by the BIJ rules (earliest start, latest end) and counted.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import BSNFoundError, RegistryError
from ..fingerprint import file_sha256
from .bsn import looks_like_bsn
from .delivery import load_delivery
from .mapping import DATE_FORMATS, OPEN_END, Mapping, apply_columns, guess_date_format, load_mapping, parse_dates
from .merge import merge_overlaps
from .readers import ROW, find_table_file, read_table_file
from .schema import FORMAT, Format, Table

MASK = "*********"
_BOOL = {"1": "1", "0": "0", "ja": "1", "nee": "0", "true": "1", "false": "0", "j": "1", "n": "0"}
_END_REASON = ("end_reason_bij", "end_reason")
_START = ("start_date", "screening_date", "request_date")


@dataclass
class TableResult:
    """The outcome for one table."""

    name: str
    file: str | None
    rows_in: int
    accepted: pd.DataFrame                 # typed, merged
    rejected: pd.DataFrame                 # one row per rejected input row
    merged_rows: int = 0
    accepted_rows: int = 0                 # before merging
    source: dict = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)
    # unknown codes: in optional columns the cell is emptied (the row stays), in required ones the
    # row is rejected; both counted per column and value
    emptied: dict[str, dict[str, int]] = field(default_factory=dict)
    unknown: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def by_rule(self) -> dict[str, int]:
        return {str(k): int(v) for k, v in self.rejected["rule"].value_counts().sort_index().items()}

    def quality(self) -> dict:
        return {"file": self.file, "source": self.source, "rows_in": self.rows_in,
                "accepted": self.accepted_rows, "rejected": len(self.rejected),
                "balanced": self.rows_in == self.accepted_rows + len(self.rejected),
                "rejected_by_rule": self.by_rule, "merged_rows": self.merged_rows,
                "episodes_after_merge": len(self.accepted), "ignored_columns": self.ignored_columns,
                "emptied_unknown_codes": self.emptied, "rejected_unknown_codes": self.unknown}


@dataclass
class ValidationResult:
    code: str
    delivery: dict
    tables: dict[str, TableResult]
    # SHA-256 of delivery.yml and mapping.yml: they change the registry as much as the tables do
    metadata_sha256: dict[str, str] = field(default_factory=dict)

    @property
    def n_rejected(self) -> int:
        return sum(len(t.rejected) for t in self.tables.values())

    def quality(self) -> dict:
        tables = {n: t.quality() for n, t in self.tables.items()}
        return {"municipality": self.code, "format_version": FORMAT.version,
                "synthetic": bool(self.delivery.get("synthetic", False)),
                "extract_date": str(self.delivery["extract_date"]),
                "registry_start": str(self.delivery["registry_start"]),
                "rows_in": sum(t["rows_in"] for t in tables.values()),
                "accepted": sum(t["accepted"] for t in tables.values()),
                "rejected": sum(t["rejected"] for t in tables.values()),
                "merged_rows": sum(t["merged_rows"] for t in tables.values()),
                "metadata_sha256": dict(sorted(self.metadata_sha256.items())),
                "tables": tables}


# the tables without which the analysis means nothing: a run whose delivery lost more than a
# threshold of their rows in validation fails (unless the researcher accepts the rejections)
ESSENTIAL = ("persons", "residence_periods", "screenings", "specialist_episodes")
MAX_REJECTED = 0.05


def essential_losses(quality: dict, max_rejected: float = MAX_REJECTED) -> list[str]:
    """Why the validated delivery is not fit to analyse: per essential table that lost more than
    ``max_rejected`` of its rows (or has none left), what was lost and the main reasons."""
    out = []
    for name in ESSENTIAL:
        t = quality["tables"].get(name)
        if t is None:
            continue
        n_in, rej = t["rows_in"], t["rejected"]
        if n_in and rej / n_in > max_rejected:
            rules = ", ".join(f"{r} {n}" for r, n in sorted(t["rejected_by_rule"].items(), key=lambda kv: -kv[1])[:3])
            codes = "; ".join(f"{c}: " + ", ".join(repr(v) for v in list(vals)[:5])
                              for c, vals in t.get("rejected_unknown_codes", {}).items())
            out.append(f"{name}: {rej} of {n_in} rows rejected ({100 * rej / n_in:.0f}% > "
                       f"{100 * max_rejected:g}%: {rules})" + (f"; unknown codes {codes}" if codes else ""))
        elif t["accepted"] == 0:
            out.append(f"{name}: no rows" + (f" accepted of {n_in}" if n_in else " in the delivery"))
    return out


# ----------------------------------------------------------------------------- problems


class _Problems:
    """Row problems of one table, in the order the checks found them."""

    def __init__(self, n: int):
        self.n = n
        self.rows: list[np.ndarray] = []
        self.rules: list[str] = []
        self.columns: list[str] = []

    def add(self, mask, rule: str, column: str) -> None:
        idx = np.flatnonzero(np.asarray(mask, bool))
        if len(idx):
            self.rows.append(idx)
            self.rules.append(rule)
            self.columns.append(column)

    def bad(self) -> np.ndarray:
        out = np.zeros(self.n, bool)
        for r in self.rows:
            out[r] = True
        return out

    def frame(self) -> pd.DataFrame:
        if not self.rows:
            return pd.DataFrame({"pos": pd.Series(dtype=int), "rule": pd.Series(dtype=str),
                                 "column": pd.Series(dtype=str)})
        return pd.DataFrame({"pos": np.concatenate(self.rows),
                             "rule": np.repeat(self.rules, [len(r) for r in self.rows]),
                             "column": np.repeat(self.columns, [len(r) for r in self.rows])})


# ----------------------------------------------------------------------------- checks


def _normalise(df: pd.DataFrame, table: Table, fmt: Format) -> pd.DataFrame:
    """Strip blanks, restore leading zeros that spreadsheets drop, spell booleans as 0/1."""
    for name, col in table.columns.items():
        if name not in df.columns:
            continue
        arr = np.char.strip(df[name].to_numpy(dtype=str))
        width = None
        if col.type == "code" and col.codes:
            keys = list(fmt.codes[col.codes])
            if all(k.isdigit() for k in keys) and len({len(k) for k in keys}) == 1:
                width = len(keys[0])
        elif col.pattern and col.pattern.startswith(r"^\d{") and col.pattern.endswith("}$"):
            width = int(col.pattern[4:-2])
        if width:
            short = np.char.isdigit(arr) & (np.char.str_len(arr) < width)
            if short.any():
                arr = arr.astype(object)
                arr[short] = np.char.zfill(arr[short].astype(str), width)
        s = pd.Series(arr.astype(object), index=df.index)
        if col.type == "bool":
            s = s.map(lambda v: _BOOL.get(v.lower(), v))
        elif col.codes:   # codes match whatever their case: "ZIN", "Zin" and "zin" are one code
            canonical = {k.casefold(): k for k in fmt.code_values(col.codes)}
            s = s.map(lambda v, c=canonical: c.get(v.casefold(), v))
        df[name] = s
    return df


def _unknown_codes(df: pd.DataFrame, table: Table, fmt: Format) -> tuple[dict, dict]:
    """Unknown codes per column and value. In an optional column the cell is emptied here (the row
    stays, the count is reported); in a required column the row is rejected later."""
    emptied, rejected = {}, {}
    for name, col in table.columns.items():
        if name not in df.columns or not (col.codes or col.type == "bool"):
            continue
        allowed = fmt.code_values(col.codes) if col.codes else {"0", "1"}
        s = df[name]
        bad = (s != "") & ~s.isin(allowed)
        if not bad.any():
            continue
        counts = {str(k): int(v) for k, v in s[bad].value_counts().sort_index().items()}
        if col.required:
            rejected[name] = counts
        else:
            emptied[name] = counts
            df.loc[bad, name] = ""
    return emptied, rejected


def _check_values(df: pd.DataFrame, table: Table, fmt: Format, probs: _Problems) -> None:
    for name, col in table.columns.items():
        if name not in df.columns:
            continue
        s = df[name]
        filled = s != ""
        if col.required:
            probs.add(~filled, "missing_required", name)
        if col.codes:
            probs.add(filled & ~s.isin(fmt.code_values(col.codes)), "unknown_code", name)
        if col.pattern:
            probs.add(filled & ~s.str.fullmatch(col.pattern).fillna(False), "bad_pattern", name)
        if col.type == "bool":
            probs.add(filled & ~s.isin(["0", "1"]), "unknown_code", name)
        if col.type == "int":
            is_int = s.str.fullmatch(r"-?\d+").fillna(False)
            probs.add(filled & ~is_int, "not_a_number", name)
            num = pd.to_numeric(s.where(is_int, None), errors="coerce")
            lo = -np.inf if col.min is None else col.min
            hi = np.inf if col.max is None else col.max
            probs.add(is_int & ((num < lo) | (num > hi)).fillna(False), "out_of_range", name)


_OPEN_END_COLUMNS = ("end_date", "death_date")


def _parse_all_dates(df: pd.DataFrame, table: Table, mapping: Mapping, file: str,
                     probs: "_Problems") -> dict[str, pd.Series]:
    """Every date column parsed. ``9999-12-31`` (and its other spellings) in an end date means "no
    end" and is read as empty. A value that is no date (``2020-02-31``, ``0000-00-00``) rejects its
    row (rule ``bad_date``); when most of a column (and at least 3 values) cannot be read the format
    is wrong, and that stops the delivery with file, row and column (set ``date_format``)."""
    tm = mapping.table(table.name)
    out = {}
    for name in table.date_columns:
        if name not in df.columns:
            continue
        fmt = tm.date_format_of(name)
        values = df[name]
        if name in _OPEN_END_COLUMNS:
            values = values.where(~values.astype(str).str.strip().isin(OPEN_END), "")
            df[name] = values
        parsed, precision, bad = parse_dates(values, fmt, bij_partial=(name == "birth_date"), strict=False)
        filled = int((values.astype(str).str.strip() != "").sum())
        if bad.sum() >= 3 and bad.sum() > 0.5 * filled:     # a column in another format, not a typo
            pos = bad.idxmax()
            looks = guess_date_format(values)
            if looks == "jjjj-mm-dd" and fmt != looks:
                hint = (f"; the values look like {looks}, the default: remove date_format: {fmt} for this column "
                        "(Excel date cells are read this way too: they need no date_format, text cells do)")
            elif looks:
                hint = f"; the values look like {looks}: set date_format: {looks} for this table or column in mapping.yml"
            else:
                hint = (f"; they fit none of {', '.join(DATE_FORMATS)}: look at the column (set date_format in "
                        "mapping.yml, per column under dates: if the columns differ)")
            raise RegistryError(f"cannot read date {df.at[pos, name]!r} with format {fmt!r}: "
                                f"{int(bad.sum())} of {filled} values in this column are no date in that format"
                                f"{hint}", file=file, row=int(df.at[pos, ROW]), column=tm.source_name(name))
        probs.add(bad.to_numpy(), "bad_date", name)
        out[name] = parsed
        if precision is not None and "birth_date_precision" in table.columns:
            given = df.get("birth_date_precision", pd.Series("", index=df.index))
            df["birth_date_precision"] = given.where(given != "", precision)
    return out


def _check_rules(df, dates, table: Table, delivery: dict, births: pd.Series | None, probs: _Problems) -> None:
    rules = set(table.rules)
    start_col = next((c for c in _START if c in dates), None)
    start = dates.get(start_col) if start_col else None
    end = dates.get("end_date")
    if "end_before_start" in rules and start is not None and end is not None:
        probs.add((end < start).fillna(False), "end_before_start", "end_date")
    if "end_reason_without_end_date" in rules and end is not None:
        for rc in _END_REASON:
            if rc in df.columns:
                probs.add((df[rc] != "") & end.isna(), "end_reason_without_end_date", "end_date")
    if "death_before_birth" in rules and "death_date" in dates:
        probs.add((dates["death_date"] < dates["birth_date"]).fillna(False), "death_before_birth", "death_date")
    if "after_extract" in rules and start is not None:
        probs.add((start > pd.Timestamp(delivery["extract_date"])).fillna(False), "after_extract", start_col)
    if births is not None and "person_id" in df.columns:
        known = df["person_id"].isin(births.index)
        probs.add(~known & (df["person_id"] != ""), "unknown_person", "person_id")
        birth = df["person_id"].map(births)
        if start is not None and "before_birth" in rules:
            probs.add((start < birth).fillna(False), "before_birth", start_col)
        if start is not None and "age_impossible" in rules and table.max_age_years:
            age = (start - birth).dt.days / 365.25
            probs.add((age >= table.max_age_years).fillna(False), "age_impossible", start_col)
    if "outcome_before_request" in rules and "outcome_date" in dates and start is not None:
        probs.add((dates["outcome_date"] < start).fillna(False), "outcome_before_request", "outcome_date")
    if "outcome_without_date" in rules and "outcome_date" in dates:
        ended = df["outcome"].isin(["started", "withdrawn", "referred_elsewhere"])
        probs.add((ended & dates["outcome_date"].isna()).to_numpy(), "outcome_without_date", "outcome_date")
    if "waiting_with_outcome_date" in rules and "outcome_date" in dates:
        probs.add(((df["outcome"] == "waiting") & dates["outcome_date"].notna()).to_numpy(),
                  "waiting_with_outcome_date", "outcome_date")
    if "residence_overlap" in rules and start is not None and end is not None:
        order = np.lexsort((start.to_numpy(), df["person_id"].to_numpy()))
        pid = df["person_id"].to_numpy()[order]
        s = start.to_numpy()[order]
        e = end.fillna(pd.Timestamp.max).to_numpy()[order]
        prev_max = pd.Series(e).groupby(pid).cummax().groupby(pid).shift(1).to_numpy()
        overlap = np.zeros(len(df), bool)
        overlap[order] = pd.notna(prev_max) & (s < prev_max)
        probs.add(overlap, "residence_overlap", "start_date")


def _bsn_scan(df: pd.DataFrame, table: Table, file: str, mapping: Mapping, probs: _Problems) -> pd.DataFrame:
    """Reject rows with BSN-like values; refuse the delivery when an identifier column holds BSNs."""
    flags = {}
    for name in df.columns:
        if name == ROW:
            continue
        col = table.columns.get(name)
        hit = looks_like_bsn(df[name], padded_8=col is None or col.type in ("id", "text"))
        if hit.any():
            flags[name] = hit
            filled = (df[name] != "").sum()
            if col is not None and col.type == "id" and hit.sum() >= 0.5 * max(filled, 1):
                first = int(df.loc[hit.idxmax(), ROW])
                raise BSNFoundError(
                    f"{int(hit.sum())} values look like BSNs (9 digits, elfproef). The workbench never "
                    "receives BSNs: replace them by pseudonyms with `workbench pseudonymise IN OUT "
                    "--key-file KEY` (the key stays with the municipality) and validate the output.",
                    file=file, row=first, column=mapping.table(table.name).source_name(name))
            probs.add(hit.to_numpy(), "bsn_like_value", name)
    return pd.DataFrame(flags)


def _typed(df: pd.DataFrame, dates: dict, table: Table) -> pd.DataFrame:
    out = pd.DataFrame(index=df.index)
    for name, col in table.columns.items():
        if name not in df.columns:  # an optional column the delivery does not have: empty, typed
            dtype = {"date": "datetime64[ns]", "int": "Int64", "bool": "boolean"}.get(col.type, "string")
            out[name] = pd.Series(pd.NA if dtype != "datetime64[ns]" else pd.NaT, index=df.index, dtype=dtype)
        elif col.type == "date":
            out[name] = dates[name]
        elif col.type == "int":
            out[name] = pd.to_numeric(df[name].where(df[name] != "", None), errors="coerce").astype("Int64")
        elif col.type == "bool":
            out[name] = df[name].map({"1": True, "0": False}).astype("boolean")
        else:
            out[name] = df[name].where(df[name] != "", None).astype("string")
    return out


def _rejected_frame(df: pd.DataFrame, probs: _Problems, bsn: pd.DataFrame, file: str,
                    table: Table, mapping: Mapping, fmt: Format) -> pd.DataFrame:
    p = probs.frame()
    tm = mapping.table(table.name)
    shown = df.drop(columns=[ROW]).copy()
    for name, hit in bsn.items():
        shown.loc[hit.to_numpy(), name] = MASK  # identifiers never reach an output file
    if p.empty:
        return pd.DataFrame(columns=["file", "row", "column", "rule", "message_nl", "message_en",
                                     "all_rules", *shown.columns])
    p["label"] = p["rule"] + ":" + p["column"]
    grouped = p.groupby("pos", sort=True)
    first = grouped.head(1).set_index("pos").sort_index()
    rules = grouped["label"].agg(";".join)
    out = pd.DataFrame({
        "file": file, "row": df.loc[first.index, ROW].to_numpy(),
        "column": [tm.source_name(c) for c in first["column"]], "rule": first["rule"].to_numpy(),
        "message_nl": [fmt.rule_text(r, "nl") for r in first["rule"]],
        "message_en": [fmt.rule_text(r, "en") for r in first["rule"]],
        "all_rules": rules.loc[first.index].to_numpy()})
    return pd.concat([out.reset_index(drop=True), shown.loc[first.index].reset_index(drop=True)], axis=1)


def validate_table(table: Table, df: pd.DataFrame, file: str, mapping: Mapping, delivery: dict,
                   births: pd.Series | None, fmt: Format = FORMAT, source: dict | None = None) -> TableResult:
    """Check one table (strings with ``_row``) and split it into accepted and rejected rows."""
    tm = mapping.table(table.name)
    df = apply_columns(df, tm)
    missing = [c for c in table.required_columns if c not in df.columns]
    if missing:
        found = [c for c in df.columns if c != ROW]
        raise RegistryError(f"required column(s) {missing} missing; the file has {found} "
                            "(map them in mapping.yml under tables.{}.columns)".format(table.name),
                            file=file, row=1, column=missing[0])
    ignored = [c for c in df.columns if c != ROW and c not in table.columns]
    df = _normalise(df.drop(columns=ignored).reset_index(drop=True), table, fmt)
    probs = _Problems(len(df))
    bsn = _bsn_scan(df, table, file, mapping, probs)
    emptied, unknown = _unknown_codes(df, table, fmt)
    content = [c for c in df.columns if c != ROW]
    probs.add(df.duplicated(subset=content, keep="first").to_numpy(), "duplicate_row", table.key[0])
    _check_values(df, table, fmt, probs)
    dates = _parse_all_dates(df, table, mapping, file, probs)
    _check_rules(df, dates, table, delivery, births, probs)
    bad = probs.bad()
    dup_key = np.zeros(len(df), bool)
    dup_key[np.flatnonzero(~bad)[df.loc[~bad, list(table.key)].duplicated(keep="first").to_numpy()]] = True
    probs.add(dup_key, "duplicate_key", table.key[0])
    bad = probs.bad()
    accepted = _typed(df.loc[~bad], {k: v.loc[~bad] for k, v in dates.items()}, table)
    n_accepted = len(accepted)
    merged = 0
    if table.merge_key:
        accepted, merged = merge_overlaps(accepted, table.merge_key, table.key[0])
    return TableResult(name=table.name, file=file, rows_in=len(df), accepted=accepted.reset_index(drop=True),
                       rejected=_rejected_frame(df, probs, bsn, file, table, mapping, fmt),
                       merged_rows=merged, accepted_rows=n_accepted, source=source or {},
                       ignored_columns=ignored, emptied=emptied, unknown=unknown)


def earliest_birth(persons: pd.DataFrame) -> pd.Series:
    """The earliest possible birth date per person: with precision month the 1st of the month,
    with precision year 1 January (a date "before birth" must be before every possible birth)."""
    b = persons.set_index("person_id")["birth_date"]
    prec = persons.set_index("person_id").get("birth_date_precision", pd.Series(pd.NA, index=b.index))
    month_start = b.dt.to_period("M").dt.start_time
    year_start = b.dt.to_period("Y").dt.start_time
    return b.where(prec.ne("month").fillna(True), month_start).where(prec.ne("year").fillna(True), year_start)


def _locate(folder: Path, table: Table, mapping: Mapping) -> Path | None:
    tm = mapping.table(table.name)
    if tm.file:
        path = Path(folder) / tm.file
        if not path.exists():
            raise RegistryError(f"mapping.yml names {tm.file!r} for table {table.name}, but it does not exist",
                                file=str(path))
        return path
    return find_table_file(folder, table.name)


def validate_delivery(folder: Path, fmt: Format = FORMAT, progress=None) -> ValidationResult:
    """Read, map and validate every table of the delivery in ``folder``."""
    folder = Path(folder)
    if not folder.is_dir():
        raise RegistryError("delivery folder not found", file=str(folder))
    mapping = load_mapping(folder)
    delivery = load_delivery(folder, mapping)
    results: dict[str, TableResult] = {}
    births = None
    names = list(fmt.tables)
    for name in (progress(names) if progress else names):
        table = fmt.tables[name]
        path = _locate(folder, table, mapping)
        if path is None:
            if table.required:
                raise RegistryError(f"required table {name} not found (expected {name}.csv, .xlsx or "
                                    ".parquet, or a file named in mapping.yml)", file=str(folder / f"{name}.csv"))
            empty = pd.DataFrame({ROW: pd.Series(dtype=int), **{c: pd.Series(dtype=str) for c in table.columns}})
            results[name] = validate_table(table, empty, None, mapping, delivery, births, fmt)
            continue
        raw, source = read_table_file(path, mapping.table(name).sheet)
        res = validate_table(table, raw, path.name, mapping, delivery, births, fmt, source)
        if name == "persons":
            births = earliest_birth(res.accepted)
        results[name] = res
    meta = {n: file_sha256(folder / n) for n in ("delivery.yml", "mapping.yml") if (folder / n).exists()}
    return ValidationResult(code=delivery["municipality_code"], delivery=delivery, tables=results,
                            metadata_sha256=meta)


def typed_tables(frames: dict[str, pd.DataFrame], fmt: Format = FORMAT) -> dict[str, pd.DataFrame]:
    """The accepted tables of frames that are valid by construction (the synthetic generator's own
    output, in the uniform format with ISO dates): typed and merged as :func:`validate_table`
    types and merges them, without the row checks, the rejection bookkeeping and the CSV round trip.

    Only for the workbench's internal simulated registries (the registration advice's planning
    registries); every delivery goes through :func:`validate_delivery`. The test suite checks that
    both give the same tables on the generator's registries.
    """
    out = {}
    for name, table in fmt.tables.items():
        df = frames.get(name)
        if df is None:
            df = pd.DataFrame(columns=list(table.columns))
        df = df.astype(object).where(df.notna(), "").astype(str).reset_index(drop=True)
        dates = {}
        for col in table.date_columns:
            if col not in df.columns:
                continue
            values = df[col].where(~df[col].isin(OPEN_END), "") if col in _OPEN_END_COLUMNS else df[col]
            dates[col], precision, _ = parse_dates(values, "jjjj-mm-dd", bij_partial=(col == "birth_date"), strict=False)
            if precision is not None and "birth_date_precision" in table.columns:
                given = df.get("birth_date_precision", pd.Series("", index=df.index))
                df["birth_date_precision"] = given.where(given != "", precision)
        accepted = _typed(df, dates, table)
        if table.merge_key:
            accepted, _ = merge_overlaps(accepted, table.merge_key, table.key[0])
        out[name] = accepted.reset_index(drop=True)
    return out
