"""Disclosure control, checked on hand-made tables."""
import numpy as np
import pandas as pd

from analysis.report.disclosure import protect_counts, protect_plot_counts, protect_share, round_count


def test_small_counts_suppressed_and_the_rest_rounded():
    t = pd.DataFrame({"a": [3, 40, 0], "b": [22, 57, 12], "c": [15, 8, 30]}, index=["x", "y", "z"])
    shown = protect_counts(t)
    # row x: 3 is primary; the smallest other (15) goes too, so that a row total cannot reveal it;
    # row y: 8 is primary, 40 secondary; then column a has 3 and 40 hidden (two), fine;
    # column c then holds 15 and 8 hidden: two, fine.
    assert shown.loc["x"].tolist() == ["<10", "20", "<10"]
    assert shown.loc["y"].tolist() == ["<10", "55", "<10"]
    assert shown.loc["z"].tolist() == ["0", "10", "30"]


def test_rounding_to_five():
    assert round_count([10, 12, 13, 17, 18, 1234]).tolist() == [10, 10, 15, 15, 20, 1235]


def test_shares_need_enough_in_both_groups():
    pct = protect_share([5, 20, 95, 0, 50], [100, 100, 100, 100, 8])
    assert np.isnan(pct[0]) and pct[1] == 20.0 and np.isnan(pct[2]) and pct[3] == 0.0 and np.isnan(pct[4])


def test_shares_are_computed_from_the_published_counts():
    # 13 of 103 children: published as 15 of 105, so the share shown is 14.3%, not 12.6%
    pct = protect_share([13, 10], [103, 103])
    assert pct[0] == 100 * 15 / 105 and pct[1] == 100 * 10 / 105
    # whatever the exact counts behind the rounded ones, the published share is the same
    assert protect_share([13], [103])[0] == protect_share([14], [106])[0]


def test_plot_counts_have_gaps_where_suppressed():
    v = protect_plot_counts([0, 4, 12])
    assert v[0] == 0 and np.isnan(v[1]) and v[2] == 10


def test_the_scan_finds_a_bsn_inside_a_file_name_but_not_inside_a_hash(tmp_path):
    from analysis.registry.bsn import looks_like_bsn
    from analysis.report.disclosure import scan_file
    import pandas as pd
    assert looks_like_bsn(pd.Series(["123456782", "111222333"])).all()
    for text in ("bsn_123456782_export.csv", "123456782.csv", "notes/BSN 111222333.txt", "x123456782y"):
        f = tmp_path / "page.txt"
        f.write_text(f"input files: {text}\n")
        assert [v.kind for v in scan_file(f)] == ["identifier"], text
    # digit runs inside a SHA-256, decimals and longer numbers are no BSNs
    sha = "643271c496940d79094643771d15dcd9cf71" + "0" * 28
    f.write_text(f"code {sha} · 0.123456782 · 1234567820 · 12345678.2\n")
    assert scan_file(f) == []


def test_results_json_names_input_files_by_role(tmp_path):
    from analysis.run.provenance import input_hashes, input_roles
    (tmp_path / "persons.csv").write_text("x")
    (tmp_path / "delivery.yml").write_text("x")
    (tmp_path / "bsn_123456782_export.csv").write_text("x")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "BSN 111222333.txt").write_text("y")
    roles = input_roles(tmp_path, input_hashes(tmp_path))
    assert set(roles) == {"persons", "delivery.yml", "other_file_1", "other_file_2"}
    assert "123456782" not in str(roles) and "111222333" not in str(roles)


def test_curve_steps_are_pooled_until_they_hold_ten_events():
    from analysis.report.disclosure import pool_steps
    t = pd.DataFrame({"time": [1, 2, 3, 4, 5, 6], "events": [3, 4, 5, 12, 1, 2], "value": [.1, .2, .3, .5, .51, .52]})
    kept = pool_steps(t)
    assert kept["time"].tolist() == [3, 4]          # 3+4+5 = 12 events in one step, then 12; the last 3 left out
    assert kept["value"].tolist() == [.3, .5]
