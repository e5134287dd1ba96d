"""The ``workbench`` command.

    workbench synth --out DIR [--seed N] [--municipality CODE:CHILDREN ...] [--prevent P] [--ijw DIR]
                    [--delay-months D] [--reduce R] [--unmeasured-confounding U] [--messy] [--complete-registration]
                    [--registration TYPE:FROM[-TO]:SENSITIVITY ...] [--misdeclare]
                    [--region N | --national] [--scale F] [--no-truth]
    workbench validate DIR [--processed DIR]      exit 0 clean, 1 rows rejected, 2 unreadable
    workbench pseudonymise IN OUT [--key-file F]  (or WORKBENCH_PSEUDONYM_KEY)
    workbench mapping draft EXPORT_DIR [--out FILE] [--force]   a first mapping.yml, TODOs where it cannot tell
    workbench import-ijw ARCHIVE --out DIR [--key-file F] [--products F]
                                                  specialist episodes from iJw messages (exit 1: rejections)
    workbench batch [--municipality CODE ...] [--workers N | --scheduler ADDRESS] [--force] [--lang nl|en]
                    [--runs DIR] ...              exit 0 all done, 1 a municipality failed (named)
    workbench publish [--runs DIR] [--out OUT] [--lang nl|en] [--pdf]
                                                  exit 3 when the disclosure scan refuses
    workbench run [same options as batch] [--out OUT]   batch, then publish
    workbench pooled [--processed DIR] [--municipality CODE ...] [--n-boot N] [--workers N] [--out FILE]
                                                  the primary trial pooled over municipalities
    workbench docs [--out FILE] [--check]
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import paths
from .errors import BSNFoundError, ParameterError, RegistryError, WorkbenchError
from .report.publish import DisclosureRefused
from .progress import bar

EXIT_OK, EXIT_REJECTED, EXIT_UNREADABLE, EXIT_REFUSED = 0, 1, 2, 3


def _municipality(text: str):
    from .synth.params import DEMO_MUNICIPALITIES, Municipality
    code, _, rest = text.partition(":")
    children, _, wait = rest.partition(":")
    if not (len(code) == 4 and code.isdigit()) or not children.isdigit() or (wait and not wait.isdigit()) \
            or (wait and int(wait) == 0):
        raise argparse.ArgumentTypeError("expected CODE:CHILDREN or CODE:CHILDREN:WAIT_DAYS (the median wait for "
                                         f"specialist care) such as 0037:6000 or 0037:6000:90, got {text!r}")
    names = {m.code: m.name for m in DEMO_MUNICIPALITIES}
    extra = {"wait_median_days": float(wait)} if wait else {}
    return Municipality(code, names.get(code, f"Synthetische gemeente {code}"), int(children), **extra)


def cmd_synth(a: argparse.Namespace) -> int:
    from .synth.generate import synthesize
    from .synth.params import SynthParams
    from .synth.regions import NATIONAL_CHILDREN, NATIONAL_MUNICIPALITIES, municipalities
    kw = {}
    if sum(bool(x) for x in (a.municipality, a.region, a.national)) > 1:
        raise ParameterError("give one of --municipality, --region and --national")
    if a.municipality:
        kw["municipalities"] = tuple(a.municipality)
    elif a.region:
        kw["municipalities"] = municipalities(a.region, scale=a.scale)
    elif a.national:
        kw["municipalities"] = municipalities(NATIONAL_MUNICIPALITIES, NATIONAL_CHILDREN, scale=a.scale)
    p = SynthParams(seed=a.seed, prevent=a.prevent, delay_months=a.delay_months, reduce=a.reduce,
                    unmeasured_confounding=a.unmeasured_confounding, messy=a.messy,
                    light_registration="complete" if a.complete_registration else "realistic",
                    registration=tuple(a.registration or ()), misdeclare=a.misdeclare, ijw=bool(a.ijw), **kw)
    many = len(p.municipalities) > 10
    if many:
        print(f"{len(p.municipalities)} municipalities, {sum(m.children for m in p.municipalities):,} children, "
              f"written one after another into {a.out}")
    ijw = Path(a.ijw) if a.ijw else None
    for folder in synthesize(Path(a.out), p, progress=bar("synth"), truth=not a.no_truth, ijw=ijw):
        if not many:
            print(f"{folder}: synthetic registry (SYNTHETISCHE DATA)"
                  + (", ground truth in ground_truth.json" if not a.no_truth else "")
                  + (f"; its iJw archive in {ijw / folder.name} (see README.txt there)" if ijw else ""))
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
    if folder.name != result.code:   # checked before anything is written: never overwrite another's registry
        raise RegistryError(f"the folder is named {folder.name!r} but holds the delivery of municipality "
                            f"{result.code}: name the folder after the code (data/raw/{result.code}/); "
                            "nothing was written", file=str(folder))
    out = save(result, processed)
    return str(out), result.quality()


def _report(folder: Path, out: str, q: dict) -> None:
    print(f"{folder}: {q['rows_in']} rows in, {q['accepted']} accepted, {q['rejected']} rejected, "
          f"{q['merged_rows']} merged into overlapping episodes → {out}")
    for name, t in q["tables"].items():
        if t.get("source", {}).get("ignored_sheets"):
            print(f"  {name}: read sheet {t['source']['sheet']!r} of {t['file']}; other sheets with data NOT read / "
                  f"andere werkbladen niet gelezen: {', '.join(t['source']['ignored_sheets'])}", file=sys.stderr)
        if t["rejected"]:
            rules = ", ".join(f"{r} {n}" for r, n in t["rejected_by_rule"].items())
            print(f"  {name}: rejected {t['rejected']} ({rules}); see {out}/rejected/{name}.csv")
            if "bsn_like_value" in t["rejected_by_rule"]:
                print("  BSN-like values were refused and masked: pseudonymise the export with "
                      "`workbench pseudonymise` / BSN's geweigerd: pseudonimiseer eerst.")
        for col, vals in t.get("rejected_unknown_codes", {}).items():
            print(f"  {name}.{col}: unknown codes (rows rejected) / onbekende codes (rijen afgewezen): "
                  + _values(vals) + " — recode them in mapping.yml")
        for col, vals in t.get("emptied_unknown_codes", {}).items():
            print(f"  {name}.{col}: unknown codes in an optional column, cells emptied (rows kept) / onbekende "
                  "codes in een optionele kolom, cellen leeggemaakt: " + _values(vals))
    from .registry.validate import essential_losses
    for loss in essential_losses(q):
        print(f"  WARNING / WAARSCHUWING: {loss}: `workbench run` and `batch` refuse this municipality "
              "(--accept-rejections to analyse it anyway)", file=sys.stderr)


def _values(vals: dict[str, int], shown: int = 10) -> str:
    items = sorted(vals.items(), key=lambda kv: (-kv[1], kv[0]))
    text = ", ".join(f"{v!r} ×{n}" for v, n in items[:shown])
    return text + (f" and {len(items) - shown} more distinct values" if len(items) > shown else "")


def cmd_validate(a: argparse.Namespace) -> int:
    code = EXIT_OK
    for folder in delivery_folders(Path(a.dir)):
        out, q = validate_and_save(folder, Path(a.processed))
        _report(folder, out, q)
        from .registry.validate import essential_losses
        if q["rejected"] or essential_losses(q):   # rows lost, or an essential table without rows
            code = EXIT_REJECTED
    return code


def cmd_pooled(a: argparse.Namespace) -> int:
    import json
    from .study.params import AnalysisParams
    from .report.pooled import pooled_summary
    from .study.pooled import pooled_primary
    processed = Path(a.processed)
    codes = a.municipality or sorted(f.name for f in processed.iterdir() if (f / "quality.json").exists()) \
        if processed.is_dir() else []
    if not codes:
        raise ParameterError(f"no validated municipalities in {processed} (run workbench validate or batch first)")
    template = AnalysisParams(municipality=codes[0], processed_dir=str(processed), n_boot=a.n_boot,
                              workers=a.workers, grace_months=a.grace_months, tau_months=a.tau_months,
                              tau_long_months=a.tau_long_months)
    res = pooled_primary(str(processed), codes, template, progress=bar("pooled"))
    out = pooled_summary(res)
    text = json.dumps(out, indent=2, ensure_ascii=False)
    if a.out:
        Path(a.out).write_text(text + "\n", encoding="utf-8")
    e = out["estimates"]
    show = lambda d, f="{:.3f}": "—" if d["estimate"] is None else \
        f"{f.format(d['estimate'])} ({f.format(d['ci_low'])} to {f.format(d['ci_high'])})"  # noqa: E731
    n = out["municipalities"]
    print(f"pooled over {n} municipalit{'y' if n == 1 else 'ies'}, {out['eligible']} eligible children, "
          f"{out['replicates']} replicates ({res.seconds['parts']:.0f} s the parts, {res.seconds['trial']:.0f} s the trial)")
    print(f"  RD(τ) {show(e['rd_tau'])}; prevented fraction {show(e['prevented_fraction'])}; "
          f"delay {show(e['delay_months'], '{:.1f}')} months")
    print(f"  answers: " + ", ".join(f"{k} {v}" for k, v in out["answers"].items()) + f"; verdict {out['verdict']}")
    warned = sum(1 for m in out["per_municipality"] if m["warnings"])
    if warned:
        print(f"  {warned} municipalities with data-quality warnings in their registration design"
              + (f" (listed in {a.out})" if a.out else " (--out FILE lists them)"))
    return EXIT_OK


def cmd_import_ijw(a: argparse.Namespace) -> int:
    from .registry.ijw_import import import_archive, read_products, write_import
    from .registry.pseudonymise import load_key
    key = load_key(Path(a.key_file) if a.key_file else None)
    products = read_products(Path(a.products)) if a.products else None
    result = import_archive(Path(a.archive), key, products)
    written = write_import(result, Path(a.out))
    for r in result.account.to_dict("records"):
        print(f"{r['kind']}: read {r['read']}, used {r['used']}, deleted {r['deleted']} ({r['corrected']} corrections), "
              f"rejected {r['rejected']}"
              + (f"; {r['stop_without_start']} stops without a start" if r["stop_without_start"] else ""))
    ln = result.links
    print(f"JW301: {ln['JW301']['blocks_read']} allocation blocks, {ln['JW301']['allocations']} allocations "
          f"({ln['JW301']['withdrawn']} withdrawn); JW315: {ln['JW315']['blocks_read']} requests; "
          f"{ln['episodes_with_a_current_allocation']} episodes under a current allocation, "
          f"{ln['episodes_with_a_referrer']} with a referrer")
    lines = ([f"  ! {f['file']}: {f['reason']}" for f in result.rejected_files]
             + [f"  ! {b['file']} {b['xpath']}: {b['rule']}" for b in result.rejected_blocks.to_dict("records")])
    for line in lines[:20]:
        print(line, file=sys.stderr)
    if len(lines) > 20:
        print(f"  … and {len(lines) - 20} more, every one in {Path(a.out) / 'import_report.json'}", file=sys.stderr)
    if products is None:
        print(f"  no product list (--products): the BIJ form of care came from the product category, and there "
              f"is no level of intervention", file=sys.stderr)
    elif result.form_from["category"]:
        print(f"  ! {result.form_from['category']} episodes have a product not in {a.products}: their BIJ form came "
              "from the product category", file=sys.stderr)
    if result.no_hulpvorm:
        print(f"  ! {result.no_hulpvorm} episodes have a product category without a BIJ form of care; "
              "validation will reject them", file=sys.stderr)
    print(f"{len(result.episodes)} specialist episodes → {written[0]}; the account in {written[1]} "
          "(BSNs pseudonymised on reading; the key was not written anywhere)")
    return EXIT_OK if result.clean else EXIT_REJECTED


def cmd_mapping_draft(a: argparse.Namespace) -> int:
    from . import io
    from .registry.draft import draft_mapping
    folder = Path(a.export)
    out = Path(a.out) if a.out else folder / "mapping.yml"
    if out.exists() and not a.force:
        raise ParameterError(f"{out} exists: give --out FILE for the draft, or --force to overwrite it")
    d = draft_mapping(folder)
    io.write_text(out, d.text)
    for table, label in d.tables.items():
        print(f"{label} → {table}")
    for label in d.unplaced:
        print(f"{label} → ? (not placed: see the TODO at the end of the draft)")
    print(f"draft written to {out}: {len(d.todos)} TODOs to fill in"
          + (f" ({', '.join(d.todos[:6])}{' …' if len(d.todos) > 6 else ''})" if d.todos else "")
          + ". Check every line, then: workbench pseudonymise "
          f"{folder} data/raw/<code>/ --key-file key.txt and workbench validate data/raw/<code>/ (docs/mapping.md)")
    return EXIT_OK


def cmd_pseudonymise(a: argparse.Namespace) -> int:
    from .registry.pseudonymise import load_key, pseudonymise_folder
    key = load_key(Path(a.key_file) if a.key_file else None)
    for f in pseudonymise_folder(Path(a.input), Path(a.output), key, a.column or None):
        replaced = ", ".join(f"{c}: {n}" for c, n in f.columns.items()) or "no identifiers found"
        print(f"{f.file}: {f.rows} rows; pseudonymised {replaced}")
        for c, n in f.not_bsn.items():
            print(f"  warning: {n} values in {c!r} are not valid BSNs (elfproef); pseudonymised all the same",
                  file=sys.stderr)
    print(f"Pseudonymised delivery in {a.output}: only the identifier columns changed, every other file "
          "and value as it was (the key was not written anywhere).")
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
        from .registry.delivery import check_municipality_code
        for code in a.municipality:
            check_municipality_code(code, "--municipality")
        wanted = set(a.municipality)
        folders = [f for f in folders if f.name in wanted]
        missing = wanted - {f.name for f in folders}
        if missing:
            raise RegistryError(f"no delivery for municipality {sorted(missing)}", file=str(data))
    return folders


ANALYSIS_OPTIONS = ("n_boot", "n_boot_sensitivity", "seed", "grace_months", "tau_months", "tau_long_months",
                    "lag_days", "wait_norm_days", "lang")


def cmd_batch(a: argparse.Namespace) -> int:
    from .run.runner import batch, make_units
    analysis = {k: getattr(a, k) for k in ANALYSIS_OPTIONS if getattr(a, k) is not None}
    units = make_units(_folders(a), processed=Path(a.processed), out=Path(a.runs or paths.RUNS_DIR), analysis=analysis,
                       workers=a.workers, scheduler=a.scheduler, cell_timeout=a.cell_timeout, force=a.force,
                       accept_rejections=a.accept_rejections, max_rejected=a.max_rejected)
    where = f"Dask scheduler {a.scheduler}" if a.scheduler else f"{a.workers} worker(s)"
    print(f"{len(units)} municipalities on {where}")
    results = batch(units, workers=a.workers, scheduler=a.scheduler, progress=True)
    for r in results:
        print(("  " if r.status != "failed" else "! ") + r.line(), file=sys.stderr if r.status == "failed" else sys.stdout)
    failed = [r.code for r in results if r.status == "failed"]
    print(f"{len(results) - len(failed)} done ({sum(r.status == 'skipped' for r in results)} unchanged, skipped), "
          f"{len(failed)} failed{': ' + ', '.join(failed) if failed else ''}")
    return EXIT_REJECTED if failed else EXIT_OK


def _publication(a: argparse.Namespace) -> tuple[Path, Path]:
    """The batch folder to publish and the publication: a batch folder of one's own needs ``--out``
    of its own (else another batch's publication in reports/ would be replaced without a word)."""
    runs = Path(a.runs or paths.RUNS_DIR)
    if a.out is None and a.runs is not None and runs.resolve() != paths.RUNS_DIR.resolve():
        raise ParameterError(f"--runs {a.runs} is not the default batch folder: say where its publication goes "
                             f"with --out DIR (the default, {paths.REPORTS_DIR}, is the publication of {paths.RUNS_DIR})")
    return runs, Path(a.out or paths.REPORTS_DIR)


def cmd_run(a: argparse.Namespace) -> int:
    _publication(a)
    code = cmd_batch(a)
    a.pdf = False
    return max(code, cmd_publish(a))


def cmd_publish(a: argparse.Namespace) -> int:
    from .report.publish import publish
    runs, out = _publication(a)
    pub = publish(runs, out, processed=Path(a.processed) if a.processed else None, lang=a.lang, pdf=a.pdf,
                  progress=bar("publish"))
    for code, files in pub.appendices.items():
        print(f"  {code}: " + ", ".join(f.name for f in files))
    for code, why in pub.failed.items():
        print(f"  {code}: not published ({why})", file=sys.stderr)
    if pub.kept:
        print(f"  {pub.out} held more than a publication (an earlier layout's batch results or files of your own): "
              f"kept in {pub.kept}", file=sys.stderr)
    print(f"published {len(pub.appendices)} municipalities, disclosure scan clean → {pub.index}")
    return EXIT_OK


def _batch_options(r: argparse.ArgumentParser) -> None:
    r.add_argument("--municipality", action="append", metavar="CODE",
                   help="only this municipality, by its four-digit CBS code such as 0037; repeat for more "
                        "(default: every folder in --data-dir)")
    r.add_argument("--data-dir", default=str(paths.RAW_DIR), metavar="DIR",
                   help="one delivery folder per municipality, named by its code (default: %(default)s)")
    r.add_argument("--processed", default=str(paths.PROCESSED_DIR), metavar="DIR",
                   help="where the validated registries and the analysis cache go (default: %(default)s)")
    r.add_argument("--runs", default=None, metavar="DIR",
                   help="where the executed notebooks and results.json go, DIR/<code>/; never published "
                        f"(default: {paths.RUNS_DIR})")
    r.add_argument("--workers", type=int, default=1, metavar="N",
                   help="municipalities side by side in a local process pool (default: %(default)s)")
    r.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the units on this Dask distributed scheduler, e.g. tcp://host:8786 (default: none, local)")
    r.add_argument("--force", action="store_true",
                   help="rerun units whose inputs, parameters and code are unchanged (default: skip them)")
    r.add_argument("--cell-timeout", type=int, default=1800, metavar="SECONDS",
                   help="time limit of one notebook cell, in seconds (default: %(default)s)")
    r.add_argument("--accept-rejections", action="store_true",
                   help="run a municipality even when an essential table lost more than --max-rejected of "
                        "its rows in validation (default: such a municipality fails, with the reason)")
    r.add_argument("--max-rejected", type=float, default=None, metavar="FRACTION",
                   help="the share of rejected rows of an essential table (persons, residence periods, screenings, "
                        "specialist episodes) above which a municipality fails, 0–1 (default: 0.05)")
    d = _ANALYSIS_DEFAULTS
    r.add_argument("--lang", choices=("nl", "en"), help=f"language of the appendices (default: {d['lang']})")
    r.add_argument("--seed", type=int, metavar="N", help=f"seed of the bootstrap, a whole number ≥ 0 (default: {d['seed']})")
    r.add_argument("--n-boot", type=int, metavar="N",
                   help=f"bootstrap replicates of the primary analysis (default: {d['n_boot']})")
    r.add_argument("--n-boot-sensitivity", type=int, metavar="N",
                   help=f"bootstrap replicates of each sensitivity analysis (default: {d['n_boot_sensitivity']})")
    r.add_argument("--grace-months", type=int, metavar="MONTHS",
                   help=f"grace period of the trial: light support starting within it counts, in months "
                        f"(default: {d['grace_months']})")
    r.add_argument("--tau-months", type=int, metavar="MONTHS",
                   help=f"horizon τ of the risk difference and RMST, in months since the signal (default: {d['tau_months']})")
    r.add_argument("--tau-long-months", type=int, metavar="MONTHS",
                   help="follow-up τ_L of the trial: the RD trajectory, the prevented fraction and the delay, in "
                        f"months since the signal (default: {d['tau_long_months']})")
    r.add_argument("--lag-days", type=int, metavar="DAYS",
                   help=f"lag of the exposure in the time-varying Cox model, in days (default: {d['lag_days']})")
    r.add_argument("--wait-norm-days", type=int, metavar="DAYS",
                   help="the norm for waiting times (appendix 4): days from the request to the start of help "
                        f"(default: {d['wait_norm_days']}, 4 weeks to the first contact)")


def _analysis_defaults() -> dict:
    from dataclasses import fields
    from .study.params import AnalysisParams
    return {f.name: f.default for f in fields(AnalysisParams)}


_ANALYSIS_DEFAULTS = _analysis_defaults()


def _version() -> str:
    from . import __version__
    from .run.provenance import git_state
    g = git_state()
    commit = (g["git_commit"] or "unknown")[:12] + (" (dirty)" if g["git_dirty"] else "")
    return f"workbench {__version__} (git {commit})"


class _Version(argparse.Action):
    def __init__(self, option_strings, dest, **kw):
        super().__init__(option_strings, dest, nargs=0, help="print the package version and git commit, then exit")

    def __call__(self, parser, namespace, values, option_string=None):
        print(_version())
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(prog="workbench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--version", action=_Version)
    sub = ap.add_subparsers(dest="command", required=True)
    s = sub.add_parser("synth", help="write synthetic registries with a known causal truth")
    s.add_argument("--out", required=True, metavar="DIR", help="folder for the registries, one sub-folder per municipality")
    s.add_argument("--seed", type=int, default=20261123, metavar="N", help="random seed (default: %(default)s)")
    s.add_argument("--municipality", type=_municipality, action="append", metavar="CODE:CHILDREN[:WAIT]",
                   help="a municipality and its number of children, e.g. 0037:6000, optionally its median wait "
                        "for specialist care in days (default 42), e.g. 0037:6000:90; repeat for more "
                        "(default: the three demo municipalities 9901, 9902, 9903)")
    s.add_argument("--region", type=int, metavar="N",
                   help="N fictional municipalities of realistic sizes (the shape of the Dutch municipalities; "
                        "codes from 8000 on)")
    s.add_argument("--national", action="store_true",
                   help="a national registry: 340 fictional municipalities, about 3.4 million children, written "
                        "one municipality at a time")
    s.add_argument("--scale", type=float, default=1.0, metavar="F",
                   help="with --region or --national: children per municipality times F (default: %(default)s)")
    s.add_argument("--no-truth", action="store_true",
                   help="write the registries without simulating their ground truth (faster; for benchmarks)")
    s.add_argument("--prevent", type=float, default=0.6, metavar="P",
                   help="probability that light support resolves the problem for good, 0–1 (default: %(default)s)")
    s.add_argument("--delay-months", type=float, default=6.0, metavar="MONTHS",
                   help="months for which light support suspends the excess hazard (default: %(default)s)")
    s.add_argument("--reduce", type=float, default=0.0, metavar="R",
                   help="after light support, later specialist spells are shorter and less often heavy care by "
                        "this fraction, 0–1 (default: %(default)s)")
    s.add_argument("--unmeasured-confounding", type=float, default=0.0, metavar="U",
                   help="share of the latent severity that the SDQ does not capture, 0–1 (default: %(default)s)")
    s.add_argument("--ijw", metavar="DIR",
                   help="also write, per municipality, the iJw messages of its specialist care (JW301/305/307/315, "
                        "with planted corrections, temporary stops and rule breakers, listed in manifest.json) "
                        "into DIR/<code>/; person ids then are pseudonyms of synthetic BSNs")
    s.add_argument("--messy", action="store_true", help="inject registration defects, listed in a manifest (default: off)")
    s.add_argument("--complete-registration", action="store_true",
                   help="every provider type registers light support from the registry start "
                        "(default: off, realistic registration)")
    s.add_argument("--registration", action="append", metavar="TYPE:FROM[-TO]:SENSITIVITY",
                   help="how one light-support provider type registers in every municipality: its first (and "
                        "last) year and the share of its episodes registered then, e.g. wijkteam:2015:0.9 or "
                        "poh_jeugd:2018-2021:0.6; TYPE:never; repeat for more types (default: drawn per "
                        "municipality, see analysis.synth.registration)")
    s.add_argument("--misdeclare", action="store_true",
                   help="declare one provider type's registration window wrongly in delivery.yml (to test "
                        "the detection of windows; the truth records which)")
    s.set_defaults(func=cmd_synth)
    o = sub.add_parser("pooled", help="the primary emulated trial pooled over municipalities (a region, the country)")
    o.add_argument("--processed", default=str(paths.PROCESSED_DIR), metavar="DIR",
                   help="validated registries, one folder per municipality (default: %(default)s)")
    o.add_argument("--municipality", action="append", metavar="CODE",
                   help="pool these municipalities; repeat for more (default: every one in --processed)")
    o.add_argument("--n-boot", type=int, default=200, metavar="N", help="bootstrap replicates (default: %(default)s)")
    o.add_argument("--workers", type=int, default=2, metavar="N",
                   help="processes for the parts and the replicates (default: %(default)s)")
    o.add_argument("--grace-months", type=int, default=3, metavar="MONTHS", help="grace period (default: %(default)s)")
    o.add_argument("--tau-months", type=int, default=36, metavar="MONTHS", help="τ (default: %(default)s)")
    o.add_argument("--tau-long-months", type=int, default=60, metavar="MONTHS", help="τ_L (default: %(default)s)")
    o.add_argument("--out", metavar="FILE", help="write the estimates, answers and rounded counts as JSON")
    o.set_defaults(func=cmd_pooled)
    mp = sub.add_parser("mapping", help="help with mapping.yml for a municipality's own export")
    msub = mp.add_subparsers(dest="mapping_command", required=True, help="draft: a first mapping.yml")
    md = msub.add_parser("draft", help="write a first mapping.yml for an export folder, with TODOs where it "
                                       "cannot tell (check every line)")
    md.add_argument("export", metavar="EXPORT_DIR", help="the folder with the municipality's own files")
    md.add_argument("--out", metavar="FILE", help="where the draft goes (default: EXPORT_DIR/mapping.yml)")
    md.add_argument("--force", action="store_true", help="overwrite an existing file")
    md.set_defaults(func=cmd_mapping_draft)
    v = sub.add_parser("validate", help="validate deliveries: exit 0 clean, 1 rows rejected, 2 unreadable")
    v.add_argument("dir", help="one delivery folder, or a folder with one folder per municipality")
    v.add_argument("--processed", default=str(paths.PROCESSED_DIR), metavar="DIR",
                   help="where the validated registry, rejected rows and quality.json go (default: %(default)s)")
    v.set_defaults(func=cmd_validate)
    p = sub.add_parser("pseudonymise", help="replace BSNs in the identifier columns by keyed HMAC-SHA-256 pseudonyms")
    p.add_argument("input", help="the export folder with BSNs")
    p.add_argument("output", help="the folder for the pseudonymised delivery (must differ from the input)")
    p.add_argument("--key-file", metavar="FILE",
                   help="file with the secret key, at least 16 bytes (default: $WORKBENCH_PSEUDONYM_KEY)")
    p.add_argument("--column", action="append", metavar="NAME",
                   help="a column that holds person identifiers; repeat for more (default: the columns that "
                        "mapping.yml maps to person_id, else person_id)")
    p.set_defaults(func=cmd_pseudonymise)
    j = sub.add_parser("import-ijw", help="specialist episodes from an archive of iJw messages (JW301/305/307/315): "
                                          "exit 0 clean, 1 when messages or files were rejected")
    j.add_argument("archive", help="a folder (searched recursively) or a zip of iJw XML messages")
    j.add_argument("--out", required=True, metavar="DIR",
                   help="the delivery folder: specialist_episodes.csv and import_report.json are written there")
    j.add_argument("--key-file", metavar="FILE",
                   help="file with the secret key, at least 16 bytes (default: $WORKBENCH_PSEUDONYM_KEY)")
    j.add_argument("--products", metavar="FILE",
                   help="the region's product list (CSV/XLSX: ijw_productcategorie, ijw_productcode, bij_hulpvorm, "
                        "optionally intervention_level): the BIJ form and level per product; without it the form "
                        "comes from the product category")
    j.set_defaults(func=cmd_import_ijw)
    r = sub.add_parser("run", help="batch, then publish: the main job")
    _batch_options(r)
    r.add_argument("--out", default=None, metavar="DIR",
                   help=f"where the publication goes: index.html and the appendices (default: {paths.REPORTS_DIR}; "
                        "needed with a --runs of one's own)")
    r.set_defaults(func=cmd_run)
    b = sub.add_parser("batch", help="run the appendices of every municipality (skips unchanged ones)")
    _batch_options(b)
    b.set_defaults(func=cmd_batch)
    u = sub.add_parser("publish", help="render HTML appendices and index.html; refuses on a disclosure problem")
    u.add_argument("--out", default=None, metavar="DIR",
                   help=f"where the publication goes, replaced as a whole (default: {paths.REPORTS_DIR}; "
                        "needed with a --runs of one's own)")
    u.add_argument("--runs", default=None, metavar="DIR",
                   help=f"where `workbench batch` wrote (default: {paths.RUNS_DIR})")
    u.add_argument("--processed", default=None, metavar="DIR",
                   help="the validated registries, for the person-identifier scan (default: where the batch "
                        "recorded them in <runs>/<code>/unit.json)")
    u.add_argument("--lang", choices=("nl", "en"), help="language of the appendices (default: that of the batch run)")
    u.add_argument("--pdf", action="store_true", help="also print every appendix to PDF (needs Chromium; default: off)")
    u.set_defaults(func=cmd_publish)
    d = sub.add_parser("docs", help="generate docs/registration-format.md from the format definition")
    d.add_argument("--out", default=str(paths.PROJECT_ROOT / "docs" / "registration-format.md"), metavar="FILE",
                   help="the file to write (default: %(default)s)")
    d.add_argument("--check", action="store_true", help="exit 1 when the file is out of date, write nothing")
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
