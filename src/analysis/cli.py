"""The ``workbench`` command.

    workbench synth --out DIR [--seed N] [--municipality CODE:CHILDREN ...] [--prevent P]
                    [--delay-months D] [--unmeasured-confounding U] [--messy] [--complete-registration]
    workbench validate DIR [--processed DIR]      exit 0 clean, 1 rows rejected, 2 unreadable
    workbench pseudonymise IN OUT [--key-file F]  (or WORKBENCH_PSEUDONYM_KEY)
    workbench batch [--municipality CODE ...] [--workers N | --scheduler ADDRESS] [--force] [--lang nl|en] ...
                                                  exit 0 all done, 1 a municipality failed (named)
    workbench publish [--out OUT] [--lang nl|en] [--pdf]   exit 3 when the disclosure scan refuses
    workbench run [same options as batch]         batch, then publish
    workbench docs [--out FILE] [--check]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import paths
from .errors import BSNFoundError, ParameterError, RegistryError, WorkbenchError
from .publish import DisclosureRefused
from .progress import bar

EXIT_OK, EXIT_REJECTED, EXIT_UNREADABLE, EXIT_REFUSED = 0, 1, 2, 3


def _municipality(text: str):
    from .synth.params import DEMO_MUNICIPALITIES, Municipality
    code, _, children = text.partition(":")
    if not (len(code) == 4 and code.isdigit()) or not children.isdigit():
        raise argparse.ArgumentTypeError(f"expected CODE:CHILDREN such as 0037:6000, got {text!r}")
    names = {m.code: m.name for m in DEMO_MUNICIPALITIES}
    return Municipality(code, names.get(code, f"Synthetische gemeente {code}"), int(children))


def cmd_synth(a: argparse.Namespace) -> int:
    from .synth.generate import synthesize
    from .synth.params import SynthParams
    kw = {}
    if a.municipality:
        kw["municipalities"] = tuple(a.municipality)
    p = SynthParams(seed=a.seed, prevent=a.prevent, delay_months=a.delay_months,
                    unmeasured_confounding=a.unmeasured_confounding, messy=a.messy,
                    light_registration="complete" if a.complete_registration else "realistic", **kw)
    for folder in synthesize(Path(a.out), p, progress=bar("synth")):
        print(f"{folder}: synthetic registry (SYNTHETISCHE DATA), ground truth in ground_truth.json")
    return EXIT_OK


def delivery_folders(path: Path) -> list[Path]:
    """``path`` itself when it is one delivery, else its sub-folders that are deliveries."""
    path = Path(path)
    if (path / "delivery.yml").exists() or (path / "mapping.yml").exists():
        return [path]
    subs = sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")) if path.is_dir() else []
    if not subs:
        raise RegistryError("no delivery here: expected delivery.yml or mapping.yml, or one folder per "
                            "municipality", file=str(path))
    return subs


def validate_and_save(folder: Path, processed: Path) -> tuple[str, dict]:
    from .registry.store import save
    from .registry.validate import validate_delivery
    result = validate_delivery(folder, progress=bar(f"validate {folder.name}"))
    out = save(result, processed)
    return str(out), result.quality()


def _report(folder: Path, out: str, q: dict) -> None:
    print(f"{folder}: {q['rows_in']} rows in, {q['accepted']} accepted, {q['rejected']} rejected, "
          f"{q['merged_rows']} merged into overlapping episodes → {out}")
    for name, t in q["tables"].items():
        if t["rejected"]:
            rules = ", ".join(f"{r} {n}" for r, n in t["rejected_by_rule"].items())
            print(f"  {name}: rejected {t['rejected']} ({rules}); see {out}/rejected/{name}.csv")
            if "bsn_like_value" in t["rejected_by_rule"]:
                print("  BSN-like values were refused and masked: pseudonymise the export with "
                      "`workbench pseudonymise` / BSN's geweigerd: pseudonimiseer eerst.")


def cmd_validate(a: argparse.Namespace) -> int:
    code = EXIT_OK
    for folder in delivery_folders(Path(a.dir)):
        out, q = validate_and_save(folder, Path(a.processed))
        _report(folder, out, q)
        if q["rejected"]:
            code = EXIT_REJECTED
    return code


def cmd_pseudonymise(a: argparse.Namespace) -> int:
    from .registry.pseudonymise import load_key, pseudonymise_folder
    key = load_key(Path(a.key_file) if a.key_file else None)
    for f in pseudonymise_folder(Path(a.input), Path(a.output), key, a.column or None):
        replaced = ", ".join(f"{c}: {n}" for c, n in f.columns.items()) or "no BSNs found"
        print(f"{f.file}: {f.rows} rows; replaced {replaced}")
    print(f"Pseudonymised delivery in {a.output} (the key was not written anywhere).")
    return EXIT_OK


def cmd_docs(a: argparse.Namespace) -> int:
    from .registry.docs import render
    text = render()
    out = Path(a.out)
    if a.check:
        if not out.exists() or out.read_text(encoding="utf-8") != text:
            print(f"{out} is out of date: run `workbench docs --out {out}`", file=sys.stderr)
            return EXIT_REJECTED
        return EXIT_OK
    from .io import write_text
    write_text(out, text)
    print(f"wrote {out}")
    return EXIT_OK


def _folders(a: argparse.Namespace) -> list[Path]:
    data = Path(a.data_dir)
    folders = delivery_folders(data)
    if a.municipality:
        wanted = set(a.municipality)
        folders = [f for f in folders if f.name in wanted]
        missing = wanted - {f.name for f in folders}
        if missing:
            raise RegistryError(f"no delivery for municipality {sorted(missing)}", file=str(data))
    return folders


ANALYSIS_OPTIONS = ("n_boot", "n_boot_sensitivity", "seed", "grace_months", "tau_months", "lag_days", "lang")


def cmd_batch(a: argparse.Namespace) -> int:
    from .runner import batch, make_units
    analysis = {k: getattr(a, k) for k in ANALYSIS_OPTIONS if getattr(a, k) is not None}
    units = make_units(_folders(a), processed=Path(a.processed), out=Path(a.out), analysis=analysis,
                       workers=a.workers, scheduler=a.scheduler, cell_timeout=a.cell_timeout, force=a.force)
    where = f"Dask scheduler {a.scheduler}" if a.scheduler else f"{a.workers} worker(s)"
    print(f"{len(units)} municipalities on {where}")
    results = batch(units, workers=a.workers, scheduler=a.scheduler, progress=True)
    for r in results:
        print(("  " if r.status != "failed" else "! ") + r.line(), file=sys.stderr if r.status == "failed" else sys.stdout)
    failed = [r.code for r in results if r.status == "failed"]
    print(f"{len(results) - len(failed)} done ({sum(r.status == 'skipped' for r in results)} unchanged, skipped), "
          f"{len(failed)} failed{': ' + ', '.join(failed) if failed else ''}")
    return EXIT_REJECTED if failed else EXIT_OK


def cmd_run(a: argparse.Namespace) -> int:
    code = cmd_batch(a)
    a.reports, a.pdf = a.out, False
    return max(code, cmd_publish(a))


def cmd_publish(a: argparse.Namespace) -> int:
    from .publish import publish
    pub = publish(Path(a.reports), Path(a.out), processed=Path(a.processed), lang=a.lang, pdf=a.pdf,
                  progress=bar("publish"))
    for code, files in pub.appendices.items():
        print(f"  {code}: " + ", ".join(f.name for f in files))
    for code, why in pub.failed.items():
        print(f"  {code}: not published ({why})", file=sys.stderr)
    print(f"published {len(pub.appendices)} municipalities, disclosure scan clean → {pub.index}")
    return EXIT_OK


def _batch_options(r: argparse.ArgumentParser) -> None:
    r.add_argument("--municipality", action="append", metavar="CODE", help="only these (default: every folder)")
    r.add_argument("--data-dir", default=str(paths.RAW_DIR))
    r.add_argument("--processed", default=str(paths.PROCESSED_DIR))
    r.add_argument("--out", default=str(paths.REPORTS_DIR))
    r.add_argument("--workers", type=int, default=1, help="municipalities at once in a local process pool")
    r.add_argument("--scheduler", metavar="ADDRESS", help="run the units on this Dask distributed scheduler")
    r.add_argument("--force", action="store_true", help="rerun units whose inputs, parameters and code are unchanged")
    r.add_argument("--cell-timeout", type=int, default=1800, metavar="SECONDS")
    r.add_argument("--lang", choices=("nl", "en"))
    r.add_argument("--seed", type=int)
    r.add_argument("--n-boot", type=int)
    r.add_argument("--n-boot-sensitivity", type=int)
    r.add_argument("--grace-months", type=int)
    r.add_argument("--tau-months", type=int)
    r.add_argument("--lag-days", type=int)


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="workbench", description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    s = sub.add_parser("synth", help="write synthetic registries with a known causal truth")
    s.add_argument("--out", required=True)
    s.add_argument("--seed", type=int, default=20261123)
    s.add_argument("--municipality", type=_municipality, action="append", metavar="CODE:CHILDREN")
    s.add_argument("--prevent", type=float, default=0.6)
    s.add_argument("--delay-months", type=float, default=6.0)
    s.add_argument("--unmeasured-confounding", type=float, default=0.0)
    s.add_argument("--messy", action="store_true", help="inject registration defects (with a manifest)")
    s.add_argument("--complete-registration", action="store_true",
                   help="every provider type registers light support from the registry start")
    s.set_defaults(func=cmd_synth)
    v = sub.add_parser("validate", help="validate deliveries: exit 0 clean, 1 rows rejected, 2 unreadable")
    v.add_argument("dir")
    v.add_argument("--processed", default=str(paths.PROCESSED_DIR))
    v.set_defaults(func=cmd_validate)
    p = sub.add_parser("pseudonymise", help="replace BSNs by keyed HMAC-SHA-256 pseudonyms")
    p.add_argument("input")
    p.add_argument("output")
    p.add_argument("--key-file", help="file with the secret key (else $WORKBENCH_PSEUDONYM_KEY)")
    p.add_argument("--column", action="append", help="only these columns (default: every column with BSNs)")
    p.set_defaults(func=cmd_pseudonymise)
    r = sub.add_parser("run", help="batch, then publish: the main job")
    _batch_options(r)
    r.set_defaults(func=cmd_run)
    b = sub.add_parser("batch", help="run the appendices of every municipality (skips unchanged ones)")
    _batch_options(b)
    b.set_defaults(func=cmd_batch)
    u = sub.add_parser("publish", help="render HTML appendices and index.html; refuses on a disclosure problem")
    u.add_argument("--reports", default=str(paths.REPORTS_DIR), help="where `workbench batch` wrote")
    u.add_argument("--out", default=str(paths.REPORTS_DIR))
    u.add_argument("--processed", default=str(paths.PROCESSED_DIR))
    u.add_argument("--lang", choices=("nl", "en"))
    u.add_argument("--pdf", action="store_true", help="also print every appendix to PDF (needs Chromium)")
    u.set_defaults(func=cmd_publish)
    d = sub.add_parser("docs", help="generate docs/registration-format.md from the format definition")
    d.add_argument("--out", default=str(paths.PROJECT_ROOT / "docs" / "registration-format.md"))
    d.add_argument("--check", action="store_true", help="exit 1 when the file is out of date")
    d.set_defaults(func=cmd_docs)
    return ap


def main(argv: list[str] | None = None) -> int:
    a = build_parser().parse_args(argv)
    try:
        return a.func(a)
    except BSNFoundError as exc:
        print(f"refused / geweigerd: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    except RegistryError as exc:
        print(f"cannot read the delivery / levering onleesbaar: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    except ParameterError as exc:
        print(f"parameter error: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE
    except KeyboardInterrupt:
        print("interrupted / onderbroken: running units and their kernels were stopped", file=sys.stderr)
        return 130
    except DisclosureRefused as exc:
        print(f"{exc}\nNothing was published / er is niets gepubliceerd.", file=sys.stderr)
        return EXIT_REFUSED
    except WorkbenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_UNREADABLE


if __name__ == "__main__":
    sys.exit(main())
