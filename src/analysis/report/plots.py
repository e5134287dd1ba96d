"""Figures for the appendices: results in, matplotlib figures out (no computation here)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..study.verdict import NO_ANSWER
from .i18n import column_name, provider_type, t, table_name



def completeness_figure(comp: pd.DataFrame, lang: str = "nl") -> plt.Figure:
    comp = comp.dropna(subset=["filled_pct"])
    labels = [f"{table_name(a, lang)} · {column_name(a, b, lang, short=True)}" for a, b in zip(comp["table"], comp["column"])]
    fig, ax = plt.subplots(figsize=(10, 0.22 * len(comp) + 1))
    colors = np.where(comp["filled_pct"] >= 99.95, "#4c72b0", np.where(comp["required"], "#c44e52", "#dd8452"))
    ax.barh(np.arange(len(comp)), comp["filled_pct"], color=colors)
    ax.set_yticks(np.arange(len(comp)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(t("fig_filled", lang))
    ax.set_title(t("fig_completeness", lang))
    fig.tight_layout()
    return fig


def coverage_figure(counts: pd.DataFrame, lang: str = "nl") -> plt.Figure:
    """``counts``: provider types × years, NaN where suppressed."""
    fig, ax = plt.subplots(figsize=(8, 4))
    for ptype, row in counts.iterrows():
        ax.plot(counts.columns, row.to_numpy(float), marker="o", label=provider_type(ptype, lang))
    ax.set_xlabel(t("fig_year", lang)); ax.set_ylabel(t("fig_episodes", lang)); ax.set_title(t("fig_coverage", lang))
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, ncol=2)
    ax.annotate(t("fig_suppressed", lang), (0, -0.18), xycoords="axes fraction", fontsize=7)
    fig.tight_layout()
    return fig


def linkage_figure(years, pct, lang: str = "nl") -> plt.Figure:
    fig, ax = plt.subplots(figsize=(8, 3.5))
    ax.bar(years, pct, color="#55a868")
    ax.set_ylim(0, 100); ax.set_xlabel(t("fig_year", lang)); ax.set_ylabel(t("fig_share_light", lang), fontsize=8)
    ax.set_title(t("fig_linkage", lang), fontsize=10)
    fig.tight_layout()
    return fig


def reach_figure(light: pd.DataFrame, spec: pd.DataFrame, lang: str = "nl") -> plt.Figure:
    """Each frame: year, age_group, pct (NaN where suppressed)."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    for ax, df, title in ((axes[0], light, t("fig_reach_light", lang)), (axes[1], spec, t("fig_reach_spec", lang))):
        for group, g in df.groupby("age_group", observed=True, sort=True):
            ax.plot(g["year"], g["pct"], marker="o", label=str(group))
        ax.set_title(title); ax.set_xlabel(t("fig_year", lang))
    axes[0].set_ylabel(t("fig_pct_children", lang)); axes[0].set_ylim(bottom=0)
    axes[1].legend(title=t("age", lang))
    fig.suptitle(t("fig_reach", lang))
    fig.tight_layout()
    return fig


def rejected_figure(counts: pd.Series, lang: str = "nl") -> plt.Figure:
    """``counts``: rounded counts per table/rule label, NaN where suppressed."""
    fig, ax = plt.subplots(figsize=(8, 0.35 * max(len(counts), 1) + 1))
    ax.barh(np.arange(len(counts)), counts.fillna(0).to_numpy(), color="#c44e52")
    ax.set_yticks(np.arange(len(counts)), counts.index, fontsize=8)
    ax.invert_yaxis(); ax.set_xlabel(t("fig_rows", lang)); ax.set_title(t("fig_rejected", lang))
    fig.tight_layout()
    return fig


def advice_figure(pl, lang: str = "nl") -> plt.Figure:
    """The registration advice as a figure: the smallest detectable prevented share against the years
    of complete registration simulated, with the target and what the registry detects now.
    ``pl``: an :class:`analysis.synth.planning.Planning` (simulated values, no counts)."""
    b = pl.by_years.sort_values("years")
    fig, ax = plt.subplots(figsize=(7, 3.6))
    y = np.minimum(b["prevented_fraction"].to_numpy(float), 1.0) * 100
    ax.plot(b["years"], y, marker="o", color="#4c72b0")
    ax.axhline(pl.target * 100, color="#55a868", ls="--", lw=1.2, label=t("adv_fig_target", lang, target=f"{pl.target * 100:.0f}"))
    now = pl.current.get("prevented_fraction", np.nan)
    if np.isfinite(now) and pl.current.get("verdict") not in NO_ANSWER:
        ax.axhline(min(now, 1.0) * 100, color="#dd8452", ls=":", lw=1.2,
                   label=t("adv_fig_now", lang, pi=f"{now * 100:.0f} %" if now < 1 else "> 100 %"))
    ax.set_xlim(min(b["years"].min(), pl.max_years) - 0.5 if len(b) else 5, pl.max_years + 0.5)
    ax.set_ylim(0, 105)   # 100: a prevented share of 100 % or more (not detectable at all)
    ax.set_xlabel(t("adv_fig_x", lang)); ax.set_ylabel(t("adv_fig_y", lang), fontsize=9)
    ax.set_title(t("adv_fig_title", lang), fontsize=10)
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
