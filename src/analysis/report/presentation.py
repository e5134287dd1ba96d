"""Publishable tables of the survival appendices (notebooks 02 and 03), after disclosure control.

Results in (from :mod:`analysis.study.results`), frames of text out: counts under the threshold are
suppressed, other counts rounded; curves stop where fewer children remain at risk.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..study.cohort import DAYS_PER_MONTH
from ..study.verdict import NO_ANSWER
from . import disclosure as dc
from .appendix import synthetic_banner
from .i18n import answer_word, t, variable, verdict_text as _verdict_text, verdict_word

FLOW_KEYS = ("registered_children", "prevalent_users_excluded", "no_time_at_risk", "children_at_risk",
             "events_specialist", "ended_moved_out", "ended_died", "ended_age_18", "ended_extract", "signals",
             "signals_age_4_16", "signals_without_prior_specialist_care", "signals_while_resident",
             "signals_without_recent_light_support", "signals_inside_registration_window",
             "excluded_registration_window", "eligible")

def protect(n, p) -> str:
    return f"<{p.min_cell}" if 0 < n < p.min_cell else str(int(dc.round_count(n, p.round_to)))


def flow_table(pr, lang: str = "nl") -> pd.DataFrame:
    """STROBE/RECORD flow: the cohort and the trial's selection of signals, protected counts."""
    p = pr.params
    rows = [(t(k, lang), protect(v, p)) for k, v in pr.flow.items() if k in FLOW_KEYS]
    rows += [(t(k, lang), protect(v, p)) for k, v in pr.trial_flow.items() if k in FLOW_KEYS]
    return pd.DataFrame(rows, columns=[t("step", lang), "n"])


def fmt_ci(d: dict, scale: float = 1.0, digits: int = 1, lang: str = "nl", sign: str = "") -> str:
    """``estimate (low to high)``; a dash where there is no estimate."""
    if d is None or d.get("estimate") is None or not np.isfinite(d["estimate"]):
        return "–"
    f = f"{sign}.{digits}f"
    lo, hi = d.get("ci_low"), d.get("ci_high")
    if lo is None or hi is None or not (np.isfinite(lo) and np.isfinite(hi)):
        return format(d["estimate"] * scale, f)
    return f"{format(d['estimate'] * scale, f)} ({format(lo * scale, f)} {t('to', lang)} {format(hi * scale, f)})"


def trial_table(trial, lang: str = "nl") -> pd.DataFrame:
    """CIF per arm, RD(τ) and RMST difference with 95 % bootstrap intervals (percentages, months)."""
    c = trial.ci
    names = [t(k, lang) for k in ("cif_a", "cif_b", "rd_pp", "rmst_months", "rr")]
    values = [fmt_ci(c["cif_a_tau"], 100, lang=lang), fmt_ci(c["cif_b_tau"], 100, lang=lang),
              fmt_ci(c["rd_tau"], 100, lang=lang), fmt_ci(c["rmst_diff_months"], 1, 2, lang=lang),
              fmt_ci(trial.rr, 1, 2, lang=lang)]
    return pd.DataFrame({"": names, t("estimate_ci", lang): values})


def verdict_text(trial, lang: str = "nl") -> str:
    return _verdict_text(trial.verdict, lang)


def verdict_markdown(trial, lang: str = "nl") -> str:
    """The verdict as a word and its explanation, in the appendix's language."""
    return f"**{verdict_word(trial.verdict, lang)}** — {verdict_text(trial, lang)}"


