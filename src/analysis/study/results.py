"""The survival analyses of one municipality, computed once and cached for the notebooks.

``primary_analysis`` (notebook 02) and ``sensitivity_analysis`` (notebook 03) return frozen result
objects; :mod:`analysis.report.results_file` turns them into the protocol's ``results.json``.
Results are cached in ``data/processed/<code>/analysis/`` under a key of the parameters, the
registry's hash and the code's hash (:func:`cache_path`), so that the runner computes them once (with a progress bar) and the notebooks
only present them; a researcher who changes a parameter in JupyterLab gets a fresh computation.
"""
from __future__ import annotations

import json
import pickle
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from .. import fingerprint
from ..errors import WorkbenchError
from .bias import Priors, bias_analysis
from .bootstrap import KEYS as _KEYS
from .bootstrap import bootstrap, order_by_data, percentile_ci
from .cohort import DAYS_PER_MONTH, DAYS_PER_YEAR, MOVED, SPECIALIST, build_cohort, ever_never, \
    days, exposure_intervals, landmark
from ..estimators.cox import CoxFitError, fit_cox
from .params import AnalysisParams
from ..registry.store import load_quality, load_registry, registry_sha256
from ..estimators.survival import aalen_johansen, risk_table
from .trial import TrialEngine, TrialParams, balance, care_episodes, eligible, estimate, follow_up, weight_summary
from .answers import interval, prevent_delay_with_ci, trajectory
from .windows import common_periods, counted_types, in_days, registration_windows
from .verdict import MIN_AT_RISK, MIN_ELIGIBLE, MIN_EVENTS, answers, e_value, enough_data, hr_to_rr, minimum_detectable, verdict

COVARIATES = ["male", "one_parent", "benefit"]


@dataclass(frozen=True)
class TrialResult:
    label: str
    params: TrialParams
    point: dict
    ci: dict
    rr: dict
    n_eligible: int
    events_a: int
    events_b: int
    verdict: str
    curve_a: pd.DataFrame = field(repr=False)
    curve_b: pd.DataFrame = field(repr=False)
    n_boot_ok: int = 0
    # version 2 of the protocol: the trial to τ_L, the trajectory, π and D, the answers
    trajectory: pd.DataFrame = field(repr=False, default=None)    # per month: RD, CIFs, bands, at risk
    prevented_fraction: dict = field(default_factory=dict)         # {estimate, ci_low, ci_high, se}
    delay_months: dict = field(default_factory=dict)
    shift_fit: dict = field(default_factory=dict)                  # r2, fitted, residuals per month
    answers: dict = field(default_factory=dict)                    # prevents / delays / reduces
    minimum_detectable: dict = field(default_factory=dict)         # prevented_fraction, rd_tau
    events_long: tuple = (0, 0)                                    # events by τ_L, arms a and b
    at_risk_long: tuple = (0, 0)                                   # clones at risk at τ_L
    reduces: dict = field(default_factory=dict)   # months in specialist care and heavy care by τ_L: a, b, difference
    in_care: pd.DataFrame | None = None           # per month: share in specialist care per arm, clones seen / in care
    heavy_events: tuple = (0, 0)                  # clones with heavy care by τ_L, arms a and b (disclosure control)
    replicates: dict = field(default_factory=dict, repr=False)   # the bootstrap's rd_tau, π, D per replicate


@dataclass(frozen=True)
class PrimaryResults:
    params: AnalysisParams
    registry_sha256: str
    synthetic: bool
    name: str
    flow: dict
    trial_flow: dict
    primary: TrialResult
    balance: pd.DataFrame
    weights: pd.DataFrame
    e_value: dict
    cox_tv: dict
    naive: dict
    landmarks: pd.DataFrame
    aj_overall: pd.DataFrame
    aj_by_sex: dict
    cure: pd.DataFrame
    age_risk: pd.DataFrame
    registration: dict = field(default_factory=dict)   # windows used per provider type, declared vs detected
    bias: object = None       # BiasResult of the primary trial (None: no answer to adjust, or no design)


