"""A deliberately tiny municipality (150 children): no published percentage gives back a count
below 10 when it is multiplied by the count it stands beside."""
from __future__ import annotations

import json
import re

import pytest

from analysis.report.disclosure import COUNT_LABEL, _Page, _words
from analysis.report.publish import publish
from analysis.run.runner import batch, make_units
from analysis.synth.generate import write_municipality
from analysis.synth.params import Municipality, SynthParams

NUM = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")


def _number(text: str) -> float | None:
    t = text.strip().split(" ")[0].replace(",", ".")
    return float(t) if NUM.match(t) else None


def implied_small_counts(html: str, threshold: int = 10) -> list[str]:
    """Every (percentage, count) pair in a row of a table whose product is a count from 1 to 9."""
    page = _Page()
    page.feed(re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "", html))
    found = []
    for t, rows in enumerate(page.tables, start=1):
        head = [c for _, c in rows[0]] if rows else []
        counts = [i for i, h in enumerate(head) if COUNT_LABEL.search(_words(h)) and not re.search(r"%(?!-BI| CI)", h)]
        # a share of children, not "95%" of a confidence interval nor a difference in percentage points
        shares = [i for i, h in enumerate(head) if re.search(r"%(?!-BI| CI)", h) and "procentpunt" not in h
                  and "percentage point" not in h]
        for r in rows[1:]:
            cells = [c for _, c in r]
            for i in shares:
                for j in counts:
                    if i < len(cells) and j < len(cells):
                        pct, n = _number(cells[i]), _number(cells[j])
                        if pct is not None and n is not None and 0.5 <= pct / 100 * n < threshold - 0.5:
                            found.append(f"table {t}: {head[i]} = {cells[i]} of {head[j]} = {cells[j]} "
                                         f"→ {pct / 100 * n:.1f}")
    return found


def test_the_checker_finds_a_share_that_gives_back_a_small_count():
    html = ("<table><tr><th>jaar</th><th>kinderen</th><th>lichte ondersteuning (%)</th></tr>"
            "<tr><td>2020</td><td>105</td><td>12.6</td></tr>"
            "<tr><td>2021</td><td>105</td><td>4.8</td></tr></table>")
    assert implied_small_counts(html) == ["table 1: lichte ondersteuning (%) = 4.8 of kinderen = 105 → 5.0"]


@pytest.mark.slow
def test_no_published_share_of_a_tiny_municipality_implies_a_count_below_10(tmp_path):
    p = SynthParams(seed=15, municipalities=(Municipality("9915", "Klein", 150),))
    folder = write_municipality(tmp_path / "raw", p.municipalities[0], p)
    units = make_units([folder], processed=tmp_path / "processed", out=tmp_path / "reports",
                       analysis={"n_boot": 20, "n_boot_sensitivity": 20})
    [r] = batch(units, progress=False)
    assert r.status in ("ok", "failed")
    pub = publish(tmp_path / "reports", tmp_path / "site")      # the publish scan passes ...
    pages = [pub.index, *pub.appendices.get("9915", [])]
    assert len(pages) >= 2
    for page in pages:                                          # ... and no share undoes the rounding
        assert implied_small_counts(page.read_text(encoding="utf-8")) == [], page.name
    results = json.loads((tmp_path / "site" / "9915" / "results.json").read_text()) if r.status == "ok" else {}
    for row in results.get("secondary", {}).get("landmarks", []):
        for arm in ("exposed", "unexposed"):
            cif, n = row.get(f"cif_{arm}"), row.get(f"n_{arm}")
            if cif is not None and isinstance(n, int):
                assert not 0.5 <= cif * n < 9.5, row
