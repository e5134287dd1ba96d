"""The multi-state Aalen–Johansen estimator against R survival and against hand-computed values."""
from __future__ import annotations

from fractions import Fraction as F
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.estimators.multistate import aalen_johansen_multistate

FIXTURES = Path(__file__).parent / "fixtures" / "multistate"
STATES = ["none", "light", "intensive", "specialist"]


@pytest.mark.parametrize("case", ["unweighted", "weighted"])
def test_equal_to_r_survfit_with_reversible_transitions_staggered_entry_ties_and_weights(case):
    """make_multistate_fixture.R: survfit(Surv(tstart, tstop, state) ~ 1, id=, istate=, weights=)."""
    d = pd.read_csv(FIXTURES / f"{case}_data.csv")
    ref = pd.read_csv(FIXTURES / f"{case}_reference.csv").set_index("time")
    d["to_state"] = np.where(d["to"] == "censor", d["from"], d["to"])    # censored: stays where it was
    assert (d.groupby("id")["from"].first().nunique() == 4) and (d.groupby("id")["tstart"].min() > 0).any()
    fit = aalen_johansen_multistate(d, id="id", start="tstart", stop="tstop", from_state="from",
                                    to_state="to_state", weights="w", states=STATES)
    np.testing.assert_array_equal(fit.pstate.index.to_numpy(), ref.index.to_numpy())
    np.testing.assert_allclose(fit.pstate[STATES].to_numpy(), ref[[f"p_{s}" for s in STATES]].to_numpy(), atol=1e-8)
    np.testing.assert_allclose(fit.std_err[STATES].to_numpy(), ref[[f"se_{s}" for s in STATES]].to_numpy(), atol=1e-6)
    # without standard errors (the appendix's fast path): the same probabilities and numbers at risk
    fast = aalen_johansen_multistate(d, id="id", start="tstart", stop="tstop", from_state="from",
                                     to_state="to_state", weights="w", states=STATES, se=False)
    np.testing.assert_allclose(fast.pstate[STATES].to_numpy(), ref[[f"p_{s}" for s in STATES]].to_numpy(), atol=1e-8)
    np.testing.assert_allclose(fast.n_risk.to_numpy(), fit.n_risk.to_numpy(), atol=1e-9)
    assert fast.std_err.isna().all().all()


def _mtest() -> pd.DataFrame:
    """R survival's tests/mstate.R: five subjects, late entry, a -> b -> a, censoring in b and c."""
    rows = [(1, 0, 4, "entry", "a"), (1, 4, 9, "a", "b"), (1, 9, 10, "b", "a"), (2, 0, 5, "entry", "b"),
            (3, 2, 9, "entry", "c"), (4, 0, 2, "entry", "a"), (4, 2, 8, "a", "c"), (4, 8, 9, "c", "c"),
            (5, 1, 3, "entry", "b"), (5, 3, 11, "b", "b")]
    return pd.DataFrame(rows, columns=["id", "t1", "t2", "from", "to"]).sample(frac=1, random_state=3)


def test_the_hand_computed_values_of_r_survivals_own_multistate_test():
    fit = aalen_johansen_multistate(_mtest(), id="id", start="t1", stop="t2", from_state="from", to_state="to",
                                    states=["entry", "a", "b", "c"])
    want = {2: (F(3, 4), F(1, 4), 0, 0), 3: (F(9, 16), F(1, 4), F(3, 16), 0), 4: (F(6, 16), F(7, 16), F(3, 16), 0),
            5: (F(3, 16), F(7, 16), F(6, 16), 0), 8: (F(3, 16), F(7, 32), F(6, 16), F(7, 32)),
            9: (0, 0, F(19, 32), F(13, 32)), 10: (0, F(19, 64), F(19, 64), F(13, 32)), 11: (0, F(19, 64), F(19, 64), F(13, 32))}
    assert list(fit.pstate.index) == list(want)
    for t, row in want.items():
        np.testing.assert_allclose(fit.pstate.loc[t].to_numpy(), [float(x) for x in row], atol=1e-15)
    # the weighted numbers at risk just before each time, as R's n.risk (entry, a, b, c)
    np.testing.assert_array_equal(fit.n_risk["entry"].to_numpy(), [4, 4, 3, 2, 1, 1, 0, 0])
    np.testing.assert_array_equal(fit.n_risk["a"].to_numpy(), [0, 1, 1, 2, 2, 1, 0, 0])
    # P(0, t) from the entry state is the state occupation (everyone starts there)
    np.testing.assert_allclose(fit.transition(0, 10).loc["entry"].to_numpy(), fit.pstate.loc[10].to_numpy(), atol=1e-15)
    # P(s, t) from a later time: in b at 9, at 10 still in b (id 5) or back in a (id 1): 1/2 each
    np.testing.assert_allclose(fit.transition(9, 10).loc["b"].to_numpy(), [0, 0.5, 0.5, 0], atol=1e-15)


def test_weights_scale_freely_and_count_like_copies():
    d = _mtest()
    base = aalen_johansen_multistate(d, id="id", start="t1", stop="t2", from_state="from", to_state="to",
                                     states=["entry", "a", "b", "c"])
    scaled = aalen_johansen_multistate(d.assign(w=3.0), id="id", start="t1", stop="t2", from_state="from",
                                       to_state="to", weights="w", states=["entry", "a", "b", "c"])
    pd.testing.assert_frame_equal(base.pstate, scaled.pstate, atol=1e-14, rtol=0)
    pd.testing.assert_frame_equal(base.std_err, scaled.std_err, atol=1e-14, rtol=0)
    # subject 4 with weight 2 is subject 4 twice, for the probabilities
    twice = pd.concat([d, d[d["id"] == 4].assign(id=40)], ignore_index=True)
    copies = aalen_johansen_multistate(twice, id="id", start="t1", stop="t2", from_state="from", to_state="to",
                                       states=["entry", "a", "b", "c"])
    weighted = aalen_johansen_multistate(d.assign(w=np.where(d["id"] == 4, 2.0, 1.0)), id="id", start="t1", stop="t2",
                                         from_state="from", to_state="to", weights="w", states=["entry", "a", "b", "c"])
    pd.testing.assert_frame_equal(copies.pstate, weighted.pstate, atol=1e-14, rtol=0)


def test_bad_input_is_refused_with_a_reason():
    d = _mtest()
    with pytest.raises(ValueError, match="end after it starts"):
        aalen_johansen_multistate(d.assign(t2=d["t1"]), id="id", start="t1", stop="t2", from_state="from", to_state="to")
    with pytest.raises(ValueError, match="two rows at once"):
        bad = pd.concat([d, d[d["id"] == 1].head(1)], ignore_index=True)
        aalen_johansen_multistate(bad, id="id", start="t1", stop="t2", from_state="from", to_state="to")
    with pytest.raises(ValueError, match="weights"):
        aalen_johansen_multistate(d.assign(w=-1.0), id="id", start="t1", stop="t2", from_state="from", to_state="to",
                                  weights="w")
