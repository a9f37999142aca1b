"""The demo personas: one JSON file per persona in ``fixtures/personas/``, so that they diff cleanly in git."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dfdg_broker.cpr_register.schemas import RegisterEntry
from dfdg_broker.letasyl.schemas import AttachmentKind, CvArea, IntegrationContractArea, OtherArea, Person


class CprRegisterEntry(RegisterEntry):
    """N15: what the CPR register holds: name and address (the broker's wire model, strict in fixtures)."""

    model_config = ConfigDict(extra="forbid", frozen=False)


class AttachmentFixture(BaseModel):
    """An attachment as written in a fixture: the mock renders ``text`` as a PDF and lists its size and SHA-256."""

    model_config = ConfigDict(extra="forbid")

    attachment_id: str
    title: str
    kind: AttachmentKind
    concerns_person_id: str | None = None
    created_on: date | None = None
    text: str


class Persona(BaseModel):
    """A synthetic person known to the mock upstream. The CPR number is synthetic and may be shown."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(description="stable name, e.g. complete-adult")
    purpose: str = Field(description="what this persona is for, with rule IDs")
    rules: list[str] = []
    cpr: str = Field(description="synthetic CPR number")
    person: Person
    cpr_register: CprRegisterEntry
    jobnet_cv_number: int | None = None
    cv: CvArea = CvArea()
    integration_contract: IntegrationContractArea = IntegrationContractArea()
    other: OtherArea = OtherArea()
    attachments: list[AttachmentFixture] = []


@cache
def _raw_personas() -> tuple[tuple[str, str], ...]:
    folder = resources.files("dfdg_broker.mock").joinpath("fixtures", "personas")
    return tuple(
        sorted(
            (entry.name, entry.read_text(encoding="utf-8"))
            for entry in folder.iterdir()
            if entry.name.endswith(".json")
        )
    )


def load_personas() -> list[Persona]:
    """Fresh, independent copies of every demo persona, in file order."""
    return [Persona.model_validate(json.loads(text)) for _name, text in _raw_personas()]


def unknown_fields(raw: Any, parsed: BaseModel | list[BaseModel]) -> list[str]:
    """Paths of keys in ``raw`` that ``parsed`` (its validated form) does not know: misspellings that the tolerant
    wire models would otherwise drop without a word. The admin API refuses them."""
    items = parsed if isinstance(parsed, list) else [parsed]
    known = [m.model_dump(mode="json", exclude_unset=True) for m in items]
    return _unknown(raw, known if isinstance(parsed, list) else known[0], "body")


def _unknown(raw: Any, known: Any, path: str) -> list[str]:
    if isinstance(raw, dict) and isinstance(known, dict):
        found = [f"{path}.{key}" for key in raw if key not in known]
        return found + [p for key in raw if key in known for p in _unknown(raw[key], known[key], f"{path}.{key}")]
    if isinstance(raw, list) and isinstance(known, list):
        return [p for i, (r, k) in enumerate(zip(raw, known, strict=False)) for p in _unknown(r, k, f"{path}.{i}")]
    return []


def persona_files() -> dict[str, Any]:
    """File name -> parsed JSON, for contract tests on the fixtures themselves."""
    return {name: json.loads(text) for name, text in _raw_personas()}
