"""``workbench synth --ijw DIR``: the iJw messages a municipality would have received for the
synthetic specialist episodes, with the noise of a real archive and a manifest of what was planted
(issue 16, part 2).

Per episode (one allocation each, numbered ``allocation_number``):

- a JW315 request from the provider (``ReferentieAanbieder``, the referrer as ``Verwijzer/Type``),
  10–60 days before the start;
- a JW301 allocation from the municipality some days later: a snapshot of all current allocations
  of the child at that provider, carrying the request's reference; an allocation still running a
  year on is extended by a later snapshot (same number, later stamp);
- a JW305 start 0–20 days after the start, and for an ended episode a JW307 stop 0–30 days after
  its end (a late stop: 3–12 months; never after the extract: the archive is what the municipality
  held then).

Planted noise (each listed in ``manifest.json`` with its file and, where the importer must reject
it, the element and the rule):

- ``correction_start`` / ``correction_stop``: a wrong start date, end date or reason, later deleted
  (``StatusAanlevering`` 3) and resent, in one message or in two;
- ``temporary_stop``: a stop with JZ588 ``20`` midway, then the definitive stop;
- ``late_stop``; ``start_missing``: the start never sent (the stop carries the start date);
- ``duplicate_delivery``: a message delivered twice (another file, same content);
- ``withdrawn_allocation``: an extra request and allocation later withdrawn (reason 13, end date =
  start date), never started;
- rule breakers: ``delete_without_delivery``, ``start_deleted_after_stop`` (rejected blocks), and
  broken copies of sent messages — ``malformed_xml``, ``unknown_namespace``, ``missing_element``
  (rejected files).

None of the noise loses an episode: importing the archive gives back exactly the synthetic
``specialist_episodes`` (its iJw columns), and the report names every planted rejection. File
names are random, so file order says nothing about the order of the messages; messages are
dated by release (before 2022 3.0, 2022 3.1, from 2023 3.2; the years of release 2.x are written
as 3.0), and some arrive in a StUF-GGk envelope.

The BSNs are synthetic: numbers passing the elfproef, counted down from the test range
999999990 (see :func:`synthetic_bsns`), and the person ids of every table are their pseudonyms under
a synthetic key written beside the archive (``key.txt``; a real key is never written).
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import pandas as pd

CODE = {"JW301": "436", "JW305": "438", "JW307": "440", "JW315": "446"}
LIST = {"JW301": ("ToegewezenProducten", "ToegewezenProduct"), "JW305": ("StartProducten", "StartProduct"),
        "JW307": ("StopProducten", "StopProduct"), "JW315": ("AangevraagdeProducten", "AangevraagdProduct")}
NS = "http://www.istandaarden.nl/ijw/{rel}/{part}/schema"
SEX = {"M": "1", "V": "2", "O": "0"}
#: planted rule breakers per archive (where there are enough episodes)
BREAKERS = {"delete_without_delivery": 2, "start_deleted_after_stop": 2, "malformed_xml": 2,
            "unknown_namespace": 1, "missing_element": 1}
DESCRIPTION = {"02": "ambulant op locatie aanbieder", "03": "daghulp op locatie aanbieder",
               "04": "jeugdhulp in netwerk jeugdige", "11": "pleegzorg", "12": "gezinsgericht verblijf",
               "13": "gesloten plaatsing", "14": "overig verblijf"}


def synthetic_key(seed: int, code: str) -> bytes:
    """The synthetic registry's pseudonymisation key (synthetic data only: written beside the archive)."""
    return f"synthetic-ijw-key-{seed}-{code}".encode()


