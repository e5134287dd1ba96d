"""One language per appendix: no English in the Dutch appendices and index, no raw code or
snake_case name anywhere a reader looks (pages and figures), in both languages."""
from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import matplotlib
import pytest

from analysis.report import plots, plots_survival as ps, presentation as pt
from analysis.report.appendix import build_quality_appendix
from analysis.report.publish import publish
from analysis.run.params import SensitivityParams
from analysis.run.runner import batch, make_units
from analysis.study.params import QualityParams
from analysis.study.results import primary_analysis, sensitivity_analysis
from analysis.synth.generate import write_municipality
from analysis.synth.params import Municipality, SynthParams
from conftest import WELL_REGISTERED

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.text import Text  # noqa: E402

SNAKE = re.compile(r"\b[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)+\b")
# words that are English and never Dutch (nor terms the Dutch text uses as they are)
ENGLISH = re.compile(r"\b(the|and|with|without|children|child|months|month|years|risk|difference|estimate|"
                     r"weighted|unweighted|prevents|delays|insufficient|detectable|support|care|rejected|"
                     r"accepted|rows|table|column|step|age|grace|moving|competing|events|censored|outcome|"
                     r"eligible|which|from|this|that|appendix|municipality|verdict|boys|girls|share|filled|"
                     r"provenance|contents|failed|pooled|synthetic)\b", re.I)
DUTCH = re.compile(r"\b(het|kinderen|maanden|zonder|geen|niet|oordeel|gemeente|bijlage|afgewezen|jongens|"
                   r"meisjes|leeftijd|herkomst|inhoud|gepoold|mislukt)\b", re.I)


class _Visible(HTMLParser):
    """The text a reader sees: element text and image alt texts, without style and script."""

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        for k, v in attrs:
            if k in ("alt", "title", "aria-label") and v:
                self.parts.append(v)

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def visible(path: Path) -> str:
    v = _Visible()
    v.feed(path.read_text(encoding="utf-8"))
    return " ".join(v.parts)


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    """One small synthetic municipality, run and published in Dutch and in English."""
    base = tmp_path_factory.mktemp("lang")
    p = SynthParams(seed=4, municipalities=(Municipality("9912", "Testdorp", 1200, WELL_REGISTERED),))
    folder = write_municipality(base / "raw", p.municipalities[0], p)
    out = {}
    for lang in ("nl", "en"):
        units = make_units([folder], processed=base / "processed", out=base / f"reports_{lang}",
                           analysis={"n_boot": 20, "n_boot_sensitivity": 20, "lang": lang})
        [r] = batch(units, progress=False)
        assert r.status == "ok", r.line()
        pub = publish(base / f"reports_{lang}", base / f"site_{lang}", processed=base / "processed")
        out[lang] = [pub.index, *pub.appendices["9912"]]
    return base, out


def _words(rx, text):
    return sorted({m.group(0) for m in rx.finditer(text)})


@pytest.mark.slow
def test_the_dutch_publication_has_no_english_and_the_english_no_dutch(both):
    _, pages = both
    for page in pages["nl"]:
        text = visible(page)
        assert "voorkomt" in text or "geen aantoonbaar effect" in text or "te weinig gegevens" in text \
            or "te weinig geregistreerd" in text \
            or page.name != "02_survival.html"
        assert not _words(ENGLISH, text), (page.name, _words(ENGLISH, text))
    for page in pages["en"]:
        text = visible(page)
        assert not _words(DUTCH, text), (page.name, _words(DUTCH, text))


@pytest.mark.slow
def test_no_snake_case_or_raw_verdict_code_in_any_page(both):
    codes = re.compile(r"\b(prevents|delays|more_specialist_care|no_detectable_effect|insufficient_data|insufficient_registration)\b")
    for lang, pages in both[1].items():
        for page in pages:
            text = visible(page)
            assert not _words(SNAKE, text), (lang, page.name, _words(SNAKE, text))
            if lang == "nl":
                assert not _words(codes, text), (page.name, _words(codes, text))


def _figure_texts(fig) -> str:
    return " ".join(t.get_text() for t in fig.findobj(Text))


@pytest.mark.slow
def test_every_figure_speaks_the_language_of_its_appendix(both):
    base, _ = both
    for lang, rx in (("nl", ENGLISH), ("en", DUTCH)):
        qa = build_quality_appendix(QualityParams("9912", str(base / "processed"), lang=lang))
        sp = SensitivityParams(municipality="9912", processed_dir=str(base / "processed"), n_boot=20,
                               n_boot_sensitivity=20, lang=lang, workers=2)
        pr, sens = primary_analysis(sp), sensitivity_analysis(sp)
        figs = [plots.completeness_figure(qa.completeness, lang), plots.coverage_figure(qa.coverage_plot, lang),
                plots.linkage_figure(qa.linkage["year"], qa.linkage["pct"], lang),
                plots.reach_figure(qa.reach_light, qa.reach_spec, lang),
                ps.flow_figure(pt.flow_table(pr, lang)), ps.curves_figure(pt.age_curves(pr), "age", lang),
                ps.curves_figure(pt.arm_curves(pr), "arms", lang), ps.balance_figure(pr.balance, lang),
                ps.weights_figure(pr.weights, lang), ps.forest_figure(pt.forest_rows(pr, sens), lang)]
        if len(qa.rejected_plot):
            figs.append(plots.rejected_figure(qa.rejected_plot, lang))
        for fig in figs:
            text = _figure_texts(fig)
            assert not _words(SNAKE, text), (lang, _words(SNAKE, text))
            assert not _words(rx, text), (lang, _words(rx, text))
            plt.close(fig)
