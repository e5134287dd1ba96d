"""``workbench synth``: write synthetic registries in the uniform format, with their ground truth."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from .. import io
from .course import course_before, make_draws, make_screenings, month_grid_end, run_course
from .messy import inject_defects
from .params import Municipality, SynthParams
from .population import day_number, make_population
from .tables import (light_table, persons_table, protection_table, pseudonyms, residence_table, screenings_table, specialist_table)
from .requests import requests_table, waiting_truth
from .routes import step_up_truth
from .registration import declared_windows, design_periods, registration_plan, truth_block
from .ijw import synthetic_bsns, synthetic_key, with_allocation_numbers
from .truth import ground_truth

SYNTHETIC_NOTE = ("SYNTHETISCHE DATA — verzonnen kinderen in een verzonnen gemeente; geen echte personen. "
                  "SYNTHETIC DATA — made-up children in a made-up municipality; no real persons.")
TABLE_ORDER = ("persons", "residence_periods", "screenings", "light_support_episodes",
               "specialist_episodes", "protection_measures", "requests")
#: the course runs on this many days past the extract, for the requests still waiting then
WAIT_HORIZON_DAYS = 3 * 365


def ijw_ids(p: SynthParams, m: Municipality, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Person ids and synthetic BSNs of a registry made for an iJw archive: the ids are the BSNs'
    pseudonyms under the synthetic key, as ``workbench import-ijw`` makes them."""
    from ..registry.pseudonymise import pseudonym
    bsn = synthetic_bsns(p.seed, m.code, n)
    key = synthetic_key(p.seed, m.code)
    return np.array([pseudonym(key, b) for b in bsn], dtype=object), bsn


def simulate_municipality(m: Municipality, p: SynthParams, truth: bool = True) -> tuple[dict[str, pd.DataFrame], dict, dict]:
    """Tables of the uniform format, the ground truth and the defect manifest of one municipality
    (``truth=False``: the registry alone, its truth not simulated: the truth then holds only its
    registration block, for the delivery's declared windows)."""
    seq = np.random.SeedSequence([p.seed, int(m.code)])
    # the first four as before: the same registry; the sixth (requests) came with format 1.1
    s_pop, s_course, s_tables, s_messy, s_truth, s_requests = seq.spawn(6)
    pop = make_population(m, p, s_pop)
    rng = np.random.default_rng(s_course)
    scr = make_screenings(rng, pop, p)
    draws = make_draws(rng, pop.n, p.light_provider_share)
    extract = day_number(p.extract_date)
    # past the extract for the requests still waiting then; the registry takes the course up to it
    # (the same events as a run that stops there)
    longer = run_course(pop, scr, draws, p, extract + 1 + WAIT_HORIZON_DAYS)
    course = course_before(longer, month_grid_end(pop, extract + 1))
    ids = pseudonyms(f"person:{p.seed}:{m.code}", pop.n) if not p.ijw else ijw_ids(p, m, pop.n)[0]
    trng = np.random.default_rng(s_tables)
    plan = registration_plan(m, p)
    light, light_days = light_table(pop, course, draws.provider, ids, m, p, trng, plan)
    spec, spec_days = specialist_table(pop, course, ids, m, p, trng)
    if p.ijw:
        spec = with_allocation_numbers(spec)
    later = longer.spell_start > extract
    requests, spec = requests_table(pop, spec, {"person": longer.spell_person[later], "start": longer.spell_start[later]},
                                    ids, m, p, np.random.default_rng(s_requests))
    tables = {
        "persons": persons_table(pop, ids, m.code),
        "residence_periods": residence_table(pop, ids, m, p, trng),
        "screenings": screenings_table(pop, scr, ids, p),
        "light_support_episodes": light,
        "specialist_episodes": spec,
        "protection_measures": protection_table(pop, course, ids, p, trng),
        "requests": requests,
    }
    prot = tables["protection_measures"]
    if len(prot):  # child-protection measures are specialist care too (protocol, "Words")
        id_index = pd.Series(np.arange(pop.n), index=ids)
        prot_start = (pd.to_datetime(prot["start_date"]) - pd.Timestamp("1970-01-01")).dt.days.to_numpy(float)
        spec_days = {"person": np.concatenate([spec_days["person"], id_index.loc[prot["person_id"]].to_numpy()]),
                     "start": np.concatenate([spec_days["start"], prot_start])}
    declared, wrong = declared_windows(plan, m, p)
    if not truth:
        tables, manifest = inject_defects(tables, np.random.default_rng(s_messy)) if p.messy else (tables, {})
        return tables, {"registration": {**truth_block(plan, declared, wrong)}, "waiting": waiting_truth(m, p),
                        "routes": step_up_truth(pop, draws, course, p)}, manifest
    # the children the analysis will take: its default design on the declared windows, with the
    # washout seen in the counted types' registered light support
    counted, design = design_periods(declared, p)
    seen = np.isin(light_days["type"], counted)
    reg_light = {k: v[seen] for k, v in light_days.items()}
    truth = ground_truth(pop, scr, draws, p, reg_light, spec_days, np.random.default_rng(s_truth), design=design)
    truth["registration"] = {**truth_block(plan, declared, wrong), "counted_types": counted}
    truth["waiting"] = waiting_truth(m, p)
    truth["routes"] = step_up_truth(pop, draws, course, p)
    manifest: dict = {}
    if p.messy:
        tables, manifest = inject_defects(tables, np.random.default_rng(s_messy))
    return tables, truth, manifest


