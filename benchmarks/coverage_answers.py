"""Coverage study of the three answers: π, D, RD(τ), the months in specialist care and the heavy-care
risk against the synthetic truth, per scenario.

Simulates registries with known effects (complete registration), runs the primary trial on each
(emulated trial to τ_L, bootstrap intervals) and counts how often the 95 % intervals of the
prevented fraction π, the delay D, RD(τ), the difference in months of specialist care within τ_L
and the heavy-care risk difference by τ_L contain the true values of ``ground_truth.json`` (K = 20
simulated futures per child), the mean bias, and how often each answer (prevents, delays, reduces)
and the headline verdict equal the truth's. Run on demand (not in CI):

    .venv/bin/python benchmarks/coverage_answers.py --registries 100 --children 6000 --boot 100
        [--scenario prevention delay both reduce null] [--workers 2] [--out results.csv]

Registries run side by side in ``--workers`` processes (each bootstrap in one process).
"""
from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor

import pandas as pd

SCENARIOS = {"prevention": (0.4, 0.0, 0.0), "delay": (0.0, 12.0, 0.0), "both": (0.4, 6.0, 0.0),
             "reduce": (0.0, 0.0, 0.5), "null": (0.0, 0.0, 0.0)}     # prevent, delay_months, reduce
KEYS = ("pi", "d", "rd", "months", "heavy")


def one(args) -> dict:
    scenario, seed, children, boot = args
    import warnings
    warnings.filterwarnings("ignore")
    from analysis.synth.evaluate import trial_on_synthetic
    from analysis.synth.params import Municipality, SynthParams
    prevent, delay, reduce = SCENARIOS[scenario]
    p = SynthParams(seed=seed, prevent=prevent, delay_months=delay, reduce=reduce, light_registration="complete",
                    municipalities=(Municipality("9911", "C", children),))
    truth, tr, _ = trial_on_synthetic(p, n_boot=boot, seed=seed, workers=1)
    row = {"scenario": scenario, "seed": seed, "n": tr.n_eligible, "verdict": tr.verdict,
           "true_verdict": truth["verdict"]}
    for key, est, true in (("pi", tr.prevented_fraction, truth["prevented_fraction"]),
                           ("d", tr.delay_months, truth["delay_months"]), ("rd", tr.ci["rd_tau"], truth["rd_tau"]),
                           ("months", tr.reduces["specialist_months_diff"], truth["specialist_months_diff"]),
                           ("heavy", tr.reduces["heavy_care_rd"], truth["heavy_care_rd"])):
        row.update({key: est["estimate"], f"{key}_low": est["ci_low"], f"{key}_high": est["ci_high"], f"true_{key}": true,
                    f"cover_{key}": bool(est["ci_low"] <= true <= est["ci_high"])})
    for k in ("prevents", "delays", "reduces"):
        row[f"{k}"], row[f"true_{k}"] = tr.answers[k], truth["answers"][k]
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--registries", type=int, default=100)
    ap.add_argument("--children", type=int, default=6000)
    ap.add_argument("--boot", type=int, default=100)
    ap.add_argument("--scenario", nargs="+", default=list(SCENARIOS), choices=list(SCENARIOS))
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--first-seed", type=int, default=5000)
    ap.add_argument("--out")
    a = ap.parse_args()
    t0 = time.time()
    jobs = [(s, a.first_seed + i, a.children, a.boot) for s in a.scenario for i in range(a.registries)]
    rows = []
    with ProcessPoolExecutor(max_workers=a.workers) as ex:
        for i, r in enumerate(ex.map(one, jobs), 1):
            rows.append(r)
            print(f"{i:4d} {r['scenario']:10s} n={r['n']} π {r['pi']:+.2f} [{r['pi_low']:+.2f}, {r['pi_high']:+.2f}] "
                  f"truth {r['true_pi']:+.2f} | D {r['d']:+.1f} [{r['d_low']:+.1f}, {r['d_high']:+.1f}] truth "
                  f"{r['true_d']:+.1f} | months {r['months']:+.2f} [{r['months_low']:+.2f}, {r['months_high']:+.2f}] truth "
                  f"{r['true_months']:+.2f} | {r['verdict']} ({r['true_verdict']})", flush=True)
    df = pd.DataFrame(rows)
    if a.out:
        df.to_csv(a.out, index=False)
    print(f"\n{a.registries} registries per scenario of {a.children} children, {a.boot} bootstrap replicates, "
          f"complete registration, {time.time() - t0:.0f} s")
    for s, g in df.groupby("scenario", sort=False):
        cov = ", ".join(f"{k} {g[f'cover_{k}'].mean():.1%}" for k in KEYS)
        bias = ", ".join(f"{k} {(g[k] - g[f'true_{k}']).mean():+.3f}" for k in KEYS)
        truth = (f"true π {g['true_pi'].mean():+.3f}, D {g['true_d'].mean():+.2f}, RD {g['true_rd'].mean():+.4f}, "
                 f"months {g['true_months'].mean():+.2f}, heavy {g['true_heavy'].mean():+.4f}")
        agree = ", ".join(f"{k} {(g[k] == g[f'true_{k}']).mean():.0%}" for k in ("prevents", "delays", "reduces", "verdict"))
        print(f"{s}: coverage of the 95% CIs {cov}; mean bias {bias}; {truth}; answers equal to the truth's: {agree}")
        print("   answers given: " + "; ".join(f"{k} " + ", ".join(f"{v} {c}" for v, c in g[k].value_counts().items())
                                            for k in ("prevents", "delays", "reduces", "verdict")))


if __name__ == "__main__":
    main()
