"""Coverage study under realistic registration (issue 13, part 6): the primary (restricted) analysis,
the bias-adjusted one and the version-1 analysis (all data) on the same registries.

Each registry draws its own registration (every provider type from its own year, some never or
for a few years, sensitivity uniform 0.7–1.0 within the window; ``analysis.synth.registration``),
declares the windows in ``delivery.yml`` and simulates the truth on the children of the default
registration design. On each: the restricted primary trial (bootstrap intervals), the bias
analysis with the product's default priors (``--draws`` draws), and the version-1 trial (every
light-support type, every period). Counts how often the 95 % intervals of π and RD(τ) contain
the truth, and the mean error, over the registries that have an answer. Run on demand:

    .venv/bin/python benchmarks/coverage_registration.py --registries 100 --children 8000 --boot 100 --draws 100
        [--workers 2] [--out results.csv]
"""
from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd


def one(args) -> dict:
    seed, children, boot, draws = args
    import warnings
    warnings.filterwarnings("ignore")
    from analysis.study.bias import Priors, bias_analysis
    from analysis.study.bootstrap import order_by_data
    from analysis.study.params import AnalysisParams
    from analysis.study.results import run_trial
    from analysis.study.trial import TrialParams, eligible, follow_up
    from analysis.synth.evaluate import design_on_synthetic
    from analysis.synth.params import Municipality, SynthParams
    light = AnalysisParams.__dataclass_fields__["light_types"].default
    p = SynthParams(seed=seed, municipalities=(Municipality("9913", "R", children),))
    d = design_on_synthetic(p)
    truth, fu, tp, cohort, cohort_all, reg = d.truth, d.fu, d.tp, d.cohort, d.cohort_all, d.registration
    tr, _ = run_trial(fu, tp, n_boot=boot, seed=seed, workers=1, label="restricted", cohort=cohort,
                      registration_limited=d.limited())
    tp1 = TrialParams(grace_months=p.primary_grace_months, tau_months=p.tau_months)
    fu1 = order_by_data(follow_up(eligible(cohort_all, tp1), cohort_all, tp1))
    v1, _ = run_trial(fu1, tp1, n_boot=boot, seed=seed, workers=1, label="version 1", cohort=cohort_all)
    row = {"seed": seed, "n": tr.n_eligible, "n_v1": v1.n_eligible, "verdict": tr.verdict, "verdict_v1": v1.verdict,
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
    ap.add_argument("--registries", type=int, default=100)
    ap.add_argument("--children", type=int, default=8000)
    ap.add_argument("--boot", type=int, default=100)
    ap.add_argument("--draws", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--first-seed", type=int, default=7000)
    ap.add_argument("--out")
    a = ap.parse_args()
    t0 = time.time()
    jobs = [(a.first_seed + i, a.children, a.boot, a.draws) for i in range(a.registries)]
    rows = []
    with ProcessPoolExecutor(max_workers=a.workers) as ex:
        for i, r in enumerate(ex.map(one, jobs), 1):
            rows.append(r)
            f = lambda k, nd: "–" if r.get(k) is None or r[k] != r[k] else f"{r[k]:+.{nd}f}"  # noqa: E731
            print(f"{i:4d} seed {r['seed']} n={r['n']} ({r['counted']} types) {r['verdict']} | π truth "
                  f"{f('true_pi', 2)} restricted {f('restricted_pi', 2)} adjusted {f('adjusted_pi', 2)} v1 "
                  f"{f('v1_pi', 2)} | RD truth {f('true_rd', 3)} restricted {f('restricted_rd', 3)} adjusted "
                  f"{f('adjusted_rd', 3)} v1 {f('v1_rd', 3)}", flush=True)
    df = pd.DataFrame(rows)
    if a.out:
        df.to_csv(a.out, index=False)
    ans = df[df["restricted_pi_cover"].notna()]
    print(f"\n{a.registries} registries of {a.children} children, realistic registration drawn per registry, "
          f"{a.boot} bootstrap replicates, {a.draws} bias draws, {time.time() - t0:.0f} s")
    print(f"verdicts: {df['verdict'].value_counts().to_dict()}; with an answer: {len(ans)}")
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
