"""HTTP <-> service for the case over time and the worklist. No rule is decided here."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Header, Path, Query, Response, status

from dfdg_broker.audit.dependencies import AccessRecord, access_logged
from dfdg_broker.audit.errors import ACCESS_LOG_PROBLEMS, AccessLogCursorInvalid
from dfdg_broker.audit.presenters import access_log_page
from dfdg_broker.audit.schemas import AccessLogPage
from dfdg_broker.auth import Scope
from dfdg_broker.cases import presenters as case_presenters
from dfdg_broker.cases.dependencies import CaseSummaryDep
from dfdg_broker.cases.errors import CaseNotFound
from dfdg_broker.cases.schemas import ContactGroupRead
from dfdg_broker.deps import AccessLogCaller, ClockDep, ReadCaller, WriteCaller
from dfdg_broker.domain.contact_groups import ContactGroup
from dfdg_broker.errors import RequestInvalid, Unauthenticated, responses_for
from dfdg_broker.lifecycle import presenters
from dfdg_broker.lifecycle.dependencies import LifecycleServiceDep
from dfdg_broker.lifecycle.errors import (
    CaseChangedSinceRead,
    CursorInvalid,
    FieldNotNullable,
    IfMatchRequired,
    PatchEmpty,
    TaskAlreadyDone,
    UnknownTask,
)
from dfdg_broker.lifecycle.repository import WorklistFilter
from dfdg_broker.lifecycle.schemas import (
    MERGE_PATCH,
    ContactGroupPatch,
    ConversationRecordRead,
    ConversationWrite,
    CprSearch,
    HistoryRead,
    TaskDoneRead,
    WorklistItem,
    WorklistPage,
)

router = APIRouter(prefix="/v1/contact-groups", tags=["Case lifecycle"])

_COMMON = (Unauthenticated, RequestInvalid)
DEFAULT_PAGE = 50
ATTENTION_CODES = (
    "pdf_request_overdue (P1), children_link_pending, children_link_overdue (M3), undistributed_<unit> (P2: "
    "undistributed_school, undistributed_day_care, undistributed_health_visitor, undistributed_jobcenter, "
    "undistributed_children_and_youth_services), hand_over_jobnet_login_codes (C8)"
)


@router.get(
    "",
    response_model=WorklistPage,
    name="list_contact_groups",
    summary="The caseworker's worklist: the caller's cases by next due date, with what needs attention",
    responses=responses_for(*_COMMON, CursorInvalid, *ACCESS_LOG_PROBLEMS),
)
async def list_contact_groups(
    access: Annotated[AccessRecord, access_logged("list-worklist")],
    caller: ReadCaller,
    service: LifecycleServiceDep,
    clock: ClockDep,
    attention: Annotated[
        str | None, Query(max_length=60, pattern=r"^[a-z0-9_]+$", description="one attention code: " + ATTENTION_CODES)
    ] = None,
    due_before: Annotated[date | None, Query(description="next due date before this day")] = None,
    contact_group: Annotated[ContactGroup | None, Query(description="C3")] = None,
    state: Annotated[
        Literal["frozen", "live"] | None, Query(description="frozen: DA1 and DA2 both frozen (G1); live: not")
    ] = None,
    created_from: Annotated[date | None, Query(description="created on or after")] = None,
    created_to: Annotated[date | None, Query(description="created on or before")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = DEFAULT_PAGE,
    cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page")] = None,
) -> WorklistPage:
    """Cases where the caller is the receiving or the jobcenter municipality (C2), sorted by next due date (the
    earliest planned conversation not held, or an open task; cases with nothing due last), then id. Keyset
    pagination: pass `next_cursor` back as `cursor` with the same filters. No CPR number here: to find a citizen's
    cases, POST /v1/contact-groups/search."""
    today = clock.today()
    where = WorklistFilter(
        caller.municipality,
        today,
        attention=attention,
        due_before=due_before,
        contact_group=int(contact_group) if contact_group is not None else None,
        state=state,
        created_from=created_from,
        created_to=created_to,
    )
    view = await service.worklist(caller, where, cursor, limit)
    access.case_ids.extend(item.entry.case_id for item in view.items)
    return presenters.worklist_page(view, today)


@router.post(
    "/search",
    response_model=list[WorklistItem],
    name="search_contact_groups",
    summary="Find the caller's cases of one citizen by CPR number (in the body, never in the URL)",
    responses=responses_for(*_COMMON, *ACCESS_LOG_PROBLEMS, rules=("C2",)),
)
async def search_contact_groups(
    access: Annotated[AccessRecord, access_logged("search-cpr")],
    body: CprSearch,
    caller: ReadCaller,
    service: LifecycleServiceDep,
    clock: ClockDep,
) -> list[WorklistItem]:
    """C2: only cases where the caller is the receiving or the jobcenter municipality; an empty list otherwise."""
    today = clock.today()
    found = await service.search(caller, body.cpr)
    access.case_ids.extend(item.entry.case_id for item in found)  # one row per case returned (the CPR is not logged)
    return [presenters.worklist_item(item, today) for item in found]


@router.patch(
    "/{case_id}",
    response_model=ContactGroupRead,
    name="update_contact_group",
    summary="Change the case (JSON merge patch) with If-Match: dates while allowed, contact group, situation, ...",
    responses=responses_for(
        *_COMMON,
        CaseNotFound,
        IfMatchRequired,
        CaseChangedSinceRead,
        FieldNotNullable,
        PatchEmpty,
        *ACCESS_LOG_PROBLEMS,
        rules=("C3", "C4", "C5", "C6", "F3"),
    ),
    dependencies=[access_logged("update-case", change=True)],
    openapi_extra={
        "requestBody": {"content": {MERGE_PATCH: {"schema": {"$ref": "#/components/schemas/ContactGroupPatch"}}}}
    },
)
async def update_contact_group(
    case_id: str,
    body: Annotated[ContactGroupPatch, Body(media_type=MERGE_PATCH)],
    response: Response,
    caller: WriteCaller,
    service: LifecycleServiceDep,
    summary: CaseSummaryDep,
    clock: ClockDep,
    if_match: Annotated[
        str | None, Header(alias="If-Match", max_length=200, description="the case's ETag (GET or an earlier PATCH)")
    ] = None,
) -> ContactGroupRead:
    """JSON merge patch (RFC 7396; `application/merge-patch+json`, plain JSON accepted): only the named fields
    change, `null` removes an optional date. The dates follow the rules of a new case (C5, C6) and may change only
    until they have passed. Every change is kept (GET …/history). `If-Match` is required (428 without it): a
    stale ETag answers 412, so two caseworkers cannot overwrite each other."""
    case = await service.change(caller, case_id, if_match, body)
    response.headers["ETag"] = case.etag
    return case_presenters.case_read(case, clock.today(), await summary.attention(case))


@router.get(
    "/{case_id}/history",
    response_model=HistoryRead,
    name="get_contact_group_history",
    summary="Every change of the case: who, what, when, from what to what",
    responses=responses_for(*_COMMON, CaseNotFound, *ACCESS_LOG_PROBLEMS),
    dependencies=[access_logged("read-history")],
)
async def get_contact_group_history(case_id: str, caller: ReadCaller, service: LifecycleServiceDep) -> HistoryRead:
    case, changes = await service.history(caller, case_id)
    return presenters.history_read(case, changes)


@router.post(
    "/{case_id}/conversations",
    status_code=status.HTTP_201_CREATED,
    response_model=ConversationRecordRead,
    name="record_conversation",
    summary="Record a conversation held (the plan shows it as held)",
    responses=responses_for(*_COMMON, CaseNotFound, *ACCESS_LOG_PROBLEMS, rules=("F3",)),
    dependencies=[access_logged("record-conversation", change=True)],
)
async def record_conversation(
    case_id: str, body: ConversationWrite, caller: WriteCaller, service: LifecycleServiceDep
) -> ConversationRecordRead:
    """F1-F3: each conversation held fulfils the earliest planned one of its kind still open; a visitation recorded
    here is the actual visitation when the case has no `visitation_date`."""
    case, entry = await service.record_conversation(caller, case_id, body.held_on, body.kind)
    return presenters.conversation_read(case, entry)


@router.post(
    "/{case_id}/tasks/{code}/done",
    response_model=TaskDoneRead,
    name="complete_task",
    summary="Record a task as done (C8: Jobnet login codes handed over): who and when",
    responses=responses_for(*_COMMON, CaseNotFound, UnknownTask, TaskAlreadyDone, *ACCESS_LOG_PROBLEMS),
    dependencies=[access_logged("complete-task", detail_params=("code",), change=True)],
)
async def complete_task(
    case_id: str,
    code: Annotated[str, Path(max_length=60, description="hand_over_jobnet_login_codes")],
    caller: WriteCaller,
    service: LifecycleServiceDep,
) -> TaskDoneRead:
    """C8 (revised): the task is pending from the day after the CV deadline until recorded here; the case, its
    summary and its plan show open tasks only. Recording it twice answers 409 with the first record."""
    return presenters.task_done_read(case_id, await service.task_done(caller, case_id, code))


@router.get(
    "/{case_id}/access-log",
    response_model=AccessLogPage,
    name="get_contact_group_access_log",
    summary="Who read or changed the case, when, why and with what outcome (newest first)",
    responses=responses_for(*_COMMON, CaseNotFound, AccessLogCursorInvalid, *ACCESS_LOG_PROBLEMS),
    dependencies=[access_logged("read-access-log", scope=Scope.ACCESS_LOG_READ)],
)
async def get_contact_group_access_log(
    case_id: str,
    caller: AccessLogCaller,
    service: LifecycleServiceDep,
    limit: Annotated[int, Query(ge=1, le=200)] = DEFAULT_PAGE,
    cursor: Annotated[str | None, Query(max_length=200, description="`next_cursor` of the previous page")] = None,
) -> AccessLogPage:
    """What a citizen may ask to see about the look-ups of their data (GDPR art. 15), for the data protection
    officer of the case's receiving or jobcenter municipality (scope `access-log:read`); to any other municipality
    the case does not exist (404, as on every case route). Every read, change and refused attempt (`denied`: a
    municipality outside the case, answered 404) through the API is listed, newest first, with the caller's stated
    purpose (`X-Purpose`). No CPR number is ever in the log. Reading the log is itself logged (`read-access-log`;
    it shows from the next read on). Keyset pagination: pass `next_cursor` back as `cursor`."""
    return access_log_page(await service.access_log(caller, case_id, cursor, limit))
