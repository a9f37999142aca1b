"""The broker's OpenAPI examples are static (building them runs no mock), synthetic, and still what LetAsyl sends."""

from __future__ import annotations

import pytest

from dfdg_broker.cases.examples import AREA_DATA_EXAMPLES, area_example
from dfdg_broker.domain.areas import DataArea
from dfdg_broker.letasyl.schemas import AREA_MODELS
from dfdg_broker.mock.state import MockState

EXAMPLE_PERSONA = "complete-adult"


@pytest.mark.parametrize("area", list(DataArea), ids=lambda a: a.value)
def test_area_example_is_valid_wire_data_with_no_field_the_contract_lacks(area: DataArea):
    example = AREA_DATA_EXAMPLES[area]
    assert AREA_MODELS[area].model_validate(example).model_dump(mode="json") == example
    assert area_example(area)["data"].items() >= example.items()


@pytest.mark.parametrize("area", list(DataArea), ids=lambda a: a.value)
def test_area_example_is_what_the_mock_serves_for_its_demo_persona(area: DataArea):
    """Written out by hand from the mock's persona; when the persona changes, copy its data here again."""
    state = MockState.with_demo_fixtures()
    persona = next(p for p in state.personas.values() if p.key == EXAMPLE_PERSONA)
    assert state.area(persona, area).model_dump(mode="json") == AREA_DATA_EXAMPLES[area]
