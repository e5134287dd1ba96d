"""Publish the executed appendices: HTML (code hidden, table of contents, provenance), an index
page across municipalities with a pooled estimate, optionally PDF; then the disclosure scan.

The whole publication is written to a staging folder beside the published one and scanned there
(:func:`disclosure.scan_file`); only a clean one replaces the published folder, as a whole and in one
rename (:func:`analysis.io.switch_folder`), so that a reader sees the old publication or the new one,
never a mix, and a refused or killed publication leaves the published folder as it was. The batch's
executed notebooks stay in the batch folder, which is never published.
"""
from __future__ import annotations

import base64
import html
import io as _io
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd

from . import disclosure as dc
from .. import io
from ..errors import WorkbenchError
from ..lock import LOCK_NAME, folder_locks
from ..paths import METADATA_FILES, PROTOCOL, PROTOCOL_PAGE, UNIT_FILE
from ..paths import NOTEBOOK_NAMES as NOTEBOOKS
from ..procs import fault_point
from ..registry.schema import FORMAT
from ..study.verdict import NO_ANSWER
from .i18n import WORDS, answer_name, answer_word, provider_type, t, table_name, verdict_text, verdict_word


class DisclosureRefused(WorkbenchError):
    """The scan found something that may not be published; nothing was published."""

    def __init__(self, violations: list[dc.Violation]):
        self.violations = violations
        lines = "\n".join(f"  {v}" for v in violations[:50])
        more = f"\n  … and {len(violations) - 50} more" if len(violations) > 50 else ""
        super().__init__(f"publication refused: {len(violations)} disclosure problem(s)\n{lines}{more}")


@dataclass
class Published:
    out: Path
    index: Path
    appendices: dict[str, list[Path]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)
    pdfs: list[Path] = field(default_factory=list)
    kept: Path | None = None     # where what the folder held beside an earlier publication was put


# --- appendices ---------------------------------------------------------------------------

def _drop_other_language(nb, lang: str):
    """Cells tagged ``lang-nl`` or ``lang-en`` appear only in their own language; what a kernel
    wrote to stderr (warnings, in English) is for the researcher, not for the reader."""
    other = "lang-en" if lang == "nl" else "lang-nl"
    nb.cells = [c for c in nb.cells if other not in c.get("metadata", {}).get("tags", [])]
    for c in nb.cells:
        if c.cell_type == "code":
            c.outputs = [o for o in c.get("outputs", []) if not (o.get("output_type") == "stream"
                                                                  and o.get("name") == "stderr")]
    return nb


def _toc(body: str, lang: str) -> str:
    items = []
    for level, hid, inner in re.findall(r'<h([12]) id="([^"]+)"[^>]*>(.*?)</h\1>', body, re.S):
        text = re.sub(r"<[^>]+>", "", re.sub(r'<a class="anchor-link".*?</a>', "", inner)).strip()
        items.append(f'<li class="toc-h{level}"><a href="#{html.escape(hid, quote=True)}">{text}</a></li>')
    items.append(f'<li class="toc-h2"><a href="#provenance">{t("provenance", lang)}</a></li>')
    return (f'<nav id="toc" aria-label="{WORDS[lang]["contents"]}"><h2>{WORDS[lang]["contents"]}</h2>'
            f'<ul>{"".join(items)}</ul></nav>')


def file_roles(roles, lang: str) -> list[str]:
    """The roles of the input files (as provenance records them) in words."""
    known = dict(zip(METADATA_FILES, ("file_delivery", "file_mapping", "file_ground_truth")))
    out = []
    for role in roles:
        base = role.rstrip("+")
        if base in FORMAT.tables:
            out.append(table_name(base, lang))
        elif base in known:
            out.append(t(known[base], lang))
        elif base.startswith("other_file_"):
            out.append(t("file_other", lang, i=base.rsplit("_", 1)[1]))
        else:
            out.append(t("file_other", lang, i="?"))
    return out


def _param_value(key: str, v, lang: str) -> str:
    if key in ("light_types", "counted_types") and v is not None:
        return ", ".join(provider_type(x, lang) for x in v)
    if v is None:
        return WORDS[lang]["param_default"]
    if isinstance(v, bool):
        return WORDS[lang]["yes_word" if v else "no_word"]
    if isinstance(v, dict):
        return "; ".join(f"{WORDS[lang]['param_default'] if k == 'default' else provider_type(k, lang)}: "
                         f"{_param_value('', x, lang)}" for k, x in v.items())
    if isinstance(v, (list, tuple)):
        return "–".join(str(x) for x in v)
    return str(v)


