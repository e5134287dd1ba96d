"""Coverage study under realistic registration (issue 13, part 6): the primary (restricted) analysis,
the bias-adjusted one and the version-1 analysis (all data) on the same registries.

Each registry draws its own registration (every provider type from its own year, some never or
for a few years, sensitivity uniform 0.7–1.0 within the window; ``analysis.synth.registration``),
declares the windows in ``delivery.yml`` and simulates the truth on the children of the default
registration design. On each: the restricted primary trial (bootstrap intervals), the bias
analysis with the product's default priors (``--draws`` draws), and the version-1 trial (every
light-support type, every period). Counts how often the 95 % intervals of π and RD(τ) contain
the truth, and the mean error, over the registries that have an answer.

Most registries drawn this way cannot answer (the design's common window starts too late): a
registry whose declared windows leave no design period of 72 months (the 12-month washout and
τ_L = 60 months of follow-up) cannot reach 10 copies at risk at τ_L, so it is counted as
*insufficient registration* without being simulated (``prescreened``); the others are simulated
and analysed. ``--answered N`` keeps drawing registries until N of them have an answer. Run on
demand:

    .venv/bin/python benchmarks/coverage_registration.py --answered 100 --registries 2000 --children 8000 \
        --boot 100 --draws 100 [--workers 2] [--out results.csv]
"""
from __future__ import annotations

import argparse
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

import numpy as np
import pandas as pd


#: the shortest design period in which a copy can be followed to τ_L after the washout: 12 + 60 months
MIN_DESIGN_DAYS = 72 * 365.25 / 12


def synth_params(seed: int, children: int, registry_start: str):
    from datetime import date
    from analysis.synth.params import Municipality, SynthParams
    return SynthParams(seed=seed, municipalities=(Municipality("9913", "R", children),),
                       registry_start=date.fromisoformat(registry_start))


def design_days(seed: int, children: int, registry_start: str) -> float:
    """The longest period of the default design on the declared windows of registry ``seed``, in days
    (computed from the registration plan alone, before anything is simulated)."""
    from analysis.synth.registration import declared_windows, design_periods, registration_plan
    p = synth_params(seed, children, registry_start)
    m = p.municipalities[0]
    declared, _ = declared_windows(registration_plan(m, p), m, p)
    _, periods = design_periods(declared, p)
    return max((b - a for a, b in periods), default=0.0)


