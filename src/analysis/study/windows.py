"""Registration windows of light support: declared by the municipality, detected from the data.

A provider type that does not register in some period looks, in the data, like a period without
light support. The municipality can declare per type the periods in which it registers
(``delivery.yml``, ``registration_windows``); the workbench also **detects** them:

1. per provider type and calendar quarter, the registered starts ``y[q]`` and ends ``z[q]``
   against the resident children aged 0–17 in that quarter (child-quarters ``e[q]``, from the
   residence periods);
2. each rate (``y/e``, ``z/e``) is fitted as piecewise constant with up to ``MAX_CHANGES`` change
   points (:func:`analysis.estimators.changepoint.poisson_segments`, BIC; segments at least
   ``MIN_QUARTERS`` quarters): structural zeros and step changes both show as a segment with a
   much lower rate; a segment is *on* when its rate is at least ``ON_SHARE`` of the type's level,
   the rate of the segment that holds most of the series' events (so that a short spike does not
   set the level), or when its count is not significantly below the level's expectation
   (one-sided Poisson test at ``OFF_ALPHA``: the quarters of a small municipality are noisy).
   Registration that stops or starts is a (near) structural zero, hence the low share: uptake
   that merely halves over the years is not a stop, and partial registration is a matter of
   sensitivity (the bias analysis), not of the window;
3. a quarter **registers** when it is on in both series. Why both: when a provider type starts
   registering it also enters the episodes already running, with their old start dates, so the
   starts ramp up in the quarters *before* the window while the ends jump at its first quarter;
   when it stops, new starts stop at once while the ends of running episodes trail on. The ends
   give the window's start (a quarter after the last one on in the ends is decided by the starts
   alone), the starts its end. The detected window is the union of the quarters that register;
4. a type with fewer than ``MIN_STARTS`` registered starts is *never registered* when it has none
   at all, and *too few to tell* otherwise (no window detected).

Declared and detected windows **disagree** where a declared boundary and a detected one lie more
than ``TOLERANCE_DAYS`` apart, or one of them has a window and the other not. Every disagreement
is a :class:`~analysis.errors.DataQualityWarning` and a row of the table in appendix 1. A type
without a declaration gets the detected window.
"""
from __future__ import annotations

import warnings
from datetime import date

import numpy as np
import pandas as pd

from ..errors import DataQualityWarning
from scipy.special import pdtr   # the Poisson cdf (scipy.stats costs 0.5 s to import)

from ..estimators.changepoint import poisson_segments

MAX_CHANGES = 3        # a window that starts, stops and starts again
MIN_QUARTERS = 2       # the shortest segment, in quarters
ON_SHARE = 0.25        # a segment registers at ≥ this share of the type's level ...
OFF_ALPHA = 0.001      # ... or when so few events below it could be chance (Poisson, one-sided)
MIN_STARTS = 10        # fewer registered starts: no window can be detected
TOLERANCE_DAYS = 92    # declared and detected boundaries this close agree (one quarter)
COUNTED_SHARE = 0.5    # by default the design counts the types whose window covers this share of the registry
EPOCH = date(1970, 1, 1)


def quarters(start, end) -> pd.DataFrame:
    """The calendar quarters that overlap [start, end]: columns ``lo``, ``hi`` (first and last day)."""
    lo = pd.Timestamp(start).to_period("Q")
    hi = pd.Timestamp(end).to_period("Q")
    q = pd.period_range(lo, hi, freq="Q")
    first = pd.Series(q.start_time.normalize()).clip(lower=pd.Timestamp(start))
    last = pd.Series(q.end_time.normalize()).clip(upper=pd.Timestamp(end))
    return pd.DataFrame({"quarter": q.astype(str), "lo": first.to_numpy(), "hi": last.to_numpy()})


