"""Disclosure control for everything published (protocol, "Disclosure control").

Counts from 1 to ``threshold - 1`` are suppressed (shown as ``<10``), with secondary suppression
in each row and column where one suppressed cell could be recovered from the others or a total;
other counts are rounded to multiples of ``round_to``. A zero reveals no one and is shown.
Shares are shown only when both the group and the number with (and without) the feature reach
the threshold.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd

THRESHOLD = 10
ROUND_TO = 5


def _primary(values: np.ndarray, threshold: int) -> np.ndarray:
    return (values > 0) & (values < threshold)


def _secondary(values: np.ndarray, hidden: np.ndarray) -> np.ndarray:
    """Hide a second cell in every row/column with exactly one hidden cell (repeat until stable)."""
    hidden = hidden.copy()
    changed = True
    while changed:
        changed = False
        for axis in (1, 0):
            v = values if axis == 1 else values.T
            h = hidden if axis == 1 else hidden.T
            for i in np.flatnonzero(h.sum(axis=1) == 1):
                candidates = np.flatnonzero(~h[i] & (v[i] > 0))
                if len(candidates):
                    h[i, candidates[np.argmin(v[i, candidates])]] = True
                    changed = True
    return hidden


def round_count(x, round_to: int = ROUND_TO):
    return (np.floor(np.asarray(x, float) / round_to + 0.5) * round_to).astype(int)


def protect_counts(table: pd.DataFrame, threshold: int = THRESHOLD, round_to: int = ROUND_TO,
                   secondary: bool = True) -> pd.DataFrame:
    """A count table ready to publish: strings, ``<10`` where suppressed, rounded elsewhere."""
    values = table.to_numpy(dtype=float)
    hidden = _primary(values, threshold)
    if secondary and values.ndim == 2 and min(values.shape) > 1:
        hidden = _secondary(values, hidden)
    shown = np.where(hidden, f"<{threshold}", round_count(values, round_to).astype(str))
    return pd.DataFrame(shown, index=table.index, columns=table.columns)


def protect_share(numerator, denominator, threshold: int = THRESHOLD, round_to: int = ROUND_TO) -> np.ndarray:
    """Percentages, NaN where the group, the numerator or its complement is below the threshold.

    Computed from the *published* counts (rounded to ``round_to``), never from the exact ones: a
    percentage with decimals of the exact counts would give back what the rounding hid (105
    children and 12.6% fits only 13 of 103)."""
    num, den = np.asarray(numerator, float), np.asarray(denominator, float)
    ok = (den >= threshold) & ((num >= threshold) | (num == 0)) & (((den - num) >= threshold) | (den == num))
    rnum, rden = round_count(num, round_to).astype(float), round_count(den, round_to).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(ok & (rden > 0), 100.0 * rnum / rden, np.nan)


def protect_plot_counts(values, threshold: int = THRESHOLD, round_to: int = ROUND_TO) -> np.ndarray:
    """Counts for a figure: NaN where suppressed (a gap in the line), rounded elsewhere."""
    v = np.asarray(values, float)
    return np.where(_primary(v, threshold), np.nan, round_count(v, round_to))


def truncate_curve(table: pd.DataFrame, threshold: int = THRESHOLD, column: str = "n_at_risk") -> pd.DataFrame:
    """A curve for publication: only the steps before fewer than ``threshold`` children remain at risk."""
    low = np.flatnonzero(table[column].to_numpy() < threshold)
    return table.iloc[: low[0]] if len(low) else table


def pool_steps(table: pd.DataFrame, threshold: int = THRESHOLD, column: str = "events") -> pd.DataFrame:
    """A step curve whose every step holds at least ``threshold`` events: steps are pooled (the
    curve jumps once, to the value after the last of them) and a last group with fewer events is
    left out, so that no step in a figure shows fewer events than a table may."""
    if table.empty or column not in table:
        return table
    ev = table[column].to_numpy(float)
    keep = np.zeros(len(table), bool)
    acc = 0.0
    for i, e in enumerate(ev):
        acc += e
        if acc >= threshold - 1e-9:
            keep[i] = True
            acc = 0.0
    return table[keep]


# --- the scan before publishing ---------------------------------------------------------------
# Everything ``workbench publish`` writes is read back and refused when it shows a person
# identifier, a count below the threshold (or not rounded), a minimum or maximum, or row-level data.


COUNT_LABEL = re.compile(
    r"^(n|aantal|count|number)\b|^n[ _]|\bn$|(^|\W)(aantal|onder risico|at risk|events?|gebeurtenissen|censored|"
    r"gecensureerd|kinderen|children|rijen|rows|afgewezen|rejected|geaccepteerd|accepted|samengevoegd|"
    r"merged|geschikt|eligible|excluded|uitgesloten)(\W|$)", re.I)
EXTREME_LABEL = re.compile(r"^(min|max|minimum|maximum|minimaal|maximaal|laagste|hoogste|oudste|jongste)\b", re.I)
ROW_LEVEL_COLUMNS = {"person_id", "bsn", "birth_date", "geboortedatum", "date_of_birth", "death_date",
                     "episode_id", "screening_id", "measure_id", "postcode", "naam", "name", "client_id",
                     "clientnummer", "kind_id", "child_id"}
MAX_TABLE_ROWS = 200
_TEXT_COUNT = re.compile(r"\b[nN]\s*=\s*(\d+)\b|\b(\d+)\s+(kinderen|kind|children|child|jongeren|personen|"
                         r"persons|cliënten|clients)\b")
_TEXT_EXTREME = re.compile(r"\b(min|max|minimum|maximum|minimaal|maximaal)\s*[:=]\s*-?\d", re.I)
_TOKEN = re.compile(r"[A-Za-z0-9_-]{8,}")


@dataclass(frozen=True)
class Violation:
    file: str
    place: str
    kind: str          # identifier, small_count, unrounded_count, extreme, row_level
    detail: str

    def __str__(self) -> str:
        return f"{self.file}: {self.place}: {self.kind}: {self.detail}"


class _Page(HTMLParser):
    """Tables (rows of (is_header, text) cells) and the visible text outside them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[tuple[bool, str]]]] = []
        self.text: list[str] = []
        self._stack: list[list] = []
        self._cell: list[str] | None = None
        self._is_th = False
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        elif tag == "table":
            self._stack.append([])
        elif tag == "tr" and self._stack:
            self._stack[-1].append([])
        elif tag in ("td", "th") and self._stack:
            self._cell, self._is_th = [], tag == "th"

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip = max(0, self._skip - 1)
        elif tag in ("td", "th") and self._cell is not None and self._stack and self._stack[-1]:
            self._stack[-1][-1].append((self._is_th, " ".join("".join(self._cell).split())))
            self._cell = None
        elif tag == "table" and self._stack:
            self.tables.append([r for r in self._stack.pop() if r])

    def handle_data(self, data):
        if self._skip:
            return
        if self._cell is not None:
            self._cell.append(data)
        elif not self._stack:
            self.text.append(data)