def cache_path(p: AnalysisParams, kind: str, sha: str) -> Path:
    """Where an analysis of ``kind`` is cached: keyed on the parameters, the registry's hash and
    (through :func:`analysis.fingerprint.key`) the code's hash and the package versions."""
    key = fingerprint.key(kind, params=p.analysis_key(), registry_sha256=sha)[:16]
    return Path(p.processed_dir) / p.municipality / "analysis" / f"{kind}-{key}.pkl"


def _cached(p: AnalysisParams, kind: str, compute):
    quality = load_quality(p.municipality, p.processed_dir)
    sha = registry_sha256(quality)
    path = cache_path(p, kind, sha)
    if path.exists():
        return pickle.loads(path.read_bytes())
    result = compute(quality, sha)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps(result))
    tmp.replace(path)
    return result


#: the last registry read and its designs, shared by the analyses of one municipality in one process
#: (primary, sensitivity and the registration advice read the same tables, cohort and windows); keyed on
#: the registry's hash, the code's hash (a module edited in JupyterLab builds them again) and every
#: parameter the cohort or the design depends on. Callers never change them.
_SHARED: dict = {}


def _shared(key: tuple, compute):
    key = (*key[:3], fingerprint.code_sha256(), *key[3:])
    if key not in _SHARED:
        if len(_SHARED) > 4 or any(k[:4] != key[:4] for k in _SHARED):   # another registry or code: forget
            _SHARED.clear()
        _SHARED[key] = compute()
    return _SHARED[key]


def _registry(p: AnalysisParams, quality: dict) -> tuple:
    """The first part of a :func:`_shared` key: which registry."""
    return str(Path(p.processed_dir).resolve()), p.municipality, registry_sha256(quality)


def _load(p: AnalysisParams, quality: dict):
    def compute():
        tables = load_registry(p.municipality, p.processed_dir)
        cohort = build_cohort(tables, quality["registry_start"], quality["extract_date"], tuple(p.light_types))
        return tables, cohort
    return _shared((*_registry(p, quality), "load", tuple(p.light_types)), compute)


def _design(p: AnalysisParams, tables: dict, quality: dict, cohort_all) -> tuple:
    """The registration design of this analysis: see :func:`registration_design`."""
    def compute():
        meta = json.loads((Path(p.processed_dir) / p.municipality / "delivery.json").read_text(encoding="utf-8"))
        return registration_design(tables, quality["registry_start"], quality["extract_date"],
                                   meta.get("registration_windows"), p.light_types, cohort_all, p.counted_types,
                                   p.registration_restriction)
    return _shared((*_registry(p, quality), "design", tuple(p.light_types),
                    None if p.counted_types is None else tuple(p.counted_types), bool(p.registration_restriction)),
                   compute)


def registration_design(tables: dict, registry_start, extract_date, declared: dict | None, light_types,
                        cohort_all, counted: tuple | None = None, restriction: bool = True) -> tuple:
    """The registration design (protocol, "Registration" 2): the cohort whose light support is that
    of the counted provider types, the periods in which they all register (days, last day + 1;
    None: all data) and the registration block of results.json. Without the restriction: the
    cohort of every type and no periods."""
    used, table = registration_windows(tables, registry_start, extract_date, declared)
    reg = {"windows": used, "declared_vs_detected": [
        {"provider_type": r.provider_type, "declared": r.declared, "detected": r.detected, "source": r.source,
         "agree": None if r.agree is None or r.agree != r.agree else bool(r.agree)} for r in table.itertuples()]}
    if not restriction:
        return cohort_all, None, {**reg, "counted_types": list(light_types), "design_windows": None}
    if counted is None:
        counted = counted_types(used, light_types, registry_start, extract_date)
    # no type registers long enough to be counted: no period in which light support is known
    common = common_periods(used, counted, registry_start, extract_date) if counted else []
    cohort = build_cohort(tables, registry_start, extract_date, tuple(counted)) if counted else cohort_all
    periods = tuple(in_days(common))
    return cohort, periods, {**reg, "counted_types": list(counted), "design_windows": common}


