"""Appendix 4 — routes through the levels of help and waiting times: its tables and figures, every
count protected before it is shown or drawn (threshold and rounding of the parameters).

The flow figure is an alluvial diagram drawn with matplotlib: the well-kept Python libraries that
draw such flows (plotly's Sankey, pySankey is unmaintained) are interactive or need a headless
browser engine (kaleido) to give a static image, and the appendix is static HTML whose every
figure must obey the disclosure rules before it is drawn; forty lines of ``fill_between`` do it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from ..registry.store import load_quality, load_registry
from ..study import routes as rt
from ..study import waiting as wt
from ..study.cohort import DAYS_PER_YEAR, days
from ..study.params import AnalysisParams
from ..study.results import RoutesWaiting, routes_waiting
from . import disclosure as dc
from .i18n import t
from .appendix import synthetic_banner

DAYS_PER_MONTH = DAYS_PER_YEAR / 12
#: the levels grouped for the figures (the tables show every level)
GROUPS = {"geen_hulp": ("geen_hulp",), "licht": ("universeel", "selectief", "licht"), "intensief": ("intensief",),
          "specialistisch": ("specialistisch", "intensief_en_specialistisch"),
          "overname_van_opvoeding": ("overname_van_opvoeding",)}
GROUP_OF = {lv: g for g, lvs in GROUPS.items() for lv in lvs}
COLOURS = {"geen_hulp": "#d9d9d9", "licht": "#8ecae6", "intensief": "#ffb703", "specialistisch": "#fb8500",
           "overname_van_opvoeding": "#9d0208", "suppressed": "#ffffff"}
FLOW_MONTHS = (0, 6, 12, 24)
OCCUPATION_MONTHS = 36
SDQ_CUTOFF = 14


@dataclass
class RoutesAppendix:
    code: str
    name: str
    synthetic: bool
    registry_start: str
    extract_date: str
    p: AnalysisParams
    rw: RoutesWaiting
    flow: pd.DataFrame            # per child followed up: its level group at each of FLOW_MONTHS
    occupation: dict              # anchor → MultistateFit (or None)
    by_year: pd.DataFrame
    by_age: pd.DataFrame
    repeat: pd.DataFrame          # per table: episodes and repeat-use episodes (exact; protect to show)


def _first(days_: pd.Series, person: pd.Series, window: pd.DataFrame) -> pd.Series:
    """Each child's first day of ``days_`` inside its window."""
    d = pd.DataFrame({"person_id": person.astype(str).to_numpy(), "day": days_})
    w = window.reindex(d["person_id"])
    d = d[(d["day"].to_numpy() >= w["lo"].to_numpy()) & (d["day"].to_numpy() < w["hi"].to_numpy())]
    return d.groupby("person_id")["day"].min()


