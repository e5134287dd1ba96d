"""Waiting times from request (*aanmelding*) to the start of help, as a time-to-event analysis.

Time zero is the request. Started help is the event; a withdrawn request or one referred elsewhere
competes (it can no longer start here); a request still waiting at the extract date is censored
there. The curve is the Aalen–Johansen cumulative incidence of starting
(:func:`analysis.estimators.survival.aalen_johansen`, never 1 − Kaplan–Meier with the competing
outcomes censored), with pointwise 95 % intervals (infinitesimal jackknife, as R's ``survfit``).

Summaries: the share started within 4, 8 and 12 weeks and within the norm (a parameter; default
4 weeks to the first contact), and the median wait — the first day on which half the requests
have started — with the interval where the curve's pointwise band crosses one half (no median when
fewer than half ever start: then ``None``).

Where a municipality delivers no requests but episodes with a request date, only the started
requests are known: their waits are summarised the same way but labelled *conditional on
starting* (every one of them is an event; requests that never started are missing, so these
shares are too high and the median too short for all requests).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..estimators.survival import Curve, aalen_johansen
from .cohort import days

NORM_DAYS = 28
WEEKS = (4, 8, 12)
STARTED, COMPETING, WAITING = 1, 2, 0
OUTCOMES = {"started": STARTED, "withdrawn": COMPETING, "referred_elsewhere": COMPETING, "waiting": WAITING}


@dataclass(frozen=True)
class WaitingTimes:
    curve: Curve                 # cumulative incidence of starting, days since the request
    n_requests: int
    n_started: int
    n_competing: int
    n_waiting: int
    conditional: bool            # True: only started requests were known (episodes' request dates)
    norm_days: int
    median_days: dict            # {estimate, ci_low, ci_high}; None where the curve stays below 1/2
    share_within: dict           # {days: {estimate, ci_low, ci_high}} for 4, 8, 12 weeks and the norm

    @property
    def share_started_within_norm(self) -> dict:
        return self.share_within[self.norm_days]


def started_by(w: WaitingTimes, day: int) -> float:
    """Requests started within ``day`` days (the events of the curve up to it)."""
    tab = w.curve.table
    return float(tab.loc[tab["time"] <= day, "events"].sum())


def share_shown(w: WaitingTimes, day: int, min_cell: int) -> bool:
    """A share started within ``day`` days is shown only where the requests started by then and
    those not started by then are both none or at least ``min_cell``: a share times the number of
    requests gives that count back."""
    k = started_by(w, day)
    rest = w.n_requests - k
    return (k == 0 or k >= min_cell) and (rest == 0 or rest >= min_cell)


def _first_at_or_above(times: np.ndarray, values: np.ndarray, level: float) -> float | None:
    hit = np.flatnonzero(values >= level - 1e-12)
    return float(times[hit[0]]) if len(hit) else None


def summarise(df: pd.DataFrame, norm_days: int = NORM_DAYS, conditional: bool = False) -> WaitingTimes:
    """``df``: one row per request with ``days`` (to its outcome, or to the extract while waiting)
    and ``event`` (``STARTED``, ``COMPETING``, ``WAITING``)."""
    if not len(df):
        raise ValueError("no requests")
    if (df["days"] < 0).any():
        raise ValueError("an outcome before its request (negative wait)")
    curve = aalen_johansen(df, exit="days", event="event", event_of_interest=STARTED)
    tab = curve.table
    t, v = tab["time"].to_numpy(float), tab["value"].to_numpy(float)
    lo, hi = tab["lower"].to_numpy(float), tab["upper"].to_numpy(float)

    def at(values, day):
        idx = np.searchsorted(t, day, side="right") - 1
        return float(values[idx]) if idx >= 0 else 0.0
    share = {int(d): {"estimate": at(v, d), "ci_low": at(lo, d), "ci_high": at(hi, d)}
             for d in sorted({*(7 * w for w in WEEKS), int(norm_days)})}
    median = {"estimate": _first_at_or_above(t, v, 0.5),
              # the earliest day the upper band reaches 1/2, the earliest day the lower band does
              "ci_low": _first_at_or_above(t, hi, 0.5), "ci_high": _first_at_or_above(t, lo, 0.5)}
    ev = df["event"].to_numpy()
    return WaitingTimes(curve=curve, n_requests=len(df), n_started=int(np.sum(ev == STARTED)),
                        n_competing=int(np.sum(ev == COMPETING)), n_waiting=int(np.sum(ev == WAITING)),
                        conditional=conditional, norm_days=int(norm_days), median_days=median, share_within=share)


def from_requests(requests: pd.DataFrame, extract_day: float, norm_days: int = NORM_DAYS,
                  conditional: bool = False) -> WaitingTimes:
    """``requests``: ``request_day``, ``outcome`` (``started``, ``withdrawn``, ``referred_elsewhere``,
    ``waiting``), ``outcome_day`` (days; missing while waiting). ``conditional``: the frame holds
    started requests only (see :func:`request_frame`)."""
    unknown = set(requests["outcome"]) - set(OUTCOMES)
    if unknown:
        raise ValueError(f"unknown outcomes {sorted(unknown)}; expected {sorted(OUTCOMES)}")
    event = requests["outcome"].map(OUTCOMES).to_numpy(int)
    end = np.where(event == WAITING, extract_day, requests["outcome_day"].to_numpy(float))
    if np.any(np.isnan(end)):
        raise ValueError("a request that ended (started, withdrawn, referred elsewhere) without an outcome date")
    df = pd.DataFrame({"days": end - requests["request_day"].to_numpy(float), "event": event})
    return summarise(df, norm_days, conditional)


def from_episodes(episodes: pd.DataFrame, norm_days: int = NORM_DAYS) -> WaitingTimes:
    """Waits of started episodes only (``request_day``, ``start_day``; rows without a request date
    are left out): conditional on starting."""
    e = episodes.dropna(subset=["request_day"])
    df = pd.DataFrame({"days": e["start_day"].to_numpy(float) - e["request_day"].to_numpy(float),
                       "event": STARTED})
    return summarise(df, norm_days, conditional=True)


def request_frame(tables: dict[str, pd.DataFrame], extract_date) -> tuple[pd.DataFrame, bool]:
    """One row per request (``request_day``, ``outcome``, ``outcome_day``, ``provider_type``,
    ``level``, ``year``) and whether it is conditional on starting: the ``requests`` table where
    the delivery has one; otherwise the started episodes (light and specialist) with a request date."""
    req = tables.get("requests")
    if req is not None and len(req):
        return pd.DataFrame({"request_day": days(req["request_date"]), "outcome": req["outcome"].astype(str).to_numpy(),
                             "outcome_day": days(req["outcome_date"]),
                             "provider_type": req["provider_type"].fillna("").astype(str).to_numpy(),
                             "level": req["intervention_level"].fillna("").astype(str).to_numpy(),
                             "year": pd.to_datetime(req["request_date"]).dt.year.to_numpy()}), False
    parts = []
    for name, ptype in (("light_support_episodes", None), ("specialist_episodes", "specialist")):
        e = tables.get(name)
        if e is None or not len(e) or "request_date" not in e:
            continue
        e = e[e["request_date"].notna()]
        parts.append(pd.DataFrame({"request_day": days(e["request_date"]), "outcome": "started",
                                   "outcome_day": days(e["start_date"]),
                                   "provider_type": e["provider_type"].astype(str).to_numpy() if ptype is None else ptype,
                                   "level": e["intervention_level"].fillna("").astype(str).to_numpy()
                                   if "intervention_level" in e else "",
                                   "year": pd.to_datetime(e["request_date"]).dt.year.to_numpy()}))
    cols = ["request_day", "outcome", "outcome_day", "provider_type", "level", "year"]
    return (pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)), True


def by_group(frame: pd.DataFrame, extract_day: float, conditional: bool, by: str,
             norm_days: int = NORM_DAYS) -> dict:
    """:func:`from_requests` per value of ``by`` (``provider_type``, ``level``, ``year``)."""
    out = {}
    for key, part in frame.groupby(by, sort=True):
        if not len(part):
            continue
        out[key] = from_requests(part, extract_day, norm_days, conditional)
    return out