def _trial_params(p: AnalysisParams, **kw) -> TrialParams:
    return TrialParams(grace_months=p.grace_months, tau_months=p.tau_months,
                       tau_long_months=p.tau_long_months, **kw)


def enough_without_design(cohort_all, tp: TrialParams) -> bool:
    """Whether the registry itself reaches the protocol's minimum for an answer, with its light
    support taken as registered everywhere: without the registration design's restriction, at
    least 50 eligible children, 2 × 10 with specialist care by τ_L and 2 × 10 followed to τ_L (the
    minimum per arm, for both arms together). Where it does and the design does not, the
    registration of light support is what falls short (``insufficient_registration``), not the
    registry (``insufficient_data``)."""
    fu = follow_up(eligible(cohort_all, tp), cohort_all, tp)
    end, reason = fu["end"].to_numpy(float), fu["reason"].to_numpy()
    events = int(np.sum((reason == SPECIALIST) & (end <= tp.tau_long_days)))
    followed = int(np.sum(end >= tp.tau_long_days))
    return len(fu) >= MIN_ELIGIBLE and events >= 2 * MIN_EVENTS and followed >= 2 * MIN_AT_RISK


def run_trial(fu: pd.DataFrame, tp: TrialParams, n_boot: int, seed: int, workers: int, label: str,
              progress=None, cohort=None, registration_limited=None) -> tuple[TrialResult, object]:
    """Point estimates, bootstrap intervals and verdict of one emulated trial.

    With fewer than 50 eligible children (or models that cannot be fitted) the verdict is
    ``insufficient_data`` and the estimates are missing; below the protocol's minimum (50 eligible,
    10 events and 10 at risk at τ_L per arm) the answers are ``insufficient_data``. Both become
    ``insufficient_registration`` where the registration design is what left too little:
    ``registration_limited`` (a function, asked only then; None: no design) says that the data
    without the design would have reached the minimum.
    """
    def limited() -> bool:
        return registration_limited is not None and bool(registration_limited())

    try:
        if len(fu) < 50:
            raise WorkbenchError(f"{len(fu)} eligible children")
        fu = order_by_data(fu)             # the order the bootstrap draws in
        engine = TrialEngine(fu, tp, care=care_episodes(fu, cohort) if cohort is not None else None)
        est = estimate(fu, tp, keep_rows=True, engine=engine)
    except WorkbenchError:
        nan = {"estimate": np.nan, "ci_low": np.nan, "ci_high": np.nan}
        empty = pd.DataFrame({c: pd.Series(dtype=float) for c in ("time", "value", "n_at_risk", "lower", "upper")})
        short = "insufficient_registration" if limited() else "insufficient_data"
        res = TrialResult(label=label, params=tp, point={}, ci={k: dict(nan) for k in _KEYS}, rr=dict(nan),
                          n_eligible=len(fu), events_a=0, events_b=0, verdict=short,
                          curve_a=empty, curve_b=empty, prevented_fraction=dict(nan), delay_months=dict(nan),
                          answers=answers(None, None, None, enough=False,
                                          registration_ok=short != "insufficient_registration"),
                          minimum_detectable={"prevented_fraction": np.nan, "rd_tau": np.nan})
        return res, None
    reps = bootstrap(fu, tp, n_boot=n_boot, seed=seed, workers=workers, progress=progress, engine=engine)
    point = est.as_dict()
    ci = percentile_ci(reps, point)
    ok = reps.dropna(subset=["rd_tau"]) if "rd_tau" in reps else reps.iloc[0:0]
    rr_reps = (ok["cif_a_tau"] / ok["cif_b_tau"]).replace([np.inf, -np.inf], np.nan).dropna()
    rr = {"estimate": est.cif_a / est.cif_b if est.cif_b > 0 else np.nan,
          "ci_low": float(np.percentile(rr_reps, 2.5)) if len(rr_reps) else np.nan,
          "ci_high": float(np.percentile(rr_reps, 97.5)) if len(rr_reps) else np.nan}
    full = engine.estimate()
    reps_a = np.vstack(ok["cif_a_grid"].to_numpy()) if len(ok) else np.zeros((0, tp.long_months + 1))
    reps_b = np.vstack(ok["cif_b_grid"].to_numpy()) if len(ok) else np.zeros((0, tp.long_months + 1))
    traj = trajectory(full["cif_a_grid"], full["cif_b_grid"], reps_a, reps_b, full["n_at_risk_a_grid"],
                      full["n_at_risk_b_grid"], full["n_events_a_grid"], full["n_events_b_grid"])
    pd_fit = prevent_delay_with_ci(full["cif_a_grid"], full["cif_b_grid"], reps_a, reps_b)
    events_long = (full["events_long_a"], full["events_long_b"])
    at_risk_long = (full["at_risk_long_a"], full["at_risk_long_b"])
    reduces = {}
    if "specialist_months_diff" in full:
        for k in ("specialist_months_a", "specialist_months_b", "specialist_months_diff", "heavy_care_a",
                  "heavy_care_b", "heavy_care_rd"):
            reduces[k] = interval(full[k], ok[k].to_numpy(float) if k in ok else np.array([]))
        in_care = pd.DataFrame({"month": np.arange(tp.long_months), **{
            f"{c}_{arm}": full[f"{g}_{arm}_grid"] for arm in ("a", "b")
            for c, g in (("share", "in_care"), ("n_seen", "n_seen"), ("n_in_care", "n_in_care"))}})
        heavy_events = (full["heavy_events_a"], full["heavy_events_b"])
    else:
        in_care, heavy_events = None, (0, 0)
    enough = enough_data(est.n_eligible, events_long, at_risk_long)
    ans = answers(pd_fit["prevented_fraction"], pd_fit["delay_months"], reduces.get("specialist_months_diff"),
                  enough=enough, registration_ok=enough or not limited())
    rd_se = float(np.std(ok["rd_tau"], ddof=1)) if len(ok) > 1 else np.nan
    res = TrialResult(label=label, params=tp, point=point, ci=ci, rr=rr, n_eligible=est.n_eligible,
                      events_a=est.events_a, events_b=est.events_b, verdict=verdict(ans, ci["rd_tau"]),
                      curve_a=est.curve_a.table, curve_b=est.curve_b.table, n_boot_ok=len(ok),
                      trajectory=traj, prevented_fraction=pd_fit["prevented_fraction"],
                      delay_months=pd_fit["delay_months"],
                      shift_fit={k: pd_fit[k] for k in ("fit_r2", "fitted", "residuals")}, answers=ans,
                      minimum_detectable={"prevented_fraction": minimum_detectable(pd_fit["prevented_fraction"]["se"]),
                                          "rd_tau": minimum_detectable(rd_se),
                                          "specialist_months_diff": minimum_detectable(
                                              reduces["specialist_months_diff"]["se"]) if reduces else np.nan},
                      events_long=events_long, at_risk_long=at_risk_long, reduces=reduces, in_care=in_care,
                      heavy_events=heavy_events,
                      replicates={"rd_tau": ok["rd_tau"].to_numpy(float), **pd_fit["replicates"]})
    return res, est


