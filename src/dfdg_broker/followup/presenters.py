"""Follow-up results -> API models. Shapes only; every computed value comes from ``domain.followup``."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from fractions import Fraction

from dfdg_broker.cases.presenters import open_tasks
from dfdg_broker.domain.contact_groups import ContactGroup
from dfdg_broker.domain.followup import (
    NORM_HOURS_CAVEAT,
    NORM_HOURS_CAVEAT_DA,
    Basis,
    Conversation,
    Plan,
    Policy,
    Workload,
    WorkloadLine,
)
from dfdg_broker.followup.schemas import (
    ContentItemRead,
    ConversationRead,
    FollowUpPlanRead,
    HeldConversationRead,
    RuleSetRead,
    SegmentRead,
    WorkloadLineRead,
    WorkloadRead,
)
from dfdg_broker.followup.service import CasePlan


def rule_set_read(policy: Policy, legal_minimum: Policy) -> RuleSetRead:
    return RuleSetRead(
        policy=policy.name,
        kind=policy.kind,
        title=policy.title,
        legal_basis=policy.legal_basis,
        valid_from=policy.valid_from,
        valid_to=policy.valid_to,
        legal_minimum=legal_minimum.name,
        notes=list(policy.notes if policy is legal_minimum else policy.notes + legal_minimum.notes),
    )


def follow_up_plan_read(plan: Plan, contact_group: ContactGroup | None = None) -> FollowUpPlanRead:
    conversations = [conversation_read(c) for c in plan.conversations]
    legal = sum(1 for c in plan.conversations if c.basis is Basis.LEGAL_MINIMUM)
    return FollowUpPlanRead(
        target_group=plan.request.target_group,
        act=plan.request.target_group.act,
        contact_group=contact_group,
        start_date=plan.request.start_date,
        horizon_months=plan.request.horizon_months,
        horizon_last_day=plan.horizon_end - timedelta(days=1),
        rule_set=rule_set_read(plan.policy, plan.legal_minimum),
        conversations=conversations,
        legal_minimum_count=legal,
        municipal_addition_count=len(conversations) - legal,
        legal_minimum_stated=plan.legal_minimum_stated,
        warnings=list(plan.warnings),
        segments=[SegmentRead(**asdict(s)) for s in plan.segments],
    )


def conversation_read(c: Conversation) -> ConversationRead:
    return ConversationRead(
        date=c.on,
        kind=c.kind,
        basis=c.basis,
        rule=c.rule,
        period=c.period,
        content=[
            ContentItemRead(
                item=item,
                rule=item.rule,
                legal_basis=item.legal_basis,
                steps=list(item.steps),
                steps_da=list(item.steps_da),
            )
            for item in c.content
        ],
        moved_from=c.moved_from,
        situation=c.situation,
    )


def case_plan_read(case_plan: CasePlan, today: date) -> FollowUpPlanRead:
    """F1-F6 for a case: the plan, each conversation held, due or overdue (F3), the next due date, and the open
    tasks (C8) as the case shows them."""
    read = follow_up_plan_read(case_plan.plan, case_plan.case.contact_group)
    for conversation, tracked in zip(read.conversations, case_plan.tracked, strict=True):
        conversation.status = tracked.status
        conversation.held_on = tracked.held_on
    read.next_due_date = case_plan.next_due
    read.unplanned_conversations = [
        HeldConversationRead(held_on=held.held_on, kind=held.kind) for held in case_plan.unplanned
    ]
    read.tasks = open_tasks(case_plan.case, today)
    return read


def _number(value: Fraction | None) -> float | None:
    return None if value is None else round(float(value), 2)


def workload_line_read(line: WorkloadLine) -> WorkloadLineRead:
    return WorkloadLineRead(
        key=line.group.key,
        danish_name=line.group.danish_name,
        target_group=line.group.cadence,
        full_time_persons=float(line.full_time_persons),
        norm_minutes=line.group.norm_minutes,
        conversations_per_person=_number(line.conversations_per_person),
        conversations=_number(line.conversations),
        norm_hours=_number(line.norm_hours),
    )


def workload_read(workload: Workload) -> WorkloadRead:
    return WorkloadRead(
        policy=workload.policy.name,
        basis=workload.basis,
        groups=[workload_line_read(line) for line in workload.lines],
        full_time_persons=float(workload.full_time_persons),
        conversations=round(float(workload.conversations), 2),
        norm_hours=round(float(workload.norm_hours), 2),
        caveat=NORM_HOURS_CAVEAT,
        caveat_da=NORM_HOURS_CAVEAT_DA,
    )
