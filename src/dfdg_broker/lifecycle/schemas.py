"""The lifecycle API's models (what crosses the HTTP boundary)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from dfdg_broker.domain.contact_groups import ContactGroup
from dfdg_broker.domain.followup import ConversationKind, Situation
from dfdg_broker.schemas import rule

MERGE_PATCH = "application/merge-patch+json"

# Synthetic, never a real person's: the mock's demo persona "complete-adult".
EXAMPLE_CPR = "1204882211"


class SituationChangeWrite(BaseModel):
    """F3: the citizen's situation from ``since`` on."""

    model_config = ConfigDict(extra="forbid")

    situation: Situation = Field(
        description="receives-benefit; in-work-or-education (ordinary work or education without a benefit, SU "
        "included); other-self-supporting"
    )
    since: date = Field(description="the day the situation began")


class ContactGroupPatch(BaseModel):
    """A JSON merge patch (RFC 7396) of the case. Only the fields named change; ``null`` removes an optional date.
    Send the case's ETag in ``If-Match``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"situation": {"situation": "in-work-or-education", "since": "2027-06-04"}},
                {"early_takeover_cv": "2026-11-27", "joint_handover_conversation_date": "2026-11-24"},
                {"visitation_date": "2027-03-10", "not_learning_danish": True},
            ]
        },
    )

    handover_date: date | None = Field(
        default=None, description="overgivelsesdato; until it has passed (C4, C5)", json_schema_extra=rule("C4")
    )
    early_takeover_cv: date | None = Field(
        default=None, description="until it has passed; null removes it (C5)", json_schema_extra=rule("C5")
    )
    early_takeover_contract: date | None = Field(
        default=None, description="until it has passed; null removes it (C5)", json_schema_extra=rule("C5")
    )
    cv_update_deadline: date | None = Field(
        default=None, description="CVEditEndDate; until it has passed (C6)", json_schema_extra=rule("C6")
    )
    contact_group: ContactGroup | None = Field(default=None, description="17, 18, 19, 20 or 27 (C3)")
    situation: SituationChangeWrite | None = Field(
        default=None, description="F3: a change of the citizen's situation; the plan follows the latest"
    )
    visitation_date: date | None = Field(
        default=None, description="F3: the visitation actually held; the follow-ups count from it"
    )
    joint_handover_conversation_date: date | None = Field(
        default=None, description="C5: the joint handover conversation the early dates followed"
    )
    not_learning_danish: bool | None = Field(default=None, description="F6")
    covered_by_repatriation_act: bool | None = Field(
        default=None, description="F4: covered by repatrieringsloven (default on for every DFDG citizen)"
    )


class Actor(BaseModel):
    subject: str = Field(description="who (the token's subject)")
    client_id: str | None = Field(default=None, description="the client system, when the token names one")
    municipality: str


class ChangeRead(BaseModel):
    """One field changed: who, what, when, from what to what."""

    revision: int = Field(description="the case's revision the change produced")
    field: str
    old_value: Any = Field(description="before (null: not set)")
    new_value: Any = Field(description="after (null: removed)")
    changed_at: datetime
    changed_by: Actor


class HistoryRead(BaseModel):
    case_id: str
    revision: int
    changes: list[ChangeRead] = Field(description="oldest first; never edited or deleted")


class ConversationWrite(BaseModel):
    """A conversation held with the citizen (F1-F3)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"held_on": "2027-03-10", "kind": "visitation"}]}
    )

    held_on: date = Field(description="the day it was held: not in the future", json_schema_extra=rule("F3"))
    kind: ConversationKind


class ConversationRecordRead(BaseModel):
    id: int
    case_id: str
    held_on: date
    kind: ConversationKind
    recorded_at: datetime
    recorded_by: Actor


class TaskDoneRead(BaseModel):
    """C8: the task, recorded as done."""

    case_id: str
    code: str = Field(examples=["hand_over_jobnet_login_codes"])
    rule: str = Field(examples=["C8"])
    status: Literal["done"] = "done"
    done_on: date
    done_at: datetime
    done_by: Actor


class WorklistAttention(BaseModel):
    code: str = Field(examples=["children_link_overdue"])
    rule: str = Field(examples=["M3"])
    due_date: date | None


class WorklistItem(BaseModel):
    id: str
    href: str
    cpr_masked: str = Field(description="birth-date part only", examples=["120488-****"])
    person_id: str
    contact_group: ContactGroup
    handover_date: date
    created_on: date
    state: Literal["live", "frozen"] = Field(
        description="frozen once DA1 (cv) and DA2 (integration-contract) are both frozen (G1)"
    )
    next_due_date: date | None = Field(
        description="the earliest planned conversation not held (possibly overdue) or open task"
    )
    attention: list[WorklistAttention]


class WorklistPage(BaseModel):
    items: list[WorklistItem]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last page")
    as_of: date


class CprSearch(BaseModel):
    """Look up cases by CPR number: in the body, never in a URL."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"cpr": EXAMPLE_CPR}]})

    cpr: str = Field(min_length=10, max_length=11, description="10 digits, with or without a dash")
