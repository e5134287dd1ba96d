"""The trial engine against the bootstrap before it (the named peer, in the same run).

Today's bootstrap refits each replicate on a resampled data frame (person-month frames, design
matrices and curves rebuilt, both weight models fitted from zero; ``tests/study/frames_ref.py``,
the code of main at 84f7659) in a 2-process pool, as ``bootstrap.py`` did. The engine passes over
arrays built once, with frequency weights and warm-started weight models.

    .venv/bin/python benchmarks/trial_engine.py [--boot 200] [--repeats 3] [--old-repeats 1]

Measures, on the demo's municipalities (synthetic, default registration):
  1. 200 replicates of Grootstad's (9903) primary trial: engine vs today's bootstrap, medians;
  2. the JupyterLab rerun: ``primary_analysis`` of Middenveen (9902) after one changed parameter
     (nothing cached), 200 replicates;
  3. the engine's arrays for Grootstad at τ = 36, 60 and 72 months (bytes), and the peak memory of
     building it and running replicates (tracemalloc).
The last line is the speed-up against today's bootstrap.
"""
from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "study"))
import frames_ref  # noqa: E402  the bootstrap before the engine

from analysis.registry.store import load_quality, load_registry, save  # noqa: E402
from analysis.registry.validate import validate_delivery  # noqa: E402
from analysis.study.bootstrap import bootstrap, draws, order_by_data  # noqa: E402
from analysis.study.cohort import build_cohort  # noqa: E402
from analysis.study.params import AnalysisParams  # noqa: E402
from analysis.study.trial import TrialEngine, TrialParams, care_episodes, eligible, follow_up  # noqa: E402
from analysis.synth.generate import write_municipality  # noqa: E402
from analysis.synth.params import SynthParams  # noqa: E402


def _old_replicates(args):
    fu, p, seeds = args
    import warnings
    warnings.filterwarnings("ignore")
    out = []
    for s in seeds:
        idx = np.random.default_rng(s).integers(0, len(fu), len(fu))
        sample = fu.iloc[idx].reset_index(drop=True)
        sample["person_id"] = np.arange(len(sample)).astype(str)
        try:
            out.append(frames_ref.estimate(sample, p)["rd_tau"])
        except Exception:
            out.append(np.nan)
    return out