def protocol_html(lang: str) -> str | None:
    """``docs/analysis-protocol.md`` as a page of the publication (None when the file is not there)."""
    if not PROTOCOL.exists():
        return None
    import mistune
    body = mistune.html(PROTOCOL.read_text(encoding="utf-8"))
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{t("protocol", lang)}</title>'
            '<style>body{font-family:system-ui,sans-serif;margin:2em auto;max-width:60em;padding:0 1em;color:#222}'
            'table{border-collapse:collapse} th,td{border-bottom:1px solid #ddd;padding:.3em .6em;text-align:left}'
            f'</style></head><body>{body}</body></html>\n')


def mapping_html(mapping: dict, lang: str) -> str:
    """The applied mapping, per uniform table: renames, recodes, constants, date formats."""
    w = WORDS[lang]
    e = html.escape
    if not mapping:
        return e(w["mapping_none"])
    items = []
    for table, m in mapping.items():
        parts = []
        if m.get("columns"):
            parts.append(f'{w["mapping_columns"]}: ' + ", ".join(f"{e(a)} → {e(b)}" for a, b in m["columns"].items()))
        for col, rec in m.get("recode", {}).items():
            parts.append(f'{w["mapping_recode"]} {e(col)}: ' + ", ".join(f"{e(a)} → {e(b)}" for a, b in rec.items()))
        if m.get("constants"):
            parts.append(f'{w["mapping_constants"]}: ' + ", ".join(f"{e(a)} = {e(b)}" for a, b in m["constants"].items()))
        if m.get("date_formats"):
            parts.append(f'{w["mapping_dates"]}: ' + ", ".join(f"{e(w['mapping_all'] if a == '*' else a)} {e(b)}"
                                                               for a, b in m["date_formats"].items()))
        items.append(f"<li>{e(table_name(table, lang))}: {'; '.join(parts) or '–'}</li>")
    return f"<ul>{''.join(items)}</ul>"


def provenance_html(prov: dict, lang: str, protocol: str | None = f"../{PROTOCOL_PAGE}") -> str:
    w = WORDS[lang]
    e = html.escape
    dirty = w["dirty"] if prov.get("git_dirty") else w["clean"]
    files = prov.get("input_files_sha256", {})
    roles = sorted(zip(file_roles(sorted(files), lang), [files[k] for k in sorted(files)]))
    inputs = "".join(f"<li>{e(r)}: <code>{e(v)}</code></li>" for r, v in roles)
    packages = ", ".join(f"{e(k)} {e(str(v))}" for k, v in prov.get("packages", {}).items())
    params = "; ".join(f"{e(w.get('p_' + k, k))}: {e(_param_value(k, v, lang))}"
                       for k, v in sorted(prov.get("parameters", {}).items()))
    return (f'<section id="provenance"><h2>{w["provenance"]}</h2><dl>'
            f'<dt>{w["commit"]}</dt><dd><code>{e(str(prov.get("git_commit")))}</code> ({dirty})</dd>'
            f'<dt>{w["code"]}</dt><dd><code>{e(str(prov.get("code_sha256")))}</code></dd>'
            f'<dt>{w["notebooks_hash"]}</dt><dd><code>{e(str(prov.get("notebooks_sha256")))}</code></dd>'
            f'<dt>{w["seed"]}</dt><dd><code>{e(str(prov.get("seed")))}</code></dd>'
            + (f'<dt>{w["protocol"]}</dt><dd><a href="{e(protocol)}">{e(PROTOCOL.name)}</a></dd>'
               if protocol and PROTOCOL.exists() else "")
            + f'<dt>{w["params"]}</dt><dd>{params}</dd>'
            f'<dt>{w["inputs"]}</dt><dd><ul>{inputs}</ul></dd>'
            f'<dt>{w["mapping_applied"]}</dt><dd>{mapping_html(prov.get("mapping") or {}, lang)}</dd>'
            f'<dt>{w["packages"]}</dt><dd>{packages}</dd></dl></section>')