def synthetic_bsns(seed: int, code: str, n: int) -> np.ndarray:
    """``n`` distinct numbers passing the elfproef: those counted down from 999999990 (the BSN test
    range 999900006–999999990 first, then below it), in an order drawn from the seed."""
    need, hi, found = n, 999_999_990, []
    while need > 0:
        lo = hi - 12 * need - 100
        cand = np.arange(hi, lo, -1, dtype=np.int64)
        digits = (cand[:, None] // 10 ** np.arange(8, -1, -1)) % 10
        ok = (digits @ np.array([9, 8, 7, 6, 5, 4, 3, 2, -1])) % 11 == 0
        found.append(cand[ok][:need])
        need -= len(found[-1])
        hi = lo
    out = np.concatenate(found) if found else np.zeros(0, np.int64)
    rng = np.random.default_rng([seed, int(code), 71])
    return np.array([f"{v:09d}" for v in rng.permutation(out)], dtype=object)


def _iso(d: date) -> str:
    return d.isoformat()


def _el(prefix: str, name: str, value) -> str:
    return f"<{prefix}:{name}>{value}</{prefix}:{name}>"


@dataclass
class Msg:
    kind: str
    day: date
    sender: str
    receiver: str
    client: tuple            # bsn, birth (ISO), sex code
    blocks: list             # dicts of block fields, in the element order of the message
    role: str = ""
    name: str = ""
    ident: str = ""
    rel: str = "3_2"
    envelope: bool = False


def _release(d: date) -> str:
    return "3_0" if d.year < 2022 else ("3_1" if d.year == 2022 else "3_2")


def _block_xml(p: str, kind: str, b: dict) -> str:
    parts = []
    for k, v in b.items():
        if v is None or v == "":
            continue
        if k == "Product":
            cat, code = v
            parts.append(f"<{p}:Product><ijw:Categorie>{cat}</ijw:Categorie>"
                         + (f"<ijw:Code>{code}</ijw:Code>" if code else "") + f"</{p}:Product>")
        elif k == "Verwijzer":
            parts.append(f"<{p}:Verwijzer><ijw:Type>{v}</ijw:Type></{p}:Verwijzer>")
        else:
            parts.append(_el(p, k, v))
    name = LIST[kind][1]
    return f"<{p}:{name}>" + "".join(parts) + f"</{p}:{name}>"


def render(m: Msg, drop: str | None = None, namespace: str | None = None) -> bytes:
    """The message as iJw XML (``drop``: leave that block element out — a broken copy;
    ``namespace``: the message's namespace replaced — another broken copy)."""
    p = m.kind.lower()
    ns = namespace or NS.format(rel=m.rel, part=p)
    base = NS.format(rel=m.rel, part="basisschema")
    bsn, birth, sex = m.client
    blocks = []
    for b in m.blocks:
        if drop:
            b = {k: v for k, v in b.items() if k != drop}
        blocks.append(_block_xml(p, m.kind, b))
    lst = LIST[m.kind][0]
    header = ("".join(_el(p, k, v) for k, v in (("BerichtCode", CODE[m.kind]), ("BerichtVersie", "3"),
                                                  ("BerichtSubversie", m.rel[-1]), ("Afzender", m.sender),
                                                  ("Ontvanger", m.receiver)))
              + f"<{p}:BerichtIdentificatie><ijw:Identificatie>{m.ident}</ijw:Identificatie>"
                f"<ijw:Dagtekening>{_iso(m.day)}</ijw:Dagtekening></{p}:BerichtIdentificatie>"
              + f"<{p}:XsdVersie><ijw:BasisschemaXsdVersie>1.0.0</ijw:BasisschemaXsdVersie>"
                f"<ijw:BerichtXsdVersie>1.0.0</ijw:BerichtXsdVersie></{p}:XsdVersie>")
    client = (_el(p, "Bsn", bsn) + f"<{p}:Geboortedatum><ijw:Datum>{birth}</ijw:Datum>"
              f"<ijw:DatumGebruik>1</ijw:DatumGebruik></{p}:Geboortedatum>" + _el(p, "Geslacht", sex)
              + f"<{p}:{lst}>" + "".join(blocks) + f"</{p}:{lst}>")
    xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n<{p}:Bericht xmlns:{p}="{ns}" xmlns:ijw="{base}">'
           f"<{p}:Header>{header}</{p}:Header><{p}:Client>{client}</{p}:Client></{p}:Bericht>\n").encode()
    if not m.envelope:
        return xml
    return ("<?xml version='1.0' encoding='UTF-8'?>\n<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/"
            "envelope/' xmlns:GGK='http://www.stufggk.nl' xmlns:StUF='http://www.egem.nl/StUF/StUF0301'><soap:Body>"
            f"<GGK:bericht><StUF:functie>{m.kind}</StUF:functie><GGK:xmlBestand>{base64.b64encode(xml).decode()}"
            "</GGK:xmlBestand></GGK:bericht></soap:Body></soap:Envelope>\n").encode()


