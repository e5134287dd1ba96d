"""The study's parameters, typed and validated before any run (the notebooks' models build on them).

Values reach papermill as plain JSON types (papermill quotes anything else, numpy integers and
paths included, and its CLI turns "0363" into 363): ``as_papermill`` returns such a dict.
"""
from __future__ import annotations

import numbers
from dataclasses import InitVar, asdict, dataclass, fields
from pathlib import Path
from typing import Literal

from ..errors import ParameterError
from ..registry.delivery import check_municipality_code
from ..registry.schema import FORMAT


@dataclass(frozen=True)
class QualityParams:
    """Parameters of ``notebooks/01_data_quality.ipynb``."""

    municipality: str
    processed_dir: str
    min_cell: int = 10
    round_to: int = 5
    lang: Literal["nl", "en"] = "nl"
    # False checks the values only, before the registry is validated (the batch does so up front)
    require_registry: InitVar[bool] = True

    def __post_init__(self, require_registry: bool = True) -> None:
        _plain_ints(self)
        m = self.municipality
        check_municipality_code(m)
        if not isinstance(self.min_cell, int) or not 5 <= self.min_cell <= 100:
            raise ParameterError(f"min_cell must be a whole number in 5–100, got {self.min_cell!r}")
        if not isinstance(self.round_to, int) or not 1 <= self.round_to <= 10:
            raise ParameterError(f"round_to must be a whole number in 1–10, got {self.round_to!r}")
        if self.lang not in ("nl", "en"):
            raise ParameterError(f"lang must be 'nl' or 'en', got {self.lang!r}")
        if require_registry and not (Path(self.processed_dir) / m / "quality.json").exists():
            raise ParameterError(f"no validated registry for {m} in {self.processed_dir}: "
                                 "run `workbench validate` first")

    def as_papermill(self) -> dict:
        return _jsonable(asdict(self))


@dataclass(frozen=True)
class AnalysisParams:
    """Parameters of ``notebooks/02_survival.ipynb`` and ``03_sensitivity.ipynb``."""

    municipality: str
    processed_dir: str
    grace_months: int = 3
    tau_months: int = 36
    tau_long_months: int = 60
    lag_days: int = 30
    n_boot: int = 200
    n_boot_sensitivity: int = 100
    seed: int = 20261123
    light_types: tuple[str, ...] = ("wijkteam", "cjg", "jgz", "schoolmaatschappelijk_werk", "poh_jeugd",
                                    "opvoedondersteuning", "welzijn", "other")
    # the registration design (protocol, "Registration" 2): the light-support provider types whose
    # registration windows the design respects; None: those whose window covers at least half the
    # registry period. registration_restriction False: all data, as version 1 (a sensitivity analysis)
    counted_types: tuple[str, ...] | None = None
    registration_restriction: bool = True
    # the bias analysis (protocol, "Registration" 3): draws, the prior on each provider type's
    # registration sensitivity ((low, high) for all, or {type: (low, high), "default": (low, high)})
    # and on the start rate of a type without registered starts, relative to an average counted type
    n_bias: int = 200
    bias_sensitivity: tuple[float, float] | dict = (0.7, 1.0)
    bias_unregistered_rate: tuple[float, float] = (0.5, 1.5)
    # waiting times (appendix 4): the norm, in days from the request to the start of help
    wait_norm_days: int = 28
    workers: int = 2
    min_cell: int = 10
    round_to: int = 5
    lang: Literal["nl", "en"] = "nl"
    require_registry: InitVar[bool] = True

    def __post_init__(self, require_registry: bool = True) -> None:
        _plain_ints(self)
        QualityParams(self.municipality, self.processed_dir, self.min_cell, self.round_to, self.lang, require_registry)
        checks = {"grace_months": (0, 12), "tau_months": (6, 120), "tau_long_months": (12, 120), "lag_days": (0, 365), "seed": (0, 2**32 - 1),
                  "n_boot": (20, 10_000), "n_boot_sensitivity": (20, 10_000), "workers": (1, 64),
                  "n_bias": (20, 10_000), "wait_norm_days": (1, 365)}
        for name, (lo, hi) in checks.items():
            v = getattr(self, name)
            if not isinstance(v, int) or isinstance(v, bool) or not lo <= v <= hi:
                raise ParameterError(f"{name} must be a whole number in {lo}–{hi}, got {v!r}")
        object.__setattr__(self, "light_types", tuple(self.light_types))
        if self.counted_types is not None:
            object.__setattr__(self, "counted_types", tuple(self.counted_types))
            bad = set(self.counted_types) - set(self.light_types)
            if bad:
                raise ParameterError(f"counted_types must be among light_types, not {sorted(bad)}")
        if not isinstance(self.registration_restriction, bool):
            raise ParameterError(f"registration_restriction must be True or False, got {self.registration_restriction!r}")
        unknown = set(self.light_types) - FORMAT.code_values("light_provider_type")
        if unknown or not self.light_types:
            raise ParameterError(f"light_types must be provider types of the format, unknown: {sorted(unknown)}")
        sens = self.bias_sensitivity
        pair = lambda v, name: tuple(float(x) for x in v) if isinstance(v, (list, tuple)) and len(v) == 2 \
            and all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in v) else _bad_pair(name, v)  # noqa: E731
        sens = {k: pair(v, f"bias_sensitivity[{k!r}]") for k, v in sens.items()} if isinstance(sens, dict) \
            else pair(sens, "bias_sensitivity")
        object.__setattr__(self, "bias_sensitivity", sens)
        object.__setattr__(self, "bias_unregistered_rate", pair(self.bias_unregistered_rate, "bias_unregistered_rate"))
        from .bias import Priors
        Priors.from_param(sens, self.bias_unregistered_rate, self.light_types)

    def as_papermill(self) -> dict:
        return _jsonable(asdict(self))

    def analysis_key(self) -> dict:
        """The fields that change the numbers (not where the data lie, not how many processes)."""
        return {k: v for k, v in self.as_papermill().items() if k not in ("processed_dir", "workers")}


def _bad_pair(name: str, v):
    raise ParameterError(f"{name} must be two numbers (low, high), got {v!r}")


def _plain_ints(obj) -> None:
    """numpy integers (from a DataFrame loop) become Python ints; bools and floats stay as they are."""
    for f in fields(obj):
        v = getattr(obj, f.name)
        if isinstance(v, numbers.Integral) and not isinstance(v, (int, bool)):
            object.__setattr__(obj, f.name, int(v))


def _jsonable(d: dict) -> dict:
    """Only str, int, float, bool, None, list and dict: what papermill injects faithfully."""
    out = {}
    for k, v in d.items():
        if isinstance(v, tuple):
            v = list(v)
        if isinstance(v, dict):
            v = {str(a): list(b) if isinstance(b, tuple) else b for a, b in v.items()}
        if not isinstance(v, (str, int, float, bool, list, dict, type(None))):
            raise ParameterError(f"{k}: {type(v).__name__} is not a plain JSON value")
        out[k] = v
    return out