_STYLE = """<style>
#toc{border:1px solid #ccc;background:#fafafa;padding:.5em 1.5em;margin:1em 0 2em;max-width:60em;font-family:system-ui,sans-serif;font-size:95%}
#toc ul{list-style:none;padding-left:0} #toc .toc-h2{margin-left:1.5em}
#provenance{border-top:2px solid #999;margin-top:3em;padding-top:1em;font-size:85%}
#provenance code{word-break:break-all} #provenance dt{font-weight:bold;margin-top:.5em}
</style>"""


def render_appendix(nb_path: Path, title: str, lang: str, prov: dict) -> str:
    """HTML with the code hidden (inputs excluded), figures embedded, a table of contents and
    the provenance block."""
    from nbconvert import HTMLExporter
    nb = _drop_other_language(nbformat.read(nb_path, as_version=4), lang)
    nb.metadata["title"] = title
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    if "<main>" not in body or "</main>" not in body:
        raise WorkbenchError(f"{nb_path}: unexpected HTML from nbconvert (no <main>)")
    body = body.replace('alt="No description has been provided for this image"', f'alt="{t("figure", lang)}"')
    main = body.split("<main>", 1)[1]
    body = body.replace("</head>", _STYLE + "</head>", 1)
    body = body.replace("<main>", "<main>" + _toc(main, lang), 1)
    body = body.replace("</main>", provenance_html(prov, lang) + "</main>", 1)
    return body


# --- index page -------------------------------------------------------------------------

def _ci(d: dict | None, scale: float, nd: int, sign: str = "+") -> str:
    if not d or d.get("estimate") is None:
        return "–"
    f = lambda x: "–" if x is None else f"{x * scale:{sign}.{nd}f}"  # noqa: E731
    return f"{f(d['estimate'])} ({f(d.get('ci_low'))} … {f(d.get('ci_high'))})"


def _rejected(v: dict | None) -> str:
    """Rejected rows of a municipality as published: the protected count and its share."""
    if not v:
        return "–"
    n, share = v.get("rejected"), v.get("rejected_share")
    return html.escape(str(n)) + (f" ({100 * share:.1f}%)" if share is not None else "")


def _answers(ans: dict | None, lang: str) -> str:
    """The three answers in a cell: 'voorkomt: ja · stelt uit: niet aangetoond · …'."""
    if not ans:
        return "–"
    return " · ".join(f"{html.escape(answer_name(k, lang))}: {html.escape(answer_word(v, lang))}"
                      for k, v in ans.items())


def pooled_estimate(results: dict[str, dict], key: str = "rd_tau") -> dict | None:
    """Random-effects pooling of ``primary[key]`` (RD(τ), or the prevented fraction π) across
    municipalities (Paule–Mandel τ²); SEs from the bootstrap CIs' width.

    Not ``method_re="chi2"``: statsmodels 0.15 does not truncate that moment estimate of τ² at 0,
    and a negative τ² gives negative weights and a nonsense pooled estimate.
    """
    from statsmodels.stats.meta_analysis import combine_effects
    rows = [(c, r["primary"].get(key) or {}) for c, r in results.items() if r.get("verdict") not in NO_ANSWER]
    rows = [(c, d) for c, d in rows if d.get("ci_low") is not None and d.get("ci_high") is not None
            and d.get("estimate") is not None]
    rows = [(c, d) for c, d in rows if d["ci_high"] > d["ci_low"]]
    if len(rows) < 2:
        return None
    eff = np.array([d["estimate"] for _, d in rows])
    se = np.array([(d["ci_high"] - d["ci_low"]) / (2 * 1.959964) for _, d in rows])
    res = combine_effects(eff, se ** 2, method_re="iterated", row_names=[c for c, _ in rows])
    sf = res.summary_frame()
    re_row = sf.loc["random effect"]
    return {"estimate": float(re_row["eff"]), "ci_low": float(re_row["ci_low"]), "ci_high": float(re_row["ci_upp"]),
            "tau2": float(res.tau2), "i2": max(0.0, float((res.q - res.df) / res.q)) if res.q > 0 else 0.0,
            "k": len(rows),
            "weights": {c: float(w) for c, w in zip(sf.index[:len(rows)], sf["w_re"].iloc[:len(rows)])}}


