"""The published pages in a real browser (headless Chromium through Playwright): figures render,
every link resolves, screenshots are taken."""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from analysis.report.publish import CHROMIUM_FLAGS, chromium, to_pdf

REQUIRED = os.environ.get("WORKBENCH_REQUIRE_BROWSER") == "1"   # .ci/run sets it (and installs Chromium)


@pytest.fixture(scope="module")
def browser():
    exe = chromium()
    if not exe:
        if REQUIRED:
            pytest.fail("Chromium is required here (WORKBENCH_REQUIRE_BROWSER=1) but not installed")
        pytest.skip("Chromium not installed (Debian: apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=[a for a in CHROMIUM_FLAGS if a != "--headless"])
        yield b
        b.close()


def _check_page(browser, path: Path, shot: Path) -> list[str]:
    """Open a page; returns the links it has. Fails on a broken image or a dangling link."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.resolve().as_uri())
    page.wait_for_load_state("load")
    images = page.eval_on_selector_all("img", "els => els.map(e => [e.complete, e.naturalWidth, e.alt])")
    links = page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))")
    ids = set(page.eval_on_selector_all("[id]", "els => els.map(e => e.id)"))
    page.screenshot(path=str(shot), full_page=True)
    page.close()
    assert not errors, errors
    assert images and all(done and width > 0 for done, width, _ in images), images
    for href in links:
        url = urlparse(href)
        if href.startswith("#"):
            assert href[1:] in ids or unquote(href[1:]) in ids, f"{path.name}: anchor {href} has no target"
        else:
            assert not url.scheme and (path.parent / unquote(url.path)).exists(), f"{path.name}: {href} missing"
    assert shot.stat().st_size > 10_000
    return links


@pytest.mark.slow
def test_index_and_an_appendix_render_with_figures_and_working_links(browser, published, tmp_path):
    links = _check_page(browser, published.index, tmp_path / "index.png")
    appendix = published.out / next(h for h in links if h.endswith("02_survival.html"))
    inner = _check_page(browser, appendix, tmp_path / "appendix.png")
    assert sum(h.startswith("#") for h in inner) >= 8            # the table of contents
    page = browser.new_page()                                     # follow a link from the index
    page.goto(published.index.resolve().as_uri())
    page.click("text=results.json >> nth=0")
    page.wait_for_load_state("load")
    assert page.url.endswith("/results.json") and '"verdict"' in page.content()
    page.close()


@pytest.mark.slow
def test_an_appendix_prints_to_pdf(browser, published, tmp_path):
    pdf = to_pdf(published.out / "9908" / "01_data_quality.html", tmp_path / "a.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page") - data.count(b"/Type /Pages") >= 2