def risk_table_trial(curve_a: pd.DataFrame, curve_b: pd.DataFrame, p, months=(0, 6, 12, 18, 24, 30, 36)) -> pd.DataFrame:
    """Clones still at risk per arm at chosen months (unweighted), protected."""
    out = {}
    for arm, tab in (("a", curve_a), ("b", curve_b)):
        if tab.empty:   # no trial (too few data): nobody is "at risk" in a trial that was not run
            out[t("at_risk_arm", p.lang, arm=arm)] = ["–"] * len(months)
            continue
        times = tab["time"].to_numpy() / DAYS_PER_MONTH
        n = tab["n_at_risk"].to_numpy()
        vals = []
        for m in months:
            i = np.searchsorted(times, m, side="left")
            vals.append(n[i] if i < len(n) else 0)
        out[t("at_risk_arm", p.lang, arm=arm)] = [protect(v, p) for v in vals]
    return pd.DataFrame(out, index=pd.Index(months, name=t("month", p.lang))).T


def curve_for_plot(table: pd.DataFrame, p, scale: float = 1.0, band: bool = True) -> pd.DataFrame:
    """Time (scaled) and value of a curve, cut where fewer than the threshold remain at risk, each
    step holding at least the threshold of events (steps pooled, see :func:`disclosure.pool_steps`).

    ``band=False`` for weighted clone curves: their pointwise standard errors ignore that a child's
    clone-months are not independent (intervals for the estimands come from the bootstrap)."""
    tab = dc.pool_steps(dc.truncate_curve(table, p.min_cell), p.min_cell)
    out = pd.DataFrame({"time": tab["time"] / scale, "value": tab["value"]})
    return out.assign(lower=tab["lower"], upper=tab["upper"]) if band else out


def trajectory_shown(trial, p) -> pd.DataFrame:
    """The months of the RD trajectory (and of both arms' curves with their bands) that may be
    published: at least the threshold of clones at risk in each arm, and since the last month shown
    each arm has no new event or at least the threshold of them (months in between are pooled, as
    the steps of a curve are); month 0 always. No counts in the result."""
    tr = trial.trajectory
    cols = ["month", "rd", "rd_low", "rd_high", "cif_a", "cif_a_low", "cif_a_high", "cif_b", "cif_b_low", "cif_b_high"]
    if tr is None or tr.empty:
        return pd.DataFrame(columns=cols)
    keep, last = [0], (0.0, 0.0)
    for i in range(1, len(tr)):
        row = tr.iloc[i]
        if min(row["n_at_risk_a"], row["n_at_risk_b"]) < p.min_cell:
            break
        new = (row["events_a"] - last[0], row["events_b"] - last[1])
        if all(x < 1e-9 or x >= p.min_cell - 1e-9 for x in new) and max(new) > 0:
            keep.append(i)
            last = (row["events_a"], row["events_b"])
    return tr.iloc[keep][cols].reset_index(drop=True)


def in_care_shown(trial, p) -> pd.DataFrame:
    """The months of the share-in-specialist-care curves that may be published: in each arm at
    least the threshold of clones seen that month, of them in care and of them not in care (a
    share near 0 or 1 would otherwise reveal a small count). No counts in the result."""
    ic = trial.in_care
    cols = ["month", "share_a", "share_b"]
    if ic is None or ic.empty:
        return pd.DataFrame(columns=cols)
    ok = np.ones(len(ic), bool)
    for arm in ("a", "b"):
        seen, care = ic[f"n_seen_{arm}"], ic[f"n_in_care_{arm}"]
        ok &= (seen >= p.min_cell) & (care >= p.min_cell) & (seen - care >= p.min_cell)
    return ic.loc[ok, cols].reset_index(drop=True)


def heavy_care_shown(trial, p) -> bool:
    """The heavy-care risks may be published: at least the threshold of clones with heavy care by τ_L
    in each arm."""
    return bool(trial.reduces) and min(trial.heavy_events) >= p.min_cell


def age_curves(pr) -> dict[str, pd.DataFrame]:
    """The age curves of appendix 2 (all, boys, girls), named in the appendix's language."""
    p = pr.params
    return {t("all", p.lang): curve_for_plot(pr.aj_overall, p), t("boys", p.lang): curve_for_plot(pr.aj_by_sex["M"], p),
            t("girls", p.lang): curve_for_plot(pr.aj_by_sex["V"], p)}


