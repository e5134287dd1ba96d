"""Typed, validated notebook parameters (papermill passes plain JSON types)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

from .errors import ParameterError


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
        if not isinstance(m, str) or len(m) != 4 or not m.isdigit():
            raise ParameterError(f"municipality must be a 4-digit string such as \"0037\", got {m!r}")
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