def child_quarters(residence: pd.DataFrame, persons: pd.DataFrame, q: pd.DataFrame) -> np.ndarray:
    """Per quarter: the child-quarters lived in the municipality at ages 0–17 (alive)."""
    r = residence.merge(persons[["person_id", "birth_date", "death_date"]], on="person_id", how="left")
    day = lambda s: (pd.to_datetime(s) - pd.Timestamp("1970-01-01")).dt.days.to_numpy(float)  # noqa: E731
    birth = day(r["birth_date"])
    lo = np.maximum(day(r["start_date"]), birth)
    hi = np.fmin(np.nan_to_num(day(r["end_date"]), nan=np.inf), np.nan_to_num(day(r["death_date"]), nan=np.inf))
    hi = np.minimum(hi, birth + 18 * 365.25)
    qlo = day(q["lo"])
    qhi = day(q["hi"]) + 1
    out = np.zeros(len(q))
    for i in range(len(q)):    # a few dozen quarters, vectorised over the residence periods
        out[i] = np.clip(np.minimum(hi, qhi[i]) - np.maximum(lo, qlo[i]), 0, None).sum() / (qhi[i] - qlo[i])
    return out


def detect_windows(light: pd.DataFrame, residence: pd.DataFrame, persons: pd.DataFrame, registry_start,
                   extract_date, types: list[str] | None = None) -> tuple[dict, pd.DataFrame]:
    """Detected windows per provider type ({type: [[start, end], ...]}, ISO dates; [] none) and
    the per-quarter table behind them (type, quarter, starts, child_quarters, rate, registers)."""
    q = quarters(registry_start, extract_date)
    e = np.maximum(child_quarters(residence, persons, q), 1e-9)
    lo, hi = pd.Timestamp(registry_start), pd.Timestamp(extract_date)

    def per_quarter(dates: pd.Series) -> pd.DataFrame:
        d = pd.to_datetime(dates)
        inside = (d >= lo) & (d <= hi)
        qi = pd.PeriodIndex(d[inside], freq="Q").astype(str)
        return pd.crosstab(light.loc[inside, "provider_type"], qi).reindex(columns=q["quarter"], fill_value=0)
    starts, ends = per_quarter(light["start_date"]), per_quarter(light["end_date"])
    types = list(types) if types is not None else sorted(set(light["provider_type"]))
    windows, rows = {}, []
    for t in types:
        y = starts.loc[t].to_numpy(float) if t in starts.index else np.zeros(len(q))
        z = ends.loc[t].to_numpy(float) if t in ends.index else np.zeros(len(q))
        on_s, on_e = _registers(y, e), _registers(z, e)
        if y.sum() >= MIN_STARTS:
            status = "detected"
            if on_e.any():    # otherwise too few ends to go by: the starts alone decide
                # the ends decide where registration (re)starts, not where it stops: after the
                # last quarter they are on, the starts alone decide
                on_e[np.flatnonzero(on_e)[-1]:] = True
                on = on_s & on_e
            else:
                on = on_s
        else:
            status, on = ("never" if y.sum() == 0 else "too_few"), np.zeros(len(q), bool)
        windows[t] = _runs(on, q) if status == "detected" else []
        rows.append(pd.DataFrame({"provider_type": t, "quarter": q["quarter"], "starts": y.astype(int),
                                  "ends": z.astype(int), "child_quarters": e, "rate": y / e,
                                  "registers": on, "status": status}))
    table = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    return windows, table