def one(args) -> dict:
    seed, children, boot, draws, registry_start = args
    import warnings
    warnings.filterwarnings("ignore")
    if design_days(seed, children, registry_start) < MIN_DESIGN_DAYS:
        return {"seed": seed, "verdict": "insufficient_registration", "prescreened": True}
    from analysis.study.bias import Priors, bias_analysis
    from analysis.study.bootstrap import order_by_data
    from analysis.study.params import AnalysisParams
    from analysis.study.results import run_trial
    from analysis.study.trial import TrialParams, eligible, follow_up
    from analysis.synth.evaluate import design_on_synthetic
    light = AnalysisParams.__dataclass_fields__["light_types"].default
    p = synth_params(seed, children, registry_start)
    d = design_on_synthetic(p)
    truth, fu, tp, cohort, cohort_all, reg = d.truth, d.fu, d.tp, d.cohort, d.cohort_all, d.registration
    tr, _ = run_trial(fu, tp, n_boot=boot, seed=seed, workers=1, label="restricted", cohort=cohort,
                      registration_limited=d.limited())
    tp1 = TrialParams(grace_months=p.primary_grace_months, tau_months=p.tau_months)
    fu1 = order_by_data(follow_up(eligible(cohort_all, tp1), cohort_all, tp1))
    v1, _ = run_trial(fu1, tp1, n_boot=boot, seed=seed, workers=1, label="version 1", cohort=cohort_all)
    row = {"seed": seed, "prescreened": False, "n": tr.n_eligible, "n_v1": v1.n_eligible, "verdict": tr.verdict, "verdict_v1": v1.verdict,
           "counted": len(reg["counted_types"]), "true_pi": truth["prevented_fraction"], "true_rd": truth["rd_tau"]}
    answered = tr.verdict not in ("insufficient_data", "insufficient_registration")
    b = None
    if answered:
        priors = Priors.from_param((0.7, 1.0), (0.5, 1.5), light)
        b = bias_analysis(fu, tp, cohort_all.light, reg, light, priors, boot=tr.replicates, n_draws=draws, seed=seed,
                          n_tipping=1, workers=1)
        row["m"] = float(np.median(b.draws["m"]))
    for name, pi, rd in (("restricted", tr.prevented_fraction, tr.ci["rd_tau"]),
                         ("adjusted", b.adjusted["prevented_fraction"] if b else None, b.adjusted["rd_tau"] if b else None),
                         ("v1", v1.prevented_fraction, v1.ci["rd_tau"])):
        for key, est, true in (("pi", pi, truth["prevented_fraction"]), ("rd", rd, truth["rd_tau"])):
            has = v1.verdict not in ("insufficient_data", "insufficient_registration") if name == "v1" else answered
            ok = est is not None and has and true is not None and np.isfinite(est["ci_low"])
            row[f"{name}_{key}"] = est["estimate"] if ok else np.nan
            row[f"{name}_{key}_low"] = est["ci_low"] if ok else np.nan
            row[f"{name}_{key}_high"] = est["ci_high"] if ok else np.nan
            row[f"{name}_{key}_cover"] = bool(est["ci_low"] <= true <= est["ci_high"]) if ok else None
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--registries", type=int, default=100, help="registries to draw at most")
    ap.add_argument("--answered", type=int, default=None,
                    help="stop drawing once this many registries have an answer (default: draw --registries)")
    ap.add_argument("--children", type=int, default=8000)
    ap.add_argument("--boot", type=int, default=100)
    ap.add_argument("--draws", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--first-seed", type=int, default=7000)
    ap.add_argument("--registry-start", default="2015-01-01",
                    help="first day of the registry (its end: 2024-12-31); 2012-01-01 leaves most designs an answer")
    ap.add_argument("--out")
    a = ap.parse_args()
    t0 = time.time()
    jobs = iter([(a.first_seed + i, a.children, a.boot, a.draws, a.registry_start) for i in range(a.registries)])
    rows, running = [], {}

    def n_answered() -> int:
        return sum(r.get("restricted_pi_cover") is not None for r in rows)

    with ProcessPoolExecutor(max_workers=a.workers) as ex:
        while True:
            # keep the pool busy while more answers are needed; registries already started are finished
            while len(running) < 2 * a.workers and (a.answered is None or n_answered() < a.answered):
                job = next(jobs, None)
                if job is None:
                    break
                running[ex.submit(one, job)] = job[0]
            if not running:
                break
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for fut in sorted(done, key=running.get):
                del running[fut]
                r = fut.result()
                rows.append(r)
                if r.get("prescreened"):
                    continue
                f = lambda k, nd: "–" if r.get(k) is None or r[k] != r[k] else f"{r[k]:+.{nd}f}"  # noqa: E731
                print(f"{len(rows):4d} seed {r['seed']} n={r['n']} ({r['counted']} types) {r['verdict']} | π truth "
                      f"{f('true_pi', 2)} restricted {f('restricted_pi', 2)} adjusted {f('adjusted_pi', 2)} v1 "
                      f"{f('v1_pi', 2)} | RD truth {f('true_rd', 3)} restricted {f('restricted_rd', 3)} adjusted "
                      f"{f('adjusted_rd', 3)} v1 {f('v1_rd', 3)} | answered {n_answered()}", flush=True)
                if a.out:
                    pd.DataFrame(rows).to_csv(a.out, index=False)
    df = pd.DataFrame(rows)
    if a.out:
        df.to_csv(a.out, index=False)
    ans = df[df["restricted_pi_cover"].notna()]
    pre = int(df["prescreened"].sum())
    print(f"\n{len(df)} registries of {a.children} children ({a.registry_start} to 2024-12-31) drawn, realistic registration drawn per registry "
          f"({pre} with no design period of 72 months, not simulated), {a.boot} bootstrap replicates, "
          f"{a.draws} bias draws, {time.time() - t0:.0f} s")
    print(f"verdicts: {df['verdict'].value_counts().to_dict()}; with an answer: {len(ans)}")
    sim = df[~df["prescreened"].astype(bool)]
    print(f"simulated: {len(sim)}; version 1 answers on {int(sim['v1_pi_cover'].notna().sum())} of them")
    v1_all = df[df["v1_pi_cover"].notna()]
    for name, sub, label in (("restricted", ans, "restricted"), ("adjusted", ans, "adjusted"),
                             ("v1", ans, "v1 (same)"), ("v1", v1_all, f"v1 (all {len(v1_all)})")):
        parts = []
        for key in ("pi", "rd"):
            cov = sub[f"{name}_{key}_cover"].astype(float).mean()
            err = (sub[f"{name}_{key}"] - sub[f"true_{key}"]).mean()
            width = (sub[f"{name}_{key}_high"] - sub[f"{name}_{key}_low"]).mean()
            parts.append(f"{key} coverage {cov:.1%}, mean error {err:+.3f}, mean width {width:.3f}")
        print(f"{label:14s} " + "; ".join(parts))


if __name__ == "__main__":
    main()
