"""Figures for the appendices: results in, matplotlib figures out (no computation here)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

LABELS = {
    "nl": {"year": "jaar", "episodes": "gestarte trajecten", "filled": "gevuld (%)",
           "share_light": "% met lichte ondersteuning vóór eerste specialistische zorg",
           "reach_light": "lichte ondersteuning", "reach_spec": "specialistische jeugdhulp",
           "pct_children": "% van de kinderen in de gemeente", "rows": "afgewezen rijen",
           "coverage": "Geregistreerde starts van lichte ondersteuning per soort aanbieder",
           "completeness": "Volledigheid per kolom (geaccepteerde rijen)",
           "linkage": "Koppeling: lichte ondersteuning geregistreerd vóór de eerste specialistische zorg",
           "reach": "Bereik per jaar en leeftijdsgroep", "rejected": "Afgewezen rijen per regel",
           "suppressed": "ontbrekende punten: minder dan 10 kinderen (onderdrukt)"},
    "en": {"year": "year", "episodes": "episodes started", "filled": "filled (%)",
           "share_light": "% with light support before first specialist care",
           "reach_light": "light support", "reach_spec": "specialist youth care",
           "pct_children": "% of children living in the municipality", "rows": "rejected rows",
           "coverage": "Registered starts of light support by provider type",
           "completeness": "Completeness per column (accepted rows)",
           "linkage": "Linkage: light support registered before the first specialist care",
           "reach": "Reach by year and age group", "rejected": "Rejected rows by rule",
           "suppressed": "missing points: fewer than 10 children (suppressed)"},
}


def completeness_figure(comp: pd.DataFrame, lang: str = "nl") -> plt.Figure:
    L = LABELS[lang]
    comp = comp.dropna(subset=["filled_pct"])
    labels = comp["table"] + " · " + comp["column"]
    fig, ax = plt.subplots(figsize=(8, 0.22 * len(comp) + 1))
    colors = np.where(comp["filled_pct"] >= 99.95, "#4c72b0", np.where(comp["required"], "#c44e52", "#dd8452"))
    ax.barh(np.arange(len(comp)), comp["filled_pct"], color=colors)
    ax.set_yticks(np.arange(len(comp)), labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel(L["filled"])
    ax.set_title(L["completeness"])
    fig.tight_layout()
    return fig


def coverage_figure(counts: pd.DataFrame, lang: str = "nl") -> plt.Figure:
    """``counts``: provider types × years, NaN where suppressed."""
    L = LABELS[lang]
    fig, ax = plt.subplots(figsize=(8, 4))
    for ptype, row in counts.iterrows():
        ax.plot(counts.columns, row.to_numpy(float), marker="o", label=ptype)
    ax.set_xlabel(L["year"]); ax.set_ylabel(L["episodes"]); ax.set_title(L["coverage"])
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8, ncol=2)
    ax.annotate(L["suppressed"], (0, -0.18), xycoords="axes fraction", fontsize=7)
    fig.tight_layout()
    return fig


def linkage_figure(years, pct, lang: str = "nl") -> plt.Figure:
    L = LABELS[lang]
    fig, ax = plt.subplots(figsize=(8, 3.5))
    ax.bar(years, pct, color="#55a868")
    ax.set_ylim(0, 100); ax.set_xlabel(L["year"]); ax.set_ylabel(L["share_light"], fontsize=8)
    ax.set_title(L["linkage"], fontsize=10)
    fig.tight_layout()
    return fig


def reach_figure(light: pd.DataFrame, spec: pd.DataFrame, lang: str = "nl") -> plt.Figure:
    """Each frame: year, age_group, pct (NaN where suppressed)."""
    L = LABELS[lang]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), sharey=True)
    for ax, df, title in ((axes[0], light, L["reach_light"]), (axes[1], spec, L["reach_spec"])):
        for group, g in df.groupby("age_group", observed=True, sort=True):
            ax.plot(g["year"], g["pct"], marker="o", label=str(group))
        ax.set_title(title); ax.set_xlabel(L["year"])
    axes[0].set_ylabel(L["pct_children"]); axes[0].set_ylim(bottom=0)
    axes[1].legend(title="leeftijd" if lang == "nl" else "age")
    fig.suptitle(L["reach"])
    fig.tight_layout()
    return fig


def rejected_figure(counts: pd.Series, lang: str = "nl") -> plt.Figure:
    """``counts``: rounded counts per table/rule label, NaN where suppressed."""
    L = LABELS[lang]
    fig, ax = plt.subplots(figsize=(8, 0.35 * max(len(counts), 1) + 1))
    ax.barh(np.arange(len(counts)), counts.fillna(0).to_numpy(), color="#c44e52")
    ax.set_yticks(np.arange(len(counts)), counts.index, fontsize=8)
    ax.invert_yaxis(); ax.set_xlabel(L["rows"]); ax.set_title(L["rejected"])
    fig.tight_layout()
    return fig
