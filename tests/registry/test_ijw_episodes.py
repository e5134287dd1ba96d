"""Episodes rebuilt from iJw starts and stops: one small stream per rule, counted by hand."""
from __future__ import annotations

import pandas as pd

from analysis.registry.ijw import parse_messages
from analysis.registry.ijw_episodes import BLOCK_COLUMNS, account, block_frame, rebuild

from test_ijw_parse import START, message


def stream(*rows) -> pd.DataFrame:
    """Rows: (kind, message date, message id, status, begin, reason, end[, allocation])."""
    out = []
    for k, r in enumerate(rows):
        kind, date, mid, status, begin, reason, end = r[:7]
        out.append({"kind": kind, "date": date, "message_id": mid, "order": k, "file": f"{mid}.xml",
                    "xpath": f"/x[{k}]", "bsn": "123456782", "provider": "12345678",
                    "allocation": r[7] if len(r) > 7 else "4711", "category": "45", "code": "45A01", "begin": begin,
                    "reason": reason, "end": end, "status": status})
    return pd.DataFrame(out, columns=BLOCK_COLUMNS)


def test_a_start_and_its_stop_make_one_episode_whatever_the_file_order():
    s = stream(("JW307", "2021-07-01", "M2", "1", "2021-02-15", "31", "2021-06-30"),     # listed first
               ("JW305", "2021-03-01", "M1", "1", "2021-02-15", "", ""))
    ep, acc = rebuild(s)
    assert ep[["start", "end", "end_reason_ijw", "end_reason_bij"]].values.tolist() == [["2021-02-15", "2021-06-30", "31", "01"]]
    assert (acc["outcome"] == "used").all()


def test_a_correction_deletes_and_redelivers_and_the_account_balances():
    s = stream(("JW305", "2021-03-01", "M1", "1", "2021-02-15", "", ""),
               ("JW305", "2021-03-05", "M2", "3", "2021-02-15", "", ""),      # delete …
               ("JW305", "2021-03-05", "M2", "1", "2021-02-16", "", ""))      # … and the corrected start
    ep, acc = rebuild(s)
    assert ep["start"].tolist() == ["2021-02-16"] and ep["end"].tolist() == [""]     # still running
    a = account(acc).set_index("kind").loc["JW305"]
    assert (a["read"], a["used"], a["deleted"], a["rejected"]) == (3, 1, 2, 0)
    assert a["read"] == a["used"] + a["deleted"] + a["rejected"]


def test_duplicates_deletes_without_delivery_and_a_start_deleted_under_its_stop_are_rejected():
    s = stream(("JW305", "2021-03-01", "M1", "1", "2021-02-15", "", ""),
               ("JW305", "2021-03-02", "M2", "1", "2021-02-15", "", ""),      # delivered twice
               ("JW307", "2021-03-03", "M3", "3", "2021-02-15", "31", "2021-06-30"),   # nothing to delete
               ("JW307", "2021-07-01", "M4", "1", "2021-02-15", "31", "2021-06-30"),
               ("JW305", "2021-07-02", "M5", "3", "2021-02-15", "", ""))      # its stop still refers to it
    ep, acc = rebuild(s)
    assert acc["rule"].tolist() == ["", "duplicate_delivery", "delete_without_delivery", "", "start_deleted_after_stop"]
    assert ep[["start", "end"]].values.tolist() == [["2021-02-15", "2021-06-30"]]
    a = account(acc).set_index("kind")
    assert a.loc["JW305", "rejected"] == 2 and a.loc["JW307", "rejected"] == 1 and a["read"].sum() == 5


def test_a_temporary_stop_then_a_restart_or_a_definitive_stop():
    restart = stream(("JW305", "2021-03-01", "M1", "1", "2021-02-15", "", ""),
                     ("JW307", "2021-05-01", "M2", "1", "2021-02-15", "20", "2021-04-30"),
                     ("JW305", "2021-06-01", "M3", "1", "2021-05-20", "", ""))
    ep, _ = rebuild(restart)
    assert ep[["start", "end", "end_reason_ijw"]].values.tolist() == [["2021-02-15", "2021-04-30", "20"],
                                                                      ["2021-05-20", "", ""]]
    definitive = stream(("JW305", "2021-03-01", "M1", "1", "2021-02-15", "", ""),
                        ("JW307", "2021-05-01", "M2", "1", "2021-02-15", "20", "2021-04-30"),
                        ("JW307", "2021-08-01", "M3", "1", "2021-02-15", "33", "2021-07-31"))
    ep, _ = rebuild(definitive)
    assert ep[["start", "end", "end_reason_ijw", "end_reason_bij"]].values.tolist() == \
        [["2021-02-15", "2021-07-31", "33", "04"]]


