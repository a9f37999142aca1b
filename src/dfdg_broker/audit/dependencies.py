"""``access_logged(...)``: the dependency every route that reads or changes a case's personal data carries.

How it works, per request:

1. Before the route runs: the caller is verified (the route's own scope; once per request, whoever asks first:
   ``deps.verified_caller``) and ``X-Purpose`` is checked (422 ``purpose_invalid``: nothing is done).
2. The route runs. It touches the case in its path; a route that finds cases (search, worklist, create) names them
   on the ``AccessRecord`` it is given.
3. After the route returned, **before anything is sent** (as the route's ``scope="function"`` dependencies close):
   - a read (``change=False``): one row per case through the group-commit writer, awaited. If the rows cannot be
     committed the request answers 503 ``access_log_unavailable`` instead of the data. A read dependency must be
     resolved before the unit of work, so that the request's own transaction is over when it waits for the writer
     (``dependencies=[...]`` on the route, or the first parameter; the route-walk test checks it);
   - a change (``change=True``): the rows go into the request's own unit of work (its staged batch, if the change
     is one: a create), committed with the change or not at all; if they cannot be written the change is rolled
     back (503).
4. A route that failed writes its rows with the outcome (``denied`` for 403/404, ``failed`` otherwise) through the
   writer, after the change's transaction is rolled back. Nothing was sent, so a failure to log an attempt does not
   change the answer (it is logged as an error).

Unauthenticated and scope-less requests reach no route and are not in the access log (the request log has them).
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from types import TracebackType
from typing import Annotated, Any

from fastapi import Depends, Header, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from fastapi.security import SecurityScopes
from starlette.exceptions import HTTPException

from dfdg_broker import correlation
from dfdg_broker.app_state import CLOCK, StateKey
from dfdg_broker.audit.errors import AccessLogUnavailable
from dfdg_broker.audit.purpose import HEADER, MAX_LENGTH, checked_purpose
from dfdg_broker.audit.records import AccessEntry, Outcome, outcome_of
from dfdg_broker.audit.repository import add_entries, stage_entries
from dfdg_broker.audit.writer import GroupCommitWriter
from dfdg_broker.auth import Caller, Scope
from dfdg_broker.db.unit_of_work import UnitOfWork
from dfdg_broker.deps import CallerScheme, UnitOfWorkDep, caller_with, get_writer, verified_caller
from dfdg_broker.domain.errors import RuleViolation
from dfdg_broker.errors import ProblemError
from dfdg_broker.idempotency import IdempotentReplay

log = logging.getLogger(__name__)

ACCESS_LOG_WRITER: StateKey[GroupCommitWriter] = StateKey("access_log_writer")
"""Set by the lifespan: this worker's group-commit writer."""

ACCESS_LOGGED = "__access_logged__"
"""Attribute on the dependency function: the operation it logs (the route-walk test reads it)."""

PURPOSE_HEADER_MAX_LENGTH = MAX_LENGTH * 4
"""The header's longest value FastAPI accepts (UTF-8 read as Latin-1: checked again, in characters, by
``checked_purpose``); longer: FastAPI's 422 (a validation error)."""

PurposeHeader = Annotated[
    str | None,
    Header(
        alias=HEADER,
        max_length=PURPOSE_HEADER_MAX_LENGTH,
        description="Why the case is read (kept in the access log the citizen may see): up to 200 printable "
        "characters on one line, UTF-8. Default: the scope that allowed the request.",
        examples=["Sagsbehandling: opfølgningssamtale"],
    ),
]


@dataclass(slots=True)
class AccessRecord:
    """Who made the request (the verified caller the rows name) and the cases it touched (default: the case in the
    path). Search, worklist and create name theirs. ``uow``: a change's unit of work, the one its rows go into, for
    a route that works in it (a ``UnitOfWorkDep`` parameter beside the record would be walked again, issue 14)."""

    caller: Caller
    case_ids: list[str] = field(default_factory=list)
    uow: UnitOfWork | None = None


