"""Coverage study of the waiting times and the step-up rate (appendix 4) against the generator's truth.

Each registry: one municipality of ``--children`` children (default 6,000, the size of Stadskanaal and
of Middenveen) with realistic registration of light support, written by ``workbench synth``'s code
(``truth=False``: the trial's truth is not needed), validated as a delivery is and analysed by
:func:`analysis.study.results.routes_and_waits`, the function behind results.json. Half of the
registries have Middenveen's long wait (median 91 days without withdrawals), half Kleinwolde's 35
days. Counts how often the 95 % intervals of the median wait, the share started within the norm
(4 weeks) and the step-up rate out of light support contain the truth
(:func:`analysis.synth.requests.waiting_truth`, :func:`analysis.synth.routes.step_up_truth`), and
the mean errors.

    .venv/bin/python benchmarks/coverage_routes.py --registries 100 [--workers 2] [--out FILE]

The last line: the three coverages.
"""
from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pandas as pd

WAITS = (91.0, 35.0)


def one(args) -> dict:
    seed, children = args
    import tempfile
    import warnings
    from pathlib import Path
    warnings.filterwarnings("ignore")
    from analysis.registry.store import load_registry, save
    from analysis.registry.validate import validate_delivery
    from analysis.study.results import routes_and_waits
    from analysis.synth.generate import simulate_municipality, write_municipality
    from analysis.synth.params import Municipality, SynthParams
    m = Municipality("8600", "Dekking", children, wait_median_days=WAITS[seed % 2])
    p = SynthParams(seed=seed, municipalities=(m,))
    _, truth, _ = simulate_municipality(m, p, truth=False)
    with tempfile.TemporaryDirectory() as tmp:
        folder = write_municipality(Path(tmp) / "raw", m, p, truth=False)
        save(validate_delivery(folder), Path(tmp) / "processed")
        tables = load_registry(m.code, Path(tmp) / "processed")
    r = routes_and_waits(tables, p.registry_start, p.extract_date)
    w, tw, tr = r.waiting, truth["waiting"], truth["routes"]
    row = {"seed": seed, "wait_median": m.wait_median_days, "requests": w.n_requests,
           "step_ups": r.step_rates.loc[r.step_rates["level"].isin(["selectief", "licht"]), "step_ups"].sum()}
    for key, est, true in (("median", w.median_days, tw["median_days"]),
                           ("norm", w.share_started_within_norm, tw["share_started_within_norm"]),
                           ("step_up", r.step_up, tr["step_up_per_100_child_years"])):
        row.update({key: est["estimate"], f"{key}_low": est["ci_low"], f"{key}_high": est["ci_high"],
                    f"true_{key}": true, f"cover_{key}": bool(est["ci_low"] <= true <= est["ci_high"])})
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--registries", type=int, default=100)
    ap.add_argument("--children", type=int, default=6000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--first-seed", type=int, default=9100)
    ap.add_argument("--out")
    a = ap.parse_args()
    t0 = time.perf_counter()
    jobs = [(a.first_seed + i, a.children) for i in range(a.registries)]
    try:
        from tqdm import tqdm
    except ImportError:  # pragma: no cover
        tqdm = lambda x, **k: x  # noqa: E731
    with ProcessPoolExecutor(a.workers) as pool:
        rows = list(tqdm(pool.map(one, jobs), total=len(jobs), desc="registries"))
    df = pd.DataFrame(rows)
    if a.out:
        df.to_csv(a.out, index=False)
    n = len(df)
    print(f"{n} registries of {a.children:,} children in {time.perf_counter() - t0:.0f} s "
          f"(median {df['requests'].median():.0f} requests, {df['step_ups'].median():.0f} step-ups out of light support)")
    for wait, part in df.groupby("wait_median"):
        print(f"  wait median {wait:.0f} days (without withdrawals), {len(part)} registries:")
        for key, name in (("median", "median wait (days)"), ("norm", "share within 4 weeks"),
                          ("step_up", "step-up per 100 child-years")):
            err = (part[key] - part[f"true_{key}"]).mean()
            print(f"    {name:30s} coverage {part[f'cover_{key}'].mean():5.0%}  mean error {err:+.4f}  "
                  f"mean truth {part[f'true_{key}'].mean():.4f}")
    se = np.sqrt(0.95 * 0.05 / n)
    print(f"Monte Carlo SE of a 95% coverage over {n} registries: ±{se:.1%}")
    print("coverage: median wait {:.0%}, share within the norm {:.0%}, step-up rate {:.0%}".format(
        df["cover_median"].mean(), df["cover_norm"].mean(), df["cover_step_up"].mean()))


if __name__ == "__main__":
    main()
