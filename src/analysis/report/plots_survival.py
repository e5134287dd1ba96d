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


def trajectory_figure(shown: pd.DataFrame, fit: pd.DataFrame | None, arm_labels: tuple[str, str],
                      r2: float | None = None, lang: str = "nl") -> plt.Figure:
    """Left: RD(t) with its pointwise 95 % band; right: both arms' CIF with bands and the fitted
    (1 − π) · CIF_b(t − D); where that relation fits badly (r² < 0.7) a third panel with the
    residual CIF_a − fitted. Only the months that may be published (steps between them)."""
    if shown is None or len(shown) < 2:
        return _empty(lang)
    m = shown["month"].to_numpy(float)
    bad = fit is not None and r2 is not None and np.isfinite(r2) and r2 < 0.7 and len(fit)
    fig, axes = plt.subplots(1, 3 if bad else 2, figsize=(15 if bad else 11, 4.2))
    left, right = axes[0], axes[1]
    left.axhline(0, color="#888", lw=0.8)
    left.step(m, shown["rd"] * 100, where="post", color="#333")
    left.fill_between(m, shown["rd_low"] * 100, shown["rd_high"] * 100, step="post", alpha=0.2, color="#333")
    left.set_xlabel(t("months_since_signal", lang)); left.set_ylabel(t("traj_rd", lang))
    for arm, color, label in (("a", "#4c72b0", arm_labels[0]), ("b", "#dd8452", arm_labels[1])):
        right.step(m, shown[f"cif_{arm}"] * 100, where="post", color=color, label=label)
        right.fill_between(m, shown[f"cif_{arm}_low"] * 100, shown[f"cif_{arm}_high"] * 100, step="post",
                           alpha=0.15, color=color)
    if fit is not None:
        right.step(fit["month"], fit["value"] * 100, where="post", color="#4c72b0", ls="--", lw=1,
                   label=t("traj_fit", lang))
    right.set_xlabel(t("months_since_signal", lang)); right.set_ylabel(t("traj_arms", lang))
    right.set_ylim(bottom=0); right.legend(fontsize=8)
    if bad:
        res = axes[2]
        res.axhline(0, color="#888", lw=0.8)
        res.step(fit["month"], fit["residual"] * 100, where="post", color="#4c72b0")
        res.set_xlabel(t("months_since_signal", lang)); res.set_ylabel(t("traj_residual", lang))
    for ax in axes:
        ax.set_xlim(left=0)
    fig.suptitle(f"{t('traj_title', lang)} — {t('traj_note', lang)}", fontsize=10)
    fig.tight_layout()
    return fig


def in_care_figure(shown: pd.DataFrame, arm_labels: tuple[str, str], months: dict, lang: str = "nl") -> plt.Figure:
    """The share of each arm's children in specialist care per month since the signal (the area under
    a curve is the months in care per child, written in the legend). Only the months that may be
    published."""
    if shown is None or len(shown) < 2:
        return _empty(lang)
    fig, ax = plt.subplots(figsize=(8, 4))
    m = shown["month"].to_numpy(float) + 0.5      # the share is that of the month: drawn at its middle
    for arm, color, label in (("a", "#4c72b0", arm_labels[0]), ("b", "#dd8452", arm_labels[1])):
        mm = months.get(arm, np.nan)
        text = t("care_months", lang, label=label, m=f"{mm:.1f}") if np.isfinite(mm) else label
        ax.plot(m, shown[f"share_{arm}"] * 100, color=color, label=text, marker=".", ms=3, lw=1.2)
        ax.fill_between(m, 0, shown[f"share_{arm}"] * 100, color=color, alpha=0.08)
    ax.set_xlabel(t("months_since_signal", lang)); ax.set_ylabel(t("care_share", lang))
    ax.set_xlim(left=0); ax.set_ylim(bottom=0); ax.legend(fontsize=8)
    fig.suptitle(f"{t('care_title', lang)}\n{t('care_note', lang)}", fontsize=9)
    fig.tight_layout()
    return fig


def tipping_figure(pr, lang: str = "nl") -> plt.Figure:
    """The corrected π and RD(τ) against the registration sensitivity of every provider type (the
    tipping-point view), beside the primary estimate and zero."""
    b = pr.bias
    if b is None or not len(b.tipping):
        return _empty(lang)
    tip = b.tipping.sort_values("sensitivity")
    x = tip["sensitivity"].to_numpy(float)
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6))
    for ax, key, scale, label, prim in (
            (axes[0], "prevented_fraction", 100, t("bias_pi", lang) + " (%)", pr.primary.prevented_fraction),
            (axes[1], "rd_tau", 100, t("bias_rd", lang, tau=pr.primary.params.tau_months), pr.primary.ci["rd_tau"])):
        ax.fill_between(x, tip[f"{key}_low"] * scale, tip[f"{key}_high"] * scale, color="#4c72b0", alpha=0.15)
        ax.plot(x, tip[key] * scale, color="#4c72b0", marker="o", ms=4, label=t("tip_adjusted", lang))
        if np.isfinite(prim.get("estimate", np.nan)):
            ax.axhline(prim["estimate"] * scale, color="#dd8452", ls="--", lw=1.2, label=t("tip_primary", lang))
        ax.axhline(0, color="#888", lw=0.8)
        ax.set_xlabel(t("tip_x", lang)); ax.set_ylabel(label); ax.invert_xaxis()
    axes[0].legend(fontsize=8)
    fig.suptitle(t("tip_title", lang), fontsize=10)
    fig.tight_layout()
    return fig
