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
    if int(out.get("format_version", FORMAT.version)) != FORMAT.version:
        raise RegistryError(f"format_version {out['format_version']} is not supported (this is version "
                            f"{FORMAT.version})", file=where, column="format_version")
    return out
