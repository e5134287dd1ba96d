"""Requests for specialist care (*aanmeldingen*) and their waits: the ``requests`` table (format 1.1).

The waiting model, per request (i.i.d. given the municipality):

- ``W``: the wait until care would start, log-normal with the municipality's median
  (``Municipality.wait_median_days``) and ``SynthParams.wait_sigma``;
- ``V``: the time until the family withdraws or is referred elsewhere, exponential with rate
  ``SynthParams.withdraw_per_year``; a share ``referred_share`` of those ends as *referred elsewhere*.

Care starts after ``ceil(W)`` days if ``W < V``; otherwise the request ends after ``ceil(V)`` days
without care. The course (:mod:`analysis.synth.course`) decides *when* specialist care starts;
the request of each first episode of a spell lies ``ceil(W)`` days before it, with ``W`` drawn
given ``W < V``. The requests that ended without care come before it, as the same child's earlier
requests: a chain of i.i.d. requests up to the first that starts, so that every request, started or
not, is a draw of ``(W, V)``. Requests made before the extract for care that starts after it are
still *waiting* (the course runs on past the extract for them). Only requests made while the child
lives here, is under 18 and within the registry window are in the table.

The truth (:func:`waiting_truth`) is the cumulative incidence of starting,
``F(t) = P(W ≤ t, W < V) = ∫_0^t f_W(s) exp(-r s) ds``, exact by quadrature.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import integrate, optimize, stats

from .params import DAYS_PER_YEAR, SPECIALIST_FORM_SHARE, SPECIALIST_FORMS, Municipality, SynthParams
from .population import Population, day_number
from .tables import _FORM_LEVEL, iso

CHAIN = 12           # requests drawn per started one (the first that starts is it; the rest unused)
REGAP_DAYS = 60      # at most this many days between a withdrawal and the child's next request
TRUTH_WEEKS = (4, 8, 12)


def _draw(rng: np.random.Generator, m: Municipality, p: SynthParams, size) -> tuple[np.ndarray, np.ndarray]:
    w = np.exp(rng.normal(np.log(m.wait_median_days), p.wait_sigma, size))
    rate = p.withdraw_per_year / DAYS_PER_YEAR
    v = rng.exponential(1 / rate, size) if rate > 0 else np.full(size, np.inf)
    return w, v


def requests_table(pop: Population, spec: pd.DataFrame, future: dict, ids: np.ndarray, m: Municipality,
                   p: SynthParams, rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``requests`` table and ``spec`` with the request dates of its first episodes replaced
    by those of the waiting model. ``spec``: the specialist episodes (first episode of a spell: the
    rows with a request date); ``future``: course spells starting after the extract (``person``,
    ``start`` days), whose requests may still be waiting."""
    id_index = pd.Series(np.arange(pop.n), index=ids)
    first = np.flatnonzero(spec["request_date"].astype(str).to_numpy() != "")
    start_reg = (pd.to_datetime(spec["start_date"].iloc[first]) - pd.Timestamp("1970-01-01")).dt.days.to_numpy(float)
    person = np.concatenate([id_index.loc[spec["person_id"].iloc[first]].to_numpy(), future["person"]]).astype(int)
    start = np.concatenate([start_reg, future["start"]])
    episode = np.concatenate([spec["episode_id"].iloc[first].to_numpy(object), np.full(len(future["start"]), "", object)])
    level_reg = spec["intervention_level"].iloc[first].to_numpy(object)
    forms = rng.choice(np.array(SPECIALIST_FORMS, dtype=object), size=len(future["start"]),
                       p=np.array(SPECIALIST_FORM_SHARE) / sum(SPECIALIST_FORM_SHARE))
    level = np.concatenate([level_reg, np.array([_FORM_LEVEL[f] for f in forms], dtype=object)])
    n = len(start)
    w, v = _draw(rng, m, p, (n, CHAIN))
    ok = w < v
    k = np.where(ok.any(axis=1), ok.argmax(axis=1), CHAIN - 1)    # the request that starts
    rows = np.arange(n)
    wait = np.ceil(w[rows, k])
    req = start - wait
    regap = rng.integers(0, REGAP_DAYS + 1, (n, CHAIN))
    referred = rng.random((n, CHAIN)) < p.referred_share
    out = [pd.DataFrame({"person": person, "request": req, "outcome": "started", "outcome_day": start,
                         "episode_id": episode, "level": level})]
    # the earlier requests of the chain, backwards from the one that started
    nxt = req.copy()
    for j in range(CHAIN - 2, -1, -1):
        has = j < k
        o_day = nxt - regap[:, j]
        r_day = o_day - np.ceil(v[:, j])
        out.append(pd.DataFrame({"person": person[has], "request": r_day[has],
                                 "outcome": np.where(referred[has, j], "referred_elsewhere", "withdrawn"),
                                 "outcome_day": o_day[has], "episode_id": "", "level": level[has]}))
        nxt = np.where(has, r_day, nxt)
    r = pd.concat(out, ignore_index=True)
    extract = day_number(p.extract_date)
    pp = r["person"].to_numpy()
    day = r["request"].to_numpy(float)
    keep = ((day >= max(day_number(p.registry_start), 0)) & (day <= extract) & (day >= pop.entry[pp])
            & (day < pop.exit[pp]) & (day < pop.death[pp]) & (day >= pop.birth[pp])
            & ((day - pop.birth[pp]) / DAYS_PER_YEAR < 18))
    r = r[keep]
    waiting = r["outcome_day"].to_numpy(float) > extract
    r = r.assign(outcome=np.where(waiting, "waiting", r["outcome"]),
                 outcome_day=np.where(waiting, np.nan, r["outcome_day"]),
                 episode_id=np.where(waiting, "", r["episode_id"]))
    r = r.sort_values(["request", "person"], kind="stable").reset_index(drop=True)
    table = pd.DataFrame({"request_id": [f"R{i:07d}" for i in range(1, len(r) + 1)],
                          "person_id": ids[r["person"].to_numpy(int)], "request_date": iso(r["request"].to_numpy(float)),
                          "provider_type": "specialist", "intervention_level": r["level"].to_numpy(object),
                          "outcome": r["outcome"].to_numpy(object), "outcome_date": iso(r["outcome_day"].to_numpy(float)),
                          "episode_id": r["episode_id"].to_numpy(object)})
    spec = spec.copy()
    spec.loc[spec.index[first], "request_date"] = iso(np.maximum(req[:len(first)], pop.birth[person[:len(first)]]))
    return table, spec