def arm_curves(pr) -> dict[str, pd.DataFrame]:
    """The weighted curves of the two arms, named in the appendix's language."""
    p = pr.params
    return {t("arm_a", p.lang, grace=p.grace_months): curve_for_plot(pr.primary.curve_a, p, DAYS_PER_MONTH, band=False),
            t("arm_b", p.lang): curve_for_plot(pr.primary.curve_b, p, DAYS_PER_MONTH, band=False)}


def cox_table(pr, lang: str = "nl") -> pd.DataFrame:
    rows = []
    for name, c in ((t("cox_tv", lang, lag=pr.params.lag_days), pr.cox_tv), (t("cox_naive", lang), pr.naive)):
        rows.append({t("model", lang): name, t("hr_ci", lang): _hr(c, lang)})
    return pd.DataFrame(rows)


def _hr(c: dict, lang: str) -> str:
    hr = c.get("hr")
    if not hr:
        return t("not_estimable", lang)
    return f"{hr['hr']:.2f} ({hr['lower']:.2f} {t('to', lang)} {hr['upper']:.2f})"


def forest_rows(pr, sens: dict | None) -> pd.DataFrame:
    """RD(τ) estimates with intervals for the forest plot: primary, landmarks, sensitivity variants."""
    lang = pr.params.lang
    rows = [{"label": t("primary", lang), "estimate": pr.primary.ci["rd_tau"]["estimate"],
             "low": pr.primary.ci["rd_tau"]["ci_low"], "high": pr.primary.ci["rd_tau"]["ci_high"]}]
    for _, r in landmarks_shown(pr).iterrows():
        rows.append({"label": t("landmark", lang, age=f"{r['landmark_age']:.0f}"), "estimate": r["rd"],
                     "low": r["ci_low"], "high": r["ci_high"]})
    for key, tr in (sens or {}).get("trials", {}).items():
        if hasattr(tr, "ci") and tr.verdict not in NO_ANSWER:   # no point estimate without enough data
            rows.append({"label": t(f"sens_{key}", lang), "estimate": tr.ci["rd_tau"]["estimate"],
                         "low": tr.ci["rd_tau"]["ci_low"], "high": tr.ci["rd_tau"]["ci_high"]})
    return pd.DataFrame(rows)


def sensitivity_table(pr, sens: dict, lang: str = "nl") -> pd.DataFrame:
    cols = [t(k, lang) for k in ("analysis", "rd_pct", "rmst_diff_months", "pi_index", "d_index", "months_index",
                                 "verdict")]

    def row(name, tr):
        if hasattr(tr, "ci"):
            return [name, fmt_ci(tr.ci["rd_tau"], 100, lang=lang), fmt_ci(tr.ci["rmst_diff_months"], 1, 2, lang=lang),
                    fmt_ci(tr.prevented_fraction, 100, 0, lang=lang), fmt_ci(tr.delay_months, 1, 1, lang=lang),
                    fmt_ci(tr.reduces.get("specialist_months_diff"), 1, 1, lang=lang),
                    verdict_word(tr.verdict, lang)]
        return [name, "–", "–", "–", "–", "–", t("not_estimable", lang)]
    rows = [row(t("primary", lang), pr.primary)]
    rows += [row(t(f"sens_{key}", lang), tr) for key, tr in sens["trials"].items()]
    return pd.DataFrame(rows, columns=cols)


def lag_table(sens: dict, lang: str = "nl") -> pd.DataFrame:
    rows = [{t("lag_days", lang): lag, t("hr_ci", lang): _hr(c, lang)} for lag, c in sens["cox_lag"].items()]
    return pd.DataFrame(rows)


def balance_table(pr) -> pd.DataFrame:
    """Standardised differences per characteristic, arm and weighting, in words."""
    lang = pr.params.lang
    b = pr.balance
    if b.empty:
        return b
    cols = {}
    for c in b.columns:   # smd_<arm>_<weighted|unweighted>
        _, arm, kind = c.split("_", 2)
        cols[c] = t(f"smd_{kind}", lang, arm=arm)
    out = b.rename(columns=cols)
    out.index = [variable(v, lang) for v in out.index]
    return out


