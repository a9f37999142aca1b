"""The case over time: changes (PATCH) with insert-only history and optimistic concurrency, conversations held,
tasks done, and the worklist projection. The rules are in ``domain``; this module sequences them with I/O.

Every write follows the unit of work's read-then-write pattern without upstream calls: ``begin_write_phase``
first, then read the case, check, write, and rebuild the case's worklist rows in the same transaction.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from dfdg_broker.audit.service import AccessLogView
from dfdg_broker.audit.service import case_page as access_log_page
from dfdg_broker.auth import Caller
from dfdg_broker.cases.dependencies import CaseSummary
from dfdg_broker.cases.records import (
    LOGIN_CODES_TASK_CODE,
    Attention,
    Case,
    Change,
    ConversationEntry,
    SituationEntry,
    TaskDone,
)
from dfdg_broker.cases.service import CaseService
from dfdg_broker.clock import Clock
from dfdg_broker.db.unit_of_work import UnitOfWork
from dfdg_broker.domain import cpr as cpr_rules
from dfdg_broker.domain.case_dates import DATE_FIELDS, DateBounds, latest_case_date, revise_case_dates
from dfdg_broker.domain.errors import RuleViolation
from dfdg_broker.domain.followup import CONTACT_GROUP_DEFAULT_SITUATION, DEFAULT_HORIZON_MONTHS, ConversationKind
from dfdg_broker.followup.service import CasePlanOptions, FollowUpService
from dfdg_broker.lifecycle.errors import (
    CaseChangedSinceRead,
    CursorInvalid,
    FieldNotNullable,
    IfMatchRequired,
    PatchEmpty,
    TaskAlreadyDone,
    UnknownTask,
)
from dfdg_broker.lifecycle.repository import (
    NOTHING_DUE,
    AttentionEntry,
    WorklistEntry,
    WorklistFilter,
    WorklistRepository,
    stage_rows,
)
from dfdg_broker.lifecycle.schemas import ContactGroupPatch

NULLABLE_FIELDS = frozenset(
    {"early_takeover_cv", "early_takeover_contract", "visitation_date", "joint_handover_conversation_date"}
)
"""A merge patch's ``null`` removes these; on any other field it is refused."""

KNOWN_TASKS = frozenset({LOGIN_CODES_TASK_CODE})
MAX_PAGE = 200


@dataclass(frozen=True, slots=True)
class WorklistItemView:
    entry: WorklistEntry
    attention: list[AttentionEntry]


@dataclass(frozen=True, slots=True)
class WorklistView:
    items: list[WorklistItemView]
    next_cursor: str | None


