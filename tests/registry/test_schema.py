"""The format definition is complete, and the generated documentation agrees with it."""
from pathlib import Path

from analysis.registry.docs import render
from analysis.registry.schema import FORMAT

ROOT = Path(__file__).resolve().parents[2]


def test_docs_are_generated_from_the_definition():
    assert (ROOT / "docs" / "registration-format.md").read_text(encoding="utf-8") == render(), \
        "run `workbench docs` to regenerate docs/registration-format.md"


def test_every_column_is_described_in_dutch_and_english():
    for table in FORMAT.tables.values():
        assert table.nl and table.en
        for col in table.columns.values():
            assert col.nl and col.en, f"{table.name}.{col.name}"


def test_episodes_carry_request_date_and_intervention_level():
    for name in ("light_support_episodes", "specialist_episodes"):
        cols = FORMAT.tables[name].columns
        assert cols["request_date"].type == "date"
        assert cols["intervention_level"].codes == "intervention_level"
    assert len(FORMAT.codes["intervention_level"]) == 7


def test_codes_are_strings_with_leading_zeros():
    assert "02" in FORMAT.code_values("bij_hulpvorm_specialist")
    assert FORMAT.code_values("referrer") == {"01", "02", "03", "04", "05", "06", "08"}
