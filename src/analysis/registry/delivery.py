"""The metadata of a delivery: municipality, extract date, registry window, format version."""
from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml

from ..errors import ParameterError, RegistryError
from .mapping import Mapping
from .schema import FORMAT


def check_municipality_code(code, what: str = "municipality") -> None:
    """A CBS municipality code is a 4-digit string ("0037"), never a number."""
    if not isinstance(code, str) or len(code) != 4 or not code.isdigit():
        hint = ""
        if isinstance(code, (str, int)) and str(code).isdigit() and len(str(code)) < 4:
            hint = f": write the code as four digits, e.g. {str(code).zfill(4)!r}"
        raise ParameterError(f"{what} must be a 4-digit string such as \"0037\", got {code!r}{hint}")


def load_delivery(folder: Path, mapping: Mapping) -> dict:
    """The delivery's metadata from ``delivery.yml`` (or the ``delivery`` section of mapping.yml)."""
    path = Path(folder) / "delivery.yml"
    if path.exists():
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        where = str(path)
    elif mapping.delivery:
        raw, where = mapping.delivery, str(mapping.path)
    else:
        raise RegistryError("no delivery.yml (municipality_code, municipality_name, extract_date, "
                            "registry_start, format_version) and no delivery section in mapping.yml",
                            file=str(path))
    for key in ("municipality_code", "municipality_name", "extract_date", "registry_start"):
        if raw.get(key) in (None, ""):
            raise RegistryError(f"{key} is missing", file=where, column=key)
    code = raw["municipality_code"]
    if not isinstance(code, str) or not code.isdigit() or len(code) != 4:
        raise RegistryError(f"municipality_code must be a quoted 4-digit string such as \"0037\", got {code!r}",
                            file=where, column="municipality_code")
    out = dict(raw)
    for key in ("extract_date", "registry_start"):
        value = raw[key]
        if not isinstance(value, date):
            try:
                value = date.fromisoformat(str(value))
            except ValueError:
                raise RegistryError(f"{key} must be a date YYYY-MM-DD, got {value!r}", file=where, column=key) from None
        out[key] = value
    if "registration_windows" in raw:
        out["registration_windows"] = parse_windows(raw["registration_windows"], where, out)
    if not FORMAT.reads(out.get("format_version", FORMAT.version)):
        raise RegistryError(f"format_version {out['format_version']} is not supported (this is version "
                            f"{FORMAT.version}, which reads {', '.join(FORMAT.accepts)})", file=where,
                            column="format_version")
    return out


def parse_windows(raw, where: str, delivery: dict) -> dict[str, list[list[str]]]:
    """The declared registration windows: per light-support provider type a list of periods
    ``[start, end]`` (dates YYYY-MM-DD; an empty list: the type never registers). Normalised to ISO
    strings; every error names the file and the provider type."""
    key = "registration_windows"
    types = FORMAT.code_values("light_provider_type")
    if not isinstance(raw, dict):
        raise RegistryError(f"{key} must map each light-support provider type to a list of [start, end] "
                            f"periods, got {type(raw).__name__}", file=where, column=key)
    out = {}
    for t, periods in raw.items():
        col = f"{key}.{t}"
        if t not in types:
            raise RegistryError(f"{key}: unknown provider type {t!r} (known: {', '.join(sorted(types))})",
                                file=where, column=col)
        if periods is None:
            periods = []
        if not isinstance(periods, list) or not all(isinstance(x, (list, tuple)) and len(x) == 2 for x in periods):
            raise RegistryError(f"{col} must be a list of [start, end] periods, e.g. [[2015-01-01, 2024-12-31]]; "
                                f"got {periods!r}", file=where, column=col)
        clean = []
        for a, b in periods:
            try:
                a, b = (x if isinstance(x, date) else date.fromisoformat(str(x)) for x in (a, b))
            except ValueError:
                raise RegistryError(f"{col}: dates must be YYYY-MM-DD, got [{a!r}, {b!r}]", file=where,
                                    column=col) from None
            if b < a:
                raise RegistryError(f"{col}: the period [{a}, {b}] ends before it starts", file=where, column=col)
            clean.append([str(a), str(b)])
        clean.sort()
        if any(clean[i + 1][0] <= clean[i][1] for i in range(len(clean) - 1)):
            raise RegistryError(f"{col}: the periods overlap: {clean}", file=where, column=col)
        out[t] = clean
    return out
