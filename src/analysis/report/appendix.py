"""The data-quality appendix (notebook 01) as one object of publishable tables.

Everything here has passed :mod:`analysis.report.disclosure`: counts are suppressed below the threshold
and rounded, shares are shown only where group and numerator are large enough.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..registry.store import load_quality, load_registry
from ..study import quality as q
from ..study.windows import registration_windows
from ..study.params import QualityParams
from . import disclosure as dc
from .i18n import column_name, label, provider_type, relabel, t, table_name


def synthetic_banner(lang: str) -> str:
    """The warning above every appendix made from the synthetic registry."""
    return t("synthetic_banner", lang)


@dataclass(frozen=True)
class QualityAppendix:
    code: str
    name: str
    lang: str
    synthetic: bool
    registry_start: str
    extract_date: str
    delivery: pd.DataFrame          # rows in / accepted / rejected / merged per table
    rejected: pd.DataFrame          # tables × rules
    rejected_plot: pd.Series        # label → count (NaN: suppressed)
    completeness: pd.DataFrame      # table, column, filled_pct, required, shown
    coverage: pd.DataFrame          # provider type × year (strings)
    coverage_plot: pd.DataFrame     # same, numbers with NaN where suppressed
    linkage: pd.DataFrame           # year, children, with light before (strings), pct
    reach_light: pd.DataFrame       # year, age_group, children (string), pct
    reach_spec: pd.DataFrame
    dates: pd.DataFrame
    windows: pd.DataFrame = None    # per provider type: declared, detected, used window, agree (no counts)

    def windows_table(self) -> pd.DataFrame:
        """Declared and detected registration windows per light-support provider type, in words."""
        lang = self.lang

        def show(w, declared=False):
            if w is None:
                return t("win_not_declared", lang) if declared else "–"
            return t("win_never", lang) if not w else "; ".join(f"{a} – {b}" for a, b in w)
        w = self.windows
        if w is None or w.empty:
            return pd.DataFrame()
        agree = {True: t("yes_word", lang), False: t("win_disagree", lang), None: "–"}
        return pd.DataFrame({
            t("provider", lang): [provider_type(x, lang) for x in w["provider_type"]],
            t("win_declared", lang): [show(x, declared=True) for x in w["declared"]],
            t("win_detected", lang): [t("win_too_few", lang) if s == "too_few" else show(x)
                                      for x, s in zip(w["detected"], w["status"])],
            t("win_used", lang): [show(x) for x in w["used"]],
            t("win_agree", lang): [agree[None if a is None or (isinstance(a, float) and np.isnan(a)) else bool(a)]
                                   for a in w["agree"]]})

    def reach_table(self) -> pd.DataFrame:
        """Light and specialist reach side by side, by year and age group (in that order), in words."""
        light = self.reach_light.rename(columns={"pct": "pct_light"})
        spec = self.reach_spec[["year", "age_group", "pct"]].rename(columns={"pct": "pct_specialist"})
        out = light.merge(spec, on=["year", "age_group"], how="left", sort=False)
        order = {g[0]: i for i, g in enumerate(q.AGE_GROUPS)}
        out = out.sort_values(["year", "age_group"], key=lambda c: c.map(order) if c.name == "age_group" else c,
                              kind="stable").reset_index(drop=True)
        return relabel(out, self.lang, index=False)

    def shown(self, name: str) -> pd.DataFrame:
        """One of the appendix's count tables (delivery, rejected, coverage, dates, linkage) in words."""
        df = getattr(self, name)
        out = relabel(df, self.lang, index=name != "linkage")
        if name == "coverage":
            out.columns.name = t("year", self.lang)
        if name in ("delivery", "rejected", "coverage", "dates"):
            out.columns.name = t("count", self.lang)   # a count table: the publish scan checks every cell
        return out

    def completeness_table(self) -> pd.DataFrame:
        """Filled share per table and column (accepted rows), the columns named as the format names them."""
        c = self.completeness
        return pd.DataFrame({t("table", self.lang): [table_name(x, self.lang) for x in c["table"]],
                             t("column", self.lang): [column_name(a, b, self.lang) for a, b in zip(c["table"], c["column"])],
                             t("filled_pct", self.lang): c["shown"].to_numpy()})