def waiting_truth(m: Municipality, p: SynthParams, norm_days: int = 28) -> dict:
    """The true distribution of the wait from a request for specialist care to its start, under
    the waiting model (competing: withdrawn or referred elsewhere): the cumulative incidence of
    starting on whole days, its median and the shares within 4, 8, 12 weeks and the norm."""
    wdist = stats.lognorm(s=p.wait_sigma, scale=m.wait_median_days)
    rate = p.withdraw_per_year / DAYS_PER_YEAR
    mu, sigma = math.log(m.wait_median_days), p.wait_sigma

    def density(s: float) -> float:      # f_W(s) exp(-r s), in scalar math (quad calls it thousands of times)
        if s <= 0:
            return 0.0
        z = (math.log(s) - mu) / sigma
        return math.exp(-0.5 * z * z - rate * s) / (s * sigma * math.sqrt(2 * math.pi))

    def cif(t: float) -> float:
        if t <= 0:
            return 0.0
        return float(integrate.quad(density, 0, t, limit=200)[0])

    ever = float(integrate.quad(density, 0, np.inf, limit=400)[0])
    median = None
    if ever > 0.5:
        t_half = optimize.brentq(lambda t: cif(t) - 0.5, 1e-9, wdist.ppf(1 - 1e-12))
        median = int(np.ceil(t_half))     # the first whole day on which half have started
    days = sorted({7 * w for w in TRUTH_WEEKS} | {norm_days})
    return {"population": "requests for specialist care (requests table)",
            "model": {"wait_median_days_without_withdrawal": m.wait_median_days, "wait_sigma": p.wait_sigma,
                      "withdraw_per_year": p.withdraw_per_year, "referred_share": p.referred_share},
            "norm_days": norm_days, "median_days": median,
            "share_started_within_norm": cif(norm_days),
            "share_started_within": {str(d): cif(d) for d in days},
            "share_started_ever": ever,
            "cif_start": {str(d): cif(d) for d in range(0, 366, 7)}}
