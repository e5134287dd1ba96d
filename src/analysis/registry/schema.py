"""The uniform registration format, loaded from its one machine-readable definition.

``format_v1.yaml`` beside this module holds the tables, columns, types, code lists and rules.
The validator and the generated documentation (``docs/registration-format.md``) both read it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from typing import Literal

import yaml

ColumnType = Literal["id", "text", "date", "code", "int", "bool"]


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType
    required: bool
    nl: str
    en: str
    codes: str | None = None
    pattern: str | None = None
    min: int | None = None
    max: int | None = None


@dataclass(frozen=True)
class Table:
    name: str
    required: bool
    key: tuple[str, ...]
    nl: str
    en: str
    columns: dict[str, Column]
    rules: tuple[str, ...] = ()
    merge_key: tuple[str, ...] = ()
    max_age_years: int | None = None

    @property
    def date_columns(self) -> list[str]:
        return [c for c, col in self.columns.items() if col.type == "date"]

    @property
    def required_columns(self) -> list[str]:
        return [c for c, col in self.columns.items() if col.required]


@dataclass(frozen=True)
class Format:
    version: str
    name: dict[str, str]
    delivery: dict
    tables: dict[str, Table]
    rules: dict[str, dict[str, str]]
    codes: dict[str, dict[str, dict[str, str]]] = field(repr=False)
    #: per table and column the names an export tends to give it; per code list and code the values
    #: an export tends to write for it (``workbench mapping draft``)
    synonyms: dict[str, dict[str, list[str]]] = field(default_factory=dict, repr=False)
    code_synonyms: dict[str, dict[str, list[str]]] = field(default_factory=dict, repr=False)
    accepts: tuple[str, ...] = ()          # the delivery versions this format reads

    def reads(self, version) -> bool:
        """Whether a delivery of ``version`` (``format_version`` in delivery.yml) is read."""
        return str(version).strip() in (self.accepts or (str(self.version),))

    def code_values(self, code_list: str) -> set[str]:
        return set(self.codes[code_list])

    def rule_text(self, rule: str, lang: Literal["nl", "en"] = "en") -> str:
        return self.rules[rule][lang]


def _column(name: str, spec: dict) -> Column:
    return Column(name=name, type=spec["type"], required=bool(spec.get("required", False)),
                  nl=spec.get("nl", ""), en=spec.get("en", ""), codes=spec.get("codes"),
                  pattern=spec.get("pattern"), min=spec.get("min"), max=spec.get("max"))


def load_format(text: str | None = None) -> Format:
    """Parse the format definition (the packaged ``format_v1.yaml`` by default)."""
    if text is None:
        text = resources.files(__package__).joinpath("format_v1.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    tables = {
        name: Table(name=name, required=bool(t["required"]), key=tuple(t["key"]), nl=t["nl"],
                    en=t["en"], columns={c: _column(c, s) for c, s in t["columns"].items()},
                    rules=tuple(t.get("rules", ())), merge_key=tuple(t.get("merge_key", ())),
                    max_age_years=t.get("max_age_years"))
        for name, t in raw["tables"].items()
    }
    codes = {k: {str(c): v for c, v in vals.items()} for k, vals in raw["codes"].items()}
    fmt = Format(version=str(raw["version"]), accepts=tuple(str(v) for v in raw.get("accepts", ())), name=raw["name"], delivery=raw["delivery"],
                 tables=tables, rules=raw["rules"], codes=codes,
                 synonyms={t: {c: [str(x) for x in v] for c, v in cols.items()}
                           for t, cols in (raw.get("synonyms") or {}).items()},
                 code_synonyms={k: {str(c): [str(x) for x in v] for c, v in vals.items()}
                                for k, vals in (raw.get("code_synonyms") or {}).items()})
    _check(fmt)
    return fmt


def _check(fmt: Format) -> None:
    """The definition must be consistent with itself: every code list and rule it names exists."""
    for t in fmt.tables.values():
        for c in t.columns.values():
            if c.type == "code" and c.codes is None and c.pattern is None:
                raise ValueError(f"{t.name}.{c.name}: a code column needs a code list or a pattern")
            if c.codes is not None and c.codes not in fmt.codes:
                raise ValueError(f"{t.name}.{c.name}: unknown code list {c.codes!r}")
        for r in t.rules:
            if r not in fmt.rules:
                raise ValueError(f"{t.name}: unknown rule {r!r}")
        for k in t.key + t.merge_key:
            if k not in t.columns:
                raise ValueError(f"{t.name}: key column {k!r} is not a column")
    for k, vals in fmt.codes.items():
        for c, v in vals.items():     # a comma in an unquoted flow value splits it into keys
            if set(v) != {"nl", "en"} or not all(isinstance(x, str) for x in v.values()):
                raise ValueError(f"code list {k}, code {c!r}: give exactly nl and en, as text (quote a comma)")
    for t, cols in fmt.synonyms.items():
        for c in cols:
            if t not in fmt.tables or c not in fmt.tables[t].columns:
                raise ValueError(f"synonyms: {t}.{c} is not a column of the format")
    for k, vals in fmt.code_synonyms.items():
        for c in vals:
            if k not in fmt.codes or c not in fmt.codes[k]:
                raise ValueError(f"code_synonyms: {k} {c!r} is not a code of the format")


FORMAT = load_format()
