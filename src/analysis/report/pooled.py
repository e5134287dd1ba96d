"""What ``workbench pooled`` publishes of a pooled trial: estimates, answers, rounded counts."""
from __future__ import annotations

from ..study.pooled import PooledResult
from .disclosure import round_count


def pooled_summary(res: PooledResult, threshold: int = 10, round_to: int = 5) -> dict:
    """What the pooled trial may show outside the secure environment: the estimates with their
    intervals, the answers and verdict, and counts rounded (per municipality: eligible children,
    ``<10`` below the threshold) and the data-quality warnings of its design; no row-level data."""
    t = res.trial

    def iv(d: dict) -> dict:
        return {k: (None if d.get(k) is None or d[k] != d[k] else float(d[k])) for k in ("estimate", "ci_low", "ci_high")}

    def count(n) -> int | str:
        return f"<{threshold}" if n < threshold else int(round_count(n, round_to))

    return {
        "municipalities": len(res.parts), "eligible": count(t.n_eligible), "replicates": int(t.n_boot_ok),
        "estimates": {**{k: iv(t.ci[k]) for k in ("cif_a_tau", "cif_b_tau", "rd_tau", "rmst_diff_months") if k in t.ci},
                      "prevented_fraction": iv(t.prevented_fraction), "delay_months": iv(t.delay_months),
                      **{k: iv(v) for k, v in t.reduces.items()}},
        "answers": dict(t.answers), "verdict": t.verdict,
        "params": {"grace_months": t.params.grace_months, "tau_months": t.params.tau_months,
                   "tau_long_months": t.params.long_months},
        "per_municipality": [{"municipality": r.municipality, "eligible": count(r.eligible), "warnings": list(r.warnings)}
                             for r in res.parts.itertuples()],
    }
