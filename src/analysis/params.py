"""Typed, validated notebook parameters (papermill passes plain JSON types)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from .errors import ParameterError


def check_municipality_code(code, what: str = "municipality") -> None:
    """A CBS municipality code is a 4-digit string ("0037"), never a number."""
    if not isinstance(code, str) or len(code) != 4 or not code.isdigit():
        raise ParameterError(f"{what} must be a 4-digit string such as \"0037\", got {code!r}")


@dataclass(frozen=True)
class QualityParams:
    """Parameters of ``notebooks/01_data_quality.ipynb``."""

    municipality: str
    processed_dir: str
    min_cell: int = 10
    round_to: int = 5
    lang: Literal["nl", "en"] = "nl"

    def __post_init__(self) -> None:
        m = self.municipality
        check_municipality_code(m)
        if not isinstance(self.min_cell, int) or not 5 <= self.min_cell <= 100:
            raise ParameterError(f"min_cell must be a whole number in 5–100, got {self.min_cell!r}")
        if not isinstance(self.round_to, int) or not 1 <= self.round_to <= 10:
            raise ParameterError(f"round_to must be a whole number in 1–10, got {self.round_to!r}")
        if self.lang not in ("nl", "en"):
            raise ParameterError(f"lang must be 'nl' or 'en', got {self.lang!r}")
        if not (Path(self.processed_dir) / m / "quality.json").exists():
            raise ParameterError(f"no validated registry for {m} in {self.processed_dir}: "
                                 "run `workbench validate` first")

    def as_papermill(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class AnalysisParams:
    """Parameters of ``notebooks/02_survival.ipynb`` and ``03_sensitivity.ipynb``."""

    municipality: str
    processed_dir: str
    grace_months: int = 3
    tau_months: int = 36
    lag_days: int = 30
    n_boot: int = 200
    n_boot_sensitivity: int = 100
    seed: int = 20261123
    light_types: tuple[str, ...] = ("wijkteam", "cjg", "jgz", "schoolmaatschappelijk_werk", "poh_jeugd",
                                    "opvoedondersteuning", "welzijn", "other")
    workers: int = 2
    min_cell: int = 10
    round_to: int = 5
    lang: Literal["nl", "en"] = "nl"

    def __post_init__(self) -> None:
        QualityParams(self.municipality, self.processed_dir, self.min_cell, self.round_to, self.lang)
        checks = {"grace_months": (0, 12), "tau_months": (6, 120), "lag_days": (0, 365),
                  "n_boot": (20, 10_000), "n_boot_sensitivity": (20, 10_000), "workers": (1, 64)}
        for name, (lo, hi) in checks.items():
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
                raise ParameterError(f"{name} must be a whole number in {lo}–{hi}, got {v!r}")
        object.__setattr__(self, "light_types", tuple(self.light_types))
        from .registry.schema import FORMAT
        unknown = set(self.light_types) - FORMAT.code_values("light_provider_type")
        if unknown or not self.light_types:
            raise ParameterError(f"light_types must be provider types of the format, unknown: {sorted(unknown)}")

    def as_papermill(self) -> dict:
        d = asdict(self)
        d["light_types"] = list(self.light_types)
        return d
