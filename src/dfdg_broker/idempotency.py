"""``Idempotency-Key`` on every request that changes something (draft-ietf-httpapi-idempotency-key-header).

A client that is not sure its POST or PUT arrived (a timeout, a dropped connection) sends it again with the same
``Idempotency-Key``; the broker then does the work once:

- same key, same request (method, path and body) after the first has finished: the first response is replayed,
  same status and body, with ``Idempotent-Replayed: true``;
- same key, another request: ``422 idempotency_key_reused``;
- same key while the first is still being processed: ``409 idempotency_key_in_flight`` (with ``Retry-After``);
- a key is remembered for ``DFDG_IDEMPOTENCY_KEY_TTL_SECONDS`` (24 h), per municipality, in the database (so it
  holds across restarts and instances). A server error (5xx) is not remembered: the client may simply retry.

How: the write scope's dependency (``deps.WriteCaller``) claims the key in a short transaction of its own before the
route runs (``claim``); ``IdempotencyMiddleware`` stores the response once the route has committed its work, or
releases the claim when it failed with a 5xx. A process that dies between the two leaves an in-flight claim, taken
over after ``DFDG_IDEMPOTENCY_IN_FLIGHT_SECONDS``.

A stored answer can hold personal data (the person-ID, a birth date, a whole CV), so each row records the case it
concerned (``case_id``: the route's ``{case_id}`` at claim time, or the case a create made, via ``concerns_case``),
and erasing the case deletes its rows (issue 11). A DELETE's own row records none: its answer is empty, and a
reference to the erased case would outlive the erasure.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi import Request, Response
from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dfdg_broker.auth import Caller
from dfdg_broker.db import sealed
from dfdg_broker.db.models import IdempotencyKeyRow
from dfdg_broker.db.session import WRITE_TRANSACTION, protection_of
from dfdg_broker.errors import ProblemError

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
_KEY = re.compile(r'^"?([\x21\x23-\x7e]{1,255})"?$')  # an sf-string's visible ASCII, quotes optional
_KEPT_HEADERS = frozenset({"content-type", "location", "etag", "digest", "content-disposition"})
STATE_KEY = "idempotency_claim"
"""``request.state.idempotency_claim``: set by ``deps.get_writer``, taken by the middleware."""
CASE_STATE_KEY = "idempotency_case_id"
"""``request.state.idempotency_case_id``: the case a create made (``concerns_case``), stored with its answer."""


class IdempotencyKeyInvalid(ProblemError):
    status = 400
    code = "idempotency_key_invalid"
    title = "The Idempotency-Key header must be 1-255 visible ASCII characters"


class IdempotencyKeyReused(ProblemError):
    status = 422
    code = "idempotency_key_reused"
    title = "This Idempotency-Key was used for another request; use a new key for a new request"


class IdempotencyKeyInFlight(ProblemError):
    status = 409
    code = "idempotency_key_in_flight"
    title = "A request with this Idempotency-Key is still being processed"

    def __init__(self) -> None:
        super().__init__(headers={"Retry-After": "1"})


class IdempotentReplay(Exception):
    """Raised by ``claim`` when the answer is already known: rendered as the stored response, once the access log
    has its row (``audit.log_replay``; ``caller`` is set by the dependency that verified it)."""

    def __init__(self, row: IdempotencyKeyRow, body: bytes) -> None:
        super().__init__("replay")
        self.status = row.status_code or 200
        self.headers = dict(row.response_headers or {})
        self.body = body
        self.case_id = row.case_id
        self.caller: Caller | None = None


@dataclass(frozen=True, slots=True)
class Claim:
    row_id: int
    sessions: async_sessionmaker[AsyncSession]
    municipality: str
    key: str


@dataclass(frozen=True, slots=True)
class IdempotencyPolicy:
    ttl: timedelta
    in_flight: timedelta


def parse_key(value: str) -> str:
    match = _KEY.match(value.strip())
    if match is None:
        raise IdempotencyKeyInvalid(field=f"header.{HEADER}")
    return match.group(1)


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


async def claim(
    request: Request,
    sessions: async_sessionmaker[AsyncSession],
    policy: IdempotencyPolicy,
    municipality: str,
    raw_key: str,
    now: datetime,
    case_id: str | None = None,
) -> Claim:
    """Claims the key for this request, or raises: replay, reused, in flight. Commits on its own. ``case_id``: the
    case the request concerns, when the path names one."""
    key = parse_key(raw_key)
    body = await request.body()
    print_ = fingerprint(request.method, request.url.path, body)
    async with sessions() as session:
        await session.connection(execution_options={WRITE_TRANSACTION: True})
        row = await _find(session, municipality, key)
        if row is not None and (row.expires_at <= now or _abandoned(row, now, policy)):
            await session.execute(delete(IdempotencyKeyRow).where(IdempotencyKeyRow.id == row.id))
            row = None
        if row is not None:
            answer: Exception
            if row.fingerprint != print_:
                answer = IdempotencyKeyReused(field=f"header.{HEADER}")
            elif row.state == "in_flight":
                answer = IdempotencyKeyInFlight()
            else:
                answer = IdempotentReplay(row, _answer(session, row))
            await session.rollback()
            raise answer
        new = IdempotencyKeyRow(
            municipality=municipality,
            key=key,
            fingerprint=print_,
            state="in_flight",
            created_at=now,
            expires_at=now + policy.ttl,
            case_id=case_id,
        )
        session.add(new)
        try:
            await session.flush()
            row_id = new.id
            await session.commit()
        except IntegrityError:  # another request claimed it between our read and our write
            raise IdempotencyKeyInFlight() from None
        return Claim(row_id, sessions, municipality, key)


async def _find(session: AsyncSession, municipality: str, key: str) -> IdempotencyKeyRow | None:
    result = await session.execute(
        select(IdempotencyKeyRow).where(IdempotencyKeyRow.municipality == municipality, IdempotencyKeyRow.key == key)
    )
    return result.scalar_one_or_none()


def _answer(session: AsyncSession, row: IdempotencyKeyRow) -> bytes:
    """The stored answer, opened (it is sealed: it may show a case's personal data)."""
    if row.response_body is None:
        return b""
    where = sealed.IDEMPOTENT_ANSWER.at(row.municipality, row.key)
    return protection_of(session).open(row.response_body, where)


def _abandoned(row: IdempotencyKeyRow, now: datetime, policy: IdempotencyPolicy) -> bool:
    return row.state == "in_flight" and row.created_at + policy.in_flight <= now


def concerns_case(request: Request, case_id: str) -> None:
    """For a route whose path names no case but whose answer does (a create): record the case with the answer."""
    setattr(request.state, CASE_STATE_KEY, case_id)


async def complete(
    claim_: Claim, status: int, headers: list[tuple[bytes, bytes]], body: bytes, case_id: str | None = None
) -> None:
    """Stores the answer (``case_id``: the case a create made). If the claim is gone meanwhile (its case was erased
    while the request ran), nothing is stored."""
    async with claim_.sessions() as session:
        await session.connection(execution_options={WRITE_TRANSACTION: True})
        if status >= 500:
            await session.execute(delete(IdempotencyKeyRow).where(IdempotencyKeyRow.id == claim_.row_id))
        else:
            kept = {
                k.decode("latin-1"): v.decode("latin-1") for k, v in headers if k.decode("latin-1") in _KEPT_HEADERS
            }
            where = sealed.IDEMPOTENT_ANSWER.at(claim_.municipality, claim_.key)
            values: dict[str, Any] = {
                "state": "done",
                "status_code": status,
                "response_headers": kept,
                "response_body": protection_of(session).seal(body, where),
            }
            if case_id is not None:
                values["case_id"] = case_id
            await session.execute(
                update(IdempotencyKeyRow).where(IdempotencyKeyRow.id == claim_.row_id).values(**values)
            )
        await session.commit()


async def erase_for_case(session: AsyncSession, case_id: str) -> int:
    """Deletes the stored answers (and in-flight claims) of requests that concerned the case; returns how many."""
    result = await session.execute(delete(IdempotencyKeyRow).where(IdempotencyKeyRow.case_id == case_id))
    return int(getattr(result, "rowcount", 0) or 0)


async def purge_expired(session: AsyncSession, now: datetime) -> int:
    """Deletes the keys past their expiry (for a periodic sweep); returns how many."""
    result = await session.execute(delete(IdempotencyKeyRow).where(IdempotencyKeyRow.expires_at <= now))
    return int(getattr(result, "rowcount", 0) or 0)


def replay_response(exc: IdempotentReplay) -> Response:
    return Response(content=exc.body, status_code=exc.status, headers={**exc.headers, REPLAYED_HEADER: "true"})


_KEY_HEADER = HEADER.lower().encode("latin-1")
"""The header's name as the ASGI server gives it (lower case), as FastAPI's ``Header`` finds it."""


class IdempotencyMiddleware:
    """Stores the response of a request that claimed a key (see ``claim``), after the route has run."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["method"] not in ("POST", "PUT", "PATCH", "DELETE")
            or not any(name == _KEY_HEADER for name, _value in scope["headers"])
        ):
            # Nothing to store: only a request with the header claims a key (``deps.get_writer``). No wrapper for
            # every message of every change then (issue 14).
            await self.app(scope, receive, send)
            return
        start: dict[str, Any] = {}
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            state = scope.get("state") or {}
            if STATE_KEY not in state:
                await send(message)
                return
            if message["type"] == "http.response.start":
                start.update(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            claimed: Claim = state.pop(STATE_KEY)
            body = b"".join(chunks)
            case_id = state.pop(CASE_STATE_KEY, None)
            await complete(claimed, int(start["status"]), list(start.get("headers", [])), body, case_id)
            await send(start)
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, capture)
