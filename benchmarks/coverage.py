"""Coverage study: how often do the trial's 95 % bootstrap intervals cover the synthetic truth?

Simulates registries with known effects, runs the primary analysis on each and counts how often
the intervals for RD(τ) and the RMST difference contain the true values from ground_truth.json.
Run on demand (not in CI):

    .venv/bin/python benchmarks/coverage.py --registries 100 --children 6000 --boot 100 [--prevent 0.4]

Prints one line per registry and the coverage at the end; --out writes a CSV.
"""
from __future__ import annotations

import argparse
import time

import pandas as pd

from analysis.synth.evaluate import trial_on_synthetic
from analysis.synth.params import Municipality, SynthParams


def one(seed: int, a: argparse.Namespace) -> dict:
    p = SynthParams(seed=seed, prevent=a.prevent, delay_months=a.delay_months,
                    light_registration=a.registration, municipalities=(Municipality("9911", "C", a.children),))
    truth, trial, _ = trial_on_synthetic(p, n_boot=a.boot, seed=seed, workers=a.workers)
    rd, rm = trial.ci["rd_tau"], trial.ci["rmst_diff_months"]
    return {"seed": seed, "n": trial.n_eligible, "true_rd": truth["rd_tau"], "rd": rd["estimate"],
            "rd_low": rd["ci_low"], "rd_high": rd["ci_high"], "true_rmst": truth["rmst_diff_months"],
            "rmst": rm["estimate"], "rmst_low": rm["ci_low"], "rmst_high": rm["ci_high"],
            "verdict": trial.verdict, "true_verdict": truth["verdict"],
            "cover_rd": rd["ci_low"] <= truth["rd_tau"] <= rd["ci_high"],
            "cover_rmst": rm["ci_low"] <= truth["rmst_diff_months"] <= rm["ci_high"]}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--registries", type=int, default=100)
    ap.add_argument("--children", type=int, default=6000)
    ap.add_argument("--boot", type=int, default=100)
    ap.add_argument("--prevent", type=float, default=0.4)
    ap.add_argument("--delay-months", type=float, default=6.0)
    ap.add_argument("--registration", default="complete")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--first-seed", type=int, default=1000)
    ap.add_argument("--out")
    a = ap.parse_args()
    rows = []
    t0 = time.time()
    for i in range(a.registries):
        r = one(a.first_seed + i, a)
        rows.append(r)
        print(f"{i + 1:3d} n={r['n']} RD {r['rd']:+.3f} [{r['rd_low']:+.3f}, {r['rd_high']:+.3f}] truth {r['true_rd']:+.3f} "
              f"| RMST {r['rmst']:+.2f} truth {r['true_rmst']:+.2f} | {r['verdict']} ({r['true_verdict']})", flush=True)
    df = pd.DataFrame(rows)
    if a.out:
        df.to_csv(a.out, index=False)
    print(f"\n{len(df)} registries of {a.children} children, {a.boot} bootstrap replicates, prevent={a.prevent}, "
          f"delay={a.delay_months} months, registration={a.registration}, {time.time() - t0:.0f} s")
    print(f"coverage of the 95% CI: RD(tau) {df['cover_rd'].mean():.1%}, RMST difference {df['cover_rmst'].mean():.1%}")
    print(f"mean bias: RD {(df['rd'] - df['true_rd']).mean():+.4f}, RMST {(df['rmst'] - df['true_rmst']).mean():+.3f} months")
    print(f"verdict equal to the truth's: {(df['verdict'] == df['true_verdict']).mean():.1%}")


if __name__ == "__main__":
    main()