def build_routes_appendix(p: AnalysisParams) -> RoutesAppendix:
    """Read the validated registry of ``p.municipality`` and make the appendix's contents."""
    quality = load_quality(p.municipality, p.processed_dir)
    meta = json.loads((Path(p.processed_dir) / p.municipality / "delivery.json").read_text(encoding="utf-8"))
    rw = routes_waiting(p)
    tables = load_registry(p.municipality, p.processed_dir)
    window = rw.window
    light = tables["light_support_episodes"]
    anchors = {"light": _first(days(light["start_date"]), light["person_id"], window)}
    scr = tables.get("screenings")
    if scr is not None and len(scr):
        sig = scr[(scr["instrument"].astype(str) == "sdq_parent") & (scr["sdq_total"].astype(float) >= SDQ_CUTOFF)]
        anchors["signal"] = _first(days(sig["screening_date"]), sig["person_id"], window)
    occupation = {}
    for key, anchor in anchors.items():
        # the shares alone: the figure shows no band (stacked shares cannot carry one)
        occupation[key] = rt.occupation_after(rw.spells, anchor, window["hi"], se=False) if len(anchor) else None
    # the flow: the level group at fixed months after the first light support, children followed that long
    a = anchors["light"]
    followed = a[window["hi"].reindex(a.index).to_numpy() >= a.to_numpy() + FLOW_MONTHS[-1] * DAYS_PER_MONTH + 1]
    flow = pd.DataFrame(index=followed.index)
    s = rw.spells[rw.spells["person_id"].isin(followed.index)]
    for m in FLOW_MONTHS:
        at = followed + m * DAYS_PER_MONTH
        hit = s[(s["start"].to_numpy() <= at.reindex(s["person_id"]).to_numpy())
                & (s["end"].to_numpy() > at.reindex(s["person_id"]).to_numpy())]
        level = hit.groupby("person_id")["level"].first().map(GROUP_OF)
        flow[m] = level.reindex(flow.index).fillna("geen_hulp").to_numpy()
    birth = pd.Series(days(tables["persons"]["birth_date"]), index=tables["persons"]["person_id"].astype(str).to_numpy())
    rep = []
    for name in ("light_support_episodes", "specialist_episodes"):
        e = tables.get(name)
        if e is None or not len(e):
            continue
        ep = pd.DataFrame({"person_id": e["person_id"].astype(str).to_numpy(), "start": days(e["start_date"]),
                           "end": np.nan_to_num(days(e["end_date"]), nan=np.inf)})
        r = rt.repeat_use(ep)
        rep.append({"table": name, "episodes": len(r), "repeat": int(r.sum())})
    return RoutesAppendix(code=p.municipality, name=str(meta.get("municipality_name", "")),
                          synthetic=bool(quality.get("synthetic")), registry_start=str(quality["registry_start"]),
                          extract_date=str(quality["extract_date"]), p=p, rw=rw, flow=flow, occupation=occupation,
                          by_year=rt.step_rates_by(rw.spells, "year"),
                          by_age=rt.step_rates_by(rw.spells, "age_group", birth=birth), repeat=pd.DataFrame(rep))


# --- text ----------------------------------------------------------------------------------------

def level_name(level: str, lang: str) -> str:
    return t(f"lvl_{level}", lang)


def header_markdown(a: RoutesAppendix, lang: str) -> str:
    banner = synthetic_banner(lang) if a.synthetic else ""
    return banner + t("header_4", lang, name=a.name, code=a.code, start=a.registry_start, end=a.extract_date,
                      norm=a.p.wait_norm_days)


def _ci(d: dict | None, scale: float = 1.0, nd: int = 1, lang: str = "nl") -> str:
    if not d or d.get("estimate") is None:
        return "–"
    f = lambda x: "–" if x is None else f"{scale * x:.{nd}f}"  # noqa: E731
    text = f"{f(d['estimate'])} ({f(d['ci_low'])} – {f(d['ci_high'])})"
    return text.replace(".", ",") if lang == "nl" else text


def _shown(n: int, p) -> bool:
    return n == 0 or n >= p.min_cell


# --- tables --------------------------------------------------------------------------------------

def _rate_rows(df: pd.DataFrame, p, lang: str, key: str) -> list[dict]:
    from ..study.results import _poisson_rate
    rows = []
    for r in df.to_dict("records"):
        up, down, cy = int(r["step_ups"]), int(r["step_downs"]), float(r["child_years"])
        rows.append({key: r[key] if key != "level" else level_name(r[key], lang),
                     t("child_years", lang): int(dc.round_count(cy, p.round_to)),
                     t("step_ups", lang): dc.protect_counts(pd.DataFrame([[up]]), p.min_cell, p.round_to).iat[0, 0],
                     t("step_up_rate", lang): _ci(_poisson_rate(up, cy), lang=lang) if _shown(up, p) else "–",
                     t("step_downs", lang): dc.protect_counts(pd.DataFrame([[down]]), p.min_cell, p.round_to).iat[0, 0],
                     t("step_down_rate", lang): _ci(_poisson_rate(down, cy), lang=lang) if _shown(down, p) else "–"})
    return rows