def cure_table(pr) -> pd.DataFrame:
    """The mixture-cure decomposition per arm, in words."""
    lang = pr.params.lang
    keys = {"cured_fraction": "cured_fraction", "latency_median_months": "latency_median_months",
            "latency_time_ratio_a_vs_b": "latency_time_ratio"}
    c = pr.cure.reindex(columns=list(keys))
    c = c.rename(columns={k: t(v, lang) for k, v in keys.items()})
    c.index = [t("arm", lang, arm=a) for a in c.index]
    return c


def _num(x: float, nd: int = 0, scale: float = 1.0) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x * scale:.{nd}f}"


def answers_markdown(pr, lang: str = "nl") -> str:
    """The three answers in plain words, each with its estimate and interval, then what this
    registration could have detected and how well the relation 'less and later' fits."""
    tr, p = pr.primary, pr.params
    ans = tr.answers
    long = tr.params.long_months
    if ans.get("prevents") == "insufficient_data":
        return t("ans_insufficient", lang, long=long)
    if ans.get("prevents") == "insufficient_registration":
        return t("ans_insufficient_registration", lang, long=long)
    pi, d = tr.prevented_fraction, tr.delay_months
    word = lambda k: answer_word(ans[k], lang).capitalize()  # noqa: E731
    lines = [t("ans_prevents", lang, word=word("prevents"), pi=_num(pi["estimate"], 0, 100),
               lo=_num(pi["ci_low"], 0, 100), hi=_num(pi["ci_high"], 0, 100)),
             t("ans_delays", lang, word=word("delays"), d=_num(abs(d["estimate"]) if np.isfinite(d["estimate"])
                                                              else np.nan, 1),
               when=t("earlier" if d["estimate"] < 0 else "later", lang), lo=_num(d["ci_low"], 1),
               hi=_num(d["ci_high"], 1)),
             _reduces_line(tr, p, lang, word("reduces"))]
    md = tr.minimum_detectable
    mde_pi = md.get("prevented_fraction")
    lines.append(t("ans_mde_none" if mde_pi is not None and np.isfinite(mde_pi) and mde_pi >= 1 else "ans_mde", lang,
                   pi=_num(mde_pi, 0, 100), rd=_num(md.get("rd_tau"), 1, 100), years=f"{p.tau_months / 12:.0f}",
                   months=t("ans_mde_months", lang, m=_num(md["specialist_months_diff"], 1))
                   if np.isfinite(md.get("specialist_months_diff", np.nan)) else ""))
    r2 = tr.shift_fit.get("fit_r2", np.nan)
    if np.isfinite(r2):
        lines.append(t("ans_fit", lang, r2=_num(max(r2, 0.0), 0, 100), long=long,
                       bad=t("ans_fit_bad", lang) if r2 < 0.7 else ""))
    return "\n\n".join(f"- {x}" if i < 3 else x for i, x in enumerate(lines))


def _reduces_line(tr, p, lang: str, word: str) -> str:
    r = tr.reduces
    if not r or not np.isfinite(r["specialist_months_diff"]["estimate"]):
        return t("ans_reduces_none", lang, word=word)
    m, long = r["specialist_months_diff"], tr.params.long_months
    line = t("ans_reduces", lang, word=word, long=long, ma=_num(r["specialist_months_a"]["estimate"], 1),
             mb=_num(r["specialist_months_b"]["estimate"], 1), d=_num(abs(m["estimate"]), 1),
             more=t("fewer" if m["estimate"] < 0 else "more", lang),
             lo=_num(m["ci_low"], 1), hi=_num(m["ci_high"], 1))
    if heavy_care_shown(tr, p):
        h = r["heavy_care_rd"]
        line += " " + t("ans_heavy", lang, long=long, ha=_num(r["heavy_care_a"]["estimate"], 0, 100),
                        hb=_num(r["heavy_care_b"]["estimate"], 0, 100), d=_num(abs(h["estimate"]), 1, 100),
                        more=t("lower" if h["estimate"] < 0 else "higher", lang),
                        lo=_num(h["ci_low"], 1, 100), hi=_num(h["ci_high"], 1, 100))
    else:
        line += " " + t("ans_heavy_few", lang, long=long, n=p.min_cell)
    return line


