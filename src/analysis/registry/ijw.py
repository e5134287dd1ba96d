"""Reading iJw messages (iStandaarden, Jeugdwet; releases 3.0, 3.1, 3.2): one message file → its
header, its client and its product blocks, each block with the XPath of its element.

This is the parsing layer of ``workbench import-ijw`` (issue 16): the messages that carry specialist
care — JW301 allocations (``ToegewezenProduct``), JW305 starts (``StartProduct``), JW307 stops
(``StopProduct``) and JW315 requests (``AangevraagdProduct``, with the referrer) — read from their
namespaces (``http://www.istandaarden.nl/ijw/3_2/jw305/schema`` and the basisschema namespace of the
composite types), also inside a StUF-GGk envelope (the message base64-encoded in ``xmlBestand``).
Rebuilding episodes from the messages is the importer's next layer.

Every error names the file and the element (an XPath with the message's own prefixes ``jwNNN:`` and
``ijw:``); nothing is guessed: an unknown namespace or message, a missing required element or
malformed XML stops with that file named. XML with a document type declaration is refused (entity
expansion); the standard's messages have none.
"""
from __future__ import annotations

import base64
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

from ..errors import RegistryError

#: BerichtCode → message, and the list and block elements of its product blocks
MESSAGES = {"436": "JW301", "438": "JW305", "440": "JW307", "446": "JW315"}
BLOCKS = {"JW301": ("ToegewezenProducten", "ToegewezenProduct"), "JW305": ("StartProducten", "StartProduct"),
          "JW307": ("StopProducten", "StopProduct"), "JW315": ("AangevraagdeProducten", "AangevraagdProduct")}
RELEASES = ("3.0", "3.1", "3.2")
_NS = re.compile(r"^http://www\.istandaarden\.nl/ijw/(\d)_(\d)/(jw\d{3}|basisschema)/schema$")
#: elements every message must have (paths below the root, local names)
REQUIRED = ("Header/BerichtCode", "Header/BerichtIdentificatie/Identificatie",
            "Header/BerichtIdentificatie/Dagtekening", "Header/Afzender", "Header/Ontvanger", "Client/Bsn")
#: per message, the block fields that must be there (local names; composite fields as Parent/Child)
BLOCK_REQUIRED = {"JW301": ("ToewijzingNummer", "Ingangsdatum", "Toewijzingsdatum"),
                  "JW305": ("Begindatum", "StatusAanlevering"),
                  "JW307": ("Begindatum", "RedenBeeindiging", "Einddatum", "StatusAanlevering"),
                  "JW315": ("ReferentieAanbieder",)}


class IjwError(RegistryError):
    """A message that cannot be read: names the file and the element."""

    def __init__(self, message: str, file: str, element: str | None = None):
        super().__init__(message + (f" (element {element})" if element else ""), file=file)
        self.element = element


@dataclass
class Block:
    """One product block: its fields by local-name path (``Product/Categorie``) and its XPath."""

    fields: dict[str, str]
    xpath: str

    def get(self, name: str, default: str = "") -> str:
        return self.fields.get(name, default)


@dataclass
class Message:
    file: str
    kind: str                 # JW301, JW305, JW307, JW315
    release: str              # 3.0, 3.1, 3.2
    header: dict[str, str]
    client: dict[str, str]    # Bsn, Geboortedatum/Datum, … (never written anywhere: pseudonymise on reading)
    blocks: list[Block] = field(default_factory=list)

    @property
    def identification(self) -> str:
        return self.header.get("BerichtIdentificatie/Identificatie", "")

    @property
    def date(self) -> str:
        return self.header.get("BerichtIdentificatie/Dagtekening", "")


def _local(tag: str) -> tuple[str | None, str]:
    if tag.startswith("{"):
        ns, _, name = tag[1:].partition("}")
        return ns, name
    return None, tag


def _flatten(el: ET.Element, prefix: str = "") -> dict[str, str]:
    """Leaf texts by local-name path below ``el``."""
    out = {}
    for child in el:
        name = prefix + _local(child.tag)[1]
        if len(child):
            out.update(_flatten(child, name + "/"))
        else:
            out[name] = (child.text or "").strip()
    return out


def _unwrap(root: ET.Element, file: str) -> list[bytes] | None:
    """The messages inside a StUF-GGk envelope (``xmlBestand``, base64), or None for a bare message."""
    found = [el for el in root.iter() if _local(el.tag)[1] == "xmlBestand"]
    if not found:
        return None
    out = []
    for el in found:
        try:
            out.append(base64.b64decode((el.text or "").strip(), validate=True))
        except (ValueError, TypeError):
            raise IjwError("the envelope's xmlBestand is not base64", file, "xmlBestand") from None
    return out


def _parse_xml(data: bytes, file: str) -> ET.Element:
    if b"<!DOCTYPE" in data[:4096].upper().replace(b"<!doctype", b"<!DOCTYPE"):
        raise IjwError("XML with a document type declaration is refused (entities); iJw messages have none", file)
    try:
        return ET.fromstring(data)
    except ET.ParseError as exc:
        line, col = exc.position
        raise IjwError(f"malformed XML at line {line}, column {col}: {exc}", file) from None