def step_table(a: RoutesAppendix, lang: str) -> pd.DataFrame:
    """Per level: child-years, step-ups and step-downs out of it with rates per 100 child-years, and
    the light levels together (the headline of results.json and the index). Where one light level's
    step-ups are below the threshold, the other light levels' are hidden too (their sum is shown)."""
    rates = a.rw.step_rates
    light = rates[rates["level"].isin(rt.LIGHT_LEVELS)]
    together = pd.DataFrame([{"level": "light_together", **light[["child_years", "step_ups", "step_downs"]].sum()}])
    df = pd.concat([rates, together], ignore_index=True) if len(light) > 1 else rates
    out = pd.DataFrame(_rate_rows(df, a.p, lang, "level"))
    hidden = [0 < k < a.p.min_cell for k in light["step_ups"]]
    if any(hidden):
        rows = df["level"].isin(rt.LIGHT_LEVELS).to_numpy()
        for col in (t("step_ups", lang), t("step_up_rate", lang)):
            out.loc[rows, col] = np.where(out.loc[rows, col].astype(str).str.startswith("<"), f"<{a.p.min_cell}", "–")
    if len(df) > len(rates) and any(0 < k < a.p.min_cell for k in light["step_downs"]):
        out.loc[len(out) - 1, [t("step_downs", lang), t("step_down_rate", lang)]] = "–"   # the sum would give it back
    return out.rename(columns={"level": t("level", lang)})


def step_up_by(a: RoutesAppendix, lang: str, by: str) -> pd.DataFrame:
    """Step-up out of light support per calendar year or age group."""
    df = a.by_year if by == "year" else a.by_age
    df = df[df["level"].isin(rt.LIGHT_LEVELS)]
    if not len(df):
        return pd.DataFrame()
    g = df.groupby("group", sort=False)[["child_years", "step_ups", "step_downs"]].sum().reset_index()
    if by == "age_group":     # in the order of the ages, not of the text
        g = g.sort_values("group", key=lambda s: s.str.split("-").str[0].astype(int), kind="stable")
    else:
        g = g.sort_values("group", kind="stable")
    rows = _rate_rows(g, a.p, lang, "group")
    out = pd.DataFrame(rows).rename(columns={"group": t("year" if by == "year" else "age_group", lang)})
    return out.drop(columns=[t("step_downs", lang), t("step_down_rate", lang)])


def repeat_table(a: RoutesAppendix, lang: str) -> pd.DataFrame:
    p = a.p
    r = a.repeat
    if not len(r):
        return pd.DataFrame()
    counts = dc.protect_counts(r[["episodes", "repeat"]], p.min_cell, p.round_to, secondary=False)
    share = dc.protect_share(r["repeat"], r["episodes"], p.min_cell, p.round_to)
    return pd.DataFrame({t("episodes_of", lang): [t(f"tbl_{x}", lang) for x in r["table"]],
                         t("episodes", lang): counts["episodes"].to_numpy(), t("repeat_use", lang): counts["repeat"].to_numpy(),
                         t("repeat_share", lang): share})


def _wait_row(label: str, w, p, lang: str) -> dict:
    n = w.n_requests
    row = {t("group", lang): label, t("requests", lang): dc.protect_counts(pd.DataFrame([[n]]), p.min_cell, p.round_to).iat[0, 0]}
    ok = n >= p.min_cell and w.n_started >= p.min_cell
    row[t("median_wait", lang)] = _ci(w.median_days, nd=0, lang=lang) if ok else "–"
    for d in sorted(w.share_within):
        row[t("within_days", lang, d=d)] = _ci(w.share_within[d], 100, 1, lang) if ok and wt.share_shown(w, d, p.min_cell) \
            else "–"
    return row