def _completeness(tables, p: QualityParams) -> pd.DataFrame:
    comp = q.completeness(tables)
    filled = np.round(comp["filled_pct"] * comp["rows"] / 100)
    missing = comp["rows"] - filled
    shown = comp["filled_pct"].round().astype("Int64").astype(str)
    shown = shown.where(~((missing > 0) & (missing < p.min_cell)), ">99")
    shown = shown.where(~((filled > 0) & (filled < p.min_cell)), "<1")
    small = comp["rows"] < p.min_cell
    shown = shown.where(~small, "–")
    # the chart draws what the table shows: ">99" as 99, "<1" as 1, nothing where suppressed
    plotted = pd.to_numeric(shown.str.replace(">", "", regex=False).str.replace("<", "", regex=False),
                            errors="coerce")
    comp = comp.assign(shown=shown, filled_pct=plotted)
    return comp


def _reach(tab: pd.DataFrame, p: QualityParams) -> pd.DataFrame:
    return pd.DataFrame({
        "year": tab["year"], "age_group": tab["age_group"],
        "children": dc.protect_counts(tab[["children"]], p.min_cell, p.round_to, secondary=False)["children"],
        "pct": dc.protect_share(tab["reached"], tab["children"], p.min_cell, p.round_to)})


def build_quality_appendix(p: QualityParams) -> QualityAppendix:
    """Read the validated registry of ``p.municipality`` and make every table of the appendix."""
    tables = load_registry(p.municipality, p.processed_dir)
    quality = load_quality(p.municipality, p.processed_dir)
    delivery = {"registry_start": quality["registry_start"], "extract_date": quality["extract_date"]}
    years = q.years_of(delivery)
    light, spec = tables["light_support_episodes"], tables["specialist_episodes"]
    rej = q.rejected_by_rule(quality)
    rej_long = rej.stack()
    rej_long = rej_long[rej_long > 0]
    rej_plot = pd.Series(dc.protect_plot_counts(rej_long.to_numpy(), p.min_cell, p.round_to),
                         index=[f"{table_name(tb, p.lang)} · {label(r, p.lang)}" for tb, r in rej_long.index],
                         dtype=float)
    cov = q.light_starts_by_provider(light, years)
    link = q.linkage(spec, tables["protection_measures"], light, delivery)
    link_shown = dc.protect_counts(link, p.min_cell, p.round_to, secondary=False)
    link_shown["pct"] = dc.protect_share(link["with_light_before"], link["children"], p.min_cell, p.round_to)
    meta = json.loads((Path(p.processed_dir) / p.municipality / "delivery.json").read_text(encoding="utf-8"))
    windows = registration_windows(tables, quality["registry_start"], quality["extract_date"],
                                   meta.get("registration_windows"))[1]
    return QualityAppendix(
        code=p.municipality, name=str(meta.get("municipality_name", "")), lang=p.lang,
        synthetic=bool(quality.get("synthetic")), registry_start=quality["registry_start"],
        extract_date=quality["extract_date"],
        delivery=dc.protect_counts(q.delivery_counts(quality), p.min_cell, p.round_to, secondary=False),
        rejected=dc.protect_counts(rej, p.min_cell, p.round_to) if rej.size else rej,
        rejected_plot=rej_plot,
        completeness=_completeness(tables, p),
        coverage=dc.protect_counts(cov, p.min_cell, p.round_to, secondary=False),
        coverage_plot=pd.DataFrame(dc.protect_plot_counts(cov.to_numpy(), p.min_cell, p.round_to),
                                   index=cov.index, columns=cov.columns),
        linkage=link_shown.reset_index(),
        reach_light=_reach(q.reach(tables["residence_periods"], tables["persons"], light, years), p),
        reach_spec=_reach(q.reach(tables["residence_periods"], tables["persons"],
                                  pd.concat([spec[["person_id", "start_date", "end_date"]],
                                             tables["protection_measures"][["person_id", "start_date", "end_date"]]]),
                                  years), p),
        dates=dc.protect_counts(q.date_issues(tables, delivery), p.min_cell, p.round_to, secondary=False),
        windows=windows)


def header_markdown(a: QualityAppendix, lang: str = "nl") -> str:
    banner = synthetic_banner(lang) if a.synthetic else ""
    return banner + t("header_1", lang, name=a.name, code=a.code, start=a.registry_start, end=a.extract_date)


def styled(df: pd.DataFrame, index: bool = True, precision: int = 1):
    """A table for display: ``precision`` decimals, '–' where a value is suppressed or missing."""
    st = df.style.format(precision=precision, na_rep="–", thousands=None)
    return st if index else st.hide(axis="index")