def in_care_for_plot(pr) -> tuple[pd.DataFrame, tuple[str, str], dict]:
    """The published months of the share in specialist care per arm, the arms' names and the
    months in care per arm (the areas under the full curves)."""
    tr, p = pr.primary, pr.params
    months = {arm: tr.reduces.get(f"specialist_months_{arm}", {}).get("estimate", np.nan) for arm in ("a", "b")}
    return in_care_shown(tr, p), (t("arm_a", p.lang, grace=p.grace_months), t("arm_b", p.lang)), months


def trajectory_for_plot(pr) -> tuple[pd.DataFrame, pd.DataFrame | None, tuple[str, str]]:
    """The published months of the trajectory (see :func:`trajectory_shown`), the fitted curve
    (1 − π) · CIF_b(t − D) with its residual CIF_a − fitted on the same months (None without a
    fit) and the arms' names. The fitted curve reads arm b's *published* steps only, so that it
    shows nothing of the months left out."""
    tr = pr.primary
    shown = trajectory_shown(tr, pr.params)
    pi, d = tr.prevented_fraction.get("estimate", np.nan), tr.delay_months.get("estimate", np.nan)
    fit = None
    if len(shown) > 1 and np.isfinite(pi) and np.isfinite(d):
        m = shown["month"].to_numpy(float)
        idx = np.searchsorted(m, m - d, side="right") - 1                 # arm b's last published step
        b_then = np.where(idx >= 0, shown["cif_b"].to_numpy()[np.maximum(idx, 0)], 0.0)
        value = np.where(m - d <= m[-1], (1 - pi) * b_then, np.nan)
        fit = pd.DataFrame({"month": m, "value": value, "residual": shown["cif_a"].to_numpy() - value}).dropna()
    p = pr.params
    return shown, fit, (t("arm_a", p.lang, grace=p.grace_months), t("arm_b", p.lang)), tr.shift_fit.get("fit_r2")


def plain_language(pr, lang: str = "nl") -> str:
    """A paragraph a policy maker can read: what the estimates mean, with their uncertainty."""
    c, p = pr.primary.ci, pr.params
    if pr.primary.verdict in NO_ANSWER:
        return _verdict_text(pr.primary.verdict, lang)
    a, b = c["cif_a_tau"], c["cif_b_tau"]
    rd, rm = c["rd_tau"], c["rmst_diff_months"]
    return t("plain", lang, grace=p.grace_months, years=f"{p.tau_months / 12:.0f}",
             a=f"{a['estimate'] * 100:.0f}", b=f"{b['estimate'] * 100:.0f}", rd=f"{rd['estimate'] * 100:+.1f}",
             rd_lo=f"{rd['ci_low'] * 100:+.1f}", rd_hi=f"{rd['ci_high'] * 100:+.1f}", rm=f"{rm['estimate']:.1f}",
             rm_lo=f"{rm['ci_low']:.1f}", rm_hi=f"{rm['ci_high']:.1f}")


def protocol_table(pr, lang: str = "nl") -> pd.DataFrame:
    """The emulated target trial (TARGET items) with this run's parameters."""
    p = pr.params
    fill = {"grace": p.grace_months, "tau": p.tau_months, "n_boot": pr.primary.n_boot_ok,
            "long": pr.primary.params.long_months}
    keys = ("eligibility", "strategies", "assignment", "time_zero", "follow_up", "outcome", "contrasts", "adjustment")
    items = [(t(f"t_{k}", lang), t(f"s_{k}", lang, **fill)) for k in keys]
    return pd.DataFrame(items, columns=[t("item", lang), t("specification", lang)])


