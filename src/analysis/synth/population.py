"""Who lives in the synthetic municipality, and when: births, moves in and out, deaths, households.

Times are days since 1970-01-01 (float); ages are in years.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from .params import DAYS_PER_YEAR, MOVE_OUT_RATE, Municipality, SynthParams


def day_number(d) -> float:
    """Days since 1970-01-01 of a ``datetime.date``."""
    return float((np.datetime64(d, "D") - np.datetime64("1970-01-01", "D")).astype(int))


@dataclass
class Population:
    """Person-level arrays of one municipality (all of length ``n``)."""

    birth: np.ndarray
    sex: np.ndarray            # "M" / "V"
    entry: np.ndarray          # day of birth or move-in
    exit: np.ndarray           # day of moving out (inf if never within the horizon)
    exit_emigration: np.ndarray
    death: np.ndarray          # inf if alive at the extract date
    born_here: np.ndarray
    household: np.ndarray      # household index
    one_parent: np.ndarray
    benefit: np.ndarray
    wijk: np.ndarray           # index of the first wijk
    wijk2: np.ndarray          # wijk after an internal move (-1: none)
    internal_move: np.ndarray  # day of the internal move (inf: none)
    deprivation: np.ndarray    # of the first wijk, standard normal
    z_m: np.ndarray            # severity that the SDQ measures
    z_u: np.ndarray            # severity that the SDQ does not measure

    @property
    def n(self) -> int:
        return len(self.birth)

    def subset(self, keep: np.ndarray) -> "Population":
        # the fields only: the hazards keep per-child terms beside them (course._uptake_terms)
        return Population(**{f.name: getattr(self, f.name)[keep] for f in dataclasses.fields(self)})


def _piecewise_inverse(rng: np.random.Generator, rates: np.ndarray, age_from: np.ndarray) -> np.ndarray:
    """Age at a first event with yearly piecewise-constant ``rates`` (index = age), from ``age_from``.

    Beyond the last age the last rate holds. Returns ages in years.
    """
    ages = np.arange(len(rates) + 1, dtype=float)
    cum = np.concatenate([[0.0], np.cumsum(rates)])
    h_from = np.interp(age_from, ages, cum) + np.maximum(age_from - ages[-1], 0) * rates[-1]
    target = h_from + rng.exponential(size=len(age_from))
    within = target <= cum[-1]
    out = np.where(within, np.interp(target, cum, ages), ages[-1] + (target - cum[-1]) / rates[-1])
    return out


def _candidates(rng: np.random.Generator, per_year: float, p: SynthParams) -> Population:
    start, end = day_number(p.registry_start), day_number(p.extract_date)
    first_birth = start - 18 * DAYS_PER_YEAR
    n = rng.poisson(per_year * (end - first_birth) / DAYS_PER_YEAR)
    birth = np.floor(rng.uniform(first_birth, end, n))
    sex = np.where(rng.random(n) < 0.512, "M", "V")
    born_here = rng.random(n) < 0.72
    # moving in: ages distributed like the moving rates (young children move most)
    move_p = MOVE_OUT_RATE / MOVE_OUT_RATE.sum()
    age_in = rng.choice(len(move_p), size=n, p=move_p) + rng.random(n)
    entry = np.where(born_here, birth, np.floor(birth + age_in * DAYS_PER_YEAR))
    # households: chunks of 1–3 children sharing type and benefit status
    sizes = rng.choice([1, 2, 3], size=n, p=[0.45, 0.40, 0.15])
    household = np.repeat(np.arange(n), sizes)[:n]
    household = household[rng.permutation(n)]
    _, household = np.unique(household, return_inverse=True)
    n_hh = household.max() + 1
    hh_one_parent = rng.random(n_hh) < 0.16
    hh_benefit = rng.random(n_hh) < np.where(hh_one_parent, 0.25, 0.045)
    one_parent, benefit = hh_one_parent[household], hh_benefit[household]
    n_wijk = int(np.clip(round(np.sqrt(per_year * 18 / 150)), 3, 14))
    wijk_depr = np.sort(rng.normal(size=n_wijk))
    wijk = rng.integers(0, n_wijk, size=n)
    rates = np.concatenate([MOVE_OUT_RATE, np.full(5, 0.08)])
    exit_age = _piecewise_inverse(rng, rates * 1.0, (entry - birth) / DAYS_PER_YEAR)
    exit_age = np.where(one_parent, _piecewise_inverse(rng, rates * 1.3, (entry - birth) / DAYS_PER_YEAR), exit_age)
    exit_ = np.floor(birth + exit_age * DAYS_PER_YEAR) + 1
    death_rates = np.concatenate([[0.003], np.full(25, 0.00012)])
    death = np.floor(birth + _piecewise_inverse(rng, death_rates, np.zeros(n)) * DAYS_PER_YEAR) + 1
    death = np.where(death <= end, death, np.inf)
    internal = rng.random(n) < 0.3
    span = np.maximum(np.minimum(exit_, end + 1) - entry, 0)
    internal_move = np.where(internal & (span > 2), np.floor(entry + 1 + rng.random(n) * (span - 2)), np.inf)
    wijk2 = np.where(internal, rng.integers(0, n_wijk, size=n), -1)
    return Population(
        birth=birth, sex=sex, entry=entry, exit=np.where(exit_ <= end, exit_, np.inf),
        exit_emigration=rng.random(n) < 0.12, death=death, born_here=born_here,
        household=household, one_parent=one_parent, benefit=benefit, wijk=wijk, wijk2=wijk2,
        internal_move=internal_move, deprivation=wijk_depr[wijk],
        z_m=rng.normal(size=n), z_u=rng.normal(size=n))


def _keep_mask(pop: Population, p: SynthParams) -> np.ndarray:
    """Resident at some moment of the registry window while under 18 and alive."""
    start, end = day_number(p.registry_start), day_number(p.extract_date)
    lo = np.maximum(pop.entry, start)
    hi = np.minimum.reduce([pop.exit, np.full(pop.n, end + 1), pop.birth + 18 * DAYS_PER_YEAR, pop.death])
    return lo < hi


def resident_children_at(pop: Population, day: float) -> int:
    """Children aged 0–17 living in the municipality on ``day``."""
    age = (day - pop.birth) / DAYS_PER_YEAR
    return int(np.sum((pop.entry <= day) & (pop.exit > day) & (pop.death > day) & (age >= 0) & (age < 18)))


def make_population(m: Municipality, p: SynthParams, seed_seq: np.random.SeedSequence) -> Population:
    """Persons of municipality ``m``, scaled so that about ``m.children`` live there at the extract date."""
    pilot_seq, main_seq = seed_seq.spawn(2)
    end = day_number(p.extract_date)
    guess = m.children / 18
    pilot = _candidates(np.random.default_rng(pilot_seq), guess, p)
    per_year = guess * m.children / max(resident_children_at(pilot, end), 1)
    pop = _candidates(np.random.default_rng(main_seq), per_year, p)
    return pop.subset(_keep_mask(pop, p))