@dataclass
class Archive:
    files: dict[str, bytes]                 # relative path → content
    manifest: dict
    products: pd.DataFrame                  # the region's product catalogue
    episodes: pd.DataFrame                  # the specialist episodes with their allocation numbers
    messages: list[Msg] = field(default_factory=list)


def _day(s: str) -> date | None:
    return date.fromisoformat(s) if s else None


def with_allocation_numbers(spec: pd.DataFrame) -> pd.DataFrame:
    """The specialist episodes with ``allocation_number`` (after ``referrer``): one allocation per
    episode, numbered in the table's order from 100001."""
    out = spec.drop(columns=[c for c in ("allocation_number",) if c in spec]).copy()
    at = list(out.columns).index("referrer") + 1 if "referrer" in out else len(out.columns)
    out.insert(at, "allocation_number", [str(100001 + i) for i in range(len(out))])
    return out


def product_catalogue(spec: pd.DataFrame) -> pd.DataFrame:
    """The region's products (category, regional code) with their BIJ form and level of
    intervention, as a municipality's product list has them."""
    cols = ["ijw_productcategorie", "ijw_productcode", "bij_hulpvorm", "intervention_level"]
    p = spec[cols].drop_duplicates(["ijw_productcategorie", "ijw_productcode"]).sort_values(cols[:2])
    p = p.assign(omschrijving=[f"{c} {DESCRIPTION.get(f, '')}".strip() for c, f in zip(p["ijw_productcode"], p["bij_hulpvorm"])])
    return p.reset_index(drop=True)