class LifecycleService:
    def __init__(
        self,
        cases: CaseService,
        summary: CaseSummary,
        followup: FollowUpService,
        worklist: WorklistRepository,
        uow: UnitOfWork,
        clock: Clock,
    ) -> None:
        self._cases = cases
        self._summary = summary
        self._followup = followup
        self._worklist = worklist
        self._uow = uow
        self._clock = clock

    # ---------------------------------------------------------------- PATCH (C3, C5, C6, F3, F4, F6)

    async def change(self, caller: Caller, case_id: str, if_match: str | None, patch: ContactGroupPatch) -> Case:
        """Apply a JSON merge patch to the case, if ``If-Match`` holds its current ETag (else 412; none: 428)."""
        given = patch.model_fields_set
        if not given:
            raise PatchEmpty()
        for name in sorted(given):
            if getattr(patch, name) is None and name not in NULLABLE_FIELDS:
                raise FieldNotNullable(f"{name} cannot be null.", field=name)
        await self._uow.begin_write_phase()
        case = await self._cases.get(caller.municipality, case_id)  # C2 first: a stranger learns nothing
        if if_match is None:
            raise IfMatchRequired()
        if not etag_matches(if_match, case.etag):
            raise CaseChangedSinceRead(current_etag=case.etag)
        today = self._clock.today()
        changes = _Changes(caller, self._clock)

        dates = {name: getattr(patch, name) for name in DATE_FIELDS if name in given}
        if dates:
            bounds = DateBounds.for_case(created_on=case.created_on, asylum_decision_date=case.asylum_decision_date)
            revised = revise_case_dates(case.dates, dates, today=today, bounds=bounds)
            for name in DATE_FIELDS:
                changes.add(name, getattr(case.dates, name), getattr(revised, name))
        if patch.contact_group is not None:
            changes.add("contact_group", int(case.contact_group), int(patch.contact_group))
        if "visitation_date" in given:
            _check_day("visitation_date", patch.visitation_date, case.dates.handover_date, today, rule="F3")
            changes.add("visitation_date", case.visitation_date, patch.visitation_date)
        if "joint_handover_conversation_date" in given:
            day = patch.joint_handover_conversation_date
            _check_day("joint_handover_conversation_date", day, case.asylum_decision_date, today, rule="C5")
            changes.add("joint_handover_conversation_date", case.joint_handover_conversation_date, day)
        for flag in ("not_learning_danish", "covered_by_repatriation_act"):
            if getattr(patch, flag) is not None:
                changes.add(flag, getattr(case, flag), getattr(patch, flag))

        situation = None
        if patch.situation is not None:
            since = patch.situation.since
            _check_day("situation.since", since, case.asylum_decision_date, latest_case_date(today), rule="F3")
            recorded = await self._cases.situations(case)
            before = recorded[-1] if recorded else None
            old = (
                {"situation": before.situation.value, "since": before.since.isoformat()}
                if before
                else {
                    "situation": CONTACT_GROUP_DEFAULT_SITUATION[case.contact_group].value,
                    "since": case.dates.handover_date.isoformat(),
                }
            )
            new = {"situation": patch.situation.situation.value, "since": since.isoformat()}
            changes.add("situation", old, new, column=False)
            situation = SituationEntry(patch.situation.situation, since, self._clock.now())

        if not changes.items:
            return case  # nothing differs: no new revision, no history row
        updated = await self._cases.change(case, changes.columns, changes.items, situation)
        if updated is None:
            raise CaseChangedSinceRead()
        await self.case_changed(updated)
        return updated

    async def history(self, caller: Caller, case_id: str) -> tuple[Case, list[Change]]:
        case = await self._cases.get(caller.municipality, case_id)
        return case, await self._cases.history(case)

    async def access_log(self, caller: Caller, case_id: str, cursor: str | None, limit: int) -> AccessLogView:
        """Who read or changed the case (issue 11): for the case's own municipalities only (C2 first: to anyone
        else the case does not exist, whatever its log holds)."""
        case = await self._cases.get(caller.municipality, case_id)
        return await access_log_page(self._uow.session, case.id, cursor, limit)

    # ---------------------------------------------------------------- conversations held, tasks done

    async def record_conversation(
        self, caller: Caller, case_id: str, held_on: date, kind: ConversationKind
    ) -> tuple[Case, ConversationEntry]:
        """F1-F3: a conversation held; the plan marks the planned one of its kind held (see ``domain.followup``)."""
        await self._uow.begin_write_phase()
        case = await self._cases.get(caller.municipality, case_id)
        _check_day("held_on", held_on, case.asylum_decision_date, self._clock.today(), rule="F3")
        entry = ConversationEntry(0, held_on, kind, self._clock.now(), caller.subject, caller.municipality)
        stored = await self._cases.add_conversation(case, entry)
        await self.case_changed(case)
        return case, stored

    async def task_done(self, caller: Caller, case_id: str, code: str) -> TaskDone:
        """C8 (revised): the jobcenter records the task as done (who, when); from then on it is not shown."""
        await self._uow.begin_write_phase()
        case = await self._cases.get(caller.municipality, case_id)  # C2 first
        if code not in KNOWN_TASKS:
            raise UnknownTask(f"Known tasks: {', '.join(sorted(KNOWN_TASKS))}.")
        task = TaskDone(code, self._clock.today(), self._clock.now(), caller.subject, caller.municipality)
        if not await self._cases.add_task_done(case, task):
            earlier = await self._cases.task_done(case, code)
            raise TaskAlreadyDone(
                done_on=earlier.done_on.isoformat() if earlier else None,
                done_by_municipality=earlier.done_by_municipality if earlier else None,
            )
        updated = await self._cases.get(caller.municipality, case_id)
        await self.case_changed(updated)
        return task

    # ---------------------------------------------------------------- the worklist projection

    async def case_changed(self, case: Case, summary: list[Attention] | None = None) -> None:
        """Rebuild the case's worklist rows (the caller holds the write phase; a case this request created: the
        rows join its staged batch): the next due date from the plan and the open tasks, and the attention items
        with the days they are in force. ``summary``: the case summary, if the caller has it already."""
        today = self._clock.today()
        options = CasePlanOptions(DEFAULT_HORIZON_MONTHS, None, None)
        plan_due = await self._followup.plan_next_due(self._cases, case, options)
        login_codes_open = LOGIN_CODES_TASK_CODE not in case.done_tasks
        dues = [plan_due, case.dates.login_codes_due_from if login_codes_open else None]
        next_due = min((d for d in dues if d is not None), default=NOTHING_DUE)
        if summary is None:
            summary = await self._summary.attention(case)
        attention = _scheduled(case, summary, today, login_codes_open=login_codes_open)
        frozen_from = max(case.dates.effective_cv_date, case.dates.effective_contract_date) + timedelta(days=1)
        entries = [
            WorklistEntry(
                municipality=municipality,
                case_id=case.id,
                next_due_on=next_due,
                contact_group=int(case.contact_group),
                frozen_from=frozen_from,
                created_on=case.created_on,
                handover_date=case.dates.handover_date,
                person_id=case.person_id,
                cpr_masked=cpr_rules.mask(case.cpr),
            )
            for municipality in dict.fromkeys((case.receiving_municipality, case.jobcenter_municipality))
        ]
        batch = self._uow.staged
        if batch is not None and self._cases.created_here(case):
            stage_rows(batch, case.id, entries, attention)
        else:
            await self._worklist.replace(case.id, entries, attention)

    async def worklist(self, caller: Caller, where: WorklistFilter, cursor: str | None, limit: int) -> WorklistView:
        """The caller's cases (receiving or jobcenter municipality) in next-due order, one keyset page."""
        entries = await self._worklist.page(where, decode_cursor(cursor), min(limit, MAX_PAGE) + 1)
        page, more = entries[:limit], len(entries) > limit
        attention = await self._worklist.attention((e.case_id for e in page), where.municipality, where.today)
        return WorklistView(
            [WorklistItemView(e, attention.get(e.case_id, [])) for e in page],
            encode_cursor(page[-1]) if more and page else None,
        )

    async def search(self, caller: Caller, cpr: str) -> list[WorklistItemView]:
        """The caller's cases of one citizen, as worklist items. A case without worklist rows yet (created before
        the worklist existed) gets them now."""
        cases = await self._cases.find_by_cpr(caller.municipality, cpr)
        ids = [case.id for case in cases]
        entries = await self._worklist.entries(ids, caller.municipality)
        if len(entries) < len(ids):
            await self._uow.end_read_phase()
            await self._uow.begin_write_phase()
            for case in cases:
                await self.case_changed(case)
            entries = await self._worklist.entries(ids, caller.municipality)
        attention = await self._worklist.attention(ids, caller.municipality, self._clock.today())
        return [WorklistItemView(e, attention.get(e.case_id, [])) for e in entries]