def _cox_summary(fit) -> dict:
    s = fit.summary()
    return {"terms": s.to_dict("index"), "n_events": fit.n_events, "n_obs": fit.n_obs,
            "n_clusters": fit.n_clusters, "robust": fit.robust}


def secondary_cox(cohort, lag_days: float) -> tuple[dict, dict]:
    """Time-varying Cox (lagged exposure) and the naive ever/never Cox, age as the time scale."""
    tv = exposure_intervals(cohort, lag_days).assign(spec=lambda d: (d["event"] == SPECIALIST).astype(float))
    naive = ever_never(cohort).assign(spec=lambda d: (d["event"] == SPECIALIST).astype(float))
    out = []
    for frame, main in ((tv, "exposed"), (naive, "ever")):
        try:
            fit = fit_cox(frame, start="start", stop="stop", event="spec", covariates=[main, *COVARIATES],
                          cluster="person_id")
            out.append(_cox_summary(fit) | {"hr": fit.hazard_ratios.loc[main].to_dict()})
        except CoxFitError as exc:
            out.append({"error": str(exc)})
    return out[0], out[1]


def landmarks(cohort, ages=(5.0, 11.0), horizon_months: int = 36) -> pd.DataFrame:
    """CIF of specialist care within the horizon after landmark ages, by exposure at the landmark."""
    rows = []
    for age in ages:
        lm = landmark(cohort, age, horizon_months * DAYS_PER_MONTH)
        lm = lm.assign(code=np.where(lm["event"] == MOVED, 0, lm["event"]), time=np.maximum(lm["time"], 0.5))
        est = {}
        events = {}
        for g in (1.0, 0.0):
            sub = lm[lm["exposed"] == g]
            events[g] = int(((sub["code"] == SPECIALIST) & (sub["time"] <= horizon_months * DAYS_PER_MONTH)).sum())
            if (sub["code"] == SPECIALIST).sum() == 0:
                est[g] = (np.nan, np.nan, len(sub))
                continue
            c = aalen_johansen(sub, exit="time", event="code", event_of_interest=SPECIALIST)
            t = c.table
            i = np.searchsorted(t["time"].to_numpy(), horizon_months * DAYS_PER_MONTH, side="right") - 1
            est[g] = (float(t["value"].iloc[i]) if i >= 0 else 0.0, float(t["se"].iloc[i]) if i >= 0 else 0.0, len(sub))
        rd = est[1.0][0] - est[0.0][0]
        se = float(np.hypot(est[1.0][1], est[0.0][1]))
        rows.append({"landmark_age": age, "n_exposed": est[1.0][2], "n_unexposed": est[0.0][2],
                     "events_exposed": events[1.0], "events_unexposed": events[0.0],
                     "cif_exposed": est[1.0][0], "cif_unexposed": est[0.0][0], "rd": rd,
                     "ci_low": rd - 1.96 * se, "ci_high": rd + 1.96 * se})
    return pd.DataFrame(rows)