def e_value_table(pr, lang: str = "nl") -> pd.DataFrame:
    rr = pr.primary.rr
    ev = pr.e_value
    fmt = lambda x: "–" if x is None or not np.isfinite(x) else f"{x:.2f}"  # noqa: E731
    return pd.DataFrame({"": [t("rr_ci", lang), t("e_estimate", lang), t("e_limit", lang)],
                         t("value", lang): [fmt_ci(rr, 1, 2, lang=lang), fmt(ev["estimate"]), fmt(ev["ci_limit"])]})


def header_markdown(pr, lang: str = "nl") -> str:
    banner = synthetic_banner(lang) if pr.synthetic else ""
    p = pr.params
    return banner + t("header_2", lang, name=pr.name, code=p.municipality, tau=p.tau_months, grace=p.grace_months,
                      n_boot=pr.primary.n_boot_ok, sha=pr.registry_sha256[:12])


def landmark_table(pr, lang: str = "nl") -> pd.DataFrame:
    lm = landmarks_shown(pr)
    p = pr.params
    return pd.DataFrame({
        t("landmark_age", lang): lm["landmark_age"].map("{:.0f}".format),
        t("n_exposed", lang): [protect(v, p) for v in lm["n_exposed"]],
        t("n_unexposed", lang): [protect(v, p) for v in lm["n_unexposed"]],
        t("cif_exposed", lang): (lm["cif_exposed"] * 100).round(1), t("cif_unexposed", lang): (lm["cif_unexposed"] * 100).round(1),
        t("rd_pp_ci", lang): [fmt_ci({"estimate": r, "ci_low": lo, "ci_high": hi}, 100, 1, lang, "+")
                              for r, lo, hi in zip(lm["rd"], lm["ci_low"], lm["ci_high"])]})


def landmarks_shown(pr) -> pd.DataFrame:
    """The landmark estimates that may be published: a CIF (and the RD built on it) only where it
    rests on at least ``min_cell`` events in a group of at least ``min_cell`` children; a CIF of
    16% on 20 children would tell that about 3 had specialist care."""
    lm = pr.landmarks.copy()
    k = pr.params.min_cell
    ev_a = lm.get("events_exposed", pd.Series(np.inf, index=lm.index))
    ev_b = lm.get("events_unexposed", pd.Series(np.inf, index=lm.index))
    bad_a = (ev_a < k) | (lm["n_exposed"] < k)
    bad_b = (ev_b < k) | (lm["n_unexposed"] < k)
    lm.loc[bad_a, "cif_exposed"] = np.nan
    lm.loc[bad_b, "cif_unexposed"] = np.nan
    lm.loc[bad_a | bad_b, ["rd", "ci_low", "ci_high"]] = np.nan
    return lm.drop(columns=[c for c in ("events_exposed", "events_unexposed") if c in lm])


def risk_table_age(pr, ages=(0, 2, 4, 6, 8, 10, 12, 14, 16, 18)) -> pd.DataFrame:
    """Children under observation, cumulative first specialist care and censorings by age, protected."""
    p = pr.params
    tab = pr.age_risk
    rows = {t(k, p.lang): [protect(v, p) for v in tab[col]]
            for col, k in (("at_risk", "under_observation"), ("events", "events"), ("competing", "competing"),
                           ("censored", "censored"))}
    return pd.DataFrame(rows, index=pd.Index(tab["time"].astype(int), name=t("age", p.lang))).T


def bias_answer(pr) -> tuple[str, float | None, str]:
    """The tipping point of *prevents*: (the primary answer, the highest sensitivity of the
    tipping-point view at which the corrected answer differs from it or None, that answer)."""
    from ..study.verdict import answer
    primary = pr.primary.answers.get("prevents", "not_shown")
    b = pr.bias
    if b is None:
        return primary, None, primary
    for row in b.tipping.sort_values("sensitivity", ascending=False).to_dict("records"):
        new = answer({"ci_low": row["prevented_fraction_low"], "ci_high": row["prevented_fraction_high"]})
        if new != primary:
            return primary, float(row["sensitivity"]), new
    return primary, None, primary