def _registers(y: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Quarters in a segment that is not off: below ``ON_SHARE`` of the type's level, significantly."""
    on = np.zeros(len(y), bool)
    if y.sum() < MIN_STARTS:
        return on
    seg = poisson_segments(y, e, max_changes=MAX_CHANGES, min_length=MIN_QUARTERS)
    # the type's level: the rate of the segment that holds most of its episodes (a short spike
    # does not set the level)
    level = seg.rates[int(np.argmax([y[a:b].sum() for a, b in seg.bounds]))]
    for (a, b), rate in zip(seg.bounds, seg.rates):
        # off: well below the level, and not by chance (a small municipality's quarters are noisy)
        off = rate < ON_SHARE * level and pdtr(y[a:b].sum(), level * e[a:b].sum()) < OFF_ALPHA
        on[a:b] = not off
    return on


def _runs(on: np.ndarray, q: pd.DataFrame) -> list[list[str]]:
    out, i = [], 0
    while i < len(on):
        if on[i]:
            j = i
            while j + 1 < len(on) and on[j + 1]:
                j += 1
            out.append([str(q["lo"].iloc[i].date()), str(q["hi"].iloc[j].date())])
            i = j + 1
        else:
            i += 1
    return out


def _days(w: list[list[str]]) -> list[tuple[date, date]]:
    return [(date.fromisoformat(a), date.fromisoformat(b)) for a, b in w]


def windows_agree(declared: list, detected: list, tolerance_days: int = TOLERANCE_DAYS) -> bool:
    """Whether two window lists agree: the same number of periods, each boundary within the tolerance."""
    d, x = _days(declared), _days(detected)
    if len(d) != len(x):
        return False
    return all(abs((a0 - b0).days) <= tolerance_days and abs((a1 - b1).days) <= tolerance_days
               for (a0, a1), (b0, b1) in zip(d, x))


def compare_windows(declared: dict | None, detected: dict, status: dict | None = None) -> tuple[dict, pd.DataFrame]:
    """The windows the analysis uses (declared where given, else detected) and the comparison table
    (provider_type, declared, detected, used, agree); each disagreement is warned about."""
    declared = declared or {}
    status = status or {}
    used, rows = {}, []
    for t in sorted(set(declared) | set(detected)):
        dec, det = declared.get(t), detected.get(t, [])
        agree = None if dec is None else windows_agree(dec, det)
        used[t] = dec if dec is not None else det
        rows.append({"provider_type": t, "declared": dec, "detected": det, "used": used[t],
                     "source": "declared" if dec is not None else "detected", "agree": agree,
                     "status": status.get(t, "detected")})
        if dec is not None and not agree:
            warnings.warn(DataQualityWarning(
                f"registration window of {t}: declared {_show(dec)}, the data show {_show(det)}; the analysis "
                "uses the declared window — check the declaration in delivery.yml"), stacklevel=2)
    return used, pd.DataFrame(rows)


def _show(w: list) -> str:
    return "never" if not w else ", ".join(f"{a} to {b}" for a, b in w)


def registration_windows(tables: dict, registry_start, extract_date, declared: dict | None) -> tuple[dict, pd.DataFrame]:
    """The windows the analysis uses per light-support provider type (declared where given, else
    detected) and the declared-vs-detected table, for a validated registry's tables."""
    light = tables["light_support_episodes"]
    types = sorted(set(light["provider_type"]) | set(declared or {}))
    detected, per_quarter = detect_windows(light, tables["residence_periods"], tables["persons"],
                                           registry_start, extract_date, types=types)
    status = per_quarter.groupby("provider_type")["status"].first().to_dict() if len(per_quarter) else {}
    return compare_windows(declared, detected, status)


def _coverage(w: list, lo: date, hi: date) -> float:
    """Share of [lo, hi] covered by the periods ``w``."""
    total = (hi - lo).days + 1
    got = sum(max(0, (min(b, hi) - max(a, lo)).days + 1) for a, b in _days(w))
    return got / total


def counted_types(used: dict, light_types, registry_start, extract_date, share: float = COUNTED_SHARE) -> tuple:
    """The provider types the design counts by default (protocol, "Registration" 2): of
    ``light_types``, those whose registration window covers at least ``share`` of the registry
    period."""
    lo, hi = pd.Timestamp(registry_start).date(), pd.Timestamp(extract_date).date()
    return tuple(t for t in light_types if t in used and _coverage(used[t], lo, hi) >= share)


def intersect(w: list[list[str]], v: list[list[str]]) -> list[list[str]]:
    """The periods in both window lists (inclusive ``[[first, last], ...]`` dates)."""
    out = [(max(a, c), min(b, d)) for a, b in _days(w) for c, d in _days(v) if max(a, c) <= min(b, d)]
    return [[str(a), str(b)] for a, b in sorted(out)]


def common_periods(used: dict, types, registry_start, extract_date) -> list[list[str]]:
    """The periods in which every one of ``types`` registers (the intersection of their windows,
    within the registry period); [] when they never register together."""
    common = [[str(pd.Timestamp(registry_start).date()), str(pd.Timestamp(extract_date).date())]]
    for t in types:
        common = intersect(common, used.get(t, []))
    return common


def in_days(w: list[list[str]]) -> list[tuple[float, float]]:
    """Inclusive ``[[first, last], ...]`` dates as [(first day, last day + 1)] in days since 1970."""
    return [(float((a - EPOCH).days), float((b - EPOCH).days) + 1) for a, b in _days(w)]