def build_archive(tables: dict[str, pd.DataFrame], bsn_of: dict[str, str], code: str, extract: date,
                  rng: np.random.Generator) -> Archive:
    """The archive of one municipality (``bsn_of``: person id → synthetic BSN)."""
    spec = tables["specialist_episodes"]
    if "allocation_number" not in spec:
        spec = with_allocation_numbers(spec)
    persons = tables["persons"].set_index("person_id")
    msgs: list[Msg] = []
    planted: list[dict] = []
    allocs: dict[tuple, list] = {}      # (bsn, provider) → [(stamp date, time, block dict)]

    def client(pid):
        return (bsn_of[pid], persons.at[pid, "birth_date"], SEX.get(persons.at[pid, "sex"], "0"))

    def allocate(pid, provider, t: date, block: dict):
        allocs.setdefault((bsn_of[pid], provider, pid), []).append((t, f"{rng.integers(8, 17):02d}:"
                                                                   f"{rng.integers(0, 60):02d}:00", block))

    def days(a, b):
        return int(rng.integers(a, b + 1))

    def cap(d: date) -> date:
        return min(d, extract)

    n = len(spec)
    u = rng.random(n)
    late = rng.random(n) < 0.10
    plain_starts, plain_stops = [], []
    for i, e in enumerate(spec.itertuples(index=False)):
        pid, prov, alloc = e.person_id, e.provider_agb, e.allocation_number
        start, end = _day(e.start_date), _day(e.end_date)
        product = (e.ijw_productcategorie, e.ijw_productcode)
        ref = f"VA{alloc}"
        t315 = start - timedelta(days=days(10, 60))
        msgs.append(Msg("JW315", t315, prov, code, client(pid),
                        [{"ReferentieAanbieder": ref, "Product": product, "ToewijzingIngangsdatum": _iso(start),
                          "Verwijzer": e.referrer}]))
        t301 = min(t315 + timedelta(days=days(1, 9)), start)
        alloc_end = start + timedelta(days=365)
        first_end = end if end is not None and end <= alloc_end else alloc_end
        block = {"ToewijzingNummer": alloc, "ReferentieAanbieder": ref, "Product": product,
                 "Ingangsdatum": _iso(min(t301, start)), "Einddatum": _iso(first_end)}
        allocate(pid, prov, t301, block)
        if first_end < (end or extract + timedelta(days=1)) and alloc_end - timedelta(days=30) <= extract:
            allocate(pid, prov, alloc_end - timedelta(days=30), {**block, "Einddatum": _iso(end) if end else ""})
        head = {"ToewijzingNummer": alloc, "Product": product, "ToewijzingIngangsdatum": block["Ingangsdatum"]}
        s_block = {**head, "Begindatum": _iso(start), "StatusAanlevering": "1"}
        t305 = cap(start + timedelta(days=days(0, 20)))
        stop = None
        if end is not None:
            stop = {**head, "Begindatum": _iso(start), "RedenBeeindiging": e.end_reason_ijw, "Einddatum": _iso(end),
                    "StatusAanlevering": "1"}
            t307 = cap(end + timedelta(days=days(90, 365) if late[i] else days(0, 30)))
            if late[i] and t307 > end + timedelta(days=60):
                planted.append({"kind": "late_stop", "allocation_number": alloc, "days_late": (t307 - end).days})
        kind = ""
        if u[i] < 0.03 and end is not None and (end - start).days >= 60:
            kind = "temporary_stop"
        elif u[i] < 0.05:
            kind = "correction_start"
        elif u[i] < 0.07 and end is not None:
            kind = "correction_stop"
        elif u[i] < 0.08 and end is not None:
            kind = "start_missing"
        c = client(pid)
        if kind == "correction_start":
            wrong = start + timedelta(days=days(1, 10))
            t1 = cap(wrong + timedelta(days=days(0, 10)))
            t2 = t1 + timedelta(days=days(5, 40))
            if t2 <= extract and (stop is None or t2 < t307):
                bad = {**s_block, "Begindatum": _iso(wrong)}
                msgs.append(Msg("JW305", t1, prov, code, c, [bad], role="correction"))
                fix = [{**bad, "StatusAanlevering": "3"}, s_block]
                if rng.random() < 0.5:
                    msgs.append(Msg("JW305", t2, prov, code, c, fix, role="correction"))
                else:
                    msgs.append(Msg("JW305", t2, prov, code, c, fix[:1], role="correction"))
                    msgs.append(Msg("JW305", t2 + timedelta(days=1), prov, code, c, fix[1:], role="correction"))
                planted.append({"kind": "correction_start", "allocation_number": alloc, "wrong_start": _iso(wrong)})
            else:
                kind = ""
        if kind != "correction_start" and kind != "start_missing":
            msgs.append(Msg("JW305", t305, prov, code, c, [s_block]))
            if kind == "":
                plain_starts.append(len(msgs) - 1)
        elif kind == "start_missing":
            planted.append({"kind": "start_missing", "allocation_number": alloc})
        if stop is None:
            continue
        if kind == "temporary_stop":
            mid = start + (end - start) // 2
            tt = mid + timedelta(days=days(0, 20))
            if tt < t307:
                msgs.append(Msg("JW307", tt, prov, code, c, [{**stop, "RedenBeeindiging": "20", "Einddatum": _iso(mid)}],
                                role="temporary_stop"))
                planted.append({"kind": "temporary_stop", "allocation_number": alloc, "temporary_end": _iso(mid)})
        if kind == "correction_stop":
            t2 = t307 + timedelta(days=days(5, 60))
            if t2 <= extract:
                if rng.random() < 0.5:
                    bad = {**stop, "Einddatum": _iso(end - timedelta(days=days(1, 20)))}
                    if date.fromisoformat(bad["Einddatum"]) < start:
                        bad["Einddatum"] = _iso(start)
                    fix = [{**bad, "StatusAanlevering": "3"}, stop]
                else:   # another reason: the key changes, the delete and the new delivery in one message
                    bad = {**stop, "RedenBeeindiging": "33" if e.end_reason_ijw != "33" else "31"}
                    fix = [{**bad, "StatusAanlevering": "3"}, stop]
                msgs.append(Msg("JW307", t307, prov, code, c, [bad], role="correction"))
                msgs.append(Msg("JW307", t2, prov, code, c, fix, role="correction"))
                planted.append({"kind": "correction_stop", "allocation_number": alloc,
                                "wrong": {k: bad[k] for k in ("RedenBeeindiging", "Einddatum")}})
                continue
        msgs.append(Msg("JW307", t307, prov, code, c, [stop]))
        if kind == "":
            plain_stops.append(len(msgs) - 1)

    # withdrawn allocations: requested and allocated, then withdrawn as never sent
    pick = np.flatnonzero(rng.random(n) < 0.01)
    for k, i in enumerate(pick):
        e = spec.iloc[i]
        t = _day(e["start_date"]) - timedelta(days=days(60, 200))
        alloc, ref = str(900001 + k), f"VA{900001 + k}"
        product = (e["ijw_productcategorie"], e["ijw_productcode"])
        msgs.append(Msg("JW315", t, e["provider_agb"], code, client(e["person_id"]),
                        [{"ReferentieAanbieder": ref, "Product": product, "ToewijzingIngangsdatum": _iso(t),
                          "Verwijzer": e["referrer"]}]))
        block = {"ToewijzingNummer": alloc, "ReferentieAanbieder": ref, "Product": product,
                 "Ingangsdatum": _iso(t + timedelta(days=14)), "Einddatum": _iso(t + timedelta(days=379))}
        allocate(e["person_id"], e["provider_agb"], t + timedelta(days=5), block)
        allocate(e["person_id"], e["provider_agb"], t + timedelta(days=12),
                 {**block, "Einddatum": block["Ingangsdatum"], "RedenWijziging": "13"})
        planted.append({"kind": "withdrawn_allocation", "allocation_number": alloc})

    # the JW301 snapshots: every allocation event sends all current allocations of the child there
    for (bsn, prov, pid), events in allocs.items():
        events.sort(key=lambda x: (x[0], x[1]))
        latest: dict[str, tuple] = {}
        for t, hhmm, block in events:
            latest[block["ToewijzingNummer"]] = (t, hhmm, block)
            current = []
            for a, (ta, ha, b) in latest.items():
                end = b.get("Einddatum")
                if a == block["ToewijzingNummer"] or not end or date.fromisoformat(end) >= t:
                    current.append({"ToewijzingNummer": a, "ReferentieAanbieder": b["ReferentieAanbieder"],
                                    "Product": b["Product"], "Toewijzingsdatum": _iso(ta), "Toewijzingstijd": ha,
                                    "Ingangsdatum": b["Ingangsdatum"], "Einddatum": end,
                                    "RedenWijziging": b.get("RedenWijziging", "")})
            if t <= extract:
                msgs.append(Msg("JW301", t, code, prov, client(pid), current))

    # identification in date order (ties at random), random file names, releases by date
    order = sorted(range(len(msgs)), key=lambda j: (msgs[j].day, rng.random()))
    env = rng.random(len(msgs)) < 0.05
    for k, j in enumerate(order, start=1):
        m = msgs[j]
        m.ident, m.rel, m.envelope = f"G{k:08d}", _release(m.day), bool(env[j] and m.kind in ("JW305", "JW307"))
        m.name = f"{m.day.year}/{m.kind.lower()}_{rng.bytes(6).hex()}.xml"
    files = {m.name: render(m) for m in msgs}

    # noise on whole messages: duplicates, breakers (on plain starts and stops: one each at most)
    plain = [j for j in plain_starts + plain_stops if not msgs[j].envelope]
    chosen = list(rng.permutation(plain))
    rejected_blocks, rejected_files = [], []

    def take():
        return msgs[chosen.pop()] if chosen else None

    for _ in range(max(1, len(plain) // 100)):
        m = take()
        if m is None:
            break
        dup = m.name.replace(".xml", "_2.xml")
        files[dup] = files[m.name]
        planted.append({"kind": "duplicate_delivery", "file": dup, "original": m.name})
        for k in range(len(m.blocks)):
            rejected_blocks.append({"file": dup, "xpath": _xpath(m, k), "rule": "duplicate_delivery"})
    stops_left = [j for j in rng.permutation(plain_stops).tolist() if msgs[j].day < extract]
    for kind, count in BREAKERS.items():
        for _ in range(count):
            if kind == "start_deleted_after_stop":
                if not stops_left:
                    break
                stop_msg = msgs[stops_left.pop()]
                b = stop_msg.blocks[0]
                m = Msg("JW305", stop_msg.day + timedelta(days=1), stop_msg.sender, code, stop_msg.client,
                        [{k: b[k] for k in ("ToewijzingNummer", "Product", "ToewijzingIngangsdatum", "Begindatum")}
                         | {"StatusAanlevering": "3"}])
            elif kind == "delete_without_delivery":
                src = take()
                if src is None:
                    break
                b = dict(src.blocks[0])
                b["Begindatum"] = _iso(date.fromisoformat(b["Begindatum"]) - timedelta(days=days(1, 30)))
                b["StatusAanlevering"] = "3"
                m = Msg(src.kind, min(src.day + timedelta(days=1), extract), src.sender, code, src.client, [b])
            else:
                src = take()
                if src is None:
                    break
                name = src.name.replace(".xml", "_kopie.xml")
                if kind == "malformed_xml":
                    files[name] = files[src.name][: len(files[src.name]) // 2]
                    element = ""
                elif kind == "unknown_namespace":
                    files[name] = render(src, namespace=f"http://www.istandaarden.nl/ijw/9_9/{src.kind.lower()}/schema")
                    element = "/Bericht"
                else:
                    files[name] = render(src, drop="Begindatum")
                    element = _xpath(src, 0) + f"/{src.kind.lower()}:Begindatum"
                planted.append({"kind": kind, "file": name, "copy_of": src.name})
                rejected_files.append({"file": name, "element": element})
                continue
            m.ident = f"B{len(planted):08d}"
            m.rel = _release(m.day)
            m.name = f"{m.day.year}/{m.kind.lower()}_{rng.bytes(6).hex()}.xml"
            files[m.name] = render(m)
            msgs.append(m)
            planted.append({"kind": kind, "file": m.name})
            rejected_blocks.append({"file": m.name, "xpath": _xpath(m, 0), "rule": kind})
    counts = pd.Series([p["kind"] for p in planted]).value_counts().to_dict() if planted else {}
    manifest = {"synthetic": True, "municipality": code, "extract_date": _iso(extract), "episodes": n,
                "messages": len(msgs), "files": len(files), "planted_counts": {k: int(v) for k, v in sorted(counts.items())},
                "expected": {"rejected_blocks": rejected_blocks, "rejected_files": rejected_files,
                             "corrections": int(counts.get("correction_start", 0) + counts.get("correction_stop", 0)),
                             "stops_without_start": int(counts.get("start_missing", 0))},
                "planted": planted}
    return Archive(files=files, manifest=manifest, products=product_catalogue(spec), episodes=spec, messages=msgs)


def _xpath(m: Msg, k: int) -> str:
    p = m.kind.lower()
    lst, blk = LIST[m.kind]
    return f"/{p}:Bericht/{p}:Client/{p}:{lst}/{p}:{blk}[{k + 1}]"


def archive_digest(files: dict[str, bytes]) -> str:
    h = hashlib.sha256()
    for name in sorted(files):
        h.update(name.encode() + b"\0" + files[name])
    return h.hexdigest()
