"""Kaplan–Meier and Aalen–Johansen against R's survival (tests/estimators/fixtures/survival/make_curves_fixture.R)."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.estimators.survival import aalen_johansen, kaplan_meier, risk_table, rmst

FIX = Path(__file__).parent / "fixtures" / "survival"


@pytest.fixture(scope="module")
def data():
    return pd.read_csv(FIX / "curves_data.csv")


def _ref(name):
    return pd.read_csv(FIX / name, skipinitialspace=True)


def test_kaplan_meier_matches_r(data):
    ref = _ref("km_reference.csv")
    km = kaplan_meier(data.assign(any=data["status"] > 0), entry="entry", exit="exit", event="any")
    t = km.table.set_index("time")
    ev = ref[ref["n_event"] > 0].set_index("time")
    np.testing.assert_allclose(t.loc[ev.index, "value"], ev["surv"], rtol=1e-6)
    np.testing.assert_allclose(t.loc[ev.index, "at_risk"], ev["n_risk"], rtol=1e-12)
    np.testing.assert_allclose(t.loc[ev.index, "se"], ev["std_err"], rtol=1e-4)
    kmw = kaplan_meier(data.assign(any=data["status"] > 0), entry="entry", exit="exit", event="any", weights="w")
    np.testing.assert_allclose(kmw.at(ref["time"]), ref["surv_weighted"], rtol=1e-6)


def test_aalen_johansen_matches_r(data):
    ref = _ref("aj_reference.csv")
    spec = aalen_johansen(data, entry="entry", exit="exit", event="status", event_of_interest=1)
    moved = aalen_johansen(data, entry="entry", exit="exit", event="status", event_of_interest=2)
    np.testing.assert_allclose(spec.at(ref["time"]), ref["cif_specialist"], rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(moved.at(ref["time"]), ref["cif_moved"], rtol=1e-6, atol=1e-12)
    t = spec.table.set_index("time")
    common = ref[ref["time"].isin(t.index)].set_index("time")
    np.testing.assert_allclose(t.loc[common.index, "se"], common["se_specialist"], rtol=1e-4, atol=1e-10)
    w1 = aalen_johansen(data, entry="entry", exit="exit", event="status", event_of_interest=1, weights="w")
    w2 = aalen_johansen(data, entry="entry", exit="exit", event="status", event_of_interest=2, weights="w")
    np.testing.assert_allclose(w1.at(ref["time"]), ref["cif_specialist_weighted"], rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(w2.at(ref["time"]), ref["cif_moved_weighted"], rtol=1e-6, atol=1e-12)


def test_ties_do_not_depend_on_row_order(data):
    a = aalen_johansen(data, entry="entry", exit="exit", event="status", event_of_interest=1)
    b = aalen_johansen(data.sample(frac=1, random_state=3), entry="entry", exit="exit", event="status",
                       event_of_interest=1)
    pd.testing.assert_frame_equal(a.table, b.table)


def test_hand_counted_example():
    # 4 children from time 0: events at 2 (specialist) and 2 (moved, tied), censored at 3, event at 5
    df = pd.DataFrame({"exit": [2, 2, 3, 5], "status": [1, 2, 0, 1]})
    cif = aalen_johansen(df, exit="exit", event="status", event_of_interest=1)
    # t=2: n=4, S(2-)=1 → CIF=1/4; S(2)=1/2. t=5: n=1, CIF=1/4 + 1/2 * 1 = 3/4
    assert cif.at([2, 4, 5]).tolist() == [0.25, 0.25, 0.75]
    assert rmst(cif, 5) == pytest.approx(2 * 1 + 3 * 0.75)
    tab = risk_table(df, [0, 2, 4], exit="exit", event="status", event_of_interest=1)
    assert tab["at_risk"].tolist() == [4, 2, 1] and tab["events"].tolist() == [0, 1, 1]
    assert tab["competing"].tolist() == [0, 1, 1] and tab["censored"].tolist() == [0, 0, 1]


def test_fixed_rows_give_the_aalen_johansen_curve_under_any_weights():
    """FixedRows (prepared once, weights changed) against aalen_johansen on the rows of positive weight."""
    from analysis.estimators.survival import FixedRows, aalen_johansen, rmst
    rng = np.random.default_rng(9)
    n = 3000
    entry = rng.integers(0, 20, n).astype(float)
    exit_ = entry + rng.integers(1, 40, n)          # ties on purpose
    event = rng.choice([0, 1, 2], n, p=[0.6, 0.25, 0.15])
    rows = FixedRows(entry, exit_, event, 1)
    for w in (np.ones(n), rng.integers(0, 3, n).astype(float), rng.lognormal(size=n) * rng.integers(0, 2, n)):
        keep = w > 0
        df = pd.DataFrame({"t0": entry[keep], "t1": exit_[keep], "e": event[keep], "w": w[keep]})
        ref = aalen_johansen(df, entry="t0", exit="t1", event="e", event_of_interest=1, weights="w", se=False)
        cif = rows.cif(w)
        grid = np.arange(0, 70, 0.5)
        np.testing.assert_allclose(rows.at(cif, grid), ref.at(grid), rtol=1e-12, atol=1e-14)
        for tau in (10.0, 33.5, 80.0):
            assert rows.rmst(cif, tau) == pytest.approx(rmst(ref, tau), rel=1e-12)
