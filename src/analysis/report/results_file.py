"""The protocol's ``results.json``: aggregate numbers only, counts after disclosure control."""
from __future__ import annotations

import numpy as np

from ..registry.validate import ESSENTIAL
from ..study.params import AnalysisParams
from ..study.results import PrimaryResults, TrialResult
from . import disclosure as dc
from .presentation import heavy_care_shown, landmarks_shown, trajectory_shown


def _rounded(x, nd=6):
    """Six significant digits: enough for any published number, and the same whether the BLAS
    ran on one thread or two (those differ in the 10th digit)."""
    if isinstance(x, dict):
        return {k: _rounded(v, nd) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_rounded(v, nd) for v in x]
    if isinstance(x, (float, np.floating)):
        return None if not np.isfinite(x) else float(f"{float(x):.{nd}g}")
    if isinstance(x, (np.integer,)):
        return int(x)
    return x


def _bias_block(pr) -> dict | None:
    """The bias analysis (protocol, "Registration" 3): corrected π, D, RD(τ) with their intervals,
    the assumptions and the tipping-point view; None where there is none."""
    b = getattr(pr, "bias", None)
    if b is None:
        return None
    m = b.draws["m"].to_numpy(float)
    return {**{k: {x: v.get(x) for x in ("estimate", "ci_low", "ci_high", "systematic_low", "systematic_high")}
               for k, v in b.adjusted.items()},
            "n_draws": b.n_draws, "n_failed": int(b.draws["error"].notna().sum()) if "error" in b.draws else 0,
            "unregistered_per_registered": {"median": float(np.median(m)), "p2_5": float(np.percentile(m, 2.5)),
                                            "p97_5": float(np.percentile(m, 97.5))},
            "priors": {"sensitivity": {k: list(v) for k, v in b.priors.sensitivity.items()},
                       "unregistered_rate": list(b.priors.unregistered_rate)},
            "counted_types": list(b.counts.counted), "uncounted_types": list(b.counts.uncounted),
            "tipping": b.tipping.to_dict("records")}


def _ci_only(d: dict) -> dict:
    return {k: d.get(k) for k in ("estimate", "ci_low", "ci_high")}


def _reduces(t: TrialResult, p: AnalysisParams) -> dict:
    """The *reduces* estimates: months in specialist care within τ_L per arm and their difference;
    the heavy-care risks only where each arm has at least the threshold of children with heavy care
    (otherwise ``suppressed``)."""
    r = t.reduces
    if not r:
        return {"specialist_months_diff": None, "heavy_care_rd": None}
    out = {k: _ci_only(r[k]) for k in ("specialist_months_diff", "specialist_months_a", "specialist_months_b")}
    if heavy_care_shown(t, p):
        out.update({k: _ci_only(r[k]) for k in ("heavy_care_rd", "heavy_care_a", "heavy_care_b")})
    else:
        out["heavy_care_rd"] = {"suppressed": f"fewer than {p.min_cell} children with heavy care in an arm"}
    return out


def _protect_flow(flow: dict, p: AnalysisParams) -> dict:
    out = {}
    for k, v in flow.items():
        if isinstance(v, float):
            out[k] = round(v, 0)
        else:
            out[k] = f"<{p.min_cell}" if 0 < v < p.min_cell else int(dc.round_count(v, p.round_to))
    return out


def validation_summary(quality: dict, p: AnalysisParams) -> dict:
    """Rows read and rejected, in total and per essential table, after disclosure control; the
    share is computed from the published (rounded) counts."""
    def block(rows_in, rejected):
        prot = _protect_flow({"rows_in": rows_in, "rejected": rejected}, p)
        share = (prot["rejected"] / prot["rows_in"] if isinstance(prot["rejected"], int)
                 and isinstance(prot["rows_in"], int) and prot["rows_in"] else None)
        return {**prot, "rejected_share": share}
    return {**block(quality["rows_in"], quality["rejected"]),
            "tables": {n: block(quality["tables"][n]["rows_in"], quality["tables"][n]["rejected"])
                       for n in ESSENTIAL if n in quality["tables"]}}


def _advice_block(pl, p) -> dict | None:
    """The registration advice: years of complete registration for a detectable π of 0.2 (None: not
    within the years simulated), the years still to go, and the simulation behind it."""
    if pl is None:
        return None
    rates = lambda r: {"children_rounded": int(dc.round_count(r.children, 100)),  # noqa: E731
                       "eligible_per_1000_children": r.eligible_per_child * 1000,
                       "specialist_care_per_100_child_years": r.events_per_year * 100, "uptake_within_grace": r.uptake}
    return {"target_prevented_fraction": pl.target, "years": pl.years, "more_years": pl.more_years,
            "years_registered_by_all_types": round(pl.registered_years, 2), "years_simulated_up_to": pl.max_years,
            "by_years": pl.by_years.to_dict("records"), "observed": rates(pl.observed), "planning_registry": rates(pl.planned),
            "uptake_measured": pl.uptake_measured,
            "registers_now": {r.provider_type: bool(r.registers_now) for r in pl.types.itertuples()}}


