"""Reading iJw messages (the parsing layer of the importer), on small hand-written messages that
follow the structure in ``shared/notes/ijw.md``: namespaces, element paths, code lists."""
from __future__ import annotations

import base64

import pytest

from analysis.registry.ijw import IjwError, parse_messages

BASE = "http://www.istandaarden.nl/ijw/{rel}/basisschema/schema"
MSG = "http://www.istandaarden.nl/ijw/{rel}/{jw}/schema"


def message(jw: str, code: str, blocks: str, rel: str = "3_2", bsn: str = "123456782", header_extra: str = "",
            ns_msg: str | None = None) -> bytes:
    ns = ns_msg or MSG.format(rel=rel, jw=jw)
    # JW301 goes from the municipality (4-digit code) to the provider (8-digit AGB), the others back
    sender, receiver = ("0037", "12345678") if jw == "jw301" else ("12345678", "0037")
    lists = {"jw301": "ToegewezenProducten", "jw305": "StartProducten", "jw307": "StopProducten",
             "jw315": "AangevraagdeProducten"}
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<{jw}:Bericht xmlns:{jw}="{ns}" xmlns:ijw="{BASE.format(rel=rel)}">
  <{jw}:Header>
    <{jw}:BerichtCode>{code}</{jw}:BerichtCode>
    <{jw}:BerichtVersie>3</{jw}:BerichtVersie>
    <{jw}:BerichtSubversie>2</{jw}:BerichtSubversie>
    <{jw}:Afzender>{sender}</{jw}:Afzender>
    <{jw}:Ontvanger>{receiver}</{jw}:Ontvanger>
    <{jw}:BerichtIdentificatie><ijw:Identificatie>M0001</ijw:Identificatie><ijw:Dagtekening>2021-03-01</ijw:Dagtekening></{jw}:BerichtIdentificatie>
    {header_extra}
  </{jw}:Header>
  <{jw}:Client>
    <{jw}:Bsn>{bsn}</{jw}:Bsn>
    <{jw}:Geboortedatum><ijw:Datum>2012-05-01</ijw:Datum><ijw:DatumGebruik>1</ijw:DatumGebruik></{jw}:Geboortedatum>
    <{jw}:Geslacht>2</{jw}:Geslacht>
    <{jw}:{lists[jw]}>{blocks}</{jw}:{lists[jw]}>
  </{jw}:Client>
</{jw}:Bericht>
""".encode()


START = """<jw305:StartProduct>
  <jw305:ToewijzingNummer>4711</jw305:ToewijzingNummer>
  <jw305:Product><ijw:Categorie>45</ijw:Categorie><ijw:Code>45A01</ijw:Code></jw305:Product>
  <jw305:ToewijzingIngangsdatum>2021-02-01</jw305:ToewijzingIngangsdatum>
  <jw305:Begindatum>2021-02-15</jw305:Begindatum>
  <jw305:StatusAanlevering>{status}</jw305:StatusAanlevering>