def test_a_stop_without_a_start_gives_its_episode_from_its_own_start_date():
    s = stream(("JW307", "2021-07-01", "M1", "1", "2021-02-15", "34", "2021-06-30"),
               ("JW305", "2021-03-01", "M0", "1", "2021-01-10", "", "", "999"))     # another allocation
    ep, acc = rebuild(s)
    assert sorted(ep[["allocation", "start", "end"]].values.tolist()) == [["4711", "2021-02-15", "2021-06-30"],
                                                                          ["999", "2021-01-10", ""]]
    assert account(acc).set_index("kind").loc["JW307", "stop_without_start"] == 1


def test_from_parsed_messages():
    start = message("jw305", "438", START.format(status="1"))
    (m,) = parse_messages(start, "start.xml")
    ep, acc = rebuild(block_frame([m]))
    assert ep[["bsn", "provider", "allocation", "category", "code", "start"]].values.tolist() == \
        [["123456782", "12345678", "4711", "45", "45A01", "2021-02-15"]]
    assert acc["xpath"].tolist() == ["/jw305:Bericht/jw305:Client/jw305:StartProducten/jw305:StartProduct[1]"]


def _alloc(nr: str, stamp: str, ref: str, end: str = "", change: str = "05", start: str = "2021-02-01") -> str:
    end_el = f"<jw301:Einddatum>{end}</jw301:Einddatum>" if end else ""
    return (f"<jw301:ToegewezenProduct><jw301:ToewijzingNummer>{nr}</jw301:ToewijzingNummer>"
            f"<jw301:ReferentieAanbieder>{ref}</jw301:ReferentieAanbieder>"
            "<jw301:Product><ijw:Categorie>45</ijw:Categorie><ijw:Code>45A01</ijw:Code></jw301:Product>"
            f"<jw301:Toewijzingsdatum>{stamp}</jw301:Toewijzingsdatum><jw301:Toewijzingstijd>10:00:00</jw301:Toewijzingstijd>"
            f"<jw301:Ingangsdatum>{start}</jw301:Ingangsdatum>{end_el}<jw301:RedenWijziging>{change}</jw301:RedenWijziging>"
            "</jw301:ToegewezenProduct>")


def test_the_referrer_comes_from_the_request_through_the_allocation():
    from analysis.registry.ijw_episodes import allocations, attach_referrer
    req = ("<jw315:AangevraagdProduct><jw315:ReferentieAanbieder>REF1</jw315:ReferentieAanbieder>"
           "<jw315:Product><ijw:Categorie>45</ijw:Categorie></jw315:Product>"
           "<jw315:Verwijzer><ijw:Type>02</ijw:Type></jw315:Verwijzer></jw315:AangevraagdProduct>")
    msgs = [*parse_messages(message("jw315", "446", req), "r.xml"),
            # allocation 4711 twice (the later snapshot extends it), 5000 withdrawn as never sent
            *parse_messages(message("jw301", "436", _alloc("4711", "2021-01-20", "REF1")), "a1.xml"),
            *parse_messages(message("jw301", "436", _alloc("4711", "2021-06-01", "REF1", end="2021-12-31")), "a2.xml"),
            *parse_messages(message("jw301", "436", _alloc("5000", "2021-01-21", "REF1", end="2021-02-01", change="13")), "a3.xml"),
            *parse_messages(message("jw305", "438", START.format(status="1")), "s.xml")]
    a = allocations(msgs).set_index("allocation")
    assert a.loc["4711", "end"] == "2021-12-31" and not a.loc["4711", "withdrawn"] and a.loc["5000", "withdrawn"]
    assert a.loc["4711", "provider"] == "12345678"          # JW301's receiver is the provider
    ep, _ = rebuild(block_frame(msgs))
    ep = attach_referrer(ep, allocations(msgs), msgs)
    assert ep[["allocation", "referrer"]].values.tolist() == [["4711", "02"]]
    # without the request: no referrer (an allocation made without a JW315)
    ep2 = attach_referrer(rebuild(block_frame(msgs[1:]))[0], allocations(msgs[1:]), msgs[1:])
    assert ep2["referrer"].tolist() == [""]
