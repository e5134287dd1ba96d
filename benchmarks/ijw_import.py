"""How long ``workbench import-ijw`` takes per 100,000 messages (issue 16).

Writes ``--messages`` iJw 3.2 messages into a zip (a start and a stop per episode, one product
block each, for about ``--messages / 2`` children; every 50th start delivered twice, as archives
hold them), then times
:func:`analysis.registry.ijw_import.import_archive` on it: reading, parsing, rebuilding and
pseudonymising. No peer: no other tool reads these messages.

    .venv/bin/python benchmarks/ijw_import.py [--messages 100000]
    .venv/bin/python benchmarks/ijw_import.py --synthetic 40000

``--synthetic CHILDREN`` times instead the archive that ``workbench synth --ijw`` writes for a
municipality of that many children: all four message types (JW301 snapshots, JW315 requests),
releases 3.0–3.2, envelopes, planted corrections, temporary stops and rule breakers, one file per
message in a folder, imported with its product list.

The last line: seconds per 100,000 messages.
"""
from __future__ import annotations

import argparse
import io
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "registry"))

from test_ijw_parse import START, message   # noqa: E402  (the tests' hand-written message shapes)

STOP = ("<jw307:StopProduct><jw307:ToewijzingNummer>{nr}</jw307:ToewijzingNummer>"
        "<jw307:Product><ijw:Categorie>45</ijw:Categorie><ijw:Code>45A01</ijw:Code></jw307:Product>"
        "<jw307:Begindatum>2021-02-15</jw307:Begindatum><jw307:RedenBeeindiging>31</jw307:RedenBeeindiging>"
        "<jw307:Einddatum>2021-06-30</jw307:Einddatum><jw307:StatusAanlevering>1</jw307:StatusAanlevering></jw307:StopProduct>")


def archive(n_messages: int) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        k = 0
        child = 0
        while k < n_messages:
            bsn = f"{100000000 + child:09d}"
            nr = str(1000 + child)
            start = message("jw305", "438", START.format(status="1").replace("4711", nr), bsn=bsn)
            zf.writestr(f"{child // 1000}/s{child}.xml", start.replace(b"M0001", f"S{child}".encode()))
            k += 1
            if child % 50 == 0 and k < n_messages:          # delivered twice
                zf.writestr(f"{child // 1000}/s{child}b.xml", start.replace(b"M0001", f"D{child}".encode()))
                k += 1
            stop = message("jw307", "440", STOP.format(nr=nr), bsn=bsn).replace(b"2021-03-01", b"2021-07-02")
            if k < n_messages:
                zf.writestr(f"{child // 1000}/e{child}.xml", stop.replace(b"M0001", f"E{child}".encode()))
                k += 1
            child += 1
    return buf.getvalue()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--synthetic", type=int, metavar="CHILDREN",
                    help="time the archive of a synthetic municipality of this many children instead")
    a = ap.parse_args()
    from analysis.registry.ijw_import import import_archive
    if a.synthetic:
        synthetic(a.synthetic)
        return
    t0 = time.perf_counter()
    data = archive(a.messages)
    t_write = time.perf_counter() - t0
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "archief.zip"
        path.write_bytes(data)
        t0 = time.perf_counter()
        res = import_archive(path, b"0123456789abcdef0123456789abcdef")
        took = time.perf_counter() - t0
    acc = res.account.set_index("kind")
    print(f"{a.messages:,} messages ({len(data) / 1e6:.1f} MB zipped, written in {t_write:.1f} s): "
          f"{len(res.episodes):,} episodes; JW305 read {acc.loc['JW305', 'read']:,}, rejected "
          f"{acc.loc['JW305', 'rejected']:,}; import {took:.1f} s")
    print(f"import-ijw: {took / a.messages * 100_000:.1f} s per 100,000 messages")


def synthetic(children: int) -> None:
    from analysis.registry.ijw_import import import_archive, read_products
    from analysis.synth.generate import write_municipality
    from analysis.synth.ijw import synthetic_key
    from analysis.synth.params import Municipality, SynthParams
    p = SynthParams(ijw=True, municipalities=(Municipality("0037", "Synthetisch", children),))
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        write_municipality(Path(tmp) / "raw", p.municipalities[0], p, truth=False, ijw=Path(tmp) / "ijw")
        t_write = time.perf_counter() - t0
        folder = Path(tmp) / "ijw" / "0037"
        files = sum(1 for _ in (folder / "berichten").rglob("*.xml"))
        t0 = time.perf_counter()
        res = import_archive(folder / "berichten", synthetic_key(p.seed, "0037"), read_products(folder / "products.csv"))
        took = time.perf_counter() - t0
        import json
        n = json.loads((folder / "manifest.json").read_text())["messages"]
    print(f"synthetic municipality of {children:,} children: {files:,} files, {n:,} messages (registry and archive "
          f"written in {t_write:.1f} s); {len(res.episodes):,} episodes; import {took:.1f} s")
    print(f"import-ijw: {took / n * 100_000:.1f} s per 100,000 messages")


if __name__ == "__main__":
    main()
