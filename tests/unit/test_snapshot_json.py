"""A create seals each first snapshot's document from the wire model's own JSON (``cases.service.snapshot_json``)
instead of encoding the dumped dict again with the stdlib: the stored bytes must be the very ones
``Protection.seal_json`` would have sealed (issue 14)."""

from __future__ import annotations

import datetime
import enum
import types
import typing
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel

from dfdg_broker.cases.service import snapshot_json
from dfdg_broker.domain.areas import DataArea
from dfdg_broker.letasyl.client import area_from_content
from dfdg_broker.letasyl.schemas import AREA_MODELS, AttachmentsArea, WireModel
from dfdg_broker.mock.fixtures import load_personas
from dfdg_broker.mock.state import _listing
from dfdg_broker.protection.sealing import _COMPACT_JSON


def _seal_json_plaintext(document: Any) -> bytes:
    """What ``Protection.seal_json`` seals: its own encoder's bytes."""
    return _COMPACT_JSON.encode(document).encode()


_SAME_IN_BOTH = (str, int, bool, type(None), datetime.date, datetime.datetime)
"""Leaf types both encoders write alike. A float is not among them: the stdlib writes ``1e+16``, pydantic ``1e16``."""


def _leaf_types(annotation: Any, seen: set[type]) -> set[Any]:
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return {type(value) for value in typing.get_args(annotation)}
    if origin in (list, typing.Union, types.UnionType):
        return set().union(*(_leaf_types(arg, seen) for arg in typing.get_args(annotation)))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return set()
        seen.add(annotation)
        decorators = annotation.__pydantic_decorators__
        assert not decorators.field_serializers and not decorators.model_serializers, annotation
        return set().union(*(_leaf_types(field.annotation, seen) for field in annotation.model_fields.values()))
    if isinstance(annotation, type) and issubclass(annotation, enum.StrEnum):
        return {str}
    return {annotation}


@pytest.mark.parametrize("area", list(DataArea))
def test_no_area_holds_a_value_the_two_encoders_write_differently(area):
    assert _leaf_types(AREA_MODELS[area], set()) <= set(_SAME_IN_BOTH)


def _areas_of_every_demo_persona() -> list[tuple[str, DataArea, BaseModel]]:
    found = []
    for persona in load_personas():
        held = {
            DataArea.CV: persona.cv,
            DataArea.INTEGRATION_CONTRACT: persona.integration_contract,
            DataArea.OTHER: persona.other,
            DataArea.ATTACHMENTS: AttachmentsArea(attachments=[_listing(a) for a in persona.attachments]),
        }
        for area, model in held.items():
            # as the broker gets it: the operator's JSON, validated by the area's wire model
            content = model.model_dump_json(by_alias=True).encode()
            found.append((persona.key, area, area_from_content(area, content)))
    return found


def test_every_demo_personas_areas_are_sealed_as_seal_json_would_seal_them():
    for key, area, answer in _areas_of_every_demo_persona():
        assert snapshot_json(answer) == _seal_json_plaintext(answer.model_dump(mode="json")), (key, area)


class _Document(WireModel):
    text: str
    number: int
    items: list[str]
    flag: bool | None
    day: datetime.date | None


@given(
    text=st.text(st.characters(codec="utf-8")),  # every code point a str from JSON can hold: controls, quotes, ...
    number=st.integers(),
    items=st.lists(st.text(st.characters(codec="utf-8"), max_size=5), max_size=3),
    flag=st.none() | st.booleans(),
    day=st.none() | st.dates(),
)
def test_strings_ints_and_dates_are_written_alike(text, number, items, flag, day):
    document = _Document(text=text, number=number, items=items, flag=flag, day=day)
    assert snapshot_json(document) == _seal_json_plaintext(document.model_dump(mode="json"))