def _words(label: str) -> str:
    return label.replace("_", " ")


def _as_int(text: str) -> int | None:
    t = text.replace("\u202f", "").replace(" ", "")
    return int(t) if re.fullmatch(r"\d{1,9}", t) else None


def _check_count(value: int, file: str, place: str, threshold: int, round_to: int) -> list[Violation]:
    if 0 < value < threshold:
        return [Violation(file, place, "small_count", f"count {value} is below {threshold}")]
    if value % round_to:
        return [Violation(file, place, "unrounded_count", f"count {value} is not rounded to {round_to}")]
    return []


def _scan_table(rows, file: str, t: int, threshold: int, round_to: int) -> list[Violation]:
    out: list[Violation] = []
    head_rows = [r for r in rows if all(is_th for is_th, _ in r)]
    body = [r for r in rows if not all(is_th for is_th, _ in r)]
    width = max((len(r) for r in head_rows), default=0)
    headers = [" ".join(r[j][1] for r in head_rows if j < len(r) and r[j][1]).strip() for j in range(width)]
    # pandas puts the columns' name top left: a count name there makes every cell a count
    has_index = bool(body) and all(r[0][0] for r in body)
    all_counts = has_index and bool(head_rows) and bool(COUNT_LABEL.search(_words(head_rows[0][0][1])))
    labels = {h.strip().lower() for r in head_rows for _, h in r} | {r[0][1].strip().lower() for r in body if r}
    row_level = {h.strip().lower() for r in head_rows for _, h in r} & ROW_LEVEL_COLUMNS
    if row_level:
        out.append(Violation(file, f"table {t}", "row_level", f"person-level column {sorted(row_level)[0]!r}"))
    if len(body) > MAX_TABLE_ROWS:
        out.append(Violation(file, f"table {t}", "row_level", f"{len(body)} rows: looks like row-level data"))
    for label in sorted(labels):
        if EXTREME_LABEL.match(label):
            out.append(Violation(file, f"table {t}", "extreme", f"a minimum or maximum ({label!r})"))
    offset = len(headers) - max((len(r) for r in body), default=0)
    for i, r in enumerate(body, start=1):
        row_label = r[0][1] if r and r[0][0] else ""
        row_is_count = all_counts or bool(COUNT_LABEL.search(_words(row_label)))
        for j, (_, cell) in enumerate(r):
            col = headers[j + offset] if 0 <= j + offset < len(headers) else ""
            if (row_is_count or COUNT_LABEL.search(_words(col))) and (v := _as_int(cell)) is not None:
                out += _check_count(v, file, f"table {t}, row {i}, column {col or j + 1!r}", threshold, round_to)
    return out