def results_json(pr: PrimaryResults, sens: dict | None, quality: dict | None = None, planning=None,
                 routes=None) -> dict:
    """The protocol's results.json: aggregate numbers only, counts after disclosure control;
    ``planning``: the registration advice (:mod:`analysis.synth.planning`), where computed;
    ``routes``: routes and waiting times (:func:`analysis.study.results.routes_waiting`)."""
    p, t = pr.params, pr.primary
    hr = lambda c: c.get("hr") if "hr" in c else {"error": c.get("error")}  # noqa: E731
    out = {
        "municipality": p.municipality, "municipality_name": pr.name, "synthetic": pr.synthetic, "registry_sha256": pr.registry_sha256,
        "parameters": p.analysis_key(),
        "flow": _protect_flow({**pr.flow, "eligible": pr.trial_flow["eligible"],
                               **{k if k == "excluded_registration_window" else f"trial_{k}": v
                                  for k, v in pr.trial_flow.items() if k != "eligible"}}, p),
        "primary": {"rd_tau": t.ci["rd_tau"], "rmst_diff_months": t.ci["rmst_diff_months"],
                    "cif_a_tau": t.ci["cif_a_tau"], "cif_b_tau": t.ci["cif_b_tau"], "rr_tau": t.rr,
                    "tau_months": p.tau_months, "grace_months": p.grace_months,
                    "n_bootstrap": t.n_boot_ok, "tau_long_months": t.params.long_months,
                    "rd_trajectory": [{"month": int(r["month"]), "estimate": r["rd"], "ci_low": r["rd_low"],
                                       "ci_high": r["rd_high"]} for r in trajectory_shown(t, p).to_dict("records")],
                    "prevented_fraction": _ci_only(t.prevented_fraction),
                    "delay_months": _ci_only(t.delay_months),
                    "prevent_delay_fit_r2": t.shift_fit.get("fit_r2"), **_reduces(t, p)},
        "registration": pr.registration,
        "bias_adjusted": _bias_block(pr),
        "answers": t.answers,
        "minimum_detectable": {**t.minimum_detectable,
                               "years_to_detect_pi_0_2": None if planning is None else planning.years},
        "registration_advice": _advice_block(planning, p),
        "secondary": {"hr_time_varying": hr(pr.cox_tv), "naive_hr_ever_never": hr(pr.naive),
                      "landmarks": [r | {"n_exposed": _protect_flow({"n": r["n_exposed"]}, p)["n"],
                                          "n_unexposed": _protect_flow({"n": r["n_unexposed"]}, p)["n"]}
                                    for r in landmarks_shown(pr).to_dict("records")],
                      "mixture_cure": pr.cure.rename_axis("arm").reset_index().reindex(
                          columns=["arm", "cured_fraction", "latency_median_months", "latency_time_ratio_a_vs_b"]
                      ).to_dict("records")},
        "e_value": pr.e_value, "verdict": t.verdict,
    }
    if quality is not None:
        out["validation"] = validation_summary(quality, p)
    if sens:
        out["sensitivity"] = {k: ({"label": v.label, "rd_tau": v.ci["rd_tau"],
                                   "rmst_diff_months": v.ci["rmst_diff_months"],
                                   "prevented_fraction": _ci_only(v.prevented_fraction),
                                   "delay_months": _ci_only(v.delay_months),
                                   "specialist_months_diff": _reduces(v, p)["specialist_months_diff"],
                                   "answers": v.answers,
                                   "verdict": v.verdict}
                                  if isinstance(v, TrialResult) else v) for k, v in sens["trials"].items()}
        out["sensitivity"]["cox_lag_days"] = {str(k): hr(v) for k, v in sens["cox_lag"].items()}
    if routes is not None:
        out.update(_routes_blocks(routes, p))
    return _rounded(out)


def _routes_blocks(r, p) -> dict:
    """``waiting`` and ``routes``: medians and shares with intervals, rates per 100 child-years, the
    number of requests after disclosure control."""
    from ..study.routes import LIGHT_LEVELS, step_up_out_of
    from ..study.waiting import share_shown    # a share that would give back a count below the threshold: hidden
    none = lambda: {"estimate": None, "ci_low": None, "ci_high": None}  # noqa: E731
    w = r.waiting
    few = w is not None and (w.n_requests < p.min_cell or 0 < w.n_started < p.min_cell)   # estimates hidden
    hide = lambda d: none() if few else d  # noqa: E731
    share = lambda d: hide(w.share_within[d]) if share_shown(w, d, p.min_cell) else none()  # noqa: E731
    waiting = None if w is None else {
        "median_days": hide(w.median_days), "share_started_within_norm": share(w.norm_days),
        "norm_days": w.norm_days, "conditional_on_starting": w.conditional,
        "share_started_within_weeks": {str(d // 7): share(d) for d in (28, 56, 84)},
        "n_requests": _protect_flow({"n": w.n_requests}, p)["n"]}
    small = lambda k: 0 < k < p.min_cell  # noqa: E731  (a rate, with its exact interval, gives its count back)
    rates = r.step_rates
    light_hidden = bool(any(small(int(k)) for k in rates.loc[rates["level"].isin(LIGHT_LEVELS), "step_ups"]))
    levels = {row["level"]: {
        # a light level's step-ups are hidden with the others when one of them is (their sum is the headline)
        "step_up_per_100_child_years": None if small(int(row["step_ups"])) or (light_hidden and row["level"] in LIGHT_LEVELS)
        else row["step_up_per_100_child_years"],
        "step_down_per_100_child_years": None if small(int(row["step_downs"])) else row["step_down_per_100_child_years"]}
        for row in rates.to_dict("records")}
    return {"waiting": waiting, "routes": {
        "step_up_per_100_child_years": none() if small(step_up_out_of(rates)[0]) else r.step_up,
        "step_up_from_levels": list(LIGHT_LEVELS),
        "step_up_all_levels_per_100_child_years": none() if small(int(rates["step_ups"].sum())) else r.step_up_all,
        "by_level": levels,
        "repeat_use_share": r.repeat_share}}