# ---------------------------------------------------------------- helpers


class _Changes:
    """The columns a PATCH writes and the history rows it adds: only fields whose value differs."""

    def __init__(self, caller: Caller, clock: Clock) -> None:
        self.columns: dict[str, object] = {}
        self.items: list[Change] = []
        self._caller = caller
        self._now = clock.now()

    def add(self, field: str, old: Any, new: Any, *, column: bool = True) -> None:
        if old == new:
            return
        if column:
            self.columns[field] = new
        self.items.append(
            Change(
                revision=0,  # set when written
                field=field,
                old_value=_json(old),
                new_value=_json(new),
                changed_at=self._now,
                changed_by_subject=self._caller.subject,
                changed_by_client=getattr(self._caller, "client_id", None),
                changed_by_municipality=self._caller.municipality,
            )
        )


def _json(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value


def _check_day(field: str, day: date | None, earliest: date, latest: date, *, rule: str) -> None:
    """A recorded day lies within [earliest, latest] (e.g. the visitation: from the arrival to today)."""
    if day is not None and not earliest <= day <= latest:
        raise RuleViolation(
            rule,
            "date_out_of_range",
            f"{field} must lie between {earliest.isoformat()} and {latest.isoformat()}.",
            field=field,
            earliest_allowed=earliest.isoformat(),
            latest_allowed=latest.isoformat(),
        )


def _scheduled(case: Case, items: list[Attention], today: date, *, login_codes_open: bool) -> list[AttentionEntry]:
    """The summary's items with the days they are in force: what the clock will start (C8's task, M3's overdue
    link) is stored ahead with its first day, so the worklist needs no rebuild when that day comes."""
    scheduled: list[AttentionEntry] = []
    for item in items:
        if item.code == LOGIN_CODES_TASK_CODE:
            continue  # scheduled below, from its own date
        if item.code == "children_link_pending" and item.due_date is not None:
            scheduled.append(AttentionEntry(item.code, item.rule, today, item.due_date, item.due_date))
            overdue_from = item.due_date + timedelta(days=1)  # M3: overdue the day after the due date
            scheduled.append(AttentionEntry("children_link_overdue", item.rule, overdue_from, None, item.due_date))
            continue
        scheduled.append(AttentionEntry(item.code, item.rule, today, None, item.due_date))
    if login_codes_open:
        due = case.dates.login_codes_due_from
        scheduled.append(AttentionEntry(LOGIN_CODES_TASK_CODE, "C8", due, None, due))
    return scheduled


def etag_matches(if_match: str, etag: str) -> bool:
    """RFC 9110 If-Match: ``*`` or a list of entity tags; a weak tag never matches (strong comparison)."""
    candidates = [tag.strip() for tag in if_match.split(",")]
    return "*" in candidates or etag in candidates


def encode_cursor(entry: WorklistEntry) -> str:
    raw = json.dumps([entry.next_due_on.isoformat(), entry.case_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[date, str] | None:
    if cursor is None:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        due, case_id = json.loads(raw)
        return date.fromisoformat(due), str(case_id)
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError):
        raise CursorInvalid(field="cursor") from None


def attention_codes() -> Mapping[str, str]:
    """The attention codes the worklist filters on, with their rule (for the OpenAPI description)."""
    return {
        "pdf_request_overdue": "P1",
        "children_link_pending": "M3",
        "children_link_overdue": "M3",
        "undistributed_<unit>": "P2",
        LOGIN_CODES_TASK_CODE: "C8",
    }
