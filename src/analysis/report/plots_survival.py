"""Figures of the survival appendices: protected results in, matplotlib figures out."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from .i18n import t, variable


def _empty(lang: str = "nl") -> plt.Figure:
    fig, ax = plt.subplots(figsize=(6, 1))
    ax.axis("off")
    ax.text(0.5, 0.5, t("too_few_data", lang), ha="center", va="center")
    return fig


def flow_figure(flow: pd.DataFrame) -> plt.Figure:
    """The flow table as a column of boxes (STROBE/RECORD style)."""
    n = len(flow)
    fig, ax = plt.subplots(figsize=(8, 0.55 * n + 0.5))
    ax.axis("off")
    for i, (label, count) in enumerate(flow.itertuples(index=False)):
        y = n - i
        indent = 0.08 if label.startswith(("…", "uitgesloten", "excluded", "einde", "ended")) else 0.0
        ax.text(0.02 + indent, y, f"{label}: {count}", va="center", fontsize=9,
                bbox={"boxstyle": "round,pad=0.3", "fc": "#eef3fb" if not indent else "#fbf3ee", "ec": "#888"})
    ax.set_ylim(0.3, n + 0.7)
    ax.set_xlim(0, 1)
    fig.tight_layout()
    return fig


def _step(ax, curve: pd.DataFrame, label: str, color: str, scale: float = 100.0):
    t = np.concatenate([[0.0], curve["time"].to_numpy()])
    v = np.concatenate([[0.0], curve["value"].to_numpy()]) * scale
    ax.step(t, v, where="post", label=label, color=color)
    if "lower" in curve:
        lo = np.concatenate([[0.0], curve["lower"].to_numpy()]) * scale
        hi = np.concatenate([[0.0], curve["upper"].to_numpy()]) * scale
        ax.fill_between(t, lo, hi, step="post", alpha=0.15, color=color)


_CURVE_AXES = {"age": ("age_years", "cum_incidence", "age_title"),
               "arms": ("months_since_signal", "cum_incidence", "arms_title")}


def curves_figure(curves: dict[str, pd.DataFrame], kind: str, lang: str = "nl") -> plt.Figure:
    """Step curves (named in the legend); ``kind`` "age" (years of age) or "arms" (months since the signal)."""
    xlabel, ylabel, title = (t(k, lang) for k in _CURVE_AXES[kind])
    fig, ax = plt.subplots(figsize=(8, 4.2))
    for (label, c), color in zip(curves.items(), ("#4c72b0", "#dd8452", "#55a868", "#c44e52")):
        _step(ax, c, label, color)
    ax.set_xlabel(xlabel); ax.set_ylabel(ylabel); ax.set_title(title)
    ax.set_ylim(bottom=0); ax.set_xlim(left=0); ax.legend()
    fig.tight_layout()
    return fig


def balance_figure(balance: pd.DataFrame, lang: str = "nl") -> plt.Figure:
    """Love plot: standardised mean differences before and after weighting (|SMD| < 0.1 is balanced)."""
    if balance.empty:
        return _empty(lang)
    fig, ax = plt.subplots(figsize=(7, 0.4 * len(balance) + 1.2))
    y = np.arange(len(balance))
    for col, marker, color in (("smd_a_unweighted", "o", "#bbbbbb"), ("smd_a_weighted", "o", "#4c72b0"),
                               ("smd_b_unweighted", "s", "#dddddd"), ("smd_b_weighted", "s", "#dd8452")):
        _, arm, kind = col.split("_", 2)
        ax.scatter(balance[col], y, marker=marker, color=color, label=t(f"smd_{kind}", lang, arm=arm))
    ax.axvline(0, color="k", lw=0.8)
    for x in (-0.1, 0.1):
        ax.axvline(x, color="grey", ls="--", lw=0.8)
    ax.set_yticks(y, [variable(v, lang) for v in balance.index])
    ax.set_xlabel(t("smd", lang))
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    return fig


def forest_figure(rows: pd.DataFrame, lang: str = "nl") -> plt.Figure:
    rows = rows.dropna(subset=["estimate"])
    if rows.empty:
        return _empty(lang)
    fig, ax = plt.subplots(figsize=(8, 0.45 * len(rows) + 1.2))
    y = np.arange(len(rows))[::-1]
    est = rows["estimate"].to_numpy() * 100
    ax.errorbar(est, y, xerr=[est - rows["low"].to_numpy() * 100, rows["high"].to_numpy() * 100 - est],
                fmt="o", color="#4c72b0", capsize=3)
    ax.axvline(0, color="k", lw=0.8)
    ax.set_yticks(y, rows["label"])
    ax.set_xlabel(t("rd_axis", lang))
    fig.tight_layout()
    return fig


def weights_figure(weights: pd.DataFrame, lang: str = "nl") -> plt.Figure:
    """Weight percentiles per arm (no minimum or maximum)."""
    if weights.empty:
        return _empty(lang)
    fig, ax = plt.subplots(figsize=(7, 2.6))
    for i, (arm, r) in enumerate(weights.iterrows()):
        ax.plot([r["p1"], r["p99"]], [i, i], color="#999", lw=1)
        ax.plot([r["p5"], r["p95"]], [i, i], color="#4c72b0", lw=3)
        ax.plot([r["p25"], r["p75"]], [i, i], color="#4c72b0", lw=8, solid_capstyle="butt")
        ax.plot([r["p50"]], [i], "w|", ms=12, mew=2)
    ax.set_yticks(range(len(weights)), [t("arm", lang, arm=a) for a in weights.index])
    ax.set_xscale("log")
    ax.set_xlabel(t("weight_axis", lang))
    fig.tight_layout()
    return fig