def _truth_document(m: Municipality, p: SynthParams, truth: dict) -> dict:
    primary = truth["by_grace_months"][str(p.primary_grace_months)]
    params = dataclasses.asdict(p)
    params["municipalities"] = [dataclasses.asdict(x) for x in p.municipalities]
    params["registry_start"], params["extract_date"] = str(p.registry_start), str(p.extract_date)
    params["grace_months"] = list(p.grace_months)
    return {
        "synthetic": True, "note": SYNTHETIC_NOTE,
        "municipality": m.code, "municipality_name": m.name,
        "tau_months": p.tau_months, "grace_months": p.primary_grace_months,
        "cif_a_tau": primary["cif_a_tau"], "cif_b_tau": primary["cif_b_tau"],
        "rd_tau": primary["rd_tau"], "rmst_diff_months": primary["rmst_diff_months"],
        "tau_long_months": primary["tau_long_months"], "prevented_fraction": primary["prevented_fraction"],
        "delay_months": primary["delay_months"], "rd_trajectory": primary["rd_trajectory"],
        **{k: primary[k] for k in ("specialist_months_a", "specialist_months_b", "specialist_months_diff",
                                   "heavy_care_a", "heavy_care_b", "heavy_care_rd")},
        "answers": primary["answers"], "verdict": primary["verdict"],
        "n_eligible": truth["n_eligible"], "eligible_age_mean": truth["eligible_age_mean"],
        "replicates_per_child": truth["replicates_per_child"],
        "by_grace_months": truth["by_grace_months"],
        "definition": ("Eligible: resident, age 4–16, no registered specialist care before, no "
                       "registered light support in the 12 months before, parent SDQ ≥ cut-off at "
                       "a JGZ screening (time zero); first such signal per child. Arm a: light "
                       "support starts within the grace period at a time drawn from the generator's "
                       "uptake process conditioned on starting then, natural course afterwards; "
                       "arm b: no light support during follow-up. Outcome: first specialist care "
                       "within tau months (RD, RMST) and its curves to tau_long months (trajectory, "
                       "prevented fraction and delay: the estimator's fit on the true curves), in a "
                       "world without moving out and without the end at 18."),
        "registration": truth["registration"],
        # routes and waits, under the names of results.json
        "waiting": truth["waiting"], "routes": truth["routes"],
        "generator": {"name": "analysis.synth", "parameters": params},
    }


