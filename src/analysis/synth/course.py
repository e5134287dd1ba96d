"""The life course of every child: SDQ screenings, light support and specialist-care spells.

One monthly loop over calendar time, vectorised over children (no loop over children). All random
inputs are drawn once per child up front (:class:`Draws`), so that re-running the course under an
intervention (arm a: start light support at a given time; arm b: never start) uses common random
numbers: everything that the intervention does not change stays the same.

Mechanics (per child, hazards per year, piecewise constant within a month):

- light-support uptake ``h_u = base_u(age) * exp(covariates + 0.12 (SDQ - 8) + g_u sqrt(U) z_u) * boost``,
  where ``boost`` is 20 in the 3 months after an SDQ signal and 2.5 in the 9 months after that;
  no new start while an episode runs;
- specialist care ``h_s = base_s(age, sex) * (c0 + c1 exp(beta S - beta^2/2) * active) * 1.6^[prior]``,
  where ``active`` is 0 once a light-support start has resolved the problem (probability
  ``prevent`` per start) and during ``delay_months`` after each start; no new spell while one runs;
- a spell is heavy care with probability ``P_HEAVY``, and comes with a child-protection measure
  (OTS or voogdij, starting within 60 days of the spell) with probability ``P_MEASURE`` (more for
  the most severe children); after a light-support start (``reduce``) spells and measures are
  shorter and less often heavy or a measure, all by the factor ``1 - reduce``.

Uptake depends on the severity only through the SDQ and the measured covariates, and on the
unmeasured part ``z_u`` with weight ``sqrt(U)``: with ``U = 0`` there is no unmeasured confounding.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .params import DAYS_PER_MONTH, DAYS_PER_YEAR, LIGHT_PROVIDER_SHARE, SynthParams
from .population import Population

K_LIGHT = 12   # light-support starts drawn per child
J_SPELLS = 8   # specialist spells drawn per child
P_HEAVY = 0.15  # probability that a specialist spell is care with a stay
P_MEASURE = (0.05, 0.12)  # probability that a spell comes with a protection measure: base, extra if severity > 1.2
P_GUARDIANSHIP = 0.12     # share of the measures that are voogdij (longer) instead of OTS
MEASURE_YEARS = {"11": 2.0, "21": 5.0}   # median duration of an OTS / a voogdij, years (domain notes: 2.3 / 7)
MAX_AGE = 23.0  # the course is simulated to this age: registration stops at 18, the truth follows a
#                 child of 16 at time zero for τ_L = 60 months and a delay beyond

# base hazard of a first or repeated specialist spell per year, ages 0..17 (then constant)
_BASE_M = np.array([4, 5, 7, 10, 17, 22, 27, 31, 35, 37, 38, 38, 36, 33, 31, 30, 29, 28]) * 1.45 / 1000
_BASE_V = np.array([4, 4, 5, 7, 12, 15, 17, 19, 21, 23, 26, 30, 35, 39, 41, 40, 37, 34]) * 1.45 / 1000


@dataclass
class Draws:
    """Per-child random inputs (common random numbers across worlds)."""

    e_light: np.ndarray     # (n, K) exponential thresholds of the uptake clock
    dur_light: np.ndarray   # (n, K) episode durations, days
    u_prevent: np.ndarray   # (n, K) uniforms: start k resolves the problem if < prevent
    provider: np.ndarray    # (n, K) index into LIGHT_PROVIDER_TYPES
    e_spec: np.ndarray      # (n, J) exponential thresholds of the specialist clock
    dur_spec: np.ndarray    # (n, J) spell durations, days
    u_grace: np.ndarray     # (n,) uniform for a start forced within the grace period
    u_heavy: np.ndarray     # (n, J) uniforms: spell j is heavy care if below its probability
    u_measure: np.ndarray   # (n, J) uniforms: spell j comes with a protection measure if below its probability
    u_kind: np.ndarray      # (n, J) uniforms: the measure is a voogdij if below P_GUARDIANSHIP
    z_measure: np.ndarray   # (n, J) standard normals: the measure's log duration
    lag_measure: np.ndarray  # (n, J) days from the spell's start to the measure's

    def subset(self, idx: np.ndarray) -> "Draws":
        return Draws(**{k: v[idx] for k, v in self.__dict__.items()})


@dataclass
class Screenings:
    """Two JGZ screenings per child (groep 2 and groep 7): time (day), SDQ total, done or not."""

    time: np.ndarray     # (n, 2)
    sdq: np.ndarray      # (n, 2) int
    done: np.ndarray     # (n, 2) bool

    def subset(self, idx: np.ndarray) -> "Screenings":
        return Screenings(self.time[idx], self.sdq[idx], self.done[idx])


@dataclass
class Course:
    """What happened: light-support starts and specialist spells, one row per event."""

    light_person: np.ndarray
    light_k: np.ndarray
    light_start: np.ndarray
    light_end: np.ndarray
    spell_person: np.ndarray
    spell_j: np.ndarray
    spell_start: np.ndarray
    spell_end: np.ndarray
    spell_heavy: np.ndarray      # care with a stay
    measure_kind: np.ndarray     # per spell: "" (no protection measure), "11" (OTS) or "21" (voogdij)
    measure_start: np.ndarray    # per spell: day the measure starts (nan: none)
    measure_end: np.ndarray


def month_grid_end(pop: Population, t_end: float) -> float:
    """The day on which :func:`run_course` to ``t_end`` stops: every event of that run starts before
    it, every event of a longer run that the shorter one lacks starts on or after it (the same
    floating-point steps as the loop)."""
    t = np.floor(pop.birth.min() / DAYS_PER_MONTH) * DAYS_PER_MONTH
    while t < t_end:
        t += DAYS_PER_MONTH
    return t


def course_before(c: Course, day: float) -> Course:
    """The events of ``c`` that start before ``day`` (with :func:`month_grid_end`: exactly the course
    a run to an earlier end would have made; the random draws are made up front and the loop only
    looks back, so a longer run changes nothing before)."""
    lt, sp = c.light_start < day, c.spell_start < day
    return Course(*(getattr(c, f)[lt if f.startswith("light") else sp] for f in c.__dataclass_fields__))


def severity(pop: Population, p: SynthParams) -> np.ndarray:
    """Latent severity S (standard-normal part plus shifts from the household and neighbourhood)."""
    u = p.unmeasured_confounding
    return (np.sqrt(1 - u) * pop.z_m + np.sqrt(u) * pop.z_u + 0.35 * pop.one_parent
            + 0.3 * pop.benefit + 0.15 * pop.deprivation)


def make_draws(rng: np.random.Generator, n: int, provider_share=LIGHT_PROVIDER_SHARE) -> Draws:
    """The random numbers of ``n`` children's courses (``provider_share``: of each light-support
    provider type among the starts; the same draws whatever the shares)."""
    return Draws(
        e_light=rng.exponential(size=(n, K_LIGHT)),
        dur_light=np.minimum(np.ceil(np.exp(rng.normal(np.log(6 * DAYS_PER_MONTH), 1.0, size=(n, K_LIGHT)))) + 14,
                            5 * DAYS_PER_YEAR),
        u_prevent=rng.random((n, K_LIGHT)),
        provider=rng.choice(len(provider_share), size=(n, K_LIGHT), p=provider_share),
        e_spec=rng.exponential(size=(n, J_SPELLS)),
        dur_spec=np.minimum(np.ceil(np.exp(rng.normal(np.log(20 * DAYS_PER_MONTH), 0.9, size=(n, J_SPELLS)))) + 30,
                           8 * DAYS_PER_YEAR),
        u_grace=rng.random(n),
        u_heavy=rng.random((n, J_SPELLS)),      # drawn after the others: the draws before are those of earlier versions
        u_measure=rng.random((n, J_SPELLS)), u_kind=rng.random((n, J_SPELLS)),
        z_measure=rng.normal(size=(n, J_SPELLS)), lag_measure=np.floor(rng.uniform(0, 60, (n, J_SPELLS))))


def make_screenings(rng: np.random.Generator, pop: Population, p: SynthParams) -> Screenings:
    """SDQ (parent version) in groep 2 (age 5–6) and groep 7 (age 10.5–11.5), 85 % coverage."""
    n = pop.n
    ages = np.stack([rng.uniform(5.0, 6.0, n), rng.uniform(10.5, 11.5, n)], axis=1)
    time = np.floor(pop.birth[:, None] + ages * DAYS_PER_YEAR)
    alive = time < pop.death[:, None]
    done = (rng.random((n, 2)) < p.screening_coverage) & alive
    measured = severity(pop, p) - np.sqrt(p.unmeasured_confounding) * pop.z_u
    boys = (pop.sex == "M") * 0.25
    latent = measured[:, None] + boys[:, None] + rng.normal(0, 0.33, size=(n, 2))
    sdq = np.clip(np.round(7.4 + 4.5 * latent), 0, 40).astype(int)
    return Screenings(time=time, sdq=sdq, done=done)


def _kept(pop: Population, name: str, owner, key: tuple, compute) -> dict:
    """Per-child terms of a hazard that do not change with time, kept on ``pop`` (the monthly loop
    asks for them hundreds of times) for ``owner`` (compared by identity) and the parameters ``key``."""
    got = pop.__dict__.get(name)
    if got is None or got[0] is not owner or got[1] != key:
        got = pop.__dict__[name] = (owner, key, compute())
    return got[2]


def _uptake_terms(pop: Population, scr: Screenings, p: SynthParams) -> dict:
    def compute():
        high = scr.sdq >= p.sdq_cutoff
        return {"time0": scr.time[:, 0], "time1": scr.time[:, 1], "done0": scr.done[:, 0], "done1": scr.done[:, 1],
                "sdq0": scr.sdq[:, 0], "sdq1": scr.sdq[:, 1], "high0": high[:, 0], "high1": high[:, 1],
                # the sum in the order of the formula, so that the hazard is the same to the last bit
                "lin3": 0.25 * pop.one_parent + 0.2 * pop.benefit + 0.1 * pop.deprivation,
                "z": 1.0 * np.sqrt(p.unmeasured_confounding) * pop.z_u}
    return _kept(pop, "_uptake_terms", scr, (p.sdq_cutoff, p.unmeasured_confounding), compute)


def uptake_hazard(pop: Population, scr: Screenings, p: SynthParams, t: float) -> np.ndarray:
    """Hazard (per year) of starting light support at day ``t``, ignoring running episodes.

    ``base · exp(0.25 one_parent + 0.2 benefit + 0.1 deprivation + 0.12 (latest SDQ − 8) + √uc z_u)
    · boost``: the boost is 20 in the 3 months after a screening at or above the cut-off, 2.5 up
    to 12 months after it."""
    c = _uptake_terms(pop, scr, p)
    age = (t - pop.birth) / DAYS_PER_YEAR
    seen0, seen1 = c["done0"] & (c["time0"] <= t), c["done1"] & (c["time1"] <= t)
    latest = np.where(seen1, c["sdq1"], np.where(seen0, c["sdq0"], 8))
    signal_time = np.maximum(np.where(seen0 & c["high0"], c["time0"], -np.inf),
                             np.where(seen1 & c["high1"], c["time1"], -np.inf))
    since = (t - signal_time) / DAYS_PER_MONTH
    boost = 1 + 19 * (since < 3) + 1.5 * ((since >= 3) & (since < 12))
    base = np.where(age < 4, 0.015, np.where(age < 18, 0.05, 0.0))
    lin = c["lin3"] + 0.12 * (latest - 8) + c["z"]
    return base * p.uptake_scale * np.exp(lin) * boost * (age >= 0)


def specialist_hazard(pop: Population, p: SynthParams, sev: np.ndarray, t: float,
                      active: np.ndarray, prior: np.ndarray) -> np.ndarray:
    """Hazard (per year) of a new specialist spell at day ``t``."""
    b = p.hazard_beta
    got = _kept(pop, "_specialist_terms", sev, (b, p.hazard_c1),
                lambda: {"male": pop.sex == "M", "c1": p.hazard_c1 * np.exp(b * sev - b * b / 2)})
    age = (t - pop.birth) / DAYS_PER_YEAR
    ai = np.clip(age.astype(int), 0, 17)
    base = np.where(got["male"], _BASE_M[ai], _BASE_V[ai])
    excess = got["c1"] * active
    return base * p.specialist_scale * (p.hazard_c0 + excess) * np.where(prior, 1.6, 1.0) * (age >= 0)


@dataclass
class Trial:
    """An intervention from day ``t0`` on (per child; inf: none). ``mode``: 'a' or 'b'."""

    t0: np.ndarray
    mode: str
    s_force: np.ndarray | None = None  # arm a: the forced start day
    fresh: "Draws | None" = None       # new random numbers for the future: used from the first month after t0


def _clock(h: np.ndarray, cum: np.ndarray, thresholds: np.ndarray, t: float):
    """Advance a cumulative-hazard clock by one month; returns (fires, event day)."""
    dh = h * DAYS_PER_MONTH / DAYS_PER_YEAR
    fires = (dh > 0) & (cum + dh >= thresholds)
    frac = np.where(fires, (thresholds - cum) / np.where(dh > 0, dh, 1.0), 0.0)
    return fires, t + np.clip(frac, 0, 1) * DAYS_PER_MONTH, dh


def _refresh(d: Draws, fresh: Draws, now: np.ndarray, k_u, j_s, cum_u, cum_s) -> None:
    """From this month on the children in ``now`` draw their future afresh: every event not yet
    happened takes the new numbers; the clock of the next one continues from what it accumulated
    (an exponential threshold is memoryless, so ``cum + E_new`` is a fresh draw of its remainder)."""
    i = np.flatnonzero(now)
    if not len(i):
        return
    later_l = np.arange(K_LIGHT)[None, :] >= k_u[i][:, None]
    later_s = np.arange(J_SPELLS)[None, :] >= j_s[i][:, None]
    for name, later in (("e_light", later_l), ("dur_light", later_l), ("u_prevent", later_l), ("provider", later_l),
                        ("e_spec", later_s), ("dur_spec", later_s), ("u_heavy", later_s),
                        ("u_measure", later_s), ("u_kind", later_s), ("z_measure", later_s), ("lag_measure", later_s)):
        cur = getattr(d, name)
        cur[i] = np.where(later, getattr(fresh, name)[i], cur[i])
    ku, js = np.minimum(k_u[i], K_LIGHT - 1), np.minimum(j_s[i], J_SPELLS - 1)
    d.e_light[i, ku] = np.where(k_u[i] < K_LIGHT, cum_u[i] + fresh.e_light[i, ku], d.e_light[i, ku])
    d.e_spec[i, js] = np.where(j_s[i] < J_SPELLS, cum_s[i] + fresh.e_spec[i, js], d.e_spec[i, js])


def run_course(pop: Population, scr: Screenings, d: Draws, p: SynthParams,
               t_end: float, trial: Trial | None = None) -> Course:
    """Simulate every child's course from the earliest birth to day ``t_end``.

    Notes
    -----
    The state used for the hazards of a month is the state at its start; a light-support start
    in the middle of a month changes the specialist hazard from the next month on. The same
    rule holds in every world, so the ground truth and the registry share their mechanics.
    """
    n = pop.n
    rows = np.arange(n)
    sev = severity(pop, p)
    refreshed = np.zeros(n, bool)
    if trial is not None and trial.fresh is not None:
        d = Draws(**{k: v.copy() for k, v in d.__dict__.items()})   # replaced in place below
    delay = p.delay_months * DAYS_PER_MONTH
    light_until = np.full(n, -np.inf); cum_u = np.zeros(n); k_u = np.zeros(n, int)
    resolved = np.zeros(n, bool); susp_until = np.full(n, -np.inf)
    spec_until = np.full(n, -np.inf); cum_s = np.zeros(n); j_s = np.zeros(n, int)
    forced_done = np.zeros(n, bool)
    first_s = np.full(n, np.inf); after_spell = np.zeros(n, bool)   # first specialist spell after t0
    out_l: list[tuple] = []; out_s: list[tuple] = []
    t = np.floor(pop.birth.min() / DAYS_PER_MONTH) * DAYS_PER_MONTH
    while t < t_end:
        if trial is not None and trial.fresh is not None:
            _refresh(d, trial.fresh, (t >= trial.t0) & ~refreshed, k_u, j_s, cum_u, cum_s)
            refreshed |= t >= trial.t0
        age = (t - pop.birth) / DAYS_PER_YEAR
        live = (age >= 0) & (age < MAX_AGE) & (pop.death > t)
        # hazards from the state at the start of the month
        h_u = uptake_hazard(pop, scr, p, t) * live * (light_until <= t) * (k_u < K_LIGHT)
        if trial is not None:
            # the strategy holds from t0 to the first specialist spell after it (protocol: a clone
            # deviates only by what it does before its first specialist care), then the natural
            # course: while it holds, no natural start (the uptake clock stands still, so that it
            # goes on afterwards as a fresh, memoryless clock)
            h_u = h_u * ~((t >= trial.t0) & ~after_spell & ~forced_done)
        active = ~resolved & (susp_until <= t)
        h_s = specialist_hazard(pop, p, sev, t, active, j_s > 0) * live * (spec_until <= t) * (j_s < J_SPELLS)
        fire_u, s_u, dh_u = _clock(h_u, cum_u, d.e_light[rows, np.minimum(k_u, K_LIGHT - 1)], t)
        fire_s, s_s, dh_s = _clock(h_s, cum_s, d.e_spec[rows, np.minimum(j_s, J_SPELLS - 1)], t)
        if trial is not None:
            first_s = np.where(fire_s & (s_s >= trial.t0) & ~after_spell, s_s, first_s)
            blocked = (s_u >= trial.t0) & (s_u < first_s)
            if trial.mode == "a":
                blocked &= ~forced_done
                # arm a's start, unless a specialist spell comes first (then the natural course)
                force = (~forced_done & (trial.s_force < t + DAYS_PER_MONTH) & (pop.death > trial.s_force)
                         & (trial.s_force < first_s))
                fire_u = (fire_u & ~blocked & ~force) | force
                s_u = np.where(force, trial.s_force, s_u)
                forced_done |= force
            else:
                fire_u &= ~blocked
            after_spell |= np.isfinite(first_s)
        cum_u = np.where(fire_u, 0.0, cum_u + dh_u)
        cum_s = np.where(fire_s, 0.0, cum_s + dh_s)
        if fire_u.any():
            i = rows[fire_u]; k = np.minimum(k_u[i], K_LIGHT - 1)
            end = s_u[i] + d.dur_light[i, k]
            out_l.append((i, k, s_u[i], end))
            light_until[i] = end
            resolved[i] |= d.u_prevent[i, k] < p.prevent
            susp_until[i] = np.maximum(susp_until[i], s_u[i] + delay)
            k_u[i] += 1
        if fire_s.any():
            i = rows[fire_s]; j = j_s[i]
            # reduce: after light support, a spell is shorter and less often heavy care
            factor = 1 - p.reduce * (k_u[i] > 0)
            end = s_s[i] + d.dur_spec[i, j] * factor
            heavy = d.u_heavy[i, j] < P_HEAVY * factor
            measure = d.u_measure[i, j] < (P_MEASURE[0] + P_MEASURE[1] * (sev[i] > 1.2)) * factor
            kind = np.where(d.u_kind[i, j] < P_GUARDIANSHIP, "21", "11")
            m_start = s_s[i] + d.lag_measure[i, j]
            years = np.where(kind == "21", MEASURE_YEARS["21"], MEASURE_YEARS["11"])
            m_end = np.floor(m_start + np.exp(np.log(years * DAYS_PER_YEAR) + 0.6 * d.z_measure[i, j]) * factor)
            out_s.append((i, j, s_s[i], end, heavy, np.where(measure, kind, ""),
                          np.where(measure, m_start, np.nan), np.where(measure, m_end, np.nan)))
            spec_until[i] = end
            j_s[i] += 1
        t += DAYS_PER_MONTH
    cat = lambda lst, c, dt: np.concatenate([x[c] for x in lst]).astype(dt) if lst else np.zeros(0, dt)  # noqa: E731
    return Course(cat(out_l, 0, int), cat(out_l, 1, int), cat(out_l, 2, float), cat(out_l, 3, float),
                  cat(out_s, 0, int), cat(out_s, 1, int), cat(out_s, 2, float), cat(out_s, 3, float),
                  cat(out_s, 4, bool), cat(out_s, 5, object), cat(out_s, 6, float), cat(out_s, 7, float))
