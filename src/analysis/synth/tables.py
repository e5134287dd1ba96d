"""Turn the simulated courses into the tables of the uniform registration format.

Only what a municipality would have registered is written: residence while living in the
municipality, episodes that overlap a period of residence within the registry window and start
before the 18th birthday, light support only within its provider type's registration window and
then only the share of it that the type registers (:mod:`analysis.synth.registration`), and
episodes cut at moving out (reason 05) or at 18.
"""
from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd

from .course import Course, Screenings, severity
from .params import (DAYS_PER_YEAR, LIGHT_PROVIDER_TYPES, SPECIALIST_FORM_SHARE, SPECIALIST_FORMS, Municipality, SynthParams)
from .population import Population, day_number


def iso(days: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 → ISO date strings; non-finite → ''."""
    days = np.asarray(days, float)
    ok = np.isfinite(days)
    out = np.full(len(days), "", dtype=object)
    out[ok] = (np.datetime64("1970-01-01", "D") + days[ok].astype("int64")).astype(str)
    return out


def pseudonyms(prefix: str, n: int) -> np.ndarray:
    """Stable 64-hex pseudonyms (SHA-256 of a prefix and a number): they look like HMAC output."""
    return np.array([hashlib.sha256(f"{prefix}:{i}".encode()).hexdigest() for i in range(n)], dtype=object)


def registered_window(pop: Population, p: SynthParams) -> tuple[np.ndarray, np.ndarray]:
    """Per child: the days between which its care is registered here (resident, window, alive)."""
    lo = np.maximum(pop.entry, day_number(p.registry_start))
    hi = np.minimum.reduce([pop.exit, np.full(pop.n, day_number(p.extract_date) + 1), pop.death])
    return lo, hi


def _registered(pop, lo, hi, person, start, end) -> np.ndarray:
    age = (start - pop.birth[person]) / DAYS_PER_YEAR
    return (start < hi[person]) & (end > lo[person]) & (age < 18)


def _cut_end(pop, p, person, end):
    """Registered end: moving out or death ends the episode here (reason 05); open after the extract."""
    stop = np.minimum(pop.exit[person], pop.death[person])
    cut = stop < end
    end = np.where(cut, stop, end)
    end = np.where(end > day_number(p.extract_date), np.inf, end)
    return end, cut


def persons_table(pop: Population, ids: np.ndarray, code: str) -> pd.DataFrame:
    hh_ids = pseudonyms(f"household:{code}", int(pop.household.max()) + 1)
    return pd.DataFrame({
        "person_id": ids, "birth_date": iso(pop.birth), "birth_date_precision": "day",
        "sex": pop.sex, "household_id": hh_ids[pop.household],
        "household_type": np.where(pop.one_parent, "one_parent", "two_parent"),
        "benefit_household": pop.benefit.astype(int).astype(str), "death_date": iso(pop.death)})


def residence_table(pop: Population, ids: np.ndarray, m: Municipality, p: SynthParams,
                    rng: np.random.Generator) -> pd.DataFrame:
    extract = day_number(p.extract_date)
    stop = np.minimum(pop.exit, pop.death)
    split = np.isfinite(pop.internal_move) & (pop.internal_move < stop)
    first_end = np.where(split, pop.internal_move, stop)
    pc_base = 9000 + (int(m.code) % 97) * 10
    def period(mask, wijk, start, end, start_reason, end_reason):
        end_reason = np.where(end > extract, "", end_reason)
        return pd.DataFrame({
            "person_id": ids[mask], "municipality_code": m.code,
            "postcode4": (pc_base + wijk[mask] % 10).astype(str),
            "wijk_code": [f"WK{m.code}{w:02d}" for w in wijk[mask]],
            "start_date": iso(start[mask]), "end_date": iso(np.where(end > extract, np.inf, end)[mask]),
            "start_reason": start_reason[mask], "end_reason": end_reason[mask]})
    immigrant = rng.random(pop.n) < 0.1
    start_reason = np.where(pop.born_here, "birth", np.where(immigrant, "immigration", "move_in"))
    leave = np.where(pop.death <= pop.exit, "death", np.where(pop.exit_emigration, "emigration", "move_out"))
    everyone = np.ones(pop.n, bool)
    first = period(everyone, pop.wijk, pop.entry, first_end, start_reason,
                   np.where(split, "internal_move", leave))
    second = period(split, np.where(pop.wijk2 >= 0, pop.wijk2, 0), pop.internal_move, stop,
                    np.full(pop.n, "internal_move", dtype=object), leave)
    return pd.concat([first, second], ignore_index=True).sort_values(
        ["person_id", "start_date"], kind="stable").reset_index(drop=True)


def screenings_table(pop: Population, scr: Screenings, ids: np.ndarray, p: SynthParams) -> pd.DataFrame:
    lo, hi = registered_window(pop, p)
    frames = []
    for r, setting in enumerate(("groep2", "groep7")):
        t = scr.time[:, r]
        ok = scr.done[:, r] & (t >= lo) & (t < hi)
        frames.append(pd.DataFrame({"person_id": ids[ok], "screening_date": iso(t[ok]),
                                    "instrument": "sdq_parent", "sdq_total": scr.sdq[ok, r].astype(str),
                                    "setting": setting}))
    out = pd.concat(frames, ignore_index=True).sort_values(["screening_date", "person_id"], kind="stable")
    out.insert(0, "screening_id", [f"S{i:07d}" for i in range(1, len(out) + 1)])
    return out.reset_index(drop=True)


def light_registered(pop: Population, c: Course, provider: np.ndarray, p: SynthParams, plan: dict,
                     u: np.ndarray) -> np.ndarray:
    """Which light-support episodes the municipality has registered: those of a provider type that
    start inside its registration window (or run into it from before), each with the type's
    sensitivity (``u``: one uniform per episode), while the child lives here, before 18."""
    lo, hi = registered_window(pop, p)
    person = c.light_person
    w_lo = np.array([day_number(r.start) if r.start else np.inf for r in (plan[t] for t in LIGHT_PROVIDER_TYPES)])
    w_hi = np.array([day_number(r.end) + 1 if r.end else -np.inf for r in (plan[t] for t in LIGHT_PROVIDER_TYPES)])
    sens = np.array([plan[t].sensitivity for t in LIGHT_PROVIDER_TYPES])
    reg_from = np.maximum(lo[person], w_lo[provider])
    reg_to = np.minimum(hi[person], w_hi[provider])
    # an episode cut by moving out counts as it is registered: it must reach the window before the move
    return ((c.light_start < reg_to) & (np.minimum(c.light_end, hi[person]) > reg_from) & (u < sens[provider])
            & ((c.light_start - pop.birth[person]) / DAYS_PER_YEAR < 18))


def light_table(pop, c: Course, draws_provider, ids, m: Municipality, p: SynthParams,
                rng: np.random.Generator, plan: dict) -> tuple[pd.DataFrame, dict]:
    """The registered light-support episodes; ``plan``: each provider type's registration
    (:func:`analysis.synth.registration.registration_plan`)."""
    provider = draws_provider[c.light_person, c.light_k]
    u = np.random.default_rng([p.seed, int(m.code), 29]).random(len(provider))   # registered or not
    keep = light_registered(pop, c, provider, p, plan, u)
    person, start, provider = c.light_person[keep], c.light_start[keep], provider[keep]
    end, cut = _cut_end(pop, p, person, c.light_end[keep])
    n = len(person)
    ptype = np.array(LIGHT_PROVIDER_TYPES, dtype=object)[provider]
    wijkteam = ptype == "wijkteam"
    reason = rng.choice(["01", "02", "03", "05"], size=n, p=[0.65, 0.15, 0.12, 0.08])
    reason = np.where(cut, "05", np.where(np.isfinite(end), reason, ""))
    months = (np.where(np.isfinite(end), end, day_number(p.extract_date)) - start) / 30.4
    df = pd.DataFrame({
        "episode_id": "", "person_id": ids[person], "provider_type": ptype,
        "provider_id": [f"LP{m.code}{k}{t}" for k, t in zip(provider, rng.integers(1, 4, n))],
        "access": "vrij_toegankelijk", "bij_hulpvorm": np.where(wijkteam, "01", ""),
        "prevention_level": np.where(rng.random(n) < 0.8, "geindiceerd", "selectief"),
        "intervention_level": np.where(rng.random(n) < 0.85, "licht", "selectief"),
        "request_date": iso(start - np.round(np.exp(rng.normal(np.log(10), 0.7, n)))),
        "start_date": iso(start), "end_date": iso(end), "end_reason_bij": reason,
        "referrer": np.where(wijkteam, "06", ""),
        "n_contacts": (1 + rng.poisson(np.maximum(months, 0.5) * 1.5)).astype(str),
        "municipality_code": m.code})
    df = df.assign(_s=start).sort_values(["_s", "person_id"], kind="stable").drop(columns="_s")
    df["episode_id"] = [f"L{i:07d}" for i in range(1, n + 1)]
    days = {"person": person, "start": start, "end": np.where(np.isfinite(end), end, np.inf), "type": ptype}
    return df.reset_index(drop=True), days


_FORM_CATEGORY = {"02": ("45", "54", "52"), "03": ("41",), "04": ("45",), "11": ("44",),
                  "12": ("43",), "13": ("43",), "14": ("43", "44")}
_FORM_LEVEL = {"02": "specialistisch", "03": "intensief_en_specialistisch", "04": "intensief",
               "11": "overname_van_opvoeding", "12": "intensief_en_specialistisch",
               "13": "intensief_en_specialistisch", "14": "intensief_en_specialistisch"}
#: BIJ form of care → the letter in the synthetic regional product code
FORM_LETTER = {"02": "A", "03": "B", "04": "C", "11": "D", "12": "E", "13": "F", "14": "G"}
_IJW_REASON = {"01": "31", "02": "34", "03": "32", "04": "33", "05": "35", "": ""}


def _split_spells(c: Course, rng: np.random.Generator):
    """Each spell becomes 1–3 consecutive episodes, each of another form of care."""
    n_ep = rng.choice([1, 2, 3], size=len(c.spell_start), p=[0.4, 0.4, 0.2])
    rep = np.repeat(np.arange(len(c.spell_start)), n_ep)
    order = np.concatenate([np.arange(k) for k in n_ep]) if len(n_ep) else np.zeros(0, int)
    cuts = np.sort(rng.random((len(n_ep), 2)), axis=1)
    frac_lo = np.where(order == 0, 0.0, cuts[rep, np.maximum(order - 1, 0)])
    frac_hi = np.where(order == n_ep[rep] - 1, 1.0, cuts[rep, np.minimum(order, 1)])
    length = c.spell_end[rep] - c.spell_start[rep]
    start = np.floor(c.spell_start[rep] + frac_lo * length)
    end = np.where(order == n_ep[rep] - 1, c.spell_end[rep], np.floor(c.spell_start[rep] + frac_hi * length))
    # the first episode of a heavy spell is care with a stay (11–14), of another one ambulant (02–04);
    # one uniform per episode, as a draw from all forms took
    forms = np.array(SPECIALIST_FORMS, dtype=object)
    share = np.array(SPECIALIST_FORM_SHARE)
    stay = np.array([f >= "11" for f in SPECIALIST_FORMS])
    u = rng.random(len(rep))
    heavy = c.spell_heavy[rep] & (order == 0)
    cdf_stay, cdf_amb = np.cumsum(np.where(stay, share, 0)), np.cumsum(np.where(stay, 0, share))
    pick = np.where(heavy, np.searchsorted(cdf_stay / cdf_stay[-1], u, side="right"),
                    np.searchsorted(cdf_amb / cdf_amb[-1], u, side="right"))
    form = forms[np.minimum(pick, len(forms) - 1)]
    for k in (1, 2):  # a follow-on episode is another form of care than the one before it
        at = np.flatnonzero(order == k)
        same = form[at] == form[at - 1]
        form[at[same]] = np.where(form[at[same] - 1] == "04", "02", "04")
    return rep, order, start, end, form


def specialist_table(pop, c: Course, ids, m: Municipality, p: SynthParams,
                     rng: np.random.Generator) -> tuple[pd.DataFrame, dict]:
    rep, order, start, end, form = _split_spells(c, rng)
    person = c.spell_person[rep]
    lo, hi = registered_window(pop, p)
    eighteen = pop.birth[person] + 18 * DAYS_PER_YEAR
    at18 = end > eighteen
    end = np.minimum(end, eighteen)
    keep = _registered(pop, lo, hi, person, start, end) & (end > start)
    person, start, end, form, order, at18 = person[keep], start[keep], end[keep], form[keep], order[keep], at18[keep]
    end, cut = _cut_end(pop, p, person, end)
    n = len(person)
    reason = rng.choice(["01", "02", "03", "04"], size=n, p=[0.66, 0.16, 0.12, 0.06])
    reason = np.where(at18 & ~cut, "01", reason)
    reason = np.where(cut, "05", np.where(np.isfinite(end), reason, ""))
    referrer = rng.choice(["01", "02", "03", "04", "05"], size=n, p=[0.45, 0.33, 0.06, 0.06, 0.10])
    category = np.array([_FORM_CATEGORY[f][k % len(_FORM_CATEGORY[f])] for f, k in
                         zip(form, rng.integers(0, 3, n))], dtype=object)
    provider = rng.integers(1, 13, n)
    wait = np.round(np.exp(rng.normal(np.log(42), 0.6, n)))
    df = pd.DataFrame({
        "episode_id": "", "person_id": ids[person],
        "provider_agb": [f"{int(m.code):04d}{k:04d}" for k in provider],
        "bij_hulpvorm": form, "ijw_productcategorie": category,
        # the region's product code: category, a letter for the form of care, the provider's number
        "ijw_productcode": [f"{cat}{FORM_LETTER[f]}{k:02d}" for cat, f, k in zip(category, form, provider)],
        "referrer": referrer,
        "started_in_crisis": np.where(rng.random(n) < np.where(form >= "11", 0.25, 0.04), "01", "02"),
        "intervention_level": [_FORM_LEVEL[f] for f in form],
        "request_date": np.where(order == 0, iso(start - wait), ""),
        "start_date": iso(start), "end_date": iso(end), "end_reason_bij": reason,
        "end_reason_ijw": [_IJW_REASON[r] for r in reason],
        "funding": np.where(rng.random(n) < 0.92, "zin", "pgb"), "responsible_municipality": m.code})
    df = df.assign(_s=start).sort_values(["_s", "person_id"], kind="stable").drop(columns="_s")
    df["episode_id"] = [f"J{i:07d}" for i in range(1, n + 1)]
    days = {"person": person, "start": start, "end": np.where(np.isfinite(end), end, np.inf)}
    return df.reset_index(drop=True), days


def protection_table(pop, c: Course, ids, p: SynthParams, rng: np.random.Generator) -> pd.DataFrame:
    """Child-protection measures (OTS, voogdij): those of the course (part of a spell; ``reduce``
    acts on them there), as the registry sees them."""
    has = c.measure_kind != ""
    person, kind = c.spell_person[has], c.measure_kind[has].astype(str)
    start, end = c.measure_start[has], c.measure_end[has]
    eighteen = pop.birth[person] + 18 * DAYS_PER_YEAR
    at18 = end >= eighteen
    end = np.minimum(end, eighteen)
    lo, hi = registered_window(pop, p)
    keep = _registered(pop, lo, hi, person, start, end) & (end > start)
    person, start, end, kind, at18 = person[keep], start[keep], end[keep], kind[keep], at18[keep]
    # one record per measure: a measure that starts while one of the same type runs is the same
    # one, running to the later end (the record covers both)
    order = np.lexsort((start, kind, person))
    person, start, end, kind, at18 = person[order], start[order], end[order], kind[order], at18[order]
    group = pd.Series(person.astype(str)) + kind
    run_end = pd.Series(end).groupby(group).cummax()
    prev_end = run_end.groupby(group).shift(1).to_numpy()
    first = ~(start < prev_end)
    record = np.cumsum(first) - 1
    end = pd.Series(end).groupby(record).max().to_numpy()
    at18 = pd.Series(at18).groupby(record).max().to_numpy(bool)
    person, start, kind = person[first], start[first], kind[first]
    end, cut = _cut_end(pop, p, person, end)
    reason = np.where(kind == "21", np.where(at18, "11", "14"), np.where(at18, "01", "04"))
    reason = np.where(np.isfinite(end), reason, "")
    df = pd.DataFrame({"measure_id": "", "person_id": ids[person], "measure_type": kind,
                       "start_date": iso(start), "end_date": iso(end), "end_reason": reason,
                       "gi_id": [f"GI{k}" for k in rng.integers(1, 4, len(person))]})
    df = df.assign(_s=start).sort_values(["_s", "person_id"], kind="stable").drop(columns="_s")
    df["measure_id"] = [f"M{i:07d}" for i in range(1, len(df) + 1)]
    return df.reset_index(drop=True)
