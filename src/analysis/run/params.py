"""Typed, validated notebook parameters: one model per notebook, checked before any run.

Values reach papermill as plain JSON types (papermill quotes anything else, numpy integers and
paths included, and its CLI turns "0363" into 363): ``as_papermill`` returns such a dict.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..paths import NOTEBOOK_NAMES
from ..study.params import AnalysisParams, QualityParams


@dataclass(frozen=True)
class DataQualityParams(AnalysisParams):
    """Parameters of ``notebooks/01_data_quality.ipynb``: the quality tables need only the
    municipality and the disclosure rules (:class:`QualityParams`); its closing registration advice
    compares what the analysis of notebook 02 can detect, so it takes the same analysis parameters."""

    def quality(self) -> QualityParams:
        return QualityParams(municipality=self.municipality, processed_dir=self.processed_dir, min_cell=self.min_cell,
                             round_to=self.round_to, lang=self.lang)


@dataclass(frozen=True)
class SurvivalParams(AnalysisParams):
    """Parameters of ``notebooks/02_survival.ipynb``."""


@dataclass(frozen=True)
class SensitivityParams(AnalysisParams):
    """Parameters of ``notebooks/03_sensitivity.ipynb``."""


@dataclass(frozen=True)
class RoutesParams(AnalysisParams):
    """Parameters of ``notebooks/04_routes_waiting.ipynb``."""


NOTEBOOK_PARAMS = dict(zip(NOTEBOOK_NAMES, (DataQualityParams, SurvivalParams, SensitivityParams, RoutesParams)))
