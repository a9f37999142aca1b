"""The cases API's models (what crosses the HTTP boundary). Danish legal names are given in the descriptions."""

from __future__ import annotations

from datetime import date, datetime
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from dfdg_broker.cases.examples import CONTACT_GROUP_EXAMPLE
from dfdg_broker.domain.areas import DataArea
from dfdg_broker.domain.contact_groups import ContactGroup
from dfdg_broker.domain.minors import ChildLinkState
from dfdg_broker.letasyl.schemas import (
    AREA_MODELS,
    IntegrationContractArea,
    OtherArea,
    SupplementaryCompetence,
    WireModel,
)
from dfdg_broker.schemas import CvWindow, rule

# A synthetic CPR number: the mock's demo persona "complete-adult", never a real person's.
EXAMPLE_CPR = "1204882211"


class ContactGroupCreate(BaseModel):
    """Create the case (contact group) for a newly settled refugee (C1). DFDG's Asylovergivelse call."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "cpr": EXAMPLE_CPR,
                    "receiving_municipality": "101",
                    "contact_group": 27,
                    "handover_date": "2026-12-01",
                    "early_takeover_cv": "2026-11-20",
                }
            ]
        },
    )

    cpr: str = Field(
        description="The citizen's CPR number (cpr-nummer), 10 digits, with or without a dash. Sent in the body "
        "only; never echoed in full.",
        min_length=10,
        max_length=11,
        json_schema_extra=rule("C2"),
    )
    receiving_municipality: str = Field(
        pattern=r"^[0-9]{3}$",
        description="Receiving municipality (modtagekommune, overgivelseskommunekode): official 3-digit code.",
        json_schema_extra=rule("C2"),
    )
    jobcenter_municipality: str | None = Field(
        default=None,
        pattern=r"^[0-9]{3}$",
        description="Jobcenter municipality in a binding cooperation (forpligtende samarbejde); "
        "defaults to the receiving municipality.",
        json_schema_extra=rule("C2"),
    )
    contact_group: ContactGroup = Field(
        description="Kontaktgruppe: 17, 18, 19, 20 or 27 and no other.", json_schema_extra=rule("C3")
    )
    handover_date: date = Field(
        description="Handover date (overgivelsesdato): the municipality takes over integration responsibility.",
        json_schema_extra=rule("C4"),
    )
    early_takeover_cv: date | None = Field(
        default=None,
        description="Early takeover date for CV data (tidligCvOvergivelsesdato); on or before the handover date.",
        json_schema_extra=rule("C5"),
    )
    early_takeover_contract: date | None = Field(
        default=None,
        description="Early takeover date for contract data (tidligKontraktOvergivelsesdato); on or before the "
        "handover date.",
        json_schema_extra=rule("C5"),
    )
    cv_update_deadline: date | None = Field(
        default=None,
        description="Last day the jobcenter may update the Jobnet CV (CVEditEndDate); at most handover + 60 days, "
        "not before the effective CV date. Default: handover + 60 days.",
        json_schema_extra=rule("C6"),
    )
    special_procedure_ref: str | None = Field(
        default=None,
        max_length=100,
        description="Reference of the national support desk's special procedure; required for a citizen under 15.",
        json_schema_extra=rule("M1"),
    )


class Municipality(BaseModel):
    code: str = Field(examples=["101"])
    name: str = Field(examples=["København"])


class ContactGroupInfo(BaseModel):
    code: ContactGroup
    name: str = Field(description="the legal Danish name")


class CaseDatesRead(BaseModel):
    handover_date: date = Field(description="overgivelsesdato (C4)")
    early_takeover_cv: date | None = Field(description="as registered (C5)")
    early_takeover_contract: date | None = Field(description="as registered (C5)")
    effective_cv_date: date = Field(description="early CV date, or the handover date (C5)")
    effective_contract_date: date = Field(description="early contract date, or the handover date (C5)")
    cv_update_deadline: date = Field(description="CVEditEndDate (C6)")


class AreaStatus(BaseModel):
    """G1: when the area stops being refreshed from the operator. Only DA1 (cv) and DA2 (integration-contract)
    freeze; DA3 (other) and DA4 (attachments) refresh on every read while the operator answers (G1, revised)."""

    area: DataArea
    takeover_date: date = Field(description="the area follows this date (G1 reading)")
    mode: Literal["live", "frozen"] = Field(description="on the response's as_of date")
    frozen_since: date | None = Field(
        description="first day the area is (or will be) frozen; null for other and attachments, which never freeze"
    )


class IntegrationContractStatus(BaseModel):
    """G2: the integration contract can be formed only from the effective contract date."""

    can_be_formed_from: date
    can_be_formed_now: bool


class JobnetProfile(BaseModel):
    """C7: the citizen's Jobnet profile."""

    cv_number: int = Field(description="JobnetCVId")
    created_by_broker: bool = Field(description="true if the broker created the profile when the case was made")


class Task(BaseModel):
    """Something a caseworker must do."""

    code: str = Field(examples=["hand_over_jobnet_login_codes"])
    rule: str = Field(examples=["C8"])
    title: str
    due_from: date
    status: Literal["pending"]


