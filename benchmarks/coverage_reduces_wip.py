import sys, numpy as np, pandas as pd
from concurrent.futures import ProcessPoolExecutor
def one(seed):
    import warnings; warnings.filterwarnings("ignore")
    from analysis.synth.evaluate import trial_on_synthetic
    from analysis.synth.params import Municipality, SynthParams
    p = SynthParams(seed=seed, prevent=0.0, delay_months=0.0, reduce=float(sys.argv[1]), light_registration="complete",
                    municipalities=(Municipality("9911", "C", 8000),))
    truth, tr, _ = trial_on_synthetic(p, n_boot=60, seed=seed, workers=1)
    m = tr.reduces["specialist_months_diff"]; h = tr.reduces["heavy_care_rd"]
    return {"m": m["estimate"], "m_lo": m["ci_low"], "m_hi": m["ci_high"], "tm": truth["specialist_months_diff"],
            "h": h["estimate"], "h_lo": h["ci_low"], "h_hi": h["ci_high"], "th": truth["heavy_care_rd"]}
with ProcessPoolExecutor(2) as ex:
    rows = list(ex.map(one, range(7000, 7000 + int(sys.argv[2]))))
d = pd.DataFrame(rows)
print(f"reduce={sys.argv[1]} n={len(d)} months diff: mean est {d.m.mean():+.2f} truth {d.tm.mean():+.2f} coverage {((d.m_lo<=d.tm)&(d.tm<=d.m_hi)).mean():.0%}; "
      f"heavy rd: mean est {d.h.mean():+.3f} truth {d.th.mean():+.3f} coverage {((d.h_lo<=d.th)&(d.th<=d.h_hi)).mean():.0%}")
