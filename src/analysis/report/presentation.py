"""Publishable tables of the survival appendices (notebooks 02 and 03), after disclosure control.

Results in (from :mod:`analysis.study.results`), frames of text out: counts under the threshold are
suppressed, other counts rounded; curves stop where fewer children remain at risk.
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from . import disclosure as dc
from .appendix import SYNTHETIC_BANNER
from ..study.cohort import DAYS_PER_MONTH
from ..study.verdict import TEXT

FLOW_LABELS = {
    "nl": {"registered_children": "kinderen in het register", "prevalent_users_excluded":
           "uitgesloten: al specialistische zorg vóór instroom", "no_time_at_risk": "uitgesloten: geen tijd onder risico",
           "children_at_risk": "kinderen onder risico (beschrijvende analyses)", "events_specialist":
           "eerste specialistische zorg", "ended_moved_out": "einde: verhuisd", "ended_died": "einde: overleden",
           "ended_age_18": "einde: 18 jaar", "ended_extract": "einde: peildatum", "signals": "SDQ-signalen (≥ 14)",
           "signals_age_4_16": "… op leeftijd 4–16", "signals_without_prior_specialist_care":
           "… zonder eerdere specialistische zorg", "signals_while_resident": "… terwijl woonachtig in de gemeente",
           "signals_without_recent_light_support": "… zonder lichte ondersteuning in de 12 maanden ervoor",
           "eligible": "geschikt voor de trial (eerste signaal per kind)"},
    "en": {"registered_children": "children in the registry", "prevalent_users_excluded":
           "excluded: specialist care before entry", "no_time_at_risk": "excluded: no time at risk",
           "children_at_risk": "children at risk (descriptive analyses)", "events_specialist":
           "first specialist care", "ended_moved_out": "ended: moved out", "ended_died": "ended: died",
           "ended_age_18": "ended: age 18", "ended_extract": "ended: extract date", "signals": "SDQ signals (≥ 14)",
           "signals_age_4_16": "… at age 4–16", "signals_without_prior_specialist_care":
           "… without earlier specialist care", "signals_while_resident": "… while living in the municipality",
           "signals_without_recent_light_support": "… without light support in the 12 months before",
           "eligible": "eligible for the trial (first signal per child)"},
}


def protect(n, p) -> str:
    return f"<{p.min_cell}" if 0 < n < p.min_cell else str(int(dc.round_count(n, p.round_to)))


def flow_table(pr, lang: str = "nl") -> pd.DataFrame:
    """STROBE/RECORD flow: the cohort and the trial's selection of signals, protected counts."""
    p, L = pr.params, FLOW_LABELS[lang]
    rows = [(L[k], protect(v, p)) for k, v in pr.flow.items() if k in L]
    rows += [(L[k], protect(v, p)) for k, v in pr.trial_flow.items() if k in L]
    return pd.DataFrame(rows, columns=["stap" if lang == "nl" else "step", "n"])


def fmt_ci(d: dict, scale: float = 1.0, digits: int = 1) -> str:
    if d is None or d.get("estimate") is None or not np.isfinite(d["estimate"]):
        return "–"
    return f"{d['estimate'] * scale:.{digits}f} ({d['ci_low'] * scale:.{digits}f} tot {d['ci_high'] * scale:.{digits}f})"


def trial_table(trial, lang: str = "nl") -> pd.DataFrame:
    """CIF per arm, RD(τ) and RMST difference with 95 % bootstrap intervals (percentages, months)."""
    c = trial.ci
    names = (["CIF arm a: start binnen gratieperiode (%)", "CIF arm b: geen lichte ondersteuning (%)",
              "risicoverschil RD(τ) (procentpunt)", "RMST-verschil (maanden zonder specialistische zorg)",
              "risicoratio RR(τ)"] if lang == "nl" else
             ["CIF arm a: start within grace period (%)", "CIF arm b: no light support (%)",
              "risk difference RD(τ) (percentage points)", "RMST difference (specialist-care-free months)",
              "risk ratio RR(τ)"])
    values = [fmt_ci(c["cif_a_tau"], 100), fmt_ci(c["cif_b_tau"], 100), fmt_ci(c["rd_tau"], 100),
              fmt_ci(c["rmst_diff_months"], 1, 2), fmt_ci(trial.rr, 1, 2)]
    return pd.DataFrame({"" if lang == "nl" else "": names, "schatting (95%-BI)" if lang == "nl" else
                         "estimate (95% CI)": values})