def waiting_table(a: RoutesAppendix, lang: str) -> pd.DataFrame:
    """The median wait and the shares started within 4, 8 and 12 weeks and the norm: all requests,
    per provider type, per level and per year; groups below the threshold left out of the estimates."""
    w = a.rw.waiting
    if w is None:
        return pd.DataFrame()
    p = a.p
    extract = float((pd.Timestamp(a.extract_date) - pd.Timestamp("1970-01-01")).days) + 1
    rows = [_wait_row(t("all_requests", lang), w, p, lang)]
    for by in ("provider_type", "level", "year"):
        groups = wt.by_group(a.rw.frame, extract, w.conditional, by, p.wait_norm_days)
        if len(groups) < 2:
            continue
        # a group below the threshold is hidden; if it is the only one, the smallest other too (the
        # total minus the others would give it back)
        n = {k: g.n_requests for k, g in groups.items()}
        hidden = {k for k, v in n.items() if v < p.min_cell}
        if len(hidden) == 1 and len(n) > 1:
            hidden.add(min((k for k in n if k not in hidden), key=lambda k: n[k]))
        keys = sorted(groups, key=lambda k: rt.RANK.get(k, len(rt.LEVELS))) if by == "level" else list(groups)
        for key in keys:
            g = groups[key]
            name = level_name(key, lang) if by == "level" and key else str(key) or "–"
            row = _wait_row(f"{t('by_' + by, lang)}: {name}", g, p, lang)
            if key in hidden:
                row = {k: (v if i == 0 else ("<" + str(p.min_cell) if i == 1 and n[key] < p.min_cell else "–"))
                       for i, (k, v) in enumerate(row.items())}
            rows.append(row)
    return pd.DataFrame(rows)


def request_outcomes(a: RoutesAppendix, lang: str) -> pd.DataFrame:
    w = a.rw.waiting
    if w is None:
        return pd.DataFrame()
    counts = pd.DataFrame([[w.n_started, w.n_competing, w.n_waiting]],
                          columns=[t("out_started", lang), t("out_competing", lang), t("out_waiting", lang)])
    return dc.protect_counts(counts, a.p.min_cell, a.p.round_to)


# --- figures -------------------------------------------------------------------------------------

def flow_counts(a: RoutesAppendix) -> list[pd.DataFrame]:
    """Per pair of adjacent time points: children per (from, to) group, protected: flows below the
    threshold left out (``n`` NaN), the others rounded."""
    out = []
    for m0, m1 in zip(FLOW_MONTHS[:-1], FLOW_MONTHS[1:]):
        c = a.flow.groupby([m0, m1]).size().rename("exact").reset_index().rename(columns={m0: "from", m1: "to"})
        c["n"] = dc.protect_plot_counts(c["exact"].to_numpy(), a.p.min_cell, a.p.round_to)
        out.append(c.drop(columns="exact"))
    return out