</jw305:StartProduct>"""


def test_a_start_message_gives_header_client_and_its_blocks_with_their_xpath():
    data = message("jw305", "438", START.format(status="1") + START.format(status="3"))
    (m,) = parse_messages(data, "archive/start.xml")
    assert m.kind == "JW305" and m.release == "3.2" and m.identification == "M0001" and m.date == "2021-03-01"
    assert m.client["Bsn"] == "123456782" and m.client["Geboortedatum/Datum"] == "2012-05-01"
    assert [b.get("StatusAanlevering") for b in m.blocks] == ["1", "3"]
    b = m.blocks[0]
    assert b.get("ToewijzingNummer") == "4711" and b.get("Product/Categorie") == "45" and b.get("Product/Code") == "45A01"
    assert b.get("Begindatum") == "2021-02-15"
    assert m.blocks[1].xpath == "/jw305:Bericht/jw305:Client/jw305:StartProducten/jw305:StartProduct[2]"


def test_stop_allocation_and_request_messages_and_the_referrer():
    stop = """<jw307:StopProduct><jw307:ToewijzingNummer>4711</jw307:ToewijzingNummer>
      <jw307:Product><ijw:Categorie>45</ijw:Categorie></jw307:Product>
      <jw307:Begindatum>2021-02-15</jw307:Begindatum><jw307:RedenBeeindiging>20</jw307:RedenBeeindiging>
      <jw307:Einddatum>2021-06-30</jw307:Einddatum><jw307:StatusAanlevering>1</jw307:StatusAanlevering></jw307:StopProduct>"""
    (m,) = parse_messages(message("jw307", "440", stop), "stop.xml")
    assert m.kind == "JW307" and m.blocks[0].get("RedenBeeindiging") == "20" and m.blocks[0].get("Einddatum") == "2021-06-30"
    alloc = """<jw301:ToegewezenProduct><jw301:ToewijzingNummer>4711</jw301:ToewijzingNummer>
      <jw301:ReferentieAanbieder>REF9</jw301:ReferentieAanbieder>
      <jw301:Product><ijw:Categorie>45</ijw:Categorie></jw301:Product>
      <jw301:Toewijzingsdatum>2021-01-20</jw301:Toewijzingsdatum><jw301:Toewijzingstijd>10:15:00</jw301:Toewijzingstijd>
      <jw301:Ingangsdatum>2021-02-01</jw301:Ingangsdatum><jw301:RedenWijziging>13</jw301:RedenWijziging></jw301:ToegewezenProduct>"""
    (m,) = parse_messages(message("jw301", "436", alloc), "alloc.xml")
    assert m.kind == "JW301" and m.blocks[0].get("ReferentieAanbieder") == "REF9" and m.blocks[0].get("Einddatum") == ""
    req = """<jw315:AangevraagdProduct><jw315:ReferentieAanbieder>REF9</jw315:ReferentieAanbieder>
      <jw315:Product><ijw:Categorie>45</ijw:Categorie></jw315:Product>
      <jw315:ToewijzingIngangsdatum>2021-02-01</jw315:ToewijzingIngangsdatum>
      <jw315:Verwijzer><ijw:Type>02</ijw:Type><ijw:ZorgverlenerCode>01999999</ijw:ZorgverlenerCode></jw315:Verwijzer>
      </jw315:AangevraagdProduct>"""
    (m,) = parse_messages(message("jw315", "446", req), "request.xml")
    assert m.kind == "JW315" and m.blocks[0].get("Verwijzer/Type") == "02"


def test_release_3_0_is_read_and_an_unknown_release_or_namespace_is_named():
    (m,) = parse_messages(message("jw305", "438", START.format(status="1"), rel="3_0"), "old.xml")
    assert m.release == "3.0"
    with pytest.raises(IjwError, match="release 2.3 is not read") as err:
        parse_messages(message("jw305", "438", START.format(status="1"), rel="2_3"), "older.xml")
    assert err.value.file == "older.xml"
    with pytest.raises(IjwError, match="not an iJw message") as err:
        parse_messages(message("jw305", "438", START.format(status="1"), ns_msg="http://example.org/jw305"), "odd.xml")
    assert err.value.file == "odd.xml" and err.value.element == "/Bericht"


def test_missing_elements_malformed_xml_and_a_wrong_code_name_file_and_element():
    with pytest.raises(IjwError, match="Client/Bsn") as err:
        parse_messages(message("jw305", "438", START.format(status="1"), bsn=""), "a/no_bsn.xml")
    assert err.value.file == "a/no_bsn.xml" and err.value.element == "/jw305:Bericht/jw305:Client/jw305:Bsn"
    no_start = START.format(status="1").replace("<jw305:Begindatum>2021-02-15</jw305:Begindatum>", "")
    with pytest.raises(IjwError, match="StartProduct 1: Begindatum") as err:
        parse_messages(message("jw305", "438", no_start), "b.xml")
    assert err.value.element.endswith("jw305:StartProduct[1]/jw305:Begindatum")
    with pytest.raises(IjwError, match="malformed XML at line") as err:
        parse_messages(message("jw305", "438", START.format(status="1"))[:-30], "c.xml")
    assert err.value.file == "c.xml"
    with pytest.raises(IjwError, match=r"BerichtCode 440 \(JW307\) in the namespace of JW305"):
        parse_messages(message("jw305", "440", START.format(status="1")), "d.xml")
    with pytest.raises(IjwError, match="BerichtCode 486 is not a message the importer reads"):
        parse_messages(message("jw305", "486", START.format(status="1")), "e.xml")
    with pytest.raises(IjwError, match="document type declaration"):
        parse_messages(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>', "f.xml")


def test_messages_in_a_stuf_ggk_envelope():
    inner = [message("jw305", "438", START.format(status="1")), message("jw305", "438", START.format(status="3"))]
    env = ("<soap:Envelope xmlns:soap='http://schemas.xmlsoap.org/soap/envelope/' xmlns:GGK='http://www.stufggk.nl' "
           "xmlns:StUF='http://www.egem.nl/StUF/StUF0301'><soap:Body>"
           + "".join(f"<GGK:bericht><StUF:functie>JW305</StUF:functie><GGK:xmlBestand>{base64.b64encode(d).decode()}"
                     "</GGK:xmlBestand></GGK:bericht>" for d in inner)
           + "</soap:Body></soap:Envelope>").encode()
    ms = parse_messages(env, "envelope.xml")
    assert [m.blocks[0].get("StatusAanlevering") for m in ms] == ["1", "3"]
    assert ms[1].file == "envelope.xml (envelope, message 2)"
    bad = env.replace(base64.b64encode(inner[0]), b"not base64!")
    with pytest.raises(IjwError, match="not base64"):
        parse_messages(bad, "envelope.xml")


def test_an_element_in_a_foreign_namespace_inside_a_message_is_named():
    block = START.format(status="1").replace("</jw305:StartProduct>", "<x:Extra xmlns:x='http://example.org/x'>1</x:Extra></jw305:StartProduct>")
    with pytest.raises(IjwError, match="'Extra' in an unknown namespace") as err:
        parse_messages(message("jw305", "438", block), "g.xml")
    assert err.value.element == "//Extra" and err.value.file == "g.xml"


def test_an_archive_folder_or_zip_is_read_and_broken_files_are_named_not_lost(tmp_path):
    import zipfile
    from analysis.registry.ijw import read_archive
    folder = tmp_path / "archief"
    (folder / "2021").mkdir(parents=True)
    (folder / "2021" / "start.xml").write_bytes(message("jw305", "438", START.format(status="1")))
    (folder / "2021" / "kapot.xml").write_bytes(message("jw305", "438", START.format(status="1"))[:-40])
    (folder / "leesmij.txt").write_text("log")
    msgs, bad = read_archive(folder)
    assert [m.file for m in msgs] == ["2021/start.xml"]
    assert [(b["file"], b["reason"][:13]) for b in bad] == [("2021/kapot.xml", "malformed XML"), ("leesmij.txt", "not_xml")]
    zpath = tmp_path / "archief.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(folder).as_posix())
    zmsgs, zbad = read_archive(zpath)
    assert [m.file for m in zmsgs] == ["2021/start.xml"] and len(zbad) == 2
    from analysis.errors import RegistryError
    with pytest.raises(RegistryError, match="not a folder or a zip"):
        read_archive(folder / "leesmij.txt")