class AttentionItem(BaseModel):
    """Something on the case that needs a human (P1, M3, P2, C8), computed from what the broker holds."""

    code: str = Field(
        description="stable: pdf_request_overdue, pdf_request_lost, children_link_pending, children_link_overdue, "
        "undistributed_<unit>, hand_over_jobnet_login_codes",
        examples=["children_link_overdue"],
    )
    rule: str = Field(examples=["M3"])
    text: str = Field(description="what needs doing, in English")
    text_da: str = Field(description="the same in Danish, for the caseworker's screen")
    due_date: date | None = Field(description="the date the thing is or was due, where there is one")
    href: str = Field(description="where the caseworker acts", examples=["/v1/contact-groups/cg_x/data-areas/other"])


class ContactGroupRead(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [CONTACT_GROUP_EXAMPLE]})

    id: str = Field(description="opaque id", examples=["cg_3q2x9JkQdPk0m1vW8yZr4A"])
    cpr_masked: str = Field(description="birth-date part only", examples=["120488-****"])
    person_id: str = Field(description="the immigration service's person-ID (asylPersonId)", examples=["70000101"])
    receiving_municipality: Municipality
    jobcenter_municipality: Municipality
    contact_group: ContactGroupInfo
    special_procedure_ref: str | None
    asylum_decision_date: date
    dates: CaseDatesRead
    areas: list[AreaStatus]
    cv_window: CvWindow
    integration_contract: IntegrationContractStatus
    jobnet: JobnetProfile
    tasks: list[Task] = Field(description="pending tasks on the as_of date, e.g. the C8 login-code hand-over")
    attention: list[AttentionItem] = Field(
        default=[],
        description="what needs a human on the as_of date: overdue PDF requests (P1), a pending or overdue child "
        "link (M3), undistributed documents (P2), the Jobnet login-code task (C8)",
    )
    visitation_date: date | None = Field(default=None, description="F3: the visitation actually held, when known")
    joint_handover_conversation_date: date | None = Field(
        default=None, description="C5: the joint handover conversation the early dates followed"
    )
    not_learning_danish: bool = Field(default=False, description="F6: does not learn Danish systematically")
    covered_by_repatriation_act: bool = Field(
        default=True, description="F4: covered by repatrieringsloven (on by default for every DFDG citizen)"
    )
    revision: int = Field(default=1, description="raised by every change; the ETag header carries it (If-Match)")
    created_at: datetime
    as_of: date = Field(description="the day the computed fields (mode, state, tasks) were computed for")


class Provenance(BaseModel):
    """Where the served data came from (G1)."""

    mode: Literal["live", "frozen"] = Field(
        description="live: refreshed from the operator on this read; frozen: the snapshot held on the takeover date"
    )
    takeover_date: date
    frozen_since: date | None = Field(description="first frozen day, when mode is frozen")
    snapshot_taken_at: datetime = Field(description="when the served snapshot was taken from the operator")
    snapshot_taken_on: date
    retrieved_at: datetime | None = Field(description="when this request asked the operator, if it did")
    final_snapshot_after_takeover: bool = Field(
        description="true when no snapshot was held from on or before the takeover date, so the first one taken "
        "after it was frozen instead (a case created after the date)"
    )
    stale: bool = Field(description="true when the operator failed and the last snapshot is served instead")
    stale_reason: str | None = None


AreaData = TypeVar("AreaData", bound=BaseModel)


class AreaResponse(BaseModel, Generic[AreaData]):
    case_id: str
    area: DataArea
    provenance: Provenance
    data: AreaData


class ChildrenLink(BaseModel):
    """M3: the link of the citizen's children under 15, with the broker's due date. Computed on every read (a frozen
    snapshot included), since the clock moves on even when the data does not."""

    status: ChildLinkState = Field(
        description="not_applicable, linked, pending (due date not passed) or overdue (due date passed)"
    )
    due_date: date | None = Field(description="asylum decision date + 14 days, while the link is still to be made")
    asylum_decision_date: date


class OtherAreaRead(OtherArea):
    """DA3 `other` as the broker serves it: the operator's data (``children_link_status`` is the operator's word)
    plus ``children_link``, the broker's M3 status by the clock."""

    children_link: ChildrenLink


class CompetenceSource(BaseModel):
    """Where a competence item in the integration contract came from."""

    area: Literal["other"] = Field(description="DA3")
    rule: Literal["DA3"] = "DA3"
    snapshot_taken_at: datetime
    snapshot_taken_on: date


class SourcedCompetence(SupplementaryCompetence):
    source: CompetenceSource


class IntegrationContractAreaRead(IntegrationContractArea):
    """DA2 `integration-contract` as the broker serves it: the operator's contract data plus DA3's supplementary
    competence and qualification items, which seed 000 says *must* go into the integration contract, each marked
    with its source (the DA3 snapshot the broker holds; DA3 itself is not asked again on this read)."""

    supplementary_competences: list[SourcedCompetence] = Field(default=[], description="from DA3 (other); see `source`")


AREA_RESPONSE_MODELS: dict[DataArea, type[WireModel]] = AREA_MODELS | {
    DataArea.OTHER: OtherAreaRead,
    DataArea.INTEGRATION_CONTRACT: IntegrationContractAreaRead,
}
"""The model of each area's ``data`` in responses: the wire model, or a broker-side extension of it."""