def forest_png(results: dict[str, dict], names: dict[str, str], pooled: dict | None, lang: str) -> bytes:
    import matplotlib
    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    codes = [c for c in results if results[c].get("verdict") not in NO_ANSWER
             and results[c]["primary"]["rd_tau"].get("estimate") is not None]
    fig, ax = plt.subplots(figsize=(7.5, 1.2 + 0.45 * (len(codes) + 2)))
    ys = np.arange(len(codes), 0, -1) + 1
    for y, c in zip(ys, codes):
        d = results[c]["primary"]["rd_tau"]
        lo, hi = d.get("ci_low"), d.get("ci_high")
        if lo is not None and hi is not None:
            ax.plot([100 * lo, 100 * hi], [y, y], color="#1f4e79", lw=2)
        ax.plot(100 * d["estimate"], y, "s", color="#1f4e79", ms=7)
    labels = [f"{c} {names.get(c, '')}".strip() for c in codes]
    if pooled:
        e, lo, hi = (100 * pooled[k] for k in ("estimate", "ci_low", "ci_high"))
        ax.fill([lo, e, hi, e], [1, 1.25, 1, 0.75], color="#c0504d")
        labels_y = list(ys) + [1]
        labels = labels + [t("pooled_short", lang)]
    else:
        labels_y = list(ys)
    ax.axvline(0, color="grey", lw=1, ls="--")
    ax.set_yticks(labels_y, labels)
    ax.set_ylim(0.4, len(codes) + 1.6)
    ax.set_xlabel(t("rd_pct", lang))
    ax.set_title(t("forest", lang))
    fig.tight_layout()
    buf = _io.BytesIO()
    fig.savefig(buf, format="png", dpi=110)
    plt.close(fig)
    return buf.getvalue()


def _mde(md: dict | None) -> str:
    """The minimum detectable π in percent (– where there is none; above 100 %: not even preventing all)."""
    v = (md or {}).get("prevented_fraction")
    if v is None or not isinstance(v, (int, float)) or v != v:
        return "–"
    return "> 100%" if v >= 1 else f"{100 * v:.0f}%"


