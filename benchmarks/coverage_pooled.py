"""Coverage study of the pooled trial (``workbench pooled``) against the generator's truth.

Each region: four municipalities (3,000, 4,500, 7,500 and 9,000 children) that differ in how often
their children start light support and how often they reach specialist care (``uptake_scale``
0.6 / 1.0 / 1.4 / 2.0, ``specialist_scale`` 0.7 / 1.0 / 1.2 / 1.4: the municipality confounds, so
the weight models need it as a stratum), complete registration, prevention 0.4 and a 6-month
delay. Each municipality's ``ground_truth.json`` gives its eligible children's true curves (20
simulated futures per child); the region's truth is their average weighted by the eligible
children (the pooled trial's population), π and D from the pooled true curves by the truth's own
projection (:func:`analysis.synth.truth.true_prevent_delay`). Counts how often the 95 % intervals
of RD(τ), π, D and the months-in-care difference contain the truth, the mean error, and how often
the answers and verdict equal the truth's.

    .venv/bin/python benchmarks/coverage_pooled.py --regions 100 --boot 100 [--workers 2] [--out FILE]

The last line: the coverage of RD(τ) and π.
"""
from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

SIZES = (3000, 4500, 7500, 9000)
UPTAKE = (0.6, 1.0, 1.4, 2.0)
SPECIALIST = (0.7, 1.0, 1.2, 1.4)
KEYS = ("rd", "pi", "d", "months")


def one(args) -> dict:
    seed, boot = args
    import json
    import tempfile
    import warnings
    from dataclasses import replace
    from pathlib import Path
    warnings.filterwarnings("ignore")
    from analysis.registry.store import save
    from analysis.registry.validate import validate_delivery
    from analysis.study.params import AnalysisParams
    from analysis.study.pooled import pooled_primary
    from analysis.synth.generate import write_municipality
    from analysis.synth.params import Municipality, SynthParams
    from analysis.synth.truth import true_prevent_delay, truth_answers, truth_verdict
    base = SynthParams(seed=seed, prevent=0.4, delay_months=6.0, light_registration="complete")
    truths, codes = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for i, (n, up, sp) in enumerate(zip(SIZES, UPTAKE, SPECIALIST)):
            m = Municipality(f"{8500 + i}", f"R{i}", n)
            p = replace(base, seed=seed * 10 + i, uptake_scale=up, specialist_scale=sp, municipalities=(m,))
            folder = write_municipality(Path(tmp) / "raw", m, p)
            truths.append(json.loads((folder / "ground_truth.json").read_text()))
            save(validate_delivery(folder), Path(tmp) / "processed")
            codes.append(m.code)
        processed = str(Path(tmp) / "processed")
        template = AnalysisParams(municipality=codes[0], processed_dir=processed, n_boot=boot, workers=1)
        res = pooled_primary(processed, codes, template, workers=1)
    # the region's truth: the municipalities' true curves weighted by their eligible children
    n = np.array([t["n_eligible"] for t in truths], float)
    g = [t["by_grace_months"]["3"] for t in truths]
    grid = lambda k: np.sum([w * np.asarray(x[k]) for w, x in zip(n, g) if len(x[k])], axis=0) / n.sum()  # noqa: E731
    mean = lambda k: float(np.sum([w * x[k] for w, x in zip(n, g) if x[k] is not None]) / n.sum())  # noqa: E731
    a, b = grid("cif_a_grid"), grid("cif_b_grid")
    pi, d, _ = true_prevent_delay(a, b)
    truth = {"rd": mean("rd_tau"), "pi": pi, "d": d, "months": mean("specialist_months_diff")}
    enough = n.sum() >= 50 and sum(x["events_long_a"] for x in g) >= 10 and sum(x["events_long_b"] for x in g) >= 10
    t_answers = truth_answers(pi, d, truth["months"], enough)
    tr = res.trial
    row = {"seed": seed, "eligible": tr.n_eligible, "true_eligible": int(n.sum()), "verdict": tr.verdict,
           "true_verdict": truth_verdict(t_answers, truth["rd"])}
    for key, est in (("rd", tr.ci["rd_tau"]), ("pi", tr.prevented_fraction), ("d", tr.delay_months),
                     ("months", tr.reduces["specialist_months_diff"])):
        row.update({key: est["estimate"], f"{key}_low": est["ci_low"], f"{key}_high": est["ci_high"],
                    f"true_{key}": truth[key], f"cover_{key}": bool(est["ci_low"] <= truth[key] <= est["ci_high"])})
    for k in ("prevents", "delays", "reduces"):
        row[k], row[f"true_{k}"] = tr.answers[k], t_answers[k]
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--regions", type=int, default=100)
    ap.add_argument("--boot", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--first-seed", type=int, default=7000)
    ap.add_argument("--out")
    a = ap.parse_args()
    t = time.perf_counter()
    jobs = [(a.first_seed + i, a.boot) for i in range(a.regions)]
    from tqdm import tqdm
    with ProcessPoolExecutor(a.workers) as ex:
        rows = list(tqdm(ex.map(one, jobs), total=len(jobs), disable=None))
    df = pd.DataFrame(rows)
    if a.out:
        df.to_csv(a.out, index=False)
    print(f"{len(df)} regions of {len(SIZES)} municipalities ({sum(SIZES):,} children), {a.boot} replicates, "
          f"{time.perf_counter() - t:.0f} s; eligible per region {df['eligible'].median():.0f} (median), "
          f"the truth's {df['true_eligible'].median():.0f}")
    for k in KEYS:
        err = df[k] - df[f"true_{k}"]
        print(f"  {k:7s} coverage {df[f'cover_{k}'].mean():6.1%}  mean error {err.mean():+.4f}  "
              f"mean truth {df[f'true_{k}'].mean():+.4f}  mean CI width {(df[f'{k}_high'] - df[f'{k}_low']).mean():.4f}")
    for k in ("prevents", "delays", "reduces", "verdict"):
        print(f"  {k:9s} equal to the truth's in {(df[k] == df[f'true_{k}']).mean():.0%}")
    print(f"pooled coverage: RD(τ) {df['cover_rd'].mean():.1%}, π {df['cover_pi'].mean():.1%} over {len(df)} regions")


if __name__ == "__main__":
    main()
