"""What the repository hands the service: plain frozen dataclasses, never SQLAlchemy rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from dfdg_broker.domain.access import may_access
from dfdg_broker.domain.areas import DataArea
from dfdg_broker.domain.case_dates import CaseDates
from dfdg_broker.domain.contact_groups import ContactGroup
from dfdg_broker.domain.followup import ConversationKind, Situation


@dataclass(frozen=True, slots=True)
class Case:
    id: str
    cpr: str
    receiving_municipality: str
    jobcenter_municipality: str
    contact_group: ContactGroup
    dates: CaseDates
    special_procedure_ref: str | None
    person_id: str
    asylum_decision_date: date
    jobnet_cv_number: int
    jobnet_profile_created: bool
    created_on: date
    created_at: datetime
    created_by_municipality: str
    # The case as it changes over time (issue 13).
    revision: int = 1
    """ETag: raised by every change (PATCH), so two caseworkers cannot overwrite each other."""
    visitation_date: date | None = None
    """F3: the visitation actually held, when known."""
    joint_handover_conversation_date: date | None = None
    """C5: the joint handover conversation the early dates followed, when there was one."""
    not_learning_danish: bool = False
    """F6: the citizen does not learn Danish systematically."""
    covered_by_repatriation_act: bool = True
    """F4: covered by repatrieringsloven; every citizen who comes through DFDG is, by default."""
    done_tasks: frozenset[str] = frozenset()
    """C8: the codes of the tasks the jobcenter recorded as done."""

    @property
    def etag(self) -> str:
        return f'"{self.id}.{self.revision}"'

    def visible_to(self, municipality: str) -> bool:
        return may_access(
            municipality,
            receiving_municipality=self.receiving_municipality,
            jobcenter_municipality=self.jobcenter_municipality,
        )


@dataclass(frozen=True, slots=True)
class FrozenCheck:
    """What a cached frozen read checks on every hit (``FrozenCheckRepository.frozen_check``): access, dates, and
    whether the cached snapshot is still stored."""

    receiving_municipality: str
    jobcenter_municipality: str
    dates: CaseDates
    still_held: bool

    def visible_to(self, municipality: str) -> bool:
        return may_access(
            municipality,
            receiving_municipality=self.receiving_municipality,
            jobcenter_municipality=self.jobcenter_municipality,
        )


@dataclass(frozen=True, slots=True)
class Snapshot:
    area: DataArea
    taken_on: date
    taken_at: datetime
    content_sha256: str
    data: dict[str, Any]
    seq: int = 0
    """position in the area's history (1, 2, ...); 0 until stored. Unique per case and area, which is what makes
    concurrent identical reads store one row (see ``CaseRepository.add_snapshot``)."""

    def with_data(self) -> Snapshot:
        """The snapshot with its data (this one: see ``StoredSnapshot``)."""
        return self


@dataclass(frozen=True, slots=True)
class StoredSnapshot:
    """A stored snapshot as read with its case, its data opened (so a changed or moved value is refused here, as on
    every read) but not yet parsed: G1's change check needs only the digest, the day and the sequence, so a live
    read whose answer is unchanged never parses the stored document. ``with_data()`` does, for a read that serves
    it (frozen, or stale) or must compare it."""

    area: DataArea
    taken_on: date
    taken_at: datetime
    content_sha256: str
    seq: int
    parse_data: Callable[[], dict[str, Any]]

    def with_data(self) -> Snapshot:
        return Snapshot(self.area, self.taken_on, self.taken_at, self.content_sha256, self.parse_data(), self.seq)


@dataclass(frozen=True, slots=True)
class Blob:
    attachment_id: str
    sha256: str
    media_type: str
    size_bytes: int
    content: bytes


LOGIN_CODES_TASK_CODE = "hand_over_jobnet_login_codes"
LOGIN_CODES_TASK_TEXT = "CV responsibility has passed to the citizen: create Jobnet login codes and hand them over."
LOGIN_CODES_TASK_TEXT_DA = (
    "CV-ansvaret er overgået til borgeren: opret log ind-oplysninger til Jobnet, og giv dem til borgeren."
)
"""C8: the task, as both ``tasks`` and the case summary show it."""


@dataclass(frozen=True, slots=True)
class Attention:
    """Something on the case that needs a human, with the rule behind it and where to act."""

    code: str
    rule: str
    text: str
    text_da: str
    """the same for the caseworker's screen, in Danish"""
    due_date: date | None
    href: str


@dataclass(frozen=True, slots=True)
class Change:
    """One field of a case changed: who, what, when, from what to what (insert-only history)."""

    revision: int
    field: str
    old_value: Any
    new_value: Any
    changed_at: datetime
    changed_by_subject: str
    changed_by_client: str | None
    changed_by_municipality: str


@dataclass(frozen=True, slots=True)
class SituationEntry:
    """F3: from ``since`` on, the citizen is in ``situation``."""

    situation: Situation
    since: date
    recorded_at: datetime


@dataclass(frozen=True, slots=True)
class ConversationEntry:
    """A conversation the jobcenter recorded as held."""

    id: int
    held_on: date
    kind: ConversationKind
    recorded_at: datetime
    recorded_by_subject: str
    recorded_by_municipality: str


@dataclass(frozen=True, slots=True)
class TaskDone:
    """C8: who recorded a task as done, and when."""

    code: str
    done_on: date
    done_at: datetime
    done_by_subject: str
    done_by_municipality: str