def parse_messages(data: bytes, file: str) -> list[Message]:
    """The messages in one file: one bare message, or those of a StUF-GGk envelope."""
    root = _parse_xml(data, file)
    inner = _unwrap(root, file)
    if inner is None:
        return [_message(root, file)]
    return [_message(_parse_xml(d, f"{file} (envelope, message {k + 1})"), f"{file} (envelope, message {k + 1})")
            for k, d in enumerate(inner)]


def _message(root: ET.Element, file: str) -> Message:
    ns, name = _local(root.tag)
    m = _NS.match(ns or "")
    if name != "Bericht" or not m:
        raise IjwError(f"not an iJw message: root {name!r} in namespace {ns!r} (expected Bericht in "
                       "http://www.istandaarden.nl/ijw/3_x/jwNNN/schema)", file, f"/{name}")
    release, kind_ns = f"{m.group(1)}.{m.group(2)}", m.group(3).upper()
    if release not in RELEASES:
        raise IjwError(f"iJw release {release} is not read (releases {', '.join(RELEASES)})", file, f"/{name}")
    prefix = kind_ns.lower()
    for el in root.iter():     # every element in a known iJw namespace of this release
        ens, ename = _local(el.tag)
        em = _NS.match(ens or "")
        if not em or f"{em.group(1)}.{em.group(2)}" != release or em.group(3) not in (kind_ns.lower(), "basisschema"):
            raise IjwError(f"element {ename!r} in an unknown namespace {ens!r} (expected the {kind_ns} or the "
                           f"basisschema namespace of release {release})", file, f"//{ename}")
    header_el = root.find(f"{{{ns}}}Header")
    client_el = root.find(f"{{{ns}}}Client")
    header = _flatten(header_el) if header_el is not None else {}
    client = _flatten(client_el) if client_el is not None else {}
    values = {**{f"Header/{k}": v for k, v in header.items()}, **{f"Client/{k}": v for k, v in client.items()}}
    for path in REQUIRED:
        if not values.get(path):
            xp = "/" + f"{prefix}:Bericht/" + "/".join(
                (f"ijw:{p}" if p in ("Identificatie", "Dagtekening") else f"{prefix}:{p}") for p in path.split("/"))
            raise IjwError(f"required element missing or empty: {path}", file, xp)
    code = header["BerichtCode"]
    kind = MESSAGES.get(code)
    if kind is None:
        raise IjwError(f"BerichtCode {code} is not a message the importer reads "
                       f"({', '.join(f'{c} {k}' for c, k in MESSAGES.items())})", file,
                       f"/{prefix}:Bericht/{prefix}:Header/{prefix}:BerichtCode")
    if kind != kind_ns:
        raise IjwError(f"BerichtCode {code} ({kind}) in the namespace of {kind_ns}", file,
                       f"/{prefix}:Bericht/{prefix}:Header/{prefix}:BerichtCode")
    list_name, block_name = BLOCKS[kind]
    blocks = []
    holder = client_el.find(f"{{{ns}}}{list_name}")
    for k, b in enumerate(holder.findall(f"{{{ns}}}{block_name}") if holder is not None else [], start=1):
        xp = f"/{prefix}:Bericht/{prefix}:Client/{prefix}:{list_name}/{prefix}:{block_name}[{k}]"
        fields = _flatten(b)
        for need in BLOCK_REQUIRED[kind]:
            if not fields.get(need):
                raise IjwError(f"required element missing or empty in {block_name} {k}: {need}", file,
                               f"{xp}/{prefix}:{need}")
        blocks.append(Block(fields=fields, xpath=xp))
    client = {k: v for k, v in client.items() if not k.startswith(list_name + "/")}
    return Message(file=file, kind=kind, release=release, header=header, client=client, blocks=blocks)


def read_archive(path) -> tuple[list[Message], list[dict]]:
    """Every message of a folder (searched recursively) or a zip of iJw XML files, and the files
    that could not be read (``file``, ``element``, ``reason``): a broken file is named and set aside,
    the others are read; nothing is left out silently. Files that are not ``.xml`` are listed as
    ``not_xml`` (an archive may hold retour messages' PDFs, logs, …)."""
    import zipfile
    from pathlib import Path
    path = Path(path)
    if path.is_dir():
        items = [(str(p.relative_to(path)), p.read_bytes) for p in sorted(path.rglob("*")) if p.is_file()]
    elif path.is_file() and zipfile.is_zipfile(path):
        zf = zipfile.ZipFile(path)
        items = [(n, (lambda n=n: zf.read(n))) for n in sorted(zf.namelist()) if not n.endswith("/")]
    else:
        raise RegistryError("not a folder or a zip file of iJw messages", file=str(path))
    messages, rejected = [], []
    for name, read in items:
        if not name.lower().endswith(".xml"):
            rejected.append({"file": name, "element": "", "reason": "not_xml"})
            continue
        try:
            messages += parse_messages(read(), name)
        except IjwError as exc:
            rejected.append({"file": exc.file or name, "element": exc.element or "", "reason": exc.reason})
    return messages, rejected
