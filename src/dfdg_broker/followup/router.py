"""HTTP <-> service for follow-up plans and the workload estimate (F1-F7). No rule is decided here."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from dfdg_broker.audit.dependencies import access_logged
from dfdg_broker.audit.errors import ACCESS_LOG_PROBLEMS
from dfdg_broker.cases.dependencies import CaseServiceDep
from dfdg_broker.cases.errors import CaseNotFound
from dfdg_broker.deps import ClockDep, ReadCaller
from dfdg_broker.domain.followup import DEFAULT_HORIZON_MONTHS, MAX_HORIZON_MONTHS, MIN_HORIZON_MONTHS
from dfdg_broker.errors import RequestInvalid, Unauthenticated, responses_for
from dfdg_broker.followup import presenters
from dfdg_broker.followup.dependencies import FollowUpServiceDep
from dfdg_broker.followup.errors import PolicyHasNoWorkload, UnknownPolicy
from dfdg_broker.followup.registry import PolicyFile
from dfdg_broker.followup.schemas import (
    F6_DESCRIPTION,
    HORIZON_DESCRIPTION,
    FollowUpPlanCreate,
    FollowUpPlanRead,
    WorkloadRead,
    WorkloadRequest,
)
from dfdg_broker.followup.service import CasePlanOptions

router = APIRouter(prefix="/v1", tags=["Follow-up plans"])

_COMMON = (Unauthenticated, RequestInvalid)


@router.get(
    "/contact-groups/{case_id}/follow-up-plan",
    response_model=FollowUpPlanRead,
    name="get_follow_up_plan",
    summary="The case's follow-up conversations: dated, with kind, legal basis and required content",
    responses=responses_for(*_COMMON, CaseNotFound, UnknownPolicy, *ACCESS_LOG_PROBLEMS, rules=("F1", "F2")),
    dependencies=[access_logged("read-follow-up-plan")],
)
async def get_follow_up_plan(
    case_id: str,
    caller: ReadCaller,
    cases: CaseServiceDep,
    service: FollowUpServiceDep,
    clock: ClockDep,
    horizon_months: Annotated[
        int, Query(ge=MIN_HORIZON_MONTHS, le=MAX_HORIZON_MONTHS, description=HORIZON_DESCRIPTION)
    ] = DEFAULT_HORIZON_MONTHS,
    not_learning_danish: Annotated[
        bool | None, Query(description=F6_DESCRIPTION + " Default: the case's own marker (PATCH).")
    ] = None,
    policy: Annotated[
        str | None, Query(max_length=100, description="A policy by name instead of the jobcenter's")
    ] = None,
) -> FollowUpPlanRead:
    """F1-F6 for a case as it stands (F3, added): the cadence follows the citizen's situation over time (the
    contact group gives only the first one: 17, 18, 19 -> other self-supporting; 20 -> in work or education;
    27 -> receives a benefit; a PATCH records each change), counted from the arrival (the handover date) and, for
    benefit recipients, from the visitation actually held. Dates on a weekend or Danish public holiday move to the
    previous working day. Each conversation is held, due or overdue; the open tasks (C8) are listed. The jobcenter
    municipality's policy applies unless `policy` names another."""
    options = CasePlanOptions(horizon_months, not_learning_danish, policy)
    today = clock.today()
    return presenters.case_plan_read(await service.for_case(cases, caller.municipality, case_id, options, today), today)


@router.post(
    "/follow-up-plans",
    response_model=FollowUpPlanRead,
    name="plan_follow_up",
    summary="A follow-up plan without a case (what-if); pure computation, nothing is stored",
    responses=responses_for(*_COMMON, UnknownPolicy, rules=("F1", "F2", "F6")),
)
async def plan_follow_up(body: FollowUpPlanCreate, caller: ReadCaller, service: FollowUpServiceDep) -> FollowUpPlanRead:
    """F1-F6: the named policy, else `municipality`'s, else the calling municipality's."""
    return presenters.follow_up_plan_read(service.what_if(caller.municipality, body))


@router.post(
    "/workload",
    response_model=WorkloadRead,
    name="estimate_workload",
    summary="Conversations and norm hours per year per group and in total (F7); nothing is stored",
    responses=responses_for(*_COMMON, UnknownPolicy, PolicyHasNoWorkload, rules=("F7",)),
)
async def estimate_workload(body: WorkloadRequest, caller: ReadCaller, service: FollowUpServiceDep) -> WorkloadRead:
    """F7: full-time persons x conversations per person per year x norm minutes."""
    return presenters.workload_read(service.workload(body))


@router.get(
    "/follow-up-policies",
    response_model=list[PolicyFile],
    name="list_follow_up_policies",
    summary="The follow-up policies loaded at start-up, in their file format",
    responses=responses_for(*_COMMON),
)
async def list_follow_up_policies(caller: ReadCaller, service: FollowUpServiceDep) -> list[PolicyFile]:
    """The packaged legal minimum and Copenhagen's policy, plus any supplied in DFDG_FOLLOWUP_POLICY_DIR."""
    return service.policy_files()
