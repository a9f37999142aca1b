"""The mock upstream's state: personas, Jobnet profiles and the request journal, all in memory.

Tests seed it through the admin API and reset it between runs; nothing here survives a restart, on purpose.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from pydantic import BaseModel

from dfdg_broker.clock import MovableClock, SystemClock
from dfdg_broker.domain.areas import DataArea
from dfdg_broker.jobnet.cv import JobnetCv
from dfdg_broker.letasyl.schemas import Attachment, AttachmentsArea, WireModel
from dfdg_broker.mock import pdf
from dfdg_broker.mock.fixtures import AttachmentFixture, Persona, load_personas
from dfdg_broker.mock.journal import Journal, JournalEntry

__all__ = ["CprTaken", "JournalEntry", "MockState", "PdfRequest", "ReceivedCv"]

FIRST_CREATED_CV_NUMBER = 5_000_001
MAX_ANSWERED_PERSONAS = 4096
"""Personas whose answers ``MockState.answer`` holds at once (a few KB each); past that it starts again."""


class CprTaken(Exception):
    """Another persona already has this CPR number."""

    def __init__(self, person_id: str) -> None:
        super().__init__(person_id)
        self.person_id = person_id


class ReceivedCv(BaseModel):
    """A CV as Jobnet received it (the last one per CV number), with Jobnet's status for it."""

    cv_number: int
    cv: JobnetCv
    submitted_by_municipality: str
    status: str
    received_at: datetime
    version: int
    submission_key: str | None = None


@dataclass
class PdfRequest:
    """P1: a PDF request the operator received; ``delivered`` is the persona as it was when the PDF was made."""

    request_id: str
    person_id: str
    areas: list[str]
    requesting_municipality: str
    delivered_on: date | None = None
    delivered: Persona | None = None
    client_reference: str | None = None


