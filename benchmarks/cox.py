"""fit_cox at scale against R's survival::coxph and lifelines' CoxTimeVaryingFitter (issue 14, part 2).

The same counting-process data for every peer: children followed on a daily time scale with
delayed entry, three covariates (x1 normal, x2 binary, x3 a time-varying exposure that switches on
at a random day and splits the child's follow-up into two rows), many ties. Two models: plain
(Efron ties), and with strata (4), case weights and cluster-robust standard errors by child.
Prints per size and model the wall time of each peer (R: the ``coxph`` call alone, timed inside R
by ``system.time``; R and r-cran-survival from Debian's packages, skipped with a message when
absent; lifelines only where ``--lifelines-max`` allows, it slows down with the number of distinct
event times), the ratios and the largest differences to R in coefficients and standard errors.
The last line is the headline: the ratios at the largest size.

    .venv/bin/python benchmarks/cox.py [--rows 100000 1600000] [--repeat 3] [--lifelines-max 100000]
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.estimators.cox import fit_cox

HERE = Path(__file__).resolve().parent
COVARIATES = ["x1", "x2", "x3"]


def make_data(rows: int, seed: int = 14) -> pd.DataFrame:
    """About ``rows`` counting-process rows: children entering on a day in the first two years,
    followed up to 3,000 days, an exposure x3 switching on at a random day for about 60 % of them."""
    rng = np.random.default_rng(seed)
    n = int(rows / 1.33)            # about a third of the children get a second row
    x1, x2 = rng.normal(size=n), rng.binomial(1, 0.4, n).astype(float)
    entry = rng.integers(0, 730, n).astype(float)
    end = entry + rng.integers(60, 3000, n)
    switch = np.where(rng.random(n) < 0.75, entry + rng.integers(1, 2500, n), np.inf)
    # event time by inversion of a piecewise-constant hazard (the exposure lowers it from its switch on)
    base = 1 / 4000 * np.exp(0.4 * x1 - 0.3 * x2)
    e = rng.exponential(size=n)
    t_before = entry + e / base
    rate_after = base * np.exp(-0.5)
    with np.errstate(invalid="ignore"):     # no switch: t_after unused
        t_after = switch + (e - (switch - entry) * base) / rate_after
    t = np.where(t_before <= switch, t_before, t_after)
    t = np.ceil(t)
    stop = np.minimum(t, end)
    event = (t <= end).astype(float)
    two = switch < stop
    first = pd.DataFrame({"id": np.arange(n), "start": entry, "stop": np.where(two, switch, stop),
                          "event": np.where(two, 0.0, event), "x1": x1, "x2": x2, "x3": 0.0})
    second = pd.DataFrame({"id": np.arange(n)[two], "start": switch[two], "stop": stop[two], "event": event[two],
                           "x1": x1[two], "x2": x2[two], "x3": 1.0})
    d = pd.concat([first, second], ignore_index=True)
    d["s"] = d["id"] % 4
    d["w"] = np.round(np.random.default_rng(seed + 1).uniform(0.5, 2.0, n)[d["id"]], 6)
    return d


MODELS = {"plain": {}, "strata+weights+cluster": {"strata": "s", "weights": "w", "cluster": "id"}}


def ours(d: pd.DataFrame, model: str, repeat: int) -> tuple[float, pd.DataFrame]:
    times, fit = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        fit = fit_cox(d, start="start", stop="stop", event="event", covariates=COVARIATES, **MODELS[model])
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), pd.DataFrame({"coef": fit.params, "se": fit.standard_errors})


def r_fit(csv: Path, model: str, repeat: int) -> tuple[float, pd.DataFrame] | None:
    if not shutil.which("Rscript"):
        return None
    times, res = [], None
    for _ in range(repeat):
        out = csv.with_suffix(f".{model}.out.csv")
        subprocess.run(["Rscript", str(HERE / "cox_r.R"), str(csv), str(out),
                        "robust" if model != "plain" else "plain"], check=True)
        res = pd.read_csv(out).set_index("term")
        times.append(float(res["seconds"].iloc[0]))
    return float(np.median(times)), res[["coef", "se"]]


def lifelines_fit(d: pd.DataFrame) -> tuple[float, pd.Series]:
    from lifelines import CoxTimeVaryingFitter
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = CoxTimeVaryingFitter().fit(d[["id", "start", "stop", "event", *COVARIATES]], id_col="id",
                                       event_col="event", start_col="start", stop_col="stop")
    return time.perf_counter() - t0, f.params_[COVARIATES]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_600_000])
    ap.add_argument("--repeat", type=int, default=3, help="fits per peer; the median is reported")
    ap.add_argument("--lifelines-max", type=int, default=100_000,
                    help="the largest size at which lifelines is run (it needs minutes at 100,000 rows)")
    a = ap.parse_args()
    if not shutil.which("Rscript"):
        print("R is not installed (apt-get install r-base-core r-cran-survival): the R columns are skipped")
    headline = ""
    with tempfile.TemporaryDirectory() as tmp:
        for rows in a.rows:
            d = make_data(rows)
            csv = Path(tmp) / f"cox_{rows}.csv"
            d.to_csv(csv, index=False)
            print(f"{len(d):,} rows, {int(d['event'].sum()):,} events, "
                  f"{d.loc[d['event'] == 1, 'stop'].nunique():,} distinct event times")
            for model in MODELS:
                t_ours, est = ours(d, model, a.repeat)
                line = f"  {model:24s} fit_cox {t_ours:6.2f} s"
                r = r_fit(csv, model, a.repeat)
                if r is not None:
                    t_r, ref = r
                    dc = float(np.max(np.abs(est["coef"].to_numpy() - ref.loc[COVARIATES, "coef"].to_numpy())))
                    ds = float(np.max(np.abs(est["se"].to_numpy() - ref.loc[COVARIATES, "se"].to_numpy())))
                    line += f" | R coxph {t_r:6.2f} s, {t_r / t_ours:5.1f}x faster; |coef − R| {dc:.1e}, |SE − R| {ds:.1e}"
                    headline_part = f"{model}: {t_r / t_ours:.1f}x R"
                else:
                    headline_part = f"{model}: fit_cox {t_ours:.2f} s"
                if model == "plain" and rows <= a.lifelines_max:
                    t_l, coef = lifelines_fit(d)
                    line += (f" | lifelines {t_l:6.1f} s, {t_l / t_ours:5.0f}x faster; "
                             f"|coef − lifelines| {np.max(np.abs(coef.to_numpy() - est['coef'].to_numpy())):.1e}")
                print(line, flush=True)
                if rows == a.rows[-1]:
                    headline += ("; " if headline else "") + headline_part
    print(f"headline at {a.rows[-1]:,} rows: {headline}")


if __name__ == "__main__":
    main()