def verdict_text(trial, lang: str = "nl") -> str:
    return TEXT[trial.verdict][lang]


def risk_table_trial(curve_a: pd.DataFrame, curve_b: pd.DataFrame, p, months=(0, 6, 12, 18, 24, 30, 36)) -> pd.DataFrame:
    """Clones still at risk per arm at chosen months (unweighted), protected."""
    out = {}
    for arm, t in (("a", curve_a), ("b", curve_b)):
        times = t["time"].to_numpy() / DAYS_PER_MONTH
        n = t["n_at_risk"].to_numpy()
        vals = []
        for m in months:
            i = np.searchsorted(times, m, side="left")
            vals.append(n[i] if i < len(n) else 0)
        out[f"{'onder risico' if p.lang == 'nl' else 'at risk'}, arm {arm}"] = [protect(v, p) for v in vals]
    return pd.DataFrame(out, index=pd.Index(months, name="maand" if p.lang == "nl" else "month")).T


def curve_for_plot(table: pd.DataFrame, p, scale: float = 1.0, band: bool = True) -> pd.DataFrame:
    """Time (scaled) and value of a curve, cut where fewer than the threshold remain at risk.

    ``band=False`` for weighted clone curves: their pointwise standard errors ignore that a child's
    clone-months are not independent (intervals for the estimands come from the bootstrap)."""
    t = dc.truncate_curve(table, p.min_cell)
    out = pd.DataFrame({"time": t["time"] / scale, "value": t["value"]})
    return out.assign(lower=t["lower"], upper=t["upper"]) if band else out


def cox_table(pr, lang: str = "nl") -> pd.DataFrame:
    rows = []
    for label, c in ((("tijdsafhankelijke Cox (blootstelling 30 dagen vertraagd)" if lang == "nl" else
                       "time-varying Cox (exposure lagged 30 days)"), pr.cox_tv),
                     (("naïeve ooit/nooit-vergelijking (immortal-time bias!)" if lang == "nl" else
                       "naive ever/never comparison (immortal-time bias!)"), pr.naive)):
        hr = c.get("hr")
        rows.append({"model": label, "HR (95%-BI)": f"{hr['hr']:.2f} ({hr['lower']:.2f} tot {hr['upper']:.2f})"
                     if hr else c.get("error", "–")})
    return pd.DataFrame(rows)


def forest_rows(pr, sens: dict | None) -> pd.DataFrame:
    """RD(τ) estimates with intervals for the forest plot: primary, landmarks, sensitivity variants."""
    rows = [{"label": "primair / primary", "estimate": pr.primary.ci["rd_tau"]["estimate"],
             "low": pr.primary.ci["rd_tau"]["ci_low"], "high": pr.primary.ci["rd_tau"]["ci_high"]}]
    for _, r in pr.landmarks.iterrows():
        rows.append({"label": f"landmark {r['landmark_age']:.0f} jaar", "estimate": r["rd"], "low": r["ci_low"],
                     "high": r["ci_high"]})
    for key, t in (sens or {}).get("trials", {}).items():
        if hasattr(t, "ci") and t.verdict != "insufficient_data":   # no point estimate without enough data
            rows.append({"label": t.label, "estimate": t.ci["rd_tau"]["estimate"], "low": t.ci["rd_tau"]["ci_low"],
                         "high": t.ci["rd_tau"]["ci_high"]})
    return pd.DataFrame(rows)


def sensitivity_table(pr, sens: dict, lang: str = "nl") -> pd.DataFrame:
    rows = [{"analyse": "primair" if lang == "nl" else "primary", "RD(τ) %": fmt_ci(pr.primary.ci["rd_tau"], 100),
             "RMST-verschil (mnd)": fmt_ci(pr.primary.ci["rmst_diff_months"], 1, 2), "oordeel": pr.primary.verdict}]
    for key, t in sens["trials"].items():
        if hasattr(t, "ci"):
            rows.append({"analyse": t.label, "RD(τ) %": fmt_ci(t.ci["rd_tau"], 100),
                         "RMST-verschil (mnd)": fmt_ci(t.ci["rmst_diff_months"], 1, 2), "oordeel": t.verdict})
        else:
            rows.append({"analyse": t["label"], "RD(τ) %": "–", "RMST-verschil (mnd)": "–",
                         "oordeel": "niet te schatten" if lang == "nl" else "not estimable"})
    return pd.DataFrame(rows)