def _scan_text(text: str, file: str, place: str, ids: set[str], threshold: int, round_to: int) -> list[Violation]:
    from ..registry.bsn import looks_like_bsn
    out: list[Violation] = []
    for m in _TEXT_COUNT.finditer(text):
        v = _as_int(m.group(1) or m.group(2))
        if v is not None:
            out += _check_count(v, file, f"{place}: {m.group(0).strip()!r}", threshold, round_to)
    for m in _TEXT_EXTREME.finditer(text):
        out.append(Violation(file, f"{place}: {m.group(0)!r}", "extreme", "a minimum or maximum"))
    tokens = set(_TOKEN.findall(text))
    for tok in sorted(tokens & ids):
        out.append(Violation(file, place, "identifier", f"person identifier {tok[:6]}… of the registry"))
    # a 9-digit run anywhere, also inside a word or a file name (bsn_123456782_x.csv), but not
    # inside a long hexadecimal hash (a SHA-256 holds digit runs by chance) or a decimal number
    bare = re.sub(r"[0-9a-fA-F]{16,}", " ", text)
    nine = pd.Series(sorted(set(re.findall(r"(?<!\d)(?<!\d[.,])\d{9}(?!\d)(?![.,]\d)", bare))), dtype=str)
    for b in nine[looks_like_bsn(nine, padded_8=False)] if len(nine) else []:
        out.append(Violation(file, place, "identifier", f"a BSN-like number {b[:3]}…"))
    return out


def _scan_json(obj, file: str, path: str, ids, threshold, round_to) -> list[Violation]:
    out: list[Violation] = []
    if isinstance(obj, dict):
        for k, v in obj.items():
            p = f"{path}.{k}" if path else k
            key = str(k).lower()
            if key in ROW_LEVEL_COLUMNS:
                out.append(Violation(file, p, "row_level", f"person-level field {k!r}"))
            if EXTREME_LABEL.match(key):
                out.append(Violation(file, p, "extreme", "a minimum or maximum"))
            if isinstance(v, int) and not isinstance(v, bool) and (
                    COUNT_LABEL.search(_words(key)) or path.endswith("flow")):
                out += _check_count(v, file, p, threshold, round_to)
            else:
                out += _scan_json(v, file, p, ids, threshold, round_to)
    elif isinstance(obj, list):
        if len(obj) > MAX_TABLE_ROWS and all(isinstance(x, dict) for x in obj):
            out.append(Violation(file, path, "row_level", f"{len(obj)} records: looks like row-level data"))
        for i, v in enumerate(obj):
            out += _scan_json(v, file, f"{path}[{i}]", ids, threshold, round_to)
    elif isinstance(obj, str):
        out += _scan_text(obj, file, path, ids, threshold, round_to)
    return out


def scan_file(path: Path, identifiers: set[str] = frozenset(), threshold: int = THRESHOLD,
              round_to: int = ROUND_TO) -> list[Violation]:
    """Every disclosure problem in one published file (HTML, JSON or text); PDFs and images are
    made from scanned HTML and are not read here."""
    path = Path(path)
    name = str(path)
    if path.suffix.lower() in (".pdf", ".png", ".svg"):
        return []
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix.lower() == ".ipynb":   # an executed notebook: identifiers in its text and outputs
        out = [Violation(name, "notebook", "identifier", f"person identifier {tok[:6]}… of the registry")
               for tok in sorted(set(_TOKEN.findall(text)) & set(identifiers))]
        # embedded images (base64) hold digit runs by chance: BSN-like numbers are looked for in the rest
        try:
            nb = json.loads(text)
            for cell in nb.get("cells", []):
                for o in cell.get("outputs", []):
                    for k in [k for k in o.get("data", {}) if k.startswith("image/")]:
                        del o["data"][k]
            bare = json.dumps(nb, ensure_ascii=False).replace("\\n", " ")
        except ValueError:
            bare = re.sub(r"[A-Za-z0-9+/=]{64,}", " ", text)
        return out + [v for v in _scan_text(bare, name, "notebook", set(), threshold, round_to) if v.kind == "identifier"]
    if path.suffix.lower() == ".json":
        return _scan_json(json.loads(text), name, "", set(identifiers), threshold, round_to)
    if path.suffix.lower() not in (".html", ".htm"):
        return _scan_text(text, name, "text", set(identifiers), threshold, round_to)
    text = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "", text)
    page = _Page()
    page.feed(text)
    out: list[Violation] = []
    for t, rows in enumerate(page.tables, start=1):
        out += _scan_table(rows, name, t, threshold, round_to)
        cells = " ".join(c for r in rows for _, c in r)
        out += [v for v in _scan_text(cells, name, f"table {t}", set(identifiers), threshold, round_to)
                if v.kind == "identifier"]
    out += _scan_text(" ".join(page.text), name, "text", set(identifiers), threshold, round_to)
    return out
