"""The planning registries skip the CSV round trip and the row checks (typed_tables): the same tables
as validation accepts, and validation rejects none of the generator's rows."""
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from analysis.registry.validate import typed_tables, validate_delivery
from analysis.synth.generate import simulate_municipality, write_municipality
from analysis.synth.params import Municipality, SynthParams


@pytest.mark.parametrize("m, start", [(Municipality("9902", "Middenveen", 1500), date(2014, 1, 1)),
                                      (Municipality("9903", "Grootstad", 2500), date(2011, 1, 1))])
def test_typed_tables_equal_validation(tmp_path: Path, m, start):
    sp = SynthParams(municipalities=(m,), registry_start=start, uptake_scale=1.3, specialist_scale=0.8)
    tables = simulate_municipality(m, sp, truth=False)[0]
    res = validate_delivery(write_municipality(tmp_path, m, sp, truth=False))
    fast = typed_tables(tables)
    assert set(fast) == set(res.tables)
    for name, tr in res.tables.items():
        assert len(tr.rejected) == 0, name
        assert tr.rows_in == len(tables.get(name, [])), name     # requests: not generated (yet)
        pd.testing.assert_frame_equal(fast[name], tr.accepted.reset_index(drop=True), obj=name)