def lag_table(sens: dict) -> pd.DataFrame:
    rows = []
    for lag, c in sens["cox_lag"].items():
        hr = c.get("hr")
        rows.append({"vertraging (dagen)": lag, "HR (95%-BI)": f"{hr['hr']:.2f} ({hr['lower']:.2f} tot {hr['upper']:.2f})"
                     if hr else c.get("error", "–")})
    return pd.DataFrame(rows)


def plain_language(pr, lang: str = "nl") -> str:
    """A paragraph a policy maker can read: what the estimates mean, with their uncertainty."""
    c, p = pr.primary.ci, pr.params
    if pr.primary.verdict == "insufficient_data" and not np.isfinite(c["rd_tau"]["estimate"]):
        return TEXT["insufficient_data"][lang]
    a, b = c["cif_a_tau"], c["cif_b_tau"]
    rd, rm = c["rd_tau"], c["rmst_diff_months"]
    years = p.tau_months / 12
    if lang == "nl":
        return (f"We volgden kinderen van 4 tot en met 16 jaar bij wie de jeugdgezondheidszorg met de SDQ een "
                f"signaal afgaf en die nog geen specialistische jeugdhulp hadden gehad. Als al deze kinderen binnen "
                f"{p.grace_months} maanden lichte ondersteuning zouden krijgen, zou naar schatting "
                f"{a['estimate'] * 100:.0f}% binnen {years:.0f} jaar specialistische jeugdhulp krijgen; als geen van "
                f"hen lichte ondersteuning kreeg, {b['estimate'] * 100:.0f}%. Het verschil is "
                f"{rd['estimate'] * 100:+.1f} procentpunt (95%-betrouwbaarheidsinterval {rd['ci_low'] * 100:+.1f} tot "
                f"{rd['ci_high'] * 100:+.1f}). Gemiddeld blijven kinderen met lichte ondersteuning "
                f"{rm['estimate']:.1f} maanden langer zonder specialistische zorg (95%-BI {rm['ci_low']:.1f} tot "
                f"{rm['ci_high']:.1f}). Dit is een observationele studie: de schatting veronderstelt dat de "
                f"gemeten kenmerken (leeftijd, geslacht, SDQ-score, gezin, bijstand, wijk, eerdere ondersteuning, "
                f"jaar) de keuze voor lichte ondersteuning verklaren; de E-waarde in bijlage 3 laat zien hoe sterk "
                f"ongemeten verstoring zou moeten zijn om de uitkomst te verklaren.")
    return (f"We followed children aged 4 to 16 for whom youth health care flagged a concern with the SDQ and who "
            f"had not had specialist youth care. If all of them started light support within {p.grace_months} "
            f"months, an estimated {a['estimate'] * 100:.0f}% would receive specialist care within {years:.0f} "
            f"years; if none of them received light support, {b['estimate'] * 100:.0f}%. The difference is "
            f"{rd['estimate'] * 100:+.1f} percentage points (95% CI {rd['ci_low'] * 100:+.1f} to "
            f"{rd['ci_high'] * 100:+.1f}). On average children with light support stay {rm['estimate']:.1f} "
            f"months longer without specialist care (95% CI {rm['ci_low']:.1f} to {rm['ci_high']:.1f}). This is an "
            f"observational study: the estimate assumes that the measured characteristics explain who receives "
            f"light support; the E-value in appendix 3 shows how strong unmeasured confounding would have to be "
            f"to explain the result away.")