def write_municipality(out: Path, m: Municipality, p: SynthParams, truth: bool = True, ijw: Path | None = None) -> Path:
    """Write ``out/<code>/`` and return that folder (``truth=False``: without ``ground_truth.json``,
    its truth not simulated; ``ijw``: also the iJw archive of its specialist episodes in
    ``ijw/<code>/``, ``p.ijw`` set)."""
    tables, truth_doc, manifest = simulate_municipality(m, p, truth=truth)
    if ijw is not None:
        write_ijw_archive(Path(ijw) / m.code, tables, m, p)
    folder = Path(out) / m.code
    for name in TABLE_ORDER:
        io.write_csv(folder / f"{name}.csv", tables[name])
    delivery = {"municipality_code": m.code, "municipality_name": m.name,
                "extract_date": str(p.extract_date), "registry_start": str(p.registry_start),
                "format_version": "1.1", "synthetic": True, "note": SYNTHETIC_NOTE,
                # as the municipality declares it: per light-support provider type the periods in
                # which it registers (optionally one of them wrong: --misdeclare)
                "registration_windows": {t: v["declared"] for t, v in truth_doc["registration"]["types"].items()}}
    io.write_text(folder / "delivery.yml", yaml.safe_dump(delivery, allow_unicode=True, sort_keys=False))
    if truth:
        io.write_json(folder / "ground_truth.json", _truth_document(m, p, truth_doc))
    if p.messy:
        io.write_json(folder / "messy_manifest.json", {"synthetic": True, "defects": manifest})
    io.write_text(folder / "README.txt", SYNTHETIC_NOTE + "\n")
    return folder


def write_ijw_archive(folder: Path, tables: dict[str, pd.DataFrame], m: Municipality, p: SynthParams) -> Path:
    """``folder/berichten/`` (the messages), ``manifest.json`` (what was planted and what the
    import report must name), ``products.csv`` (the region's product list), ``key.txt`` (the
    synthetic key) and a README."""
    from ..errors import ParameterError
    from .ijw import build_archive
    if not p.ijw:
        raise ParameterError("an iJw archive needs a registry made for it (SynthParams(ijw=True))")
    ids, bsn = ijw_ids(p, m, len(tables["persons"]))
    arch = build_archive(tables, dict(zip(ids, bsn)), m.code, p.extract_date,
                         np.random.default_rng([p.seed, int(m.code), 72]))
    folder = Path(folder)
    for name, data in arch.files.items():
        io.write_bytes(folder / "berichten" / name, data)
    io.write_json(folder / "manifest.json", arch.manifest)
    io.write_csv(folder / "products.csv", arch.products)
    io.write_text(folder / "key.txt", synthetic_key(p.seed, m.code).decode() + "\n")
    io.write_text(folder / "README.txt", SYNTHETIC_NOTE + "\n\n" + IJW_NOTE + "\n")
    return folder


IJW_NOTE = ("iJw-berichten (JW301/305/307/315) voor de synthetische specialistische trajecten, met geplante "
            "correcties, tijdelijke stops, late stops, dubbele leveringen en regelbrekers (manifest.json). "
            "BSN's synthetisch; key.txt is de synthetische sleutel. Inlezen:\n"
            "  workbench import-ijw berichten --out <map> --key-file key.txt --products products.csv")


def synthesize(out: Path, p: SynthParams, progress=None, truth: bool = True, ijw: Path | None = None) -> list[Path]:
    """Write every municipality of ``p``, one after another (only one municipality's arrays in
    memory at a time: a national registry streams); ``progress`` wraps the iterable (e.g. tqdm);
    ``truth=False``: without ground truths; ``ijw``: also each one's iJw archive there."""
    p.check()
    items = progress(p.municipalities) if progress else p.municipalities
    return [write_municipality(Path(out), m, p, truth=truth, ijw=ijw) for m in items]
