"""Specialist-care episodes rebuilt from iJw start (JW305) and stop (JW307) messages, with the
account of every product block: used, deleted or rejected with its rule (issue 16, part 1; the
second layer of ``workbench import-ijw`` after :mod:`analysis.registry.ijw`).

The rules (``shared/notes/ijw.md``, "Rebuilding episodes"):

- Order comes from the header (``Dagtekening``, then ``Identificatie``) and the block's place in
  its message, never from file order.
- A start's logical key is child + allocation number + product (category and code) + start date; a
  stop's adds its reason (``RedenBeeindiging``).
- ``StatusAanlevering`` 1 delivers, 3 deletes the earlier delivery with the same key ("as if not
  sent"). A delete without such a delivery is rejected (``delete_without_delivery``); a delivery
  whose key is already delivered is rejected (``duplicate_delivery``: a message delivered twice); a
  start cannot be deleted while a stop refers to it (``start_deleted_after_stop``). A correction
  is a delete followed by a new delivery: both count, the delete as deleted.
- A delete followed by a new delivery of the same product (a start) or of a stop for the same
  start is counted as a correction (``corrected``, a part of ``deleted``).
- An episode is a start closed by its stop (the stop with the start's date): a definitive stop
  ends it with its date and reason; a temporary stop (JZ588 ``20``) alone ends it with reason 20 (a
  new start under the allocation is a new episode); with a definitive stop as well, the definitive
  one ends it. A start without a stop is still running (no end). A stop without a start (its start
  never delivered or deleted) gives the episode from the stop's own start date, counted in the
  account as ``stop_without_start``.

Input = used + deleted + rejected, per message type.
"""
from __future__ import annotations

import pandas as pd

#: JZ588 → BIJ end reason (the notes: 31→01, 34→02, 32→03, 33→04, 35→05; death 02 → 05). The
#: others (20 temporarily, 36 by the municipality, 37 change request, 38 switch of provider, 39
#: outflow to another domain) have no BIJ counterpart: the BIJ reason stays empty, ``end_reason_ijw``
#: keeps them (validation accepts an end date without a BIJ reason; none is made up)
BIJ_END_REASON = {"31": "01", "34": "02", "32": "03", "33": "04", "35": "05", "02": "05"}
TEMPORARY = "20"
BLOCK_COLUMNS = ["kind", "date", "message_id", "order", "file", "xpath", "bsn", "provider", "municipality",
                 "allocation", "category", "code", "begin", "reason", "end", "status"]


def block_frame(messages) -> pd.DataFrame:
    """One row per start or stop block of ``messages`` (:class:`analysis.registry.ijw.Message`)."""
    rows = []
    for m in messages:
        if m.kind not in ("JW305", "JW307"):
            continue
        for k, b in enumerate(m.blocks):
            rows.append({"kind": m.kind, "date": m.date, "message_id": m.identification, "order": k, "file": m.file,
                         "xpath": b.xpath, "bsn": m.client.get("Bsn", ""), "provider": m.header.get("Afzender", ""),
                         "municipality": m.header.get("Ontvanger", ""), "allocation": b.get("ToewijzingNummer"), "category": b.get("Product/Categorie"),
                         "code": b.get("Product/Code"), "begin": b.get("Begindatum"),
                         "reason": b.get("RedenBeeindiging"), "end": b.get("Einddatum"),
                         "status": b.get("StatusAanlevering")})
    return pd.DataFrame(rows, columns=BLOCK_COLUMNS)