def index_html(results: dict[str, dict], failed: dict[str, str], appendices: dict[str, list[str]], lang: str,
               pdfs: set[str] = frozenset()) -> str:
    w = WORDS[lang]
    e = html.escape
    names = {c: r.get("municipality_name", "") for c, r in results.items()}
    pooled = pooled_estimate(results)
    pooled_pi = pooled_estimate(results, "prevented_fraction")
    rows = []
    for c, r in results.items():
        flow = r.get("flow", {})
        v = r.get("verdict", "")
        if v in NO_ANSWER:   # estimates the verdict disowns: not shown
            r = {**r, "primary": {}, "minimum_detectable": {}}
        links = " · ".join(f'<a href="{e(p)}">{e(t("short_" + Path(p).stem, lang))}</a>'
                           + (f' (<a href="{e(p[:-5])}.pdf">pdf</a>)' if p in pdfs else "")
                           for p in appendices.get(c, []))
        links += f' · <a href="{e(c)}/results.json">results.json</a>'
        synth = f' <span class="synth">({w["synthetic"]})</span>' if r.get("synthetic") else ""
        rows.append(f"<tr><th>{e(c)} {e(names[c])}{synth}</th><td>{e(str(flow.get('registered_children', '–')))}</td>"
                    f"<td>{e(str(flow.get('eligible', '–')))}</td><td>{_rejected(r.get('validation'))}</td>"
                    f"<td>{_ci(r['primary'].get('rd_tau'), 100, 1)}</td>"
                    f"<td>{_ci(r['primary'].get('rmst_diff_months'), 1, 2)}</td>"
                    f"<td>{_ci(r['primary'].get('prevented_fraction'), 100, 0)}</td>"
                    f"<td>{_ci(r['primary'].get('delay_months'), 1, 1)}</td>"
                    f"<td>{_ci(r['primary'].get('specialist_months_diff'), 1, 1)}</td><td>{_answers(r.get('answers'), lang)}</td>"
                    f"<td>{_mde(r.get('minimum_detectable'))}</td>"
                    f"<td title=\"{e(verdict_text(v, lang).replace('**', ''))}\"><strong>{e(verdict_word(v, lang))}</strong></td><td>{links}</td></tr>")
    for c, why in failed.items():
        rows.append(f'<tr class="failed"><th>{e(c)}</th><td colspan="11">{w["failed"]}: {e(why)}</td><td></td></tr>')
    if pooled or pooled_pi:
        het = "; ".join(f'{label}: I² = {100 * pl["i2"]:.0f}%' for label, pl in (("RD", pooled), ("π", pooled_pi)) if pl)
        rows.append(f'<tr class="pooled"><th>{w["pooled"]}</th><td></td><td></td><td></td><td>{_ci(pooled, 100, 1)}</td>'
                    f"<td></td><td>{_ci(pooled_pi, 100, 0)}</td><td></td><td></td><td></td><td></td><td>{e(w['heterogeneity'])}: {e(het)}</td>"
                    "<td></td></tr>")
    routes = _routes_table(results, names, lang)
    png = base64.b64encode(forest_png(results, names, pooled, lang)).decode() if results else ""
    figure = (f'<figure><img id="forest" alt="{w["forest"]}" src="data:image/png;base64,{png}">'
              f'<figcaption>{w["forest"]}</figcaption></figure>' if png else "")
    note = "" if pooled else f"<p>{w['not_pooled']}</p>"
    protocol = (f'<p>{w["protocol"].capitalize()}: <a href="{PROTOCOL_PAGE}">{PROTOCOL.name}</a></p>'
                if PROTOCOL.exists() else "")
    head = (f"<tr><th>{w['municipality']}</th><th>{w['children']}</th><th>{w['eligible_short']}</th>"
            f"<th>{w['rejected_rows']}</th><th>{w['rd_index']}</th>"
            f"<th>{w['rmst_index']}</th><th>{w['pi_index']}</th><th>{w['d_index']}</th>"
            f"<th>{w['months_index']}</th><th>{w['answers_index']}</th><th>{w['mde_index']}</th>"
            f"<th>{w['verdict']}</th><th>{w['appendices']}</th></tr>")
    return f"""<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8"><title>{w['index_title']}</title>
<style>body{{font-family:system-ui,sans-serif;margin:2em auto;max-width:96em;padding:0 1em;color:#222}}
table{{border-collapse:collapse;margin:1em 0}} th,td{{border-bottom:1px solid #ddd;padding:.35em .7em;text-align:left}}
tr.failed{{color:#a00}} tr.pooled{{font-weight:bold;background:#f4f4f4}} .synth{{color:#a60;font-size:85%}}
img{{max-width:100%}}</style></head>
<body><h1>{w['index_title']}</h1><p>{w['index_intro']}</p>{protocol}
<table id="municipalities"><thead>{head}</thead><tbody>{''.join(rows)}</tbody></table>
{figure}{note}{routes}
</body></html>
"""


def _routes_table(results: dict[str, dict], names: dict[str, str], lang: str) -> str:
    """The index's block of appendix 4: per municipality the median wait, the share started within the
    norm and the step-up rate out of light support, side by side."""
    w = WORDS[lang]
    e = html.escape
    rows = []
    for c, r in results.items():
        wait, routes = r.get("waiting") or {}, r.get("routes") or {}
        if not wait and not routes:
            continue
        norm = wait.get("norm_days")
        cond = f' <span class="synth">({e(w["conditional_short"])})</span>' if wait.get("conditional_on_starting") else ""
        rows.append(f"<tr><th>{e(c)} {e(names[c])}</th><td>{_ci(wait.get('median_days'), 1, 0, '')}{cond}</td>"
                    f"<td>{_ci(wait.get('share_started_within_norm'), 100, 1, '')}</td><td>{e(str(norm or '–'))}</td>"
                    f"<td>{_ci(routes.get('step_up_per_100_child_years'), 1, 1, '')}</td></tr>")
    if not rows:
        return ""
    head = (f"<tr><th>{w['municipality']}</th><th>{w['median_wait_index']}</th><th>{w['within_norm_index']}</th>"
            f"<th>{w['norm_days_index']}</th><th>{w['step_up_index']}</th></tr>")
    return (f"<h2>{w['routes_index_title']}</h2><p>{w['routes_index_intro']}</p>"
            f'<table id="routes"><thead>{head}</thead><tbody>{"".join(rows)}</tbody></table>')


