"""Many municipalities of realistic sizes: the national size distribution and `workbench synth --region`."""
import numpy as np

from analysis.cli import main
from analysis.synth.regions import LARGEST, NATIONAL_CHILDREN, NATIONAL_MUNICIPALITIES, SMALLEST, municipalities, sizes


def test_national_sizes_add_up_and_have_the_dutch_shape():
    s = sizes(NATIONAL_MUNICIPALITIES, NATIONAL_CHILDREN)
    assert len(s) == 340
    assert abs(s.sum() - NATIONAL_CHILDREN) < 340          # rounding of each size at most 0.5
    assert SMALLEST <= s.min() and s.max() <= LARGEST
    assert 5_000 <= np.median(s) <= 9_000                  # the median Dutch municipality: ≈ 6,000 children
    assert s[0] > 10 * np.median(s)                        # a few large cities
    assert list(s) == sorted(s, reverse=True)


def test_region_codes_are_unique_and_fictional():
    ms = municipalities(20, scale=0.5)
    assert len({m.code for m in ms}) == 20 and all(m.code.startswith("80") for m in ms)
    assert all("Fictieve" in m.name for m in ms)
    full = municipalities(20)
    assert [round(f.children * 0.5) for f in full] == [m.children for m in ms]


def test_synth_region_without_truth(tmp_path):
    assert main(["synth", "--region", "2", "--scale", "0.05", "--no-truth", "--out", str(tmp_path)]) == 0
    folders = sorted(p.name for p in tmp_path.iterdir())
    assert folders == ["8000", "8001"]
    for f in folders:
        assert (tmp_path / f / "persons.csv").exists() and not (tmp_path / f / "ground_truth.json").exists()
