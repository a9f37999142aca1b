"""Follow-up plans and workload: picks the policies and calls the pure planner (domain.followup). No rule here."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from dfdg_broker.cases.records import Case
from dfdg_broker.cases.service import CaseService
from dfdg_broker.domain.followup import (
    CONTACT_GROUP_TARGET_GROUPS,
    Plan,
    PlanRequest,
    Policy,
    Workload,
    plan,
    workload,
)
from dfdg_broker.followup.errors import PolicyHasNoWorkload
from dfdg_broker.followup.registry import PolicyFile, PolicyRegistry
from dfdg_broker.followup.schemas import FollowUpPlanCreate, WorkloadRequest


@dataclass(frozen=True, slots=True)
class CasePlanOptions:
    horizon_months: int
    not_learning_danish: bool
    policy: str | None


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
        self, cases: CaseService, caller_municipality: str, case_id: str, options: CasePlanOptions
    ) -> tuple[Case, Plan]:
        """The case's plan: its contact group's target group, from the handover date (arrival), under the jobcenter
        municipality's policy (it holds the conversations; in a binding cooperation it is not the receiving one)."""
        case = await cases.get(caller_municipality, case_id)  # C2: access as on every case route
        request = PlanRequest(
            target_group=CONTACT_GROUP_TARGET_GROUPS[case.contact_group],
            start_date=case.dates.handover_date,
            horizon_months=options.horizon_months,
            not_learning_danish=options.not_learning_danish,
        )
        policy = self._select(options.policy, case.jobcenter_municipality, field="query.policy")
        return case, plan(request, policy, self._policies.legal_minimum)

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