def age_curves(cohort) -> tuple[pd.DataFrame, dict]:
    """Aalen–Johansen CIF of specialist care by age (years), moving out and death competing."""
    w = cohort.windows.assign(entry_y=lambda d: d["entry"] / DAYS_PER_YEAR, exit_y=lambda d: d["exit"] / DAYS_PER_YEAR)
    w = w.merge(cohort.persons[["male"]], left_on="person_id", right_index=True)
    overall = aalen_johansen(w, entry="entry_y", exit="exit_y", event="event", event_of_interest=SPECIALIST).table
    by_sex = {sex: aalen_johansen(w[w["male"] == m], entry="entry_y", exit="exit_y", event="event",
                                  event_of_interest=SPECIALIST).table for sex, m in (("M", 1.0), ("V", 0.0))}
    return overall, by_sex


def cure_decomposition(rows: pd.DataFrame, tau_days: float) -> pd.DataFrame:
    """Per arm, a weighted Weibull mixture-cure fit within τ: cured fraction and latency scale.

    The latency time ratio (arm a over arm b) says by what factor the time to specialist care is
    stretched among the children who do need it. Fitted on the clones' last rows, each weighted
    by its weight there (a secondary decomposition, not an estimand with a bootstrap).
    """
    from scipy.optimize import minimize
    out = []
    for arm, r in rows.groupby("arm"):
        last = r.sort_values("stop").groupby("person_id").tail(1)
        t = last["stop"].to_numpy() / DAYS_PER_MONTH
        d = (last["event"] == SPECIALIST).to_numpy()
        w = last["weight"].to_numpy()

        tau = tau_days / DAYS_PER_MONTH

        def nll(theta):
            # latency: a Weibull truncated to [0, τ], so "cured" means "no specialist care before τ"
            pi = 1 / (1 + np.exp(-theta[0]))
            lam, k = np.exp(theta[1]), np.exp(theta[2])
            f_tau = -np.expm1(-(tau / lam) ** k)
            surv_u = 1 - (-np.expm1(-(t / lam) ** k)) / f_tau
            dens_u = k / lam * (t / lam) ** (k - 1) * np.exp(-(t / lam) ** k) / f_tau
            ll = np.where(d, np.log((1 - pi) * dens_u + 1e-300), np.log(pi + (1 - pi) * np.clip(surv_u, 0, 1) + 1e-300))
            return -np.sum(w * ll)
        with np.errstate(all="ignore"):
            fit = minimize(nll, x0=np.array([1.0, np.log(24.0), 0.0]), method="Nelder-Mead",
                           options={"maxiter": 4000, "xatol": 1e-6, "fatol": 1e-8})
        out.append({"arm": arm, "cured_fraction": float(1 / (1 + np.exp(-fit.x[0]))),
                    "latency_median_months": _truncated_weibull_median(np.exp(fit.x[1]), np.exp(fit.x[2]), tau),
                    "latency_scale_months": float(np.exp(fit.x[1])), "shape": float(np.exp(fit.x[2])),
                    "converged": bool(fit.success)})
    df = pd.DataFrame(out).set_index("arm")
    df["latency_time_ratio_a_vs_b"] = df["latency_median_months"] / df.loc["b", "latency_median_months"]
    return df