def flow_figure(a: RoutesAppendix, lang: str):
    """The alluvial diagram of the level groups at 0, 6, 12 and 24 months after the first light support."""
    fig, ax = plt.subplots(figsize=(9, 5))
    pairs = flow_counts(a)
    order = list(GROUPS)
    if not len(a.flow) or all(pr["n"].isna().all() for pr in pairs):
        ax.text(0.5, 0.5, t("too_few", lang), ha="center", va="center")
        ax.axis("off")
        return fig
    # node heights per time point: the shown flows that leave it (the last: that arrive)
    heights = []   # a node is as high as the larger of the shown flows arriving at and leaving it
    for k in range(len(FLOW_MONTHS)):
        sums = [pairs[k].groupby("from")["n"].sum()] if k < len(pairs) else []
        sums += [pairs[k - 1].groupby("to")["n"].sum()] if k > 0 else []
        heights.append(pd.concat(sums, axis=1).max(axis=1).reindex(order).fillna(0.0))
    total = max(h.sum() for h in heights)
    gap = 0.02 * total
    bottoms = []
    for h in heights:
        b, y = {}, 0.0
        for g in reversed(order):
            b[g] = y
            y += h[g] + (gap if h[g] > 0 else 0)
        bottoms.append(b)
    width = 0.08
    xs = np.linspace(0, 1, 60)
    smooth = xs * xs * (3 - 2 * xs)
    rank = {g: i for i, g in enumerate(order)}
    for k, pr in enumerate(pairs):
        shown = pr.dropna(subset=["n"])
        # a source's flows stacked in the order of their destinations, a destination's in that of its sources
        src_next, dst_next, src_pos, dst_pos = dict(bottoms[k]), dict(bottoms[k + 1]), {}, {}
        for _, f in shown.sort_values("to", key=lambda s: s.map(rank), ascending=False).iterrows():
            src_pos[(f["from"], f["to"])] = src_next[f["from"]]
            src_next[f["from"]] += f["n"]
        for _, f in shown.sort_values("from", key=lambda s: s.map(rank), ascending=False).iterrows():
            dst_pos[(f["from"], f["to"])] = dst_next[f["to"]]
            dst_next[f["to"]] += f["n"]
        x0, x1 = k + width / 2, k + 1 - width / 2
        for _, f in shown.iterrows():
            key = (f["from"], f["to"])
            lo = src_pos[key] + (dst_pos[key] - src_pos[key]) * smooth
            ax.fill_between(x0 + (x1 - x0) * xs, lo, lo + f["n"], color=COLOURS[f["from"]], alpha=0.55, lw=0)
    for k, (h, b) in enumerate(zip(heights, bottoms)):
        for g in order:
            if h[g] <= 0:
                continue
            ax.bar(k, h[g], bottom=b[g], width=width, color=COLOURS[g], edgecolor="#333", lw=0.6)
            if h[g] >= 0.04 * total:
                ax.text(k + width / 2 + 0.02 if k < len(heights) - 1 else k - width / 2 - 0.02, b[g] + h[g] / 2,
                        f"{int(h[g])}", va="center", ha="left" if k < len(heights) - 1 else "right", fontsize=8)
    ax.set_xticks(range(len(FLOW_MONTHS)))
    ax.set_xticklabels([t("months_after_light", lang, m=m) for m in FLOW_MONTHS])
    ax.set_yticks([])
    for side in ("left", "right", "top"):
        ax.spines[side].set_visible(False)
    handles = [plt.Rectangle((0, 0), 1, 1, color=COLOURS[g]) for g in order]
    ax.legend(handles, [level_name(g, lang) for g in order], loc="upper center", bbox_to_anchor=(0.5, -0.1),
              ncol=len(order), frameon=False, fontsize=8)
    ax.set_title(t("fig_flow", lang), fontsize=11)
    fig.tight_layout()
    return fig


def occupation_shown(fit, p, months: int = OCCUPATION_MONTHS) -> pd.DataFrame | None:
    """The stacked shares per level group at each month since the anchor, protected: only months with
    at least the threshold at risk; a group holding fewer children than the threshold at a month goes
    into the band *suppressed*."""
    if fit is None or not len(fit.pstate):
        return None
    grid = np.arange(0, months + 1)
    times = fit.pstate.index.to_numpy(float)
    idx = np.searchsorted(times, grid * DAYS_PER_MONTH, side="right") - 1
    ps = fit.pstate.to_numpy()
    nr = fit.n_risk.sum(axis=1).to_numpy()
    p0 = fit.p0
    rows = []
    for m, i in zip(grid, idx):
        n_at = nr[min(i + 1, len(nr) - 1)]     # at risk just after the month's point
        if n_at < p.min_cell:
            break
        share = pd.Series(ps[i] if i >= 0 else p0, index=fit.pstate.columns).groupby(lambda s: GROUP_OF.get(s, "geen_hulp")).sum()
        share = share.reindex(list(GROUPS), fill_value=0.0)
        small = (share * n_at > 0) & (share * n_at < p.min_cell)
        row = share.where(~small, 0.0)
        row["suppressed"] = share[small].sum()
        row["month"] = m
        rows.append(row)
    return pd.DataFrame(rows).set_index("month") if rows else None


