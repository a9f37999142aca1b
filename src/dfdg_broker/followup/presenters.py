"""Follow-up records -> API models (one presenter style: plain functions)."""

from __future__ import annotations

from datetime import date

from dfdg_broker.cases.presenters import open_tasks
from dfdg_broker.followup.schemas import FollowUpPlanRead, HeldConversationRead
from dfdg_broker.followup.service import CasePlan


def case_plan_read(case_plan: CasePlan, today: date) -> FollowUpPlanRead:
    """F1-F6 for a case: the plan, each conversation held, due or overdue (F3), the next due date, and the open
    tasks (C8) as the case shows them."""
    read = FollowUpPlanRead.of(case_plan.plan, case_plan.case.contact_group)
    for conversation, tracked in zip(read.conversations, case_plan.tracked, strict=True):
        conversation.status = tracked.status
        conversation.held_on = tracked.held_on
    read.next_due_date = case_plan.next_due
    read.unplanned_conversations = [
        HeldConversationRead(held_on=held.held_on, kind=held.kind) for held in case_plan.unplanned
    ]
    read.tasks = open_tasks(case_plan.case, today)
    return read