def rebuild(blocks: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Episodes (``bsn, provider, allocation, category, code, start, end, end_reason_ijw,
    end_reason_bij``) and the account of every block (``blocks`` with ``outcome`` used / deleted /
    rejected and ``rule``)."""
    b = blocks.sort_values(["date", "message_id", "order"], kind="stable").copy()
    b["outcome"], b["rule"], b["corrected"] = "", "", False
    starts: dict[tuple, int] = {}
    stops: dict[tuple, int] = {}
    stopped: dict[tuple, int] = {}      # start key → stops delivered for it
    pending: dict[tuple, int] = {}      # what a delete took away (a start's product, a stop's start) → the delete
    for i, r in b.iterrows():
        product = (r["bsn"], r["allocation"], r["category"], r["code"], r["begin"])
        if r["kind"] == "JW305":
            key, store, group = product, starts, ("start", *product[:4])
        else:
            key, store, group = (*product, r["reason"]), stops, ("stop", *product)
        if r["status"] == "1":
            if key in store:
                b.at[i, "outcome"], b.at[i, "rule"] = "rejected", "duplicate_delivery"
            else:
                store[key] = i
                b.at[i, "outcome"] = "used"
                if r["kind"] == "JW307":
                    stopped[product] = stopped.get(product, 0) + 1
                if group in pending:       # a delete followed by a new delivery: a correction
                    b.at[pending.pop(group), "corrected"] = True
        elif r["status"] == "3":
            if key not in store:
                b.at[i, "outcome"], b.at[i, "rule"] = "rejected", "delete_without_delivery"
            elif r["kind"] == "JW305" and stopped.get(product, 0):
                b.at[i, "outcome"], b.at[i, "rule"] = "rejected", "start_deleted_after_stop"
            else:
                b.at[store.pop(key), "outcome"] = "deleted"
                b.at[i, "outcome"] = "deleted"
                pending[group] = i
                if r["kind"] == "JW307":
                    stopped[product] -= 1
        else:
            b.at[i, "outcome"], b.at[i, "rule"] = "rejected", "unknown_status"
    episodes = []
    by_start: dict[tuple, list[int]] = {}
    for key, i in stops.items():
        by_start.setdefault(key[:5], []).append(i)
    for key, i in starts.items():
        ended = [b.loc[j] for j in by_start.pop(key, [])]
        episodes.append(_episode(b.loc[i], ended))
    for key, idx in by_start.items():     # stops whose start was never delivered (or was deleted)
        ended = [b.loc[j] for j in idx]
        for j in idx:
            b.at[j, "rule"] = "stop_without_start"
        episodes.append(_episode(ended[0], ended))
    cols = ["bsn", "provider", "municipality", "allocation", "category", "code", "start", "end", "end_reason_ijw",
            "end_reason_bij"]
    out = pd.DataFrame(episodes, columns=cols).sort_values(["bsn", "start", "allocation"], kind="stable")
    return out.reset_index(drop=True), b.sort_index()


def _episode(first: pd.Series, stops: list[pd.Series]) -> dict:
    final = [s for s in stops if s["reason"] != TEMPORARY]
    pick = max(final or stops, key=lambda s: s["end"]) if stops else None
    reason = pick["reason"] if pick is not None else ""
    return {"bsn": first["bsn"], "provider": first["provider"], "municipality": first["municipality"],
            "allocation": first["allocation"],
            "category": first["category"], "code": first["code"], "start": first["begin"],
            "end": pick["end"] if pick is not None else "", "end_reason_ijw": reason,
            "end_reason_bij": BIJ_END_REASON.get(reason, "")}


def account(blocks: pd.DataFrame) -> pd.DataFrame:
    """Per message type: read, used, deleted, rejected (input = used + deleted + rejected); how many
    deletes were corrections (followed by a new delivery of the same product or of a stop for the
    same start) and how many of the used are stops without a start."""
    g = blocks.groupby("kind")
    out = pd.DataFrame({"read": g.size(),
                        "used": g["outcome"].apply(lambda s: int((s == "used").sum())),
                        "deleted": g["outcome"].apply(lambda s: int((s == "deleted").sum())),
                        "rejected": g["outcome"].apply(lambda s: int((s == "rejected").sum())),
                        "corrected": g["corrected"].apply(lambda s: int(s.sum())),
                        "stop_without_start": g["rule"].apply(lambda s: int((s == "stop_without_start").sum()))})
    return out.reset_index()


#: JZ002 RedenWijziging that, with an end date equal to the start date, withdraws an allocation
#: as if it was never sent (13; 01 in releases before 3.0)
WITHDRAWN = ("13", "01")


def allocations(messages) -> pd.DataFrame:
    """The current allocations (JW301): per child, provider and allocation number the block with
    the latest ``Toewijzingsdatum`` + ``Toewijzingstijd`` (each JW301 is a snapshot; extending the
    end date keeps the number). ``withdrawn``: ended on its start date with reason 13 — as if never
    sent (it links no referrer)."""
    rows = []
    for m in messages:
        if m.kind != "JW301":
            continue
        for b in m.blocks:
            rows.append({"bsn": m.client.get("Bsn", ""), "provider": m.header.get("Ontvanger", ""),
                         "allocation": b.get("ToewijzingNummer"), "stamp": b.get("Toewijzingsdatum") + "T"
                         + b.get("Toewijzingstijd", "00:00:00"), "category": b.get("Product/Categorie"),
                         "code": b.get("Product/Code"), "start": b.get("Ingangsdatum"), "end": b.get("Einddatum"),
                         "reference": b.get("ReferentieAanbieder"), "change": b.get("RedenWijziging")})
    cols = ["bsn", "provider", "allocation", "stamp", "category", "code", "start", "end", "reference", "change"]
    a = pd.DataFrame(rows, columns=cols)
    a = a.sort_values("stamp", kind="stable").drop_duplicates(["bsn", "provider", "allocation"], keep="last")
    a["withdrawn"] = a["change"].isin(WITHDRAWN) & (a["end"] == a["start"]) & (a["end"] != "")
    return a.reset_index(drop=True)


def attach_referrer(episodes: pd.DataFrame, allocs: pd.DataFrame, messages) -> pd.DataFrame:
    """``referrer`` (COD327) of each episode: from the JW315 request whose ``ReferentieAanbieder``
    the episode's allocation carries (same child and provider; the latest request if several); empty
    for an allocation without a request, a withdrawn one, or none."""
    reqs = []
    for m in messages:
        if m.kind != "JW315":
            continue
        for b in m.blocks:
            reqs.append({"bsn": m.client.get("Bsn", ""), "provider": m.header.get("Afzender", ""),
                         "reference": b.get("ReferentieAanbieder"), "referrer": b.get("Verwijzer/Type"),
                         "date": m.date})
    r = pd.DataFrame(reqs, columns=["bsn", "provider", "reference", "referrer", "date"])
    r = r.sort_values("date", kind="stable").drop_duplicates(["bsn", "provider", "reference"], keep="last")
    live = allocs.loc[~allocs["withdrawn"], ["bsn", "provider", "allocation", "reference"]]
    link = live.merge(r[["bsn", "provider", "reference", "referrer"]], on=["bsn", "provider", "reference"], how="left")
    out = episodes.merge(link[["bsn", "provider", "allocation", "referrer"]], on=["bsn", "provider", "allocation"],
                         how="left")
    out["referrer"] = out["referrer"].fillna("")
    return out