def occupation_figure(a: RoutesAppendix, lang: str):
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    for ax, key in zip(axes, ("light", "signal")):
        df = occupation_shown(a.occupation.get(key), a.p)
        ax.set_title(t(f"occ_{key}", lang), fontsize=10)
        if df is None:
            ax.text(0.5, 0.5, t("too_few", lang), ha="center", va="center", transform=ax.transAxes)
            continue
        cols = [g for g in ("overname_van_opvoeding", "specialistisch", "intensief", "licht", "suppressed", "geen_hulp")
                if g in df and df[g].max() > 0]
        ax.stackplot(df.index, *(100 * df[c].to_numpy() for c in cols), step="post",
                     colors=[COLOURS[c] for c in cols], labels=[level_name(c, lang) for c in cols],
                     edgecolor=["#999" if c == "suppressed" else "none" for c in cols], lw=0.3)
        ax.set_xlim(0, OCCUPATION_MONTHS)
        ax.set_ylim(0, 100)
        ax.set_xlabel(t("months_since", lang))
    axes[0].set_ylabel(t("share_children", lang))
    handles, labels = [], []
    for ax in axes:
        for h, lb in zip(*ax.get_legend_handles_labels()):
            if lb not in labels:
                handles.append(h)
                labels.append(lb)
    if labels:
        fig.legend(handles, labels, loc="lower center", ncol=len(labels), frameon=False, fontsize=8)
    fig.tight_layout(rect=(0, 0.08, 1, 1))
    return fig


def waiting_figure(a: RoutesAppendix, lang: str):
    """The cumulative incidence of starting since the request with its 95 % band and the norm."""
    w = a.rw.waiting
    fig, ax = plt.subplots(figsize=(8, 4.2))
    if w is None or w.n_requests < a.p.min_cell:
        ax.text(0.5, 0.5, t("no_requests", lang), ha="center", va="center", transform=ax.transAxes)
        ax.axis("off")
        return fig
    tab = dc.pool_steps(dc.truncate_curve(w.curve.table, a.p.min_cell, "at_risk"), a.p.min_cell, "events")
    x = np.concatenate([[0.0], tab["time"].to_numpy(float)])
    for col, kw in (("value", {"color": "#023047", "lw": 1.8}),):
        ax.step(x, 100 * np.concatenate([[0.0], tab[col].to_numpy(float)]), where="post", **kw,
                label=t("cif_start", lang))
    ax.fill_between(x, 100 * np.concatenate([[0.0], tab["lower"].to_numpy(float)]),
                    100 * np.concatenate([[0.0], tab["upper"].to_numpy(float)]), step="post", color="#8ecae6",
                    alpha=0.5, lw=0, label=t("band95", lang))
    ax.axvline(a.p.wait_norm_days, color="#9d0208", ls="--", lw=1)
    ax.text(a.p.wait_norm_days, 101, t("norm_label", lang, d=a.p.wait_norm_days), color="#9d0208", fontsize=8,
            ha="center", va="bottom")
    ax.axhline(50, color="#999", lw=0.6, ls=":")
    ax.set_xlim(0, min(365, float(x.max()) if len(x) else 365))
    ax.set_ylim(0, 105)
    ax.set_xlabel(t("days_since_request", lang))
    ax.set_ylabel(t("share_started", lang))
    title = t("fig_wait_conditional" if w.conditional else "fig_wait", lang)
    ax.set_title(title, fontsize=10)
    ax.legend(loc="lower right", frameon=False, fontsize=8)
    fig.tight_layout()
    return fig