# --- PDF --------------------------------------------------------------------------------

def chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        if path := shutil.which(name):
            return path
    return None


CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync")


def to_pdf(html_path: Path, pdf_path: Path) -> Path:
    """Print an HTML file to PDF with headless Chromium."""
    exe = chromium()
    if not exe:
        raise WorkbenchError("--pdf needs Chromium (Debian: apt-get install chromium); none found on PATH")
    with tempfile.TemporaryDirectory() as profile:
        r = subprocess.run([exe, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--no-pdf-header-footer",
                            f"--print-to-pdf={pdf_path}", Path(html_path).resolve().as_uri()],
                           capture_output=True, text=True, timeout=300)
    if r.returncode or not Path(pdf_path).exists():
        raise WorkbenchError(f"{html_path}: Chromium could not print it to PDF: {r.stderr[-500:]}")
    return pdf_path


# --- the whole publication ---------------------------------------------------------------

def _identifiers(reports: Path, processed: Path | None, codes) -> set[str]:
    """The person identifiers (pseudonyms) of every municipality in the publication, from the
    validated registry the batch recorded in ``unit.json`` (else ``processed``). A municipality
    whose registry cannot be found is not published: the scan could not check it."""
    ids: set[str] = set()
    missing = []
    for c in codes:
        places = []
        try:
            rec = json.loads((Path(reports) / c / UNIT_FILE).read_text(encoding="utf-8")).get("processed")
            if rec:
                places.append(Path(rec))
        except (OSError, ValueError):
            pass
        if processed is not None:
            places.append(Path(processed))
        f = next((pl / c / "registry" / "persons.parquet" for pl in places
                  if (pl / c / "registry" / "persons.parquet").exists()), None)
        if f is None:
            if (Path(reports) / c / "results.json").exists():
                missing.append(c)
            continue
        ids |= set(pd.read_parquet(f, columns=["person_id"])["person_id"].astype(str))
    if missing:
        raise WorkbenchError(f"cannot check the publication for person identifiers of {', '.join(missing)}: their "
                             "validated registry is neither where the batch recorded it nor in --processed; "
                             "nothing was published")
    return ids


PUBLISHED_TOP = {"index.html", PROTOCOL_PAGE, "README.md"}   # what a publication holds at its top
PUBLISHED_IN = {".html", ".pdf", ".json"}                      # and in its municipality folders


def work_folder(out: Path) -> Path:
    """Where publishing into ``out`` stages, keeps its lock and keeps the publication it replaces:
    beside ``out``, never inside it, so that ``out`` can be switched as a whole."""
    return out.parent / f".{out.name}.publish"


def _foreign(out: Path) -> list[str]:
    """What is in ``out`` that no publication of the workbench holds (an earlier layout's batch
    results, a file of the researcher's own): kept aside, never removed by a publish."""
    if not out.is_dir():
        return []
    found = []
    for p in sorted(out.iterdir()):
        if p.name.startswith(".") or (p.is_file() and p.name in PUBLISHED_TOP):
            continue
        if p.is_dir() and all(f.is_file() and f.suffix in PUBLISHED_IN for f in p.iterdir()):
            continue
        found.append(p.name)
    return found


def collect(reports: Path) -> tuple[dict[str, dict], dict[str, str]]:
    """The municipalities of the last batch: finished ones (their results) and failed ones (why)."""
    done, failed = {}, {}
    for folder in sorted(p for p in Path(reports).iterdir() if p.is_dir() and (p / UNIT_FILE).exists()):
        state = json.loads((folder / UNIT_FILE).read_text(encoding="utf-8"))
        if state.get("status") in ("ok", "skipped") and (folder / "results.json").exists():
            done[folder.name] = json.loads((folder / "results.json").read_text(encoding="utf-8"))
        else:
            where = " ".join(str(x) for x in (state.get("notebook"), f"cell {state['cell']}" if state.get("cell") is not None else None) if x)
            failed[folder.name] = f"{where}: {state.get('error', '')}".strip(": ").splitlines()[0]
    return done, failed


