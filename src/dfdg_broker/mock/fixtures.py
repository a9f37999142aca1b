"""The personas as files: one JSON file per persona, so that they diff cleanly in git.

The demo personas ship inside the package (``fixtures/personas/``); a municipality adds its own from a directory
(``dfdg-broker mock --personas DIR``, ``DFDG_MOCK_PERSONAS_DIR``), loaded after the demo ones: a file with a demo
persona's person-ID replaces that persona. A file that is not valid JSON or breaks the persona schema stops the
mock at start with a message naming the file and the field (``PersonaFileError``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

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


class PersonaFileError(ValueError):
    """A persona file the mock cannot load: names the file and, for a schema error, the field."""

    def __init__(self, file: str, problem: str, field: str | None = None) -> None:
        self.file, self.problem, self.field = file, problem, field
        where = f"{file}: field {field}" if field else file
        super().__init__(f"persona file {where}: {problem}")


def load_personas(directories: Iterable[Path] = ()) -> list[Persona]:
    """Fresh, independent copies of every demo persona, in file order, then those of ``directories`` (each in
    file-name order). Raises ``PersonaFileError`` for the first file that does not load."""
    loaded = [(name, Persona.model_validate(json.loads(text))) for name, text in _raw_personas()]
    for directory in directories:
        loaded += [(str(path), _persona_from(path)) for path in persona_paths(directory)]
    by_person_id = {persona.person.person_id: (file, persona) for file, persona in loaded}  # a later file wins
    holders: dict[str, tuple[str, str]] = {}
    for file, persona in by_person_id.values():
        holder = holders.setdefault(persona.cpr, (persona.person.person_id, file))
        if holder[0] != persona.person.person_id:
            raise PersonaFileError(file, f"the CPR number is already persona {holder[0]}'s (in {holder[1]})", "cpr")
    return [persona for _file, persona in by_person_id.values()]


def persona_paths(directory: Path) -> list[Path]:
    """The persona files of a municipality's directory (``*.json``, sorted); a missing directory is an error."""
    if not directory.is_dir():
        raise PersonaFileError(str(directory), "not a directory")
    return sorted(directory.glob("*.json"))


def _persona_from(path: Path) -> Persona:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise PersonaFileError(str(path), f"cannot be read ({exc.__class__.__name__})") from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}"
        raise PersonaFileError(str(path), f"not valid JSON: {exc.msg} at {where}") from None
    try:
        return Persona.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise PersonaFileError(str(path), f"{first['msg']}{more}", field) from None


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