def protocol_table(pr, lang: str = "nl") -> pd.DataFrame:
    """The emulated target trial (TARGET items) with this run's parameters."""
    p = pr.params
    items = [
        ("geschiktheid / eligibility", "woonachtig, 4–16 jaar, nooit specialistische zorg, geen lichte ondersteuning "
         "in de laatste 12 maanden, SDQ (ouder) ≥ 14 op tijdstip nul"),
        ("strategieën / strategies", f"(a) start lichte ondersteuning binnen {p.grace_months} maanden; "
         "(b) geen lichte ondersteuning tijdens de follow-up"),
        ("toewijzing / assignment", "geëmuleerd met clone–censor–weight; IPCW uit gepoolde logistische modellen "
         "(start lichte ondersteuning, verhuizing)"),
        ("tijdstip nul / time zero", "datum van de JGZ-screening met het signaal"),
        ("follow-up", f"tot eerste specialistische zorg, verhuizing (gecensureerd), overlijden (concurrerend), "
         f"18 jaar, peildatum of τ = {p.tau_months} maanden"),
        ("uitkomst / outcome", "eerste specialistische jeugdhulp (BIJ 02–04, 11–14, jeugdbescherming)"),
        ("contrasten / contrasts", "RD(τ) (voorkomen) en RMST-verschil tot τ (uitstellen); "
         f"95%-BI uit {pr.primary.n_boot_ok} bootstrapreplicaties op kindniveau"),
        ("correctie / adjustment", "leeftijd, geslacht, SDQ-score, eenoudergezin, bijstand, wijk, eerdere lichte "
         "ondersteuning, kalenderjaar"),
    ]
    return pd.DataFrame(items, columns=["onderdeel / item", "specificatie / specification"])


def e_value_table(pr, lang: str = "nl") -> pd.DataFrame:
    rr = pr.primary.rr
    return pd.DataFrame({"": ["risicoratio RR(τ) (95%-BI)" if lang == "nl" else "risk ratio RR(τ) (95% CI)",
                              "E-waarde schatting" if lang == "nl" else "E-value, estimate",
                              "E-waarde intervalgrens" if lang == "nl" else "E-value, CI limit"],
                         "waarde": [fmt_ci(rr, 1, 2), f"{pr.e_value['estimate']:.2f}", f"{pr.e_value['ci_limit']:.2f}"]})


def header_markdown(pr, lang: str = "nl") -> str:
    banner = SYNTHETIC_BANNER if pr.synthetic else ""
    p = pr.params
    if lang == "nl":
        return (f"{banner}**Gemeente:** {pr.name} ({p.municipality}) · τ = {p.tau_months} maanden · "
                f"gratieperiode {p.grace_months} maanden · {pr.primary.n_boot_ok} bootstrapreplicaties · "
                f"register-hash `{pr.registry_sha256[:12]}`")
    return (f"{banner}**Municipality:** {pr.name} ({p.municipality}) · τ = {p.tau_months} months · "
            f"grace period {p.grace_months} months · {pr.primary.n_boot_ok} bootstrap replicates · "
            f"registry hash `{pr.registry_sha256[:12]}`")


def landmark_table(pr, lang: str = "nl") -> pd.DataFrame:
    lm = pr.landmarks
    p = pr.params
    return pd.DataFrame({
        ("landmarkleeftijd" if lang == "nl" else "landmark age"): lm["landmark_age"].map("{:.0f}".format),
        ("n met lichte ondersteuning" if lang == "nl" else "n with light support"): [protect(v, p) for v in lm["n_exposed"]],
        ("n zonder" if lang == "nl" else "n without"): [protect(v, p) for v in lm["n_unexposed"]],
        "CIF met (%)": (lm["cif_exposed"] * 100).round(1), "CIF zonder (%)": (lm["cif_unexposed"] * 100).round(1),
        "RD (procentpunt, 95%-BI)": [f"{r * 100:+.1f} ({lo * 100:+.1f} tot {hi * 100:+.1f})"
                                      for r, lo, hi in zip(lm["rd"], lm["ci_low"], lm["ci_high"])]})


def risk_table_age(pr, ages=(0, 2, 4, 6, 8, 10, 12, 14, 16, 18)) -> pd.DataFrame:
    """Children under observation, cumulative first specialist care and censorings by age, protected."""
    p = pr.params
    t = pr.age_risk
    rows = {}
    labels = (("under observation", "onder observatie"), ("events", "eerste specialistische zorg"),
              ("competing", "verhuisd/overleden"), ("censored", "gecensureerd"))
    for col, (en, nl) in zip(("at_risk", "events", "competing", "censored"), labels):
        rows[nl if p.lang == "nl" else en] = [protect(v, p) for v in t[col]]
    return pd.DataFrame(rows, index=pd.Index(t["time"].astype(int), name="leeftijd" if p.lang == "nl" else "age")).T
