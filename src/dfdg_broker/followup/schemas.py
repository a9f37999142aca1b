"""The follow-up API's models (what crosses the HTTP boundary)."""

from __future__ import annotations

import datetime
from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from dfdg_broker.cases.schemas import Task
from dfdg_broker.domain.contact_groups import ContactGroup
from dfdg_broker.domain.followup import (
    DEFAULT_HORIZON_MONTHS,
    MAX_HORIZON_MONTHS,
    MIN_HORIZON_MONTHS,
    Act,
    Basis,
    ContentItem,
    ConversationKind,
    ConversationStatus,
    PolicyKind,
    Situation,
    TargetGroup,
    WorkloadBasis,
)
from dfdg_broker.schemas import rule

HORIZON_DESCRIPTION = f"Months from the start date the plan covers ({MIN_HORIZON_MONTHS}-{MAX_HORIZON_MONTHS})."
F6_DESCRIPTION = (
    "F6: the citizen does not learn Danish systematically (danskuddannelsesloven): integration-act follow-ups "
    "must state the consequences and, where relevant, the main conditions for permanent residence."
)


class FollowUpPlanCreate(BaseModel):
    """A what-if plan without a case."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"target_group": "integration-benefit-recipient", "start_date": "2027-01-31", "policy": "copenhagen"}
            ]
        },
    )

    target_group: TargetGroup = Field(
        description="Målgruppe: the LAB groups of table 1 (F1, F2) or the integration-act groups of § 20 (F3).",
        json_schema_extra=rule("F2"),
    )
    start_date: date = Field(
        description="Arrival in the municipality (integration-act groups) or the first day of unemployment (LAB)."
    )
    horizon_months: int = Field(
        default=DEFAULT_HORIZON_MONTHS,
        ge=MIN_HORIZON_MONTHS,
        le=MAX_HORIZON_MONTHS,
        description=HORIZON_DESCRIPTION,
        json_schema_extra=rule("F1"),
    )
    policy: str | None = Field(
        default=None, description="A policy by name (e.g. legal-minimum, copenhagen); wins over `municipality`."
    )
    municipality: str | None = Field(
        default=None,
        pattern=r"^[0-9]{3}$",
        description="Use this municipality's policy; default: the calling municipality's.",
        json_schema_extra=rule("F2"),
    )
    not_learning_danish: bool = Field(default=False, description=F6_DESCRIPTION, json_schema_extra=rule("F6"))
    covered_by_repatriation_act: bool = Field(
        default=True,
        description="F4, LAB groups: covered by the repatriation act (repatrieringsloven, not hjemrejseloven), so "
        "every job conversation includes repatriation guidance. Integration-act follow-ups always include it.",
        json_schema_extra=rule("F4"),
    )


class ContentItemRead(BaseModel):
    item: ContentItem
    rule: str = Field(examples=["F5"])
    legal_basis: str = Field(default="", description="where the duty comes from")
    steps: list[str] = Field(default=[], description="what the caseworker does, in English")
    steps_da: list[str] = Field(default=[], description="the same in Danish")


class ConversationRead(BaseModel):
    date: date
    kind: ConversationKind
    basis: Basis = Field(description="Required by law (legal-minimum) or the municipality's own addition (F2)")
    rule: str = Field(description="F1 (LAB), F3 (integration act) or F2 (municipal addition)")
    period: str = Field(description="visitation, initial, year-1, year-2, ... or fixed (the 16-month joint one)")
    content: list[ContentItemRead] = Field(description="Required content items (F4-F6)")
    moved_from: datetime.date | None = Field(
        default=None, description="F3: the computed date, when it fell on a weekend or Danish public holiday"
    )
    situation: Situation | None = Field(default=None, description="a case's plan: the situation that planned it")
    status: ConversationStatus | None = Field(
        default=None, description="a case's plan: held, due (today or later) or overdue (date passed, not held)"
    )
    held_on: datetime.date | None = Field(default=None, description="a case's plan: the day it was recorded as held")


class SegmentRead(BaseModel):
    """F3: a stretch of the case's plan under one situation, [begins, ends)."""

    situation: Situation
    target_group: TargetGroup
    begins: date
    ends: date


class HeldConversationRead(BaseModel):
    held_on: date
    kind: ConversationKind


class RuleSetRead(BaseModel):
    """The policy the plan used and the legal minimum under it."""

    policy: str
    kind: PolicyKind
    title: str
    legal_basis: str
    valid_from: date
    valid_to: date | None
    legal_minimum: str
    notes: list[str]


class FollowUpPlanRead(BaseModel):
    target_group: TargetGroup
    act: Act
    contact_group: ContactGroup | None = Field(default=None, description="The case's contact group, for a case")
    start_date: date
    horizon_months: int
    horizon_last_day: date
    rule_set: RuleSetRead
    conversations: list[ConversationRead]
    legal_minimum_count: int
    municipal_addition_count: int
    legal_minimum_stated: bool = Field(
        default=True, description="F1: false where the law states no minimum for the group; see `warnings`"
    )
    warnings: list[str]
    segments: list[SegmentRead] = Field(default=[], description="a case's plan: the situations it followed (F3)")
    next_due_date: date | None = Field(
        default=None, description="a case's plan: the earliest planned conversation not held (may be overdue)"
    )
    unplanned_conversations: list[HeldConversationRead] = Field(
        default=[], description="a case's plan: conversations recorded as held that the plan has no place for"
    )
    tasks: list[Task] = Field(default=[], description="a case's plan: the open tasks (C8), as on the case")


class WorkloadRequest(BaseModel):
    """F7: full-time persons per group (default: the policy's own table) and a policy with norm minutes."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"policy": "copenhagen", "full_time_persons": {"unemployment-insurance": 12000}}]
        },
    )

    policy: str = Field(default="copenhagen", description="A policy with workload groups and norm minutes")
    full_time_persons: dict[str, Annotated[Decimal, Field(ge=0)]] = Field(
        default={},
        description="Fuldtidspersoner per workload group key; groups left out keep the policy's figures.",
        json_schema_extra=rule("F7"),
    )
    basis: WorkloadBasis = Field(
        default=WorkloadBasis.FIRST_YEAR,
        description="first-year: a person's first 12 months of the cadence (upper estimate); ongoing: the "
        "'thereafter' cadence only.",
        json_schema_extra=rule("F7"),
    )


class WorkloadLineRead(BaseModel):
    key: str
    danish_name: str
    target_group: TargetGroup | None = Field(description="Whose cadence applies; null: the policy gives none")
    full_time_persons: float
    norm_minutes: int | None
    conversations_per_person: float | None
    conversations: float | None
    norm_hours: float | None


class WorkloadRead(BaseModel):
    policy: str
    basis: WorkloadBasis
    groups: list[WorkloadLineRead]
    full_time_persons: float
    conversations: float
    norm_hours: float = Field(
        description="F7: norm minutes x conversations / 60. Norm hours, not caseworker hours: see `caveat`."
    )
    caveat: str = Field(description="F7: what the norm covers and what it does not (summoning, preparation)")
    caveat_da: str = Field(description="the same in Danish")