@dataclass
class MockState:
    personas: dict[str, Persona] = field(default_factory=dict)
    jobnet_profiles: dict[str, int] = field(default_factory=dict)
    journal: Journal = field(default_factory=Journal)
    pdf_requests: dict[str, PdfRequest] = field(default_factory=dict)
    jobnet_cvs: dict[int, ReceivedCv] = field(default_factory=dict)
    next_cv_number: int = FIRST_CREATED_CV_NUMBER
    loaded: list[Persona] = field(default_factory=list)
    """The personas of the files, as loaded at start: what ``reset`` returns to."""
    added: set[str] = field(default_factory=set)
    """Person-IDs of the personas created through the admin API (not in any file): ``reset(keep_added=True)``."""
    strict_contract: bool = True
    """Strict contract mode (``mock.contract_mode``); ``reset`` returns it to ``strict_contract_default``."""
    strict_contract_default: bool = True
    clock: MovableClock = field(default_factory=lambda: MovableClock(SystemClock()))
    """The mock's clock: Jobnet receipts, PDF deliveries (``/admin/clock``; ``reset`` releases it)."""
    _by_cpr: dict[str, str] = field(default_factory=dict)
    _answers: dict[str, tuple[Persona, dict[str, bytes]]] = field(default_factory=dict)

    @classmethod
    def with_demo_fixtures(cls, persona_dirs: Iterable[Path] = ()) -> MockState:
        """The demo personas, plus those of ``persona_dirs`` (a municipality's own files)."""
        state = cls(loaded=load_personas(persona_dirs))
        state.reset()
        return state

    def reset(self, *, keep_added: bool = False) -> None:
        """Back to the loaded persona files (a persona changed through the admin API returns to its file), their
        Jobnet profiles only, no PDF requests, no CVs received, an empty journal, the configured contract mode, real
        time. With ``keep_added`` the personas created through the admin API stay, as they are now."""
        kept = [self.personas[p] for p in sorted(self.added) if p in self.personas] if keep_added else []
        self.personas.clear()
        self._by_cpr.clear()
        self._answers.clear()
        self.added.clear()
        self.jobnet_profiles.clear()
        self.journal.clear()
        self.pdf_requests.clear()
        self.jobnet_cvs.clear()
        self.next_cv_number = FIRST_CREATED_CV_NUMBER
        self.strict_contract = self.strict_contract_default
        self.clock.release()
        for persona in self.loaded:
            self.put_persona(persona.model_copy(deep=True))
        for persona in kept:
            try:
                self.put_persona(persona, added=True)
            except CprTaken:  # its CPR number is a file persona's again (that persona had given it up): drop it
                continue

    def put_persona(self, persona: Persona, *, added: bool = False) -> bool:
        """Create or replace a persona by person-ID. Returns True if it was new; ``added``: it comes through the
        admin API (a new one is then kept by ``reset(keep_added=True)``).

        A Jobnet profile outlives a replaced persona, as it would: Jobnet is another system than LetAsyl."""
        person_id = persona.person.person_id
        holder = self._by_cpr.get(persona.cpr)
        if holder is not None and holder != person_id:
            raise CprTaken(holder)
        previous = self.personas.get(person_id)
        if previous is not None:
            self._by_cpr.pop(previous.cpr, None)
        self._answers.pop(person_id, None)
        self.personas[person_id] = persona
        self._by_cpr[persona.cpr] = person_id
        if added and previous is None:
            self.added.add(person_id)
        if persona.jobnet_cv_number is not None:
            self.jobnet_profiles[persona.cpr] = persona.jobnet_cv_number
        return previous is None

    def answer(self, persona: Persona, what: str, build: Callable[[], bytes]) -> bytes:
        """An answer that depends on ``persona`` alone (its person data, a data area, its register entry), built by
        ``build`` once and then served as those bytes until the persona changes: ``put_persona`` drops them, and
        they are kept for this very persona object only, so a persona replaced any other way is answered afresh."""
        person_id = persona.person.person_id
        held = self._answers.get(person_id)
        if held is None or held[0] is not persona:
            if len(self._answers) >= MAX_ANSWERED_PERSONAS:
                self._answers.clear()
            held = self._answers[person_id] = (persona, {})
        answers = held[1]
        content = answers.get(what)
        if content is None:
            content = answers[what] = build()
        return content

    def by_cpr(self, cpr: str) -> Persona | None:
        person_id = self._by_cpr.get(cpr)
        return self.personas.get(person_id) if person_id else None

    def find(self, cpr: str, receiving_municipality: str) -> Persona | None:
        """C2: LetAsyl answers for a CPR number only together with the right receiving municipality."""
        persona = self.by_cpr(cpr)
        if persona is None or persona.person.receiving_municipality != receiving_municipality:
            return None
        return persona

    def area(self, persona: Persona, area: DataArea) -> WireModel:
        if area is DataArea.CV:
            return persona.cv
        if area is DataArea.INTEGRATION_CONTRACT:
            return persona.integration_contract
        if area is DataArea.OTHER:
            return persona.other
        return AttachmentsArea(attachments=[_listing(a) for a in persona.attachments])

    def attachment_bytes(self, person_id: str, attachment_id: str) -> bytes | None:
        persona = self.personas.get(person_id)
        if persona is None:
            return None
        for attachment in persona.attachments:
            if attachment.attachment_id == attachment_id:
                return pdf.render(attachment.title, attachment.text)
        return None

    def create_jobnet_profile(self, cpr: str) -> int | None:
        """C7 on Jobnet's side: a new CV number, or None if the citizen already has one."""
        if cpr in self.jobnet_profiles:
            return None
        cv_number = self.next_cv_number
        self.next_cv_number += 1
        self.jobnet_profiles[cpr] = cv_number
        return cv_number


def _listing(attachment: AttachmentFixture) -> Attachment:
    content = pdf.render(attachment.title, attachment.text)
    return Attachment(
        attachment_id=attachment.attachment_id,
        title=attachment.title,
        kind=attachment.kind,
        concerns_person_id=attachment.concerns_person_id,
        media_type="application/pdf",
        size_bytes=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        created_on=attachment.created_on,
    )
