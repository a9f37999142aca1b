"""Follow-up plans and workload: picks the policies and calls the pure planner (domain.followup). No rule here."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction

from dfdg_broker.cases.records import Case, ConversationEntry, SituationEntry
from dfdg_broker.cases.service import CaseService
from dfdg_broker.domain.followup import (
    CONTACT_GROUP_DEFAULT_SITUATION,
    CasePlanRequest,
    ConversationKind,
    HeldConversation,
    Plan,
    PlanRequest,
    Policy,
    SituationChange,
    TrackedConversation,
    Workload,
    case_next_due,
    case_plan,
    next_due,
    plan,
    track,
    workload,
)
from dfdg_broker.followup.errors import PolicyHasNoWorkload
from dfdg_broker.followup.registry import PolicyFile, PolicyRegistry
from dfdg_broker.followup.schemas import FollowUpPlanCreate, WorkloadRequest


@dataclass(frozen=True, slots=True)
class CasePlanOptions:
    horizon_months: int
    not_learning_danish: bool | None  # None: the case's own F6 marker
    policy: str | None


@dataclass(frozen=True, slots=True)
class CasePlan:
    """F1-F6 for a case as it stands: the plan, each planned conversation's status, the held ones it had no place
    for, and the next date something is due."""

    case: Case
    plan: Plan
    tracked: tuple[TrackedConversation, ...]
    unplanned: tuple[HeldConversation, ...]
    next_due: date | None


def plan_inputs(
    case: Case, situations: list[SituationEntry], conversations: list[ConversationEntry]
) -> tuple[tuple[SituationChange, ...], tuple[HeldConversation, ...], date | None]:
    """F3, Reading (added): the contact group's default situation from the arrival, then every situation recorded;
    the visitation actually held is the case's visitation date, else the first visitation recorded as held."""
    default = SituationChange(CONTACT_GROUP_DEFAULT_SITUATION[case.contact_group], case.dates.handover_date)
    changes = (default, *(SituationChange(s.situation, s.since) for s in situations))
    held = [HeldConversation(c.held_on, c.kind) for c in conversations]
    visitations = [c.held_on for c in conversations if c.kind is ConversationKind.VISITATION]
    if case.visitation_date is not None and not visitations:
        held.append(HeldConversation(case.visitation_date, ConversationKind.VISITATION))  # the date says it was held
    return changes, tuple(held), case.visitation_date or min(visitations, default=None)


class FollowUpService:
    def __init__(self, policies: PolicyRegistry) -> None:
        self._policies = policies

    def what_if(self, caller_municipality: str, body: FollowUpPlanCreate) -> Plan:
        """F1-F6 for a plan without a case: the named policy, else the given or calling municipality's."""
        request = PlanRequest(
            target_group=body.target_group,
            start_date=body.start_date,
            horizon_months=body.horizon_months,
            not_learning_danish=body.not_learning_danish,
            covered_by_repatriation_act=body.covered_by_repatriation_act,
        )
        policy = self._select(body.policy, body.municipality or caller_municipality, field="body.policy")
        return plan(request, policy, self._policies.legal_minimum)

    async def for_case(
        self, cases: CaseService, caller_municipality: str, case_id: str, options: CasePlanOptions, today: date
    ) -> CasePlan:
        """The case's plan as the case stands (C2: access as on every case route)."""
        case = await cases.get(caller_municipality, case_id)
        return await self.case_plan(cases, case, options, today)

    async def case_plan(self, cases: CaseService, case: Case, options: CasePlanOptions, today: date) -> CasePlan:
        """F3 (added): the plan follows the case. The latest situation gives the cadence from the day it began, the
        follow-ups count from the visitation actually held, the F4/F6 markers are the case's; the jobcenter
        municipality's policy applies (it holds the conversations; in a binding cooperation it is not the receiving
        one). Held conversations mark the planned ones held; the rest are due or overdue by ``today``."""
        request, policy, held = await self._case_inputs(cases, case, options)
        result = case_plan(request, policy, self._policies.legal_minimum)
        tracked, unplanned = track(result.conversations, held, today)
        return CasePlan(case, result, tracked, unplanned, next_due(tracked))

    async def plan_next_due(self, cases: CaseService, case: Case, options: CasePlanOptions) -> date | None:
        """``case_plan(...).next_due`` (the earliest planned conversation not held), for the worklist: the plan's
        conversations are not tracked one by one (nor built, for a case with none held)."""
        request, policy, held = await self._case_inputs(cases, case, options)
        return case_next_due(request, policy, self._policies.legal_minimum, held)

    async def _case_inputs(
        self, cases: CaseService, case: Case, options: CasePlanOptions
    ) -> tuple[CasePlanRequest, Policy, tuple[HeldConversation, ...]]:
        situations, held, visitation = plan_inputs(case, await cases.situations(case), await cases.conversations(case))
        request = CasePlanRequest(
            arrival=case.dates.handover_date,
            situations=situations,
            horizon_months=options.horizon_months,
            visitation_held_on=visitation,
            not_learning_danish=case.not_learning_danish
            if options.not_learning_danish is None
            else options.not_learning_danish,
            covered_by_repatriation_act=case.covered_by_repatriation_act,
        )
        return request, self._select(options.policy, case.jobcenter_municipality, field="query.policy"), held

    def workload(self, body: WorkloadRequest) -> Workload:
        """F7 under the named policy; it must carry workload groups (persons and norm minutes)."""
        policy = self._policies.named(body.policy, field="body.policy")
        if not policy.workload_groups:
            raise PolicyHasNoWorkload(f"Policy {policy.name!r} has no workload groups.", field="body.policy")
        persons = {key: Fraction(value) for key, value in body.full_time_persons.items()}
        return workload(policy, self._policies.legal_minimum, persons, body.basis)

    def _select(self, name: str | None, municipality: str, *, field: str) -> Policy:
        if name is not None:
            return self._policies.named(name, field=field)
        return self._policies.for_municipality(municipality)

    def policy_files(self) -> list[PolicyFile]:
        return [self._policies.files[name] for name in sorted(self._policies.files)]