def _truncated_weibull_median(lam: float, k: float, tau: float) -> float:
    """Median of a Weibull(scale lam, shape k) truncated to [0, tau], in the same unit."""
    f_tau = -np.expm1(-(tau / lam) ** k)
    return float(lam * (-np.log1p(-0.5 * f_tau)) ** (1 / k))


def primary_analysis(p: AnalysisParams, progress=None) -> PrimaryResults:
    """Cohort, target trial with bootstrap, secondary analyses: everything notebook 02 shows."""
    def compute(quality, sha):
        tables, cohort_all = _load(p, quality)
        cohort, periods, registration = _design(p, tables, quality, cohort_all)
        tp = _trial_params(p, windows=periods)
        tflow: dict = {}
        fu = follow_up(eligible(cohort, tp, tflow), cohort, tp)
        res, est = run_trial(fu, tp, p.n_boot, p.seed, p.workers, "primary", progress, cohort=cohort,
                             registration_limited=None if periods is None else (
                                 lambda: enough_without_design(cohort_all, _trial_params(p))))
        # the secondary analyses describe the whole registry (every light-support type of light_types)
        cox_tv, naive = secondary_cox(cohort_all, p.lag_days)
        overall, by_sex = age_curves(cohort_all)
        w = cohort_all.windows
        age_risk = risk_table(w.assign(entry_y=w["entry"] / DAYS_PER_YEAR, exit_y=w["exit"] / DAYS_PER_YEAR),
                              list(range(0, 19, 2)), entry="entry_y", exit="exit_y", event="event",
                              event_of_interest=SPECIALIST)
        ev = e_value(res.rr["estimate"], res.rr["ci_low"], res.rr["ci_high"])
        if "hr" in cox_tv:  # the hazard ratio through the common-outcome conversion
            h = cox_tv["hr"]
            ev["hr_time_varying"] = e_value(hr_to_rr(h["hr"]), hr_to_rr(h["lower"]), hr_to_rr(h["upper"]))
        meta = json.loads((Path(p.processed_dir) / p.municipality / "delivery.json").read_text(encoding="utf-8"))
        return PrimaryResults(
            params=p, registry_sha256=sha, synthetic=bool(quality.get("synthetic")),
            name=str(meta.get("municipality_name", "")), flow=cohort_all.flow, trial_flow=tflow, primary=res,
            balance=balance(fu, est.rows, tp) if est else pd.DataFrame(),
            weights=weight_summary(est.rows) if est else pd.DataFrame(), e_value=ev, cox_tv=cox_tv,
            naive=naive, landmarks=landmarks(cohort_all, horizon_months=p.tau_months), aj_overall=overall,
            aj_by_sex=by_sex, cure=cure_decomposition(est.rows, tp.tau_days) if est else pd.DataFrame(
                columns=["cured_fraction", "latency_median_months", "latency_time_ratio_a_vs_b"]),
            age_risk=age_risk, registration=registration,
            bias=_bias(p, fu, tp, res, cohort_all, registration, progress) if est is not None and periods is not None
            else None)
    return _cached(p, "primary", compute)