def publish(runs: Path, out: Path, *, processed: Path | None = None, lang: str | None = None,
            pdf: bool = False, threshold: int = dc.THRESHOLD, round_to: int = dc.ROUND_TO,
            progress=None) -> Published:
    """Render, index and scan the batch in ``runs``, then switch the publication ``out`` to it as a
    whole; raises :class:`DisclosureRefused` on a violation (then ``out`` is left as it was)."""
    runs, out = Path(runs).resolve(), Path(out).resolve()
    if out == runs or out.is_relative_to(runs) or runs.is_relative_to(out):
        raise WorkbenchError(f"the publication {out} must be a folder of its own, not the batch folder {runs}, "
                             "nor inside it or around it: the publication is replaced as a whole")
    work = work_folder(out)
    with folder_locks({runs, work}, "publish"):
        return _publish(runs, out, work, processed=processed, lang=lang, pdf=pdf, threshold=threshold,
                        round_to=round_to, progress=progress)


def _publish(reports: Path, out: Path, work: Path, *, processed, lang, pdf, threshold, round_to,
             progress) -> Published:
    results, failed = collect(reports)
    if not results and not failed:
        raise WorkbenchError(f"nothing to publish in {reports}: run `workbench batch` first")
    langs = {r["parameters"]["lang"] for r in results.values()}
    lang = lang or (langs.pop() if len(langs) == 1 else "nl")
    wrong = [c for c, r in results.items() if r["parameters"]["lang"] != lang]
    if wrong:
        raise WorkbenchError(f"the appendices of {', '.join(wrong)} were run in another language than {lang!r}: "
                             f"rerun `workbench batch --lang {lang}`")
    ready = work / "ready"
    io.finish_switch(ready, out)    # killed between the two renames of a switch: the scanned publication goes in
    for left in work.iterdir():     # staging of a killed publish, a publication never switched, the one replaced
        if left.name != LOCK_NAME:
            shutil.rmtree(left, ignore_errors=True)
    stage = io.make_folder(work, "stage-")
    try:
        written: list[Path] = []
        appendices: dict[str, list[str]] = {}
        pdfs = []
        items = [(c, n) for c in results for n in NOTEBOOKS]
        for c, name in (progress(items, total=len(items)) if progress else items):
            prov = results[c].get("provenance", {})
            text = render_appendix(reports / c / f"{name}.ipynb", f"{t('title_' + name, lang)} — {c}", lang, prov)
            written.append(io.write_text(stage / c / f"{name}.html", text))
            fault_point("publish_staging")
            appendices.setdefault(c, []).append(f"{c}/{name}.html")
            if pdf:
                pdfs.append(to_pdf(written[-1], stage / c / f"{name}.pdf"))
        for c in results:
            written.append(io.write_bytes(stage / c / "results.json", (reports / c / "results.json").read_bytes()))
        with_pdf = {str(p.relative_to(stage).with_suffix(".html")) for p in pdfs}
        if (page := protocol_html(lang)) is not None:
            written.append(io.write_text(stage / PROTOCOL_PAGE, page))
        if (out / "README.md").is_file():   # the folder's own note (reports/README.md is in git) stays
            written.append(io.write_bytes(stage / "README.md", (out / "README.md").read_bytes()))
        written.append(io.write_text(stage / "index.html", index_html(results, failed, appendices, lang, with_pdf)))
        ids = _identifiers(reports, processed, list(results) + list(failed))
        violations = [v for f in written for v in dc.scan_file(f, ids, threshold, round_to)]
        if violations:
            raise DisclosureRefused([dc.Violation(str(Path(v.file).relative_to(stage)), v.place, v.kind, v.detail)
                                     for v in violations])
        os.rename(stage, ready)         # complete and scanned; not yet published
        fault_point("publish_switch")
        foreign = _foreign(out)
        io.switch_folder(ready, out, work / "previous")   # the commit point: one rename of the whole publication
        kept = None
        if foreign:                     # the folder held more than a publication: kept, not removed
            kept = out.parent / f"{out.name}.kept-{time.strftime('%Y%m%d-%H%M%S')}"
            os.rename(work / "previous", kept)
        shutil.rmtree(work / "previous", ignore_errors=True)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return Published(out=out, index=out / "index.html",
                     appendices={c: [out / p for p in ps] for c, ps in appendices.items()}, failed=failed,
                     pdfs=[out / p.relative_to(stage) for p in pdfs], kept=kept)