def bias_markdown(pr, lang: str = "nl") -> str:
    """The bias analysis in plain words: how many starts went unseen, the assumptions, the tipping point."""
    from .i18n import provider_type
    b = pr.bias
    if b is None:
        return t("bias_none_design", lang) if not pr.params.registration_restriction else ""
    m = b.draws["m"].to_numpy(float)
    lines = [t("bias_lead", lang, n=b.n_draws, m=_num(float(np.median(m)), 2), mlo=_num(float(np.percentile(m, 2.5)), 2),
               mhi=_num(float(np.percentile(m, 97.5)), 2))]
    sens = "; ".join(f"{provider_type(k, lang)} {lo:.2f}–{hi:.2f}" for k, (lo, hi) in b.priors.sensitivity.items()
                     if k in b.counts.counted or k in b.counts.uncounted)
    unc = [provider_type(k, lang) for k in b.counts.uncounted]
    lines.append(t("bias_priors", lang, sens=sens, uncounted=t("bias_uncounted", lang, types=", ".join(unc)) if unc else ""))
    primary, s, new = bias_answer(pr)
    lo, hi = b.tipping["sensitivity"].min(), b.tipping["sensitivity"].max()
    lines.append(t("tip_same", lang, lo=f"{lo:.1f}", hi=f"{hi:.1f}", word=answer_word(primary, lang)) if s is None
                 else t("tip_change", lang, word=answer_word(primary, lang), new=answer_word(new, lang), s=f"{s:.1f}"))
    return "\n\n".join(lines)


def bias_table(pr, lang: str = "nl") -> pd.DataFrame:
    """Primary against corrected π, D and RD(τ), with the part of the interval due to registration alone."""
    b, tr = pr.bias, pr.primary
    if b is None:
        return pd.DataFrame()
    ci = lambda d, nd, sc: f"{_num(d['estimate'], nd, sc)} ({_num(d['ci_low'], nd, sc)} tot {_num(d['ci_high'], nd, sc)})" \
        if lang == "nl" else f"{_num(d['estimate'], nd, sc)} ({_num(d['ci_low'], nd, sc)} to {_num(d['ci_high'], nd, sc)})"  # noqa: E731
    rows = []
    for key, label, prim, nd, sc in (("prevented_fraction", t("bias_pi", lang), tr.prevented_fraction, 2, 1),
                                     ("delay_months", t("bias_d", lang), tr.delay_months, 1, 1),
                                     ("rd_tau", t("bias_rd", lang, tau=tr.params.tau_months), tr.ci["rd_tau"], 1, 100)):
        a = b.adjusted[key]
        rows.append({t("bias_est", lang): label, t("bias_primary", lang): ci(prim, nd, sc),
                     t("bias_adjusted", lang): ci(a, nd, sc),
                     t("bias_systematic", lang): f"{_num(a.get('systematic_low', np.nan), nd, sc)} – "
                                                 f"{_num(a.get('systematic_high', np.nan), nd, sc)}"})
    return pd.DataFrame(rows)


# --- the registration advice (appendix 1, protocol "Registration" 4) ------------------------------

MAX_POOLED = 10   # the most municipalities of this size the advice names as a number for a joint analysis

def _pct_or_over(x: float, lang: str) -> str:
    if x is None or not np.isfinite(x):
        return "–"
    return t("adv_pi_over", lang) if x >= 1 else f"{x * 100:.0f} %"


