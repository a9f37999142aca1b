"""Lifecycle records -> API models (one presenter style: plain functions)."""

from __future__ import annotations

from datetime import date

from dfdg_broker.cases.records import Case, Change, ConversationEntry, TaskDone
from dfdg_broker.domain.contact_groups import ContactGroup
from dfdg_broker.lifecycle.repository import NOTHING_DUE
from dfdg_broker.lifecycle.schemas import (
    Actor,
    ChangeRead,
    ConversationRecordRead,
    HistoryRead,
    TaskDoneRead,
    WorklistAttention,
    WorklistItem,
    WorklistPage,
)
from dfdg_broker.lifecycle.service import WorklistItemView, WorklistView

BASE = "/v1/contact-groups"


def history_read(case: Case, changes: list[Change]) -> HistoryRead:
    return HistoryRead(
        case_id=case.id,
        revision=case.revision,
        changes=[
            ChangeRead(
                revision=c.revision,
                field=c.field,
                old_value=c.old_value,
                new_value=c.new_value,
                changed_at=c.changed_at,
                changed_by=Actor(
                    subject=c.changed_by_subject, client_id=c.changed_by_client, municipality=c.changed_by_municipality
                ),
            )
            for c in changes
        ],
    )


def conversation_read(case: Case, entry: ConversationEntry) -> ConversationRecordRead:
    return ConversationRecordRead(
        id=entry.id,
        case_id=case.id,
        held_on=entry.held_on,
        kind=entry.kind,
        recorded_at=entry.recorded_at,
        recorded_by=Actor(subject=entry.recorded_by_subject, municipality=entry.recorded_by_municipality),
    )


def task_done_read(case_id: str, task: TaskDone) -> TaskDoneRead:
    return TaskDoneRead(
        case_id=case_id,
        code=task.code,
        rule="C8",
        done_on=task.done_on,
        done_at=task.done_at,
        done_by=Actor(subject=task.done_by_subject, municipality=task.done_by_municipality),
    )


def worklist_item(view: WorklistItemView, today: date) -> WorklistItem:
    entry = view.entry
    return WorklistItem(
        id=entry.case_id,
        href=f"{BASE}/{entry.case_id}",
        cpr_masked=entry.cpr_masked,
        person_id=entry.person_id,
        contact_group=ContactGroup(entry.contact_group),
        handover_date=entry.handover_date,
        created_on=entry.created_on,
        state="frozen" if entry.frozen_from <= today else "live",
        next_due_date=None if entry.next_due_on == NOTHING_DUE else entry.next_due_on,
        attention=[WorklistAttention(code=a.code, rule=a.rule, due_date=a.due_date) for a in view.attention],
    )


def worklist_page(view: WorklistView, today: date) -> WorklistPage:
    return WorklistPage(
        items=[worklist_item(item, today) for item in view.items], next_cursor=view.next_cursor, as_of=today
    )