def _bias(p: AnalysisParams, fu: pd.DataFrame, tp: TrialParams, res: TrialResult, cohort_all, registration: dict,
          progress=None):
    """The bias analysis of the primary trial (protocol, "Registration" 3), where it has answers."""
    if res.answers.get("prevents") in ("insufficient_data", "insufficient_registration"):
        return None
    priors = Priors.from_param(p.bias_sensitivity, p.bias_unregistered_rate, p.light_types)
    return bias_analysis(order_by_data(fu), tp, cohort_all.light, registration, p.light_types, priors,
                         boot=res.replicates, n_draws=p.n_bias, seed=p.seed, workers=p.workers, progress=progress)


SENSITIVITY = (
    ("grace_0", "grace 0 months", {"grace_months": 0}),
    ("grace_6", "grace 6 months", {"grace_months": 6}),
    ("moved_competing", "moving out as competing event", {"moved_competing": True}),
    ("truncated_1_99", "weights truncated at 1/99 percentiles", {"truncate": (1.0, 99.0)}),
    ("wijkteam_cjg", "light support = wijkteam/CJG only", {}),
    ("tau_long_48", "follow-up τ_L = 48 months", {"tau_long_months": 48}),
    ("tau_long_72", "follow-up τ_L = 72 months", {"tau_long_months": 72}),
    ("registration_off", "registration restriction off (all data, version 1)", {"windows": None}),
)


def sensitivity_analysis(p: AnalysisParams, progress=None) -> dict:
    """The protocol's sensitivity analyses: trial variants and lag variants of the Cox model."""
    def compute(quality, sha):
        tables, cohort_all = _load(p, quality)
        cohort, periods, _ = _design(p, tables, quality, cohort_all)
        out = {"trials": {}, "cox_lag": {}}
        for key, label, kw in SENSITIVITY:
            c = cohort_all if key == "registration_off" else cohort
            if key == "wijkteam_cjg":
                c = build_cohort(tables, quality["registry_start"], quality["extract_date"], ("wijkteam", "cjg"))
            tp = replace(_trial_params(p, windows=periods), **kw)
            fu = follow_up(eligible(c, tp), c, tp)
            try:
                res, _ = run_trial(fu, tp, p.n_boot_sensitivity, p.seed, p.workers, label, progress, cohort=c)
                out["trials"][key] = res
            except Exception as exc:  # a variant without starters in the grace period, for instance
                out["trials"][key] = {"label": label, "error": f"{type(exc).__name__}: {exc}"}
        for lag in (0, 30, 90):
            out["cox_lag"][lag] = secondary_cox(cohort_all, lag)[0]
        return out
    return _cached(p, "sensitivity", compute)


@dataclass(frozen=True)
class RoutesWaiting:
    """Routes through the levels of help and waiting times (issue 15): what results.json reports."""

    waiting: object            # waiting.WaitingTimes, or None without any request date
    step_rates: pd.DataFrame   # per level: child-years, step-ups, step-downs, rates per 100 child-years
    step_up: dict              # out of light support: {estimate, ci_low, ci_high} per 100 child-years in it
    step_up_all: dict          # out of any level of help, per 100 child-years in help
    spells: pd.DataFrame       # the level spells within each child's window (routes.clip_spells)
    window: pd.DataFrame       # per child (index person_id): lo, hi days of its window (living here, < 18, registry)
    frame: pd.DataFrame        # the requests (waiting.request_frame): for the appendix's breakdowns
    repeat_share: float | None  # episodes that are herhaald beroep (CBS), share of all