def access_logged(
    operation: str,
    *,
    detail: str | None = None,
    detail_params: tuple[str, ...] = (),
    scope: Scope = Scope.CASES_READ,
    change: bool = False,
) -> Any:  # a ``Depends``: FastAPI types it as Any
    """The dependency (``Depends``) for a route: ``operation`` names what it does (``read-area``), ``detail`` the
    area or document (or ``detail_params``: path parameters joined with ``/``). ``change=True`` for routes that
    change the case (its row in the change's own transaction; the caller, ``AccessRecord.caller``, is the writer)."""
    about = _About(operation, detail, detail_params, str(Scope.CASES_WRITE if change else scope))

    if change:

        async def logged_change(
            request: Request,
            uow: UnitOfWorkDep,
            caller: Annotated[Caller, Depends(get_writer)],
            purpose: PurposeHeader = None,
        ) -> AccessRecord:
            return record_change(request, caller, purpose, about, uow)

        setattr(logged_change, ACCESS_LOGGED, operation)
        setattr(logged_change, CHANGE_ABOUT, about)
        return Depends(logged_change)
    logged_read = _LoggedRead(about)
    setattr(logged_read, ACCESS_LOGGED, operation)
    return Security(logged_read, scopes=[scope])


CHANGE_ABOUT = "__access_change__"
"""Attribute on a change's dependency function: what its rows say (``record_change``'s ``about``), for a route that
runs the dependency's steps itself (``cases.direct_create``)."""


def record_change(request: Request, caller: Caller, purpose: str | None, about: Any, uow: UnitOfWork) -> AccessRecord:
    """What a change's dependency (``access_logged(..., change=True)``) does once its unit of work and writer are
    solved: the purpose checked (422), the record the route fills in, its rows written when the route ends."""
    return _Logged(request, caller, purpose, about, uow).until_the_route_ends(request)


async def log_replay(request: Request, replay: IdempotentReplay) -> None:
    """An ``Idempotency-Key`` replay sends a stored answer again, and the answer of a create or a CV submission holds
    the person's data: it is logged like a read of the case it concerns (operation ``replay``, detail: the change
    replayed), committed through the writer before the answer is sent (else 503 ``access_log_unavailable``). An
    invalid ``X-Purpose`` is refused here too (422), since the route that would have checked it does not run. A
    replay that names no case (an erasure's empty answer) writes no row."""
    operation = _logged_operation(request.scope.get("route"))
    if replay.case_id is None or replay.caller is None or operation is None:
        return
    scope = str(Scope.CASES_WRITE)
    purpose = checked_purpose(request.headers.get(HEADER), scope)
    record = AccessRecord(replay.caller, [replay.case_id])
    about = _About("replay", operation, (), scope)
    await ACCESS_LOG_WRITER.of(request).write(_entries(request, replay.caller, purpose, about, record, replay.status))


def _logged_operation(route: object) -> str | None:
    """The operation a route's ``access_logged(...)`` names, if it has one."""
    if not isinstance(route, APIRoute):
        return None
    pending = list(route.dependant.dependencies)
    while pending:
        dependant = pending.pop()
        if (operation := getattr(dependant.call, ACCESS_LOGGED, None)) is not None:
            return str(operation)
        pending.extend(dependant.dependencies)
    return None


@dataclass(frozen=True, slots=True)
class _About:
    operation: str
    detail: str | None
    detail_params: tuple[str, ...]
    scope: str


class _LoggedRead(CallerScheme):
    """A read's access-log dependency verifies the caller itself, as the bearer scheme ``get_caller`` is (FastAPI
    documents the scheme and the route's scope from it alike): one dependency for FastAPI to solve on the hottest
    reads instead of two (issue 14). A route that asks for the caller too gets the one verified here
    (``deps.verified_caller``: once per request)."""

    def __init__(self, about: _About) -> None:
        super().__init__()
        self.about = about
        self.__name__ = "logged_read"  # as a function dependency's: the route walk and FastAPI's messages use it

    async def __call__(  # type: ignore[override]
        self, request: Request, security_scopes: SecurityScopes, purpose: PurposeHeader = None
    ) -> AccessRecord:
        return (await self.begin(request, security_scopes.scopes, purpose)).until_the_route_ends(request)

    async def begin(
        self, request: Request, scopes: Sequence[str], purpose: str | None, authorization: str | None = None
    ) -> "_Logged":
        """The caller verified (401, 403, 429) and the purpose checked (422): the request's rows, to be written when
        the route is done. ``authorization``: the header, if the caller read it already."""
        if authorization is None:
            caller = await verified_caller(request, scopes)
        else:
            caller = await caller_with(request, scopes, authorization)
        return _Logged(request, caller, purpose, self.about, None)


FUNCTION_EXIT_STACK = "fastapi_function_astack"
"""Where FastAPI keeps, in the ASGI scope, the exit stack of a request's ``scope="function"`` dependencies: closed
when the route has returned, before the response is sent."""