def advice_markdown(pl, lang: str = "nl") -> str:
    """The registration advice in plain words: what the registry can detect now, how many years of
    complete registration of every provider type would make a prevented share of 20 % detectable,
    and which provider types to register. ``pl``: an :class:`analysis.synth.planning.Planning`."""
    from .i18n import provider_type
    cur = pl.current
    target = f"{pl.target * 100:.0f}"
    if cur["verdict"] in NO_ANSWER:
        why = t("adv_why_registration" if cur["verdict"] == "insufficient_registration" else "adv_why_data", lang)
        lines = [t("adv_now_none", lang, why=why)]
    else:
        over = np.isfinite(cur["prevented_fraction"]) and cur["prevented_fraction"] >= 1
        lines = [t("adv_now_over" if over else "adv_now", lang, pi=_pct_or_over(cur["prevented_fraction"], lang),
                   years=f"{pl.tau_months / 12:.0f}", rd=_num(cur["rd_tau"], 1, 100))]
    if pl.years is None:
        last = pl.by_years.sort_values("years").iloc[-1] if len(pl.by_years) else None
        md = float(last["prevented_fraction"]) if last is not None else np.nan
        k = int(np.ceil((md / pl.target) ** 2)) if np.isfinite(md) else None
        # the square-root rule holds near the target; far from it (a few children, an unstable fit of
        # π) a number would only pretend precision
        pooled = t("adv_pool_k", lang, k=k) if k is not None and k <= MAX_POOLED else t("adv_pool_many", lang)
        after = t("adv_after_over", lang, max=pl.max_years) if not md < 1 else \
            t("adv_after", lang, max=pl.max_years, pi=_pct_or_over(md, lang))
        lines.append(t("adv_never", lang, max=pl.max_years, target=target, after=after, pooled=pooled))
    else:
        since = pl.types["since"].dropna().max() if len(pl.types) and pl.types["registers_now"].all() else None
        if since is None:
            more = t("adv_more_all", lang)
        elif pl.more_years:
            more = t("adv_more", lang, since=since, more=pl.more_years)
        else:
            more = t("adv_more_done", lang, since=since)
        lines.append(t("adv_buys", lang, target=target, years=pl.years, more=more))
    todo = [t("adv_keep", lang, type=provider_type(r.provider_type, lang), since=r.since) if r.registers_now
            else t("adv_start", lang, type=provider_type(r.provider_type, lang))
            for r in pl.types.sort_values(["registers_now", "provider_type"]).itertuples()]
    lines.append(t("adv_todo", lang) + "\n\n" + "\n".join(f"- {x}" for x in todo) + "\n\n" + t("adv_every", lang))
    lines.append(t("adv_how", lang, max=pl.max_years, children=f"{int(dc.round_count(pl.observed.children, 100)):,}"
                   .replace(",", "." if lang == "nl" else ","), target=target,
                   uptake="" if pl.uptake_measured else t("adv_uptake_default", lang)))
    return "\n\n".join(lines)


def advice_table(pl, lang: str = "nl") -> pd.DataFrame:
    """Per number of years of complete registration simulated: the smallest detectable π and RD(τ)."""
    b = pl.by_years.sort_values("years")
    return pd.DataFrame({t("adv_years", lang): b["years"].astype(int).to_numpy(),
                         t("adv_md_pi", lang): [_num(x, 0, 100) if x < 1 else "> 100" for x in b["prevented_fraction"]],
                         t("adv_md_rd", lang, years=f"{pl.tau_months / 12:.0f}"): [_num(x, 1, 100) for x in b["rd_tau"]]})


def advice_rates_table(pl, lang: str = "nl") -> pd.DataFrame:
    """The municipality's rates beside the planning registry's (how well the simulation was calibrated)."""
    rows = []
    for key, get, nd, scale in (("adv_r_children", lambda r: int(dc.round_count(r.children, 100)), 0, 1),
                                ("adv_r_eligible", lambda r: r.eligible_per_child, 0, 1000),
                                ("adv_r_events", lambda r: r.events_per_year, 1, 100),
                                ("adv_r_uptake", lambda r: r.uptake, 0, 100)):
        rows.append({t("adv_rate", lang): t(key, lang), t("adv_observed", lang): _num(get(pl.observed), nd, scale),
                     t("adv_simulated", lang): _num(get(pl.planned), nd, scale)})
    return pd.DataFrame(rows)
