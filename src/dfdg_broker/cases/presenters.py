"""Service results -> API models. Shapes only; every computed value comes from ``domain``."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel

from dfdg_broker.cases.records import LOGIN_CODES_TASK_CODE, LOGIN_CODES_TASK_TEXT, Attention, Case, Snapshot
from dfdg_broker.cases.schemas import (
    AreaResponse,
    AreaStatus,
    AttentionItem,
    CaseDatesRead,
    ChildrenLink,
    ContactGroupInfo,
    ContactGroupRead,
    IntegrationContractStatus,
    JobnetProfile,
    Municipality,
    Provenance,
    Task,
)
from dfdg_broker.cases.service import AreaRead
from dfdg_broker.domain import cpr as cpr_rules
from dfdg_broker.domain.areas import DataArea
from dfdg_broker.domain.minors import child_link
from dfdg_broker.domain.municipalities import municipalities
from dfdg_broker.presenters import cv_window


def _municipality(code: str) -> Municipality:
    return Municipality(code=code, name=municipalities()[code])


def open_tasks(case: Case, today: date) -> list[Task]:
    """C8 (revised): the login-code task from the day after the deadline until the jobcenter records it done."""
    dates = case.dates
    if not dates.login_codes_task_pending(today, done=LOGIN_CODES_TASK_CODE in case.done_tasks):
        return []
    return [
        Task(
            code=LOGIN_CODES_TASK_CODE,
            rule="C8",
            title=LOGIN_CODES_TASK_TEXT,
            due_from=dates.login_codes_due_from,
            status="pending",
        )
    ]


def case_read(case: Case, today: date, attention: Sequence[Attention] = ()) -> ContactGroupRead:
    dates = case.dates
    tasks = open_tasks(case, today)
    return ContactGroupRead(
        id=case.id,
        cpr_masked=cpr_rules.mask(case.cpr),
        person_id=case.person_id,
        receiving_municipality=_municipality(case.receiving_municipality),
        jobcenter_municipality=_municipality(case.jobcenter_municipality),
        contact_group=ContactGroupInfo(code=case.contact_group, name=case.contact_group.danish_name),
        special_procedure_ref=case.special_procedure_ref,
        asylum_decision_date=case.asylum_decision_date,
        dates=CaseDatesRead(
            handover_date=dates.handover_date,
            early_takeover_cv=dates.early_takeover_cv,
            early_takeover_contract=dates.early_takeover_contract,
            effective_cv_date=dates.effective_cv_date,
            effective_contract_date=dates.effective_contract_date,
            cv_update_deadline=dates.cv_update_deadline,
        ),
        areas=[
            AreaStatus(
                area=area,
                takeover_date=dates.takeover_date(area),
                mode="frozen" if dates.is_frozen(area, today) else "live",
                frozen_since=dates.frozen_since(area),
            )
            for area in DataArea
        ],
        cv_window=cv_window(dates, today),
        integration_contract=IntegrationContractStatus(
            can_be_formed_from=dates.effective_contract_date,
            can_be_formed_now=dates.contract_can_be_formed(today),
        ),
        jobnet=JobnetProfile(cv_number=case.jobnet_cv_number, created_by_broker=case.jobnet_profile_created),
        tasks=tasks,
        attention=[
            AttentionItem(code=a.code, rule=a.rule, text=a.text, text_da=a.text_da, due_date=a.due_date, href=a.href)
            for a in attention
        ],
        visitation_date=case.visitation_date,
        joint_handover_conversation_date=case.joint_handover_conversation_date,
        not_learning_danish=case.not_learning_danish,
        covered_by_repatriation_act=case.covered_by_repatriation_act,
        revision=case.revision,
        created_at=case.created_at,
        as_of=today,
    )


def area_response(read: AreaRead, model: type[BaseModel], today: date) -> AreaResponse:  # type: ignore[type-arg]
    snapshot = read.snapshot
    frozen = read.mode == "frozen"
    data = snapshot.data
    if read.area is DataArea.OTHER:
        data = data | {"children_link": children_link(read.case, data, today)}
    if read.area is DataArea.INTEGRATION_CONTRACT:
        data = data | {"supplementary_competences": supplementary_competences(read.supplement)}
    return AreaResponse[model](  # type: ignore[valid-type]
        case_id=read.case.id,
        area=read.area,
        provenance=Provenance(
            mode=read.mode,
            takeover_date=read.takeover_date,
            frozen_since=read.case.dates.frozen_since(read.area) if frozen else None,
            snapshot_taken_at=snapshot.taken_at,
            snapshot_taken_on=snapshot.taken_on,
            retrieved_at=read.retrieved_at,
            final_snapshot_after_takeover=read.final_snapshot_after_takeover,
            stale=read.stale_reason is not None,
            stale_reason=read.stale_reason,
        ),
        data=_validated(read, model, data),
    )


def area_response_body(read: AreaRead, model: type[BaseModel], today: date) -> bytes:
    """``area_response`` as JSON (by alias). When its data is the operator's answer as it arrived, the answer's JSON
    dumped then (``AreaRead.answer_json``) is put in as the last field (``data``): the bytes pydantic would write for
    it, since the field holds exactly that model instance."""
    response = area_response(read, model, today)
    if read.answer_json is not None and response.data is read.answer:
        head = response.model_dump_json(by_alias=True, exclude={"data"}).encode()
        return head[:-1] + b',"data":' + read.answer_json + b"}"
    return response.model_dump_json(by_alias=True).encode()


def _validated(read: AreaRead, model: type[BaseModel], data: dict[str, Any]) -> BaseModel:
    """The area's data as its response model. The operator's answer, when this read asked for it, was validated as
    that model on arrival (DA1, DA4: the response model is the wire model) and is not validated again."""
    if type(read.answer) is model and data is read.snapshot.data:
        return read.answer
    return model.model_validate(data)


def supplementary_competences(other: Snapshot | None) -> list[dict[str, Any]]:
    """DA3 (seed 000): the supplementary competence and qualification items *must* go into the integration
    contract; each is listed with where it came from (the DA3 snapshot held), so the caseworker builds 'Min plan'
    from one place."""
    if other is None:
        return []
    source = {
        "area": DataArea.OTHER.value,
        "rule": "DA3",
        "snapshot_taken_at": other.taken_at,
        "snapshot_taken_on": other.taken_on,
    }
    return [item | {"source": source} for item in other.data.get("supplementary_competences", [])]


def children_link(case: Case, other: dict[str, Any], today: date) -> ChildrenLink:
    """M3: the broker's link status for a DA3 document as the operator sent it."""
    link = child_link(
        other.get("children_link_status", "not_applicable"),
        asylum_decision_date=case.asylum_decision_date,
        today=today,
    )
    return ChildrenLink(status=link.state, due_date=link.due_date, asylum_decision_date=case.asylum_decision_date)