class _Logged:
    """One request's rows: checked purpose, the cases touched, written when the route is done."""

    __slots__ = ("about", "caller", "purpose", "record", "request", "uow")

    def __init__(
        self, request: Request, caller: Caller, purpose: str | None, about: _About, uow: UnitOfWork | None
    ) -> None:
        self.purpose = checked_purpose(purpose, about.scope)  # refused before the route does anything
        path_case = request.path_params.get("case_id")
        self.record = AccessRecord(caller, [path_case] if path_case else [], uow)
        self.request, self.caller, self.about, self.uow = request, caller, about, uow

    def until_the_route_ends(self, request: Request) -> AccessRecord:
        """The record the route fills in; its rows are written when the route has returned or failed, before
        anything is sent, as a ``scope="function"`` dependency's exit would be (and in the same place among the
        others: after the unit of work's for a read set up before it, before it for a change).

        An exit callback rather than a generator dependency: FastAPI enters a generator through two context
        managers and a shielded cancel scope, which cost the hottest reads ~5 % of their time (issue 14). A row is
        written even when the client has gone away: the writer commits what it was given."""
        request.scope[FUNCTION_EXIT_STACK].push_async_exit(self._route_ended)
        return self.record

    async def _route_ended(
        self, _type: type[BaseException] | None, exc: BaseException | None, _traceback: TracebackType | None
    ) -> bool:
        if exc is None:
            await self.succeeded()
        elif isinstance(exc, Exception):  # not a cancellation: the request is not being answered at all
            await self.failed(exc)
        return False  # the route's exception, if any, goes on to its handler

    async def succeeded(self) -> None:
        route = self.request.scope.get("route")  # its declared success status (201 for a create)
        status = getattr(route, "status_code", None) or 200
        entries = _entries(self.request, self.caller, self.purpose, self.about, self.record, status)
        if self.uow is None:
            await ACCESS_LOG_WRITER.of(self.request).write(entries)
            return
        staged = self.uow.staged
        if staged is not None:  # the change is a staged batch (a create): the rows go with it
            stage_entries(staged, entries)
            return
        try:
            await add_entries(self.uow.session, entries)
            await self.uow.session.flush()
        except Exception as exc:
            log.error("access log: the row of a change could not be written: %s", type(exc).__name__)
            raise AccessLogUnavailable() from exc

    async def failed(self, exc: Exception) -> None:
        if self.uow is not None:
            try:  # the change is not made, and no write lock is held while the writer waits for one
                await self.uow.session.rollback()
            except Exception:
                log.exception("access log: rolling back a failed change failed")
        entries = _entries(self.request, self.caller, self.purpose, self.about, self.record, _status_of(exc))
        try:
            await ACCESS_LOG_WRITER.of(self.request).write(entries)
        except AccessLogUnavailable:
            log.error("access log: an attempt (%s, %s) could not be logged", self.about.operation, type(exc).__name__)


def _entries(
    request: Request, caller: Caller, purpose: str, about: _About, record: AccessRecord, status: int
) -> list[AccessEntry]:
    now = CLOCK.of(request).now()
    params = request.path_params
    detail = about.detail or "/".join(str(params.get(name, "")) for name in about.detail_params) or None
    outcome = outcome_of(status)
    return [
        AccessEntry(
            at=now,
            subject=_clip(caller.subject, 200),
            client_id=_clip(caller.client_id, 200),
            municipality=caller.municipality,
            case_id=_clip(case_id, 40),
            operation=about.operation,
            detail=_clip(detail, 100) if detail else None,
            purpose=purpose,
            correlation_id=_clip(correlation.current() or "", 100) or None,
            outcome=outcome,
            status=status,
        )
        for case_id in dict.fromkeys(record.case_ids)  # each case once, in order
    ]


def _clip(value: str, length: int) -> str:
    """What reached the log from a URL or a token, made safe to store: printable, bounded (a NUL or an over-long
    value would fail the whole batch, other requests' rows with it)."""
    printable = value if value.isprintable() else "".join(c if c.isprintable() else "?" for c in value)
    return printable[:length]


def _status_of(exc: Exception) -> int:
    if isinstance(exc, ProblemError):
        return exc.status
    if isinstance(exc, RuleViolation | RequestValidationError):
        return 422
    if isinstance(exc, HTTPException):
        return exc.status_code
    return 500


__all__ = [
    "ACCESS_LOGGED",
    "ACCESS_LOG_WRITER",
    "CHANGE_ABOUT",
    "AccessRecord",
    "Outcome",
    "access_logged",
    "log_replay",
    "record_change",
]