def old_bootstrap(fu, p, n_boot, seed, workers=2):
    """Today's bootstrap: chunks of 10 replicates in a spawned 2-process pool, one BLAS thread each."""
    import os
    seeds = np.random.SeedSequence(seed).spawn(n_boot)
    os.environ.update({k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")})
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as ex:
        return [r for chunk in ex.map(_old_replicates, [(fu, p, seeds[i:i + 10]) for i in range(0, n_boot, 10)])
                for r in chunk]


def _processed(tmp: Path, code: str) -> Path:
    p = SynthParams()
    m = next(m for m in p.municipalities if m.code == code)
    folder = write_municipality(tmp / "raw", m, p)
    save(validate_delivery(folder), tmp / "processed")
    return tmp / "processed"


def _fu(processed: Path, code: str, tp: TrialParams, with_cohort: bool = False):
    q = load_quality(code, processed)
    cohort = build_cohort(load_registry(code, processed), q["registry_start"], q["extract_date"])
    fu = order_by_data(follow_up(eligible(cohort, tp), cohort, tp))
    return (fu, cohort) if with_cohort else fu


def _nbytes(engine: TrialEngine) -> int:
    arrays = [engine.base, engine.wijk, engine.moved]
    for model in (engine.start_model, engine.move_model):
        arrays += [model.X, model.child, model.group, model.trials, model.events]
    for a in engine.arms.values():
        arrays += [v for v in a.values() if isinstance(v, np.ndarray)]
        aj = a["aj"]
        arrays += [aj.times, aj._lo, aj._hi, aj._ev_rows, aj._ev_at, aj._main]
    return sum(x.nbytes for x in arrays)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--boot", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--old-repeats", type=int, default=1)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t = time.perf_counter()
        big, mid = _processed(tmp / "g", "9903"), _processed(tmp / "m", "9902")
        print(f"demo registries 9903 and 9902 simulated and validated in {time.perf_counter() - t:.0f} s")
        tp = TrialParams()
        fu = _fu(big, "9903", tp)
        print(f"Grootstad (9903): {len(fu)} eligible children, τ = {tp.tau_months} months")

        new, by_seed = [], {}
        for r in range(a.repeats):
            t = time.perf_counter()
            reps = by_seed[100 + r] = bootstrap(fu, tp, n_boot=a.boot, seed=100 + r)
            new.append(time.perf_counter() - t)
            print(f"  engine, {a.boot} replicates: {new[-1]:.1f} s ({reps['rd_tau'].notna().sum()} ok)")
        # as the product runs it: with the rows of *reduces* (follow-up past first specialist care)
        fu_c, cohort = _fu(big, "9903", tp, with_cohort=True)
        care = care_episodes(fu_c, cohort)
        ext = []
        for r in range(a.repeats):
            t = time.perf_counter()
            bootstrap(fu_c, tp, n_boot=a.boot, seed=100 + r, care=care)
            ext.append(time.perf_counter() - t)
        print(f"  engine with the rows of reduces (as the product runs it), {a.boot} replicates: "
              f"median {statistics.median(ext):.1f} s")
        old = []
        for r in range(a.old_repeats):
            t = time.perf_counter()
            rd = old_bootstrap(fu, tp, a.boot, seed=100 + r)
            old.append(time.perf_counter() - t)
            same = (np.allclose(rd, by_seed[100 + r]["rd_tau"], rtol=1e-7, atol=1e-10, equal_nan=True)
                    if 100 + r in by_seed else None)
            print(f"  today's bootstrap (2 processes), {a.boot} replicates: {old[-1]:.1f} s"
                  + ("" if same is None else f"; the same replicates as the engine's: {same}"))

        # how close a warm start comes in one or two steps, and the engine's own replicates, against
        # the same replicates refitted from zero on a resampled frame; in units of the bootstrap spread
        engine = TrialEngine(fu, tp)
        ms = [draws(len(fu), s) for s in np.random.SeedSequence(5).spawn(30)]

        def rd_rmst(**kw):
            return np.array([[e["rd_tau"], e["rmst_diff_months"]] for e in (engine.estimate(m, **kw) for m in ms)])
        exact = []
        for m in ms:
            sample = fu.iloc[np.repeat(np.arange(len(fu)), m)].reset_index(drop=True)
            sample["person_id"] = np.arange(len(sample)).astype(str)
            e = frames_ref.estimate(sample, tp)
            exact.append([e["rd_tau"], e["rmst_diff_months"]])
        exact = np.array(exact)
        sd = np.array([reps["rd_tau"].std(), reps["rmst_diff_months"].std()])
        for label, got in (("1 step from the full sample's fit", rd_rmst(steps=1)),
                           ("2 steps from the full sample's fit", rd_rmst(steps=2)), ("the engine", rd_rmst())):
            d = np.abs(got - exact).max(axis=0) / sd
            print(f"  {label}: largest difference from a refit from zero {d[0]:.1e} (RD) and {d[1]:.1e} (RMST) "
                  "bootstrap SDs")

        p = AnalysisParams("9902", str(mid))
        from analysis.study import results
        lab = []
        for r in range(a.repeats):
            q = AnalysisParams("9902", str(mid), seed=1000 + r)     # one changed parameter: nothing cached
            t = time.perf_counter()
            results.primary_analysis(q)
            lab.append(time.perf_counter() - t)
        print(f"JupyterLab rerun of Middenveen's primary analysis ({p.n_boot} replicates, one parameter "
              f"changed): median {statistics.median(lab):.1f} s of {', '.join(f'{x:.1f}' for x in lab)}")

        for tau in (36, 60, 72):
            tpl = TrialParams(tau_months=tau)
            fl = _fu(big, "9903", tpl)
            tracemalloc.start()
            e = TrialEngine(fl, tpl)
            for s in np.random.SeedSequence(1).spawn(5):
                e.estimate(draws(len(fl), s))
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            rows = sum(len(x["r"]) for x in e.arms.values())
            print(f"memory, Grootstad τ = {tau}: {len(fl)} children, {rows} clone rows, engine arrays "
                  f"{_nbytes(e) / 2**20:.1f} MiB, peak while building and running {peak / 2**20:.1f} MiB")
        speed = statistics.median(old) / statistics.median(new)
        print(f"Grootstad's primary trial, {a.boot} replicates: engine {statistics.median(new):.1f} s, today's "
              f"bootstrap {statistics.median(old):.1f} s: {speed:.0f}x faster")


if __name__ == "__main__":
    main()