def _poisson_rate(events: int, years: float) -> dict:
    """A rate per 100 child-years with the exact (Garwood) 95 % interval."""
    from scipy.special import gammaincinv
    if years <= 0:
        return {"estimate": None, "ci_low": None, "ci_high": None}
    lo = gammaincinv(events, 0.025) if events > 0 else 0.0
    hi = gammaincinv(events + 1, 0.975)
    return {"estimate": 100 * events / years, "ci_low": 100 * lo / years, "ci_high": 100 * hi / years}


def routes_and_waits(tables: dict, registry_start, extract_date, norm_days: int = 28) -> RoutesWaiting:
    """Levels over time, step-up and step-down rates, repeat use and waiting times of one registry
    (typed tables, as :func:`analysis.registry.store.load_registry` gives them)."""
    from . import routes, waiting
    extract = float((pd.Timestamp(extract_date) - pd.Timestamp("1970-01-01")).days)
    eps = []
    for name in ("light_support_episodes", "specialist_episodes"):
        e = tables.get(name)
        if e is None or not len(e) or "intervention_level" not in e:
            continue
        eps.append(pd.DataFrame({"person_id": e["person_id"].astype(str).to_numpy(),
                                 "start": days(e["start_date"]),
                                 "end": np.nan_to_num(days(e["end_date"]), nan=np.inf),
                                 "level": e["intervention_level"].astype(object).where(e["intervention_level"].notna(), None)}))
    episodes = pd.concat(eps, ignore_index=True) if eps else pd.DataFrame(columns=["person_id", "start", "end", "level"])
    spells = routes.level_spells(episodes, until=extract + 1)
    # the time at risk: living here (first move in to last move out), under 18, registry window
    persons = tables["persons"]
    birth = pd.Series(days(persons["birth_date"]), index=persons["person_id"].astype(str).to_numpy())
    res = tables["residence_periods"]
    rp = res["person_id"].astype(str).to_numpy()
    first_day = float((pd.Timestamp(registry_start) - pd.Timestamp("1970-01-01")).days)
    lo = pd.Series(np.maximum(days(res["start_date"]), first_day)).groupby(rp).min()
    hi = pd.Series(np.nan_to_num(days(res["end_date"]), nan=np.inf)).groupby(rp).max()
    hi = np.minimum(np.minimum(hi, extract + 1), birth.reindex(hi.index) + 18 * routes.DAYS_PER_YEAR)
    spells = routes.clip_spells(spells, lo, hi)
    rates = routes.step_rates(spells)
    step_up = _poisson_rate(*routes.step_up_out_of(rates))
    step_up_all = _poisson_rate(int(rates["step_ups"].sum()), float(rates["child_years"].sum()))
    repeat = routes.repeat_use(episodes) if len(episodes) else pd.Series(dtype=bool)
    frame, conditional = waiting.request_frame(tables, extract_date)
    wt = None
    if len(frame):
        wt = waiting.from_requests(frame, float(extract) + 1, norm_days=norm_days, conditional=conditional)
    return RoutesWaiting(waiting=wt, step_rates=rates, step_up=step_up, step_up_all=step_up_all, spells=spells,
                         window=pd.DataFrame({"lo": lo, "hi": hi.reindex(lo.index)}), frame=frame,
                         repeat_share=float(repeat.mean()) if len(repeat) else None)


def routes_waiting(p: AnalysisParams) -> RoutesWaiting:
    """:func:`routes_and_waits` of the municipality's registry, cached."""
    def compute(quality, sha):
        tables, _ = _load(p, quality)
        return routes_and_waits(tables, quality["registry_start"], quality["extract_date"], p.wait_norm_days)
    return _cached(p, "routes_waiting", compute)
