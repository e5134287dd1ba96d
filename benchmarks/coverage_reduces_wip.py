import sys, numpy as np, pandas as pd
from concurrent.futures import ProcessPoolExecutor
def one(seed):
    import warnings; warnings.filterwarnings("ignore")
    from analysis.synth.evaluate import trial_on_synthetic
    from analysis.synth.params import Municipality, SynthParams
    p = SynthParams(seed=seed, prevent=0.0, delay_months=0.0, reduce=float(sys.argv[1]), light_registration="complete",
                    municipalities=(Municipality("9911", "C", 8000),))
    truth, tr, _ = trial_on_synthetic(p, n_boot=60, seed=seed, workers=1)
    out = {}
    for k, s in (("specialist_months_diff", "m"), ("heavy_care_rd", "h"), ("specialist_months_a", "ma"),
                 ("specialist_months_b", "mb"), ("heavy_care_a", "ha"), ("heavy_care_b", "hb")):
        e = tr.reduces[k]
        out.update({s: e["estimate"], s + "_lo": e["ci_low"], s + "_hi": e["ci_high"], "t" + s: truth[k]})
    return out
with ProcessPoolExecutor(2) as ex:
    rows = list(ex.map(one, range(7000, 7000 + int(sys.argv[2]))))
d = pd.DataFrame(rows)
print(f"reduce={sys.argv[1]} n={len(d)}")
for s in ("m", "h", "ma", "mb", "ha", "hb"):
    cov = ((d[s + "_lo"] <= d["t" + s]) & (d["t" + s] <= d[s + "_hi"])).mean()
    print(f"  {s:3s} mean est {d[s].mean():+.3f} truth {d['t' + s].mean():+.3f} bias {(d[s] - d['t' + s]).mean():+.3f} "
          f"sd(err) {(d[s] - d['t' + s]).std():.3f} mean CI/3.92 {((d[s + '_hi'] - d[s + '_lo']) / 3.92).mean():.3f} coverage {cov:.0%}")
