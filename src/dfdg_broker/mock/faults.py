"""Fault and latency injection for the mock upstream: what a municipal vendor (and our chaos suite) needs to see how
a client behaves when LetAsyl, Jobnet or the CPR register misbehave.

A fault is set over the admin API (``POST /admin/faults``) for a system and optionally one operation (the route
name, e.g. ``letasyl.area.cv``) and one person (person-ID), and lasts for the next N matching calls, for a time, or
until cleared. ``GET``/``DELETE /admin/faults`` list and clear them; ``POST /admin/reset`` clears them too.

The injection is a pure ASGI middleware in front of the upstream routes, so it works the same in-process (httpx's
``ASGITransport``) and behind uvicorn. It knows the operation by matching the app's routes itself and the person by
the path (person-ID, PDF request id, CV number) or, only when a fault names a person, by the request body.
"""

from __future__ import annotations

import asyncio
import json
import random
import secrets
import time
from collections.abc import Awaitable, Callable, MutableMapping
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

import httpx
from fastapi import APIRouter, Path, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, model_validator
from starlette.routing import BaseRoute, Match

from dfdg_broker.errors import PROBLEM_MEDIA_TYPE, PROBLEM_TYPE_BASE, NotFound, ProblemError, responses_for
from dfdg_broker.mock.common import ADMIN_PREFIX

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

SYSTEMS = ("letasyl", "jobnet", "cpr")
MAX_FAULTS = 200
MAX_HANG_SECONDS = 600.0
_RESET = ADMIN_PREFIX + "/reset"


class FaultKind(StrEnum):
    STATUS = "status"
    """answer ``status`` with a problem body (and ``Retry-After`` if given), without running the route"""
    DELAY = "delay"
    """only the delay, then the real answer"""
    RESET = "reset"
    """the connection drops after the status line: the client sees a transport error, no usable answer"""
    HANG = "hang"
    """no answer at all until the client gives up (or ``hang_seconds`` pass)"""
    MALFORMED_JSON = "malformed_json"
    """the real status and headers, but a body that is not JSON"""
    TRUNCATED_BODY = "truncated_body"
    """the real answer cut in half (behind uvicorn the connection closes short of ``Content-Length``)"""
    WRONG_CONTENT_TYPE = "wrong_content_type"
    """status 200 with an HTML page, as a proxy or login portal in the way would answer"""
    BAD_CHECKSUM = "bad_checksum"
    """the real answer with its last byte changed: a document no longer matches its listed SHA-256"""


class FaultCreate(BaseModel):
    """What to inject, where, and for how long. Without ``times`` and ``for_seconds`` it lasts until cleared."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "system": "letasyl",
                    "operation": "letasyl.area.cv",
                    "kind": "status",
                    "status": 503,
                    "retry_after_seconds": 20,
                    "times": 3,
                },
                {"system": "jobnet", "kind": "hang", "for_seconds": 60},
                {"system": "letasyl", "person_id": "70000101", "kind": "delay", "delay_ms": 200, "delay_max_ms": 1500},
                {"system": "letasyl", "operation": "letasyl.download_attachment", "kind": "bad_checksum"},
                {"system": "all", "kind": "reset", "times": 1},
            ]
        },
    )

    system: Literal["letasyl", "jobnet", "cpr", "all"] = Field(description="which upstream, or all three")
    operation: str | None = Field(
        default=None,
        max_length=80,
        description="an upstream route name (`operationId` with dots, e.g. `letasyl.area.cv`); none: every one",
    )
    person_id: str | None = Field(
        default=None, max_length=40, description="only calls about this person (the persona's person-ID)"
    )
    kind: FaultKind
    status: int = Field(default=503, ge=400, le=599, description="for kind `status`")
    retry_after_seconds: int | None = Field(
        default=None, ge=0, le=86_400, description="adds a `Retry-After` header (kind `status`)"
    )
    delay_ms: int = Field(default=0, ge=0, le=600_000, description="latency before the fault (any kind)")
    delay_max_ms: int | None = Field(
        default=None, ge=0, le=600_000, description="if given, the latency is random between delay_ms and this"
    )
    hang_seconds: float = Field(default=MAX_HANG_SECONDS, gt=0, le=MAX_HANG_SECONDS, description="kind `hang`")
    times: int | None = Field(default=None, ge=1, le=1_000_000, description="only the next N matching calls")
    for_seconds: float | None = Field(default=None, gt=0, le=86_400, description="only for this long from now")

    @model_validator(mode="after")
    def _consistent(self) -> FaultCreate:
        if self.delay_max_ms is not None and self.delay_max_ms < self.delay_ms:
            raise ValueError("delay_max_ms must not be below delay_ms")
        if self.operation is not None and self.system != "all" and not self.operation.startswith(self.system + "."):
            raise ValueError(f"operation {self.operation!r} is not one of {self.system}'s")
        return self


class Fault(FaultCreate):
    """A fault as held: its id, when it ends, how many calls it has hit and has left."""

    model_config = ConfigDict(extra="forbid")

    id: str
    created_at: datetime
    expires_at: datetime | None
    remaining: int | None = Field(description="calls left (from `times`); none: not limited by count")
    hits: int = 0


class FaultRegistry:
    """The faults in force, in the order they were set; the first that matches a call applies."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []

    def add(self, spec: FaultCreate) -> Fault:
        now = datetime.now(UTC)
        fault = Fault(
            **spec.model_dump(),
            id="flt_" + secrets.token_urlsafe(8),
            created_at=now,
            expires_at=now + timedelta(seconds=spec.for_seconds) if spec.for_seconds else None,
            remaining=spec.times,
        )
        self._drop_spent(now)
        if len(self._faults) >= MAX_FAULTS:
            raise TooManyFaults(f"At most {MAX_FAULTS} faults at once; clear some first.")
        self._faults.append(fault)
        return fault

    def list(self) -> list[Fault]:
        self._drop_spent(datetime.now(UTC))
        return list(self._faults)

    def remove(self, fault_id: str) -> bool:
        before = len(self._faults)
        self._faults = [f for f in self._faults if f.id != fault_id]
        return len(self._faults) < before

    def clear(self) -> None:
        self._faults.clear()

    def wants_person(self, system: str) -> bool:
        return any(f.person_id is not None and f.system in (system, "all") for f in self._faults)

    def __bool__(self) -> bool:
        return bool(self._faults)

    def take(self, system: str, operation: str, person_id: str | None) -> Fault | None:
        """The fault for this call, counted as one hit; None if no fault applies."""
        now = datetime.now(UTC)
        self._drop_spent(now)
        for fault in self._faults:
            if (
                fault.system in (system, "all")
                and fault.operation in (None, operation)
                and fault.person_id in (None, person_id)
            ):
                fault.hits += 1
                if fault.remaining is not None:
                    fault.remaining -= 1
                return fault
        return None

    def _drop_spent(self, now: datetime) -> None:
        self._faults = [
            f
            for f in self._faults
            if (f.remaining is None or f.remaining > 0) and (f.expires_at is None or f.expires_at > now)
        ]


class TooManyFaults(ProblemError):
    status = 409
    code = "too_many_faults"
    title = "The mock holds as many faults as it allows"


class FaultNotFound(NotFound):
    code = "fault_not_found"
    title = "No fault with that id (it may have run out or expired)"


# ---------------------------------------------------------------- the middleware


class FaultInjectionMiddleware:
    """Applies the registry's faults to upstream calls (``/letasyl``, ``/jobnet``, ``/cpr``); clears them on reset."""

    def __init__(self, app: ASGIApp, registry: FaultRegistry, routes: list[BaseRoute]) -> None:
        """``routes``: the upstream routes (of the routers the app includes), to name the operation of a call."""
        self.app = app
        self.registry = registry
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path == _RESET and scope["method"] == "POST":
            self.registry.clear()
        if not self.registry:  # no fault set: nothing to look up (every call of a bench, most of a test suite's)
            await self.app(scope, receive, send)
            return
        system = path.split("/")[1] if path.count("/") >= 2 else ""
        if system not in SYSTEMS:
            await self.app(scope, receive, send)
            return
        operation, path_params = self._route(scope)
        body: bytes | None = None
        if self.registry.wants_person(system):
            body = await _read_body(receive)
        person_id = _person(scope, path_params, body)
        fault = self.registry.take(system, operation, person_id)
        if body is not None:
            receive = _replay(body, receive)
        if fault is None:
            await self.app(scope, receive, send)
            return
        # The journal names a call by the route that ran; an injected answer may run none, so name it here (and
        # the person where known), so that a faulted call can be counted and verified like any other.
        route = self._matched(scope)
        if route is not None:
            scope.setdefault("route", route)
        if person_id is not None:
            scope.setdefault("state", {}).setdefault("person_id", person_id)
        await _delay(fault)
        await _INJECT[fault.kind](fault, self.app, scope, receive, send)

    def _matched(self, scope: Scope) -> BaseRoute | None:
        return next((route for route in self.routes if route.matches(scope)[0] is Match.FULL), None)

    def _route(self, scope: Scope) -> tuple[str, dict[str, Any]]:
        for route in self.routes:
            match, child = route.matches(scope)
            if match is Match.FULL:
                return str(getattr(route, "name", "unknown")), dict(child.get("path_params", {}))
        return "unknown", {}


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Receive) -> Receive:
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay


def _person(scope: Scope, path_params: dict[str, Any], body: bytes | None) -> str | None:
    """Whom the call is about: from the path where it names the person, else from the body (CPR or person-ID)."""
    state = scope["app"].state.mock
    if "person_id" in path_params:
        return str(path_params["person_id"])
    if "request_id" in path_params:
        request = state.pdf_requests.get(str(path_params["request_id"]))
        return str(request.person_id) if request is not None else None
    if "cv_number" in path_params:
        cpr = next((c for c, n in state.jobnet_profiles.items() if str(n) == str(path_params["cv_number"])), None)
        persona = state.by_cpr(cpr) if cpr else None
        return persona.person.person_id if persona else None
    if not body:
        return None
    try:
        document = json.loads(body)
    except ValueError:
        return None
    if not isinstance(document, dict):
        return None
    if isinstance(document.get("person_id"), str):
        return str(document["person_id"])
    if isinstance(document.get("cpr"), str):
        persona = state.by_cpr(document["cpr"])
        return persona.person.person_id if persona else None
    return None


async def _delay(fault: Fault) -> None:
    low = fault.delay_ms
    high = fault.delay_max_ms if fault.delay_max_ms is not None else low
    milliseconds = random.uniform(low, high) if high > low else low  # noqa: S311 - latency, not security
    if milliseconds:
        await asyncio.sleep(milliseconds / 1000)


async def _pass(fault: Fault, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    await app(scope, receive, send)


async def _status(fault: Fault, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    problem = {
        "type": PROBLEM_TYPE_BASE + "injected_fault",
        "title": "Injected fault (mock)",
        "status": fault.status,
        "code": "injected_fault",
        "detail": f"Fault {fault.id} set through {ADMIN_PREFIX}/faults.",
    }
    headers = [(b"content-type", PROBLEM_MEDIA_TYPE.encode())]
    if fault.retry_after_seconds is not None:
        headers.append((b"retry-after", str(fault.retry_after_seconds).encode()))
    await _send_whole(send, fault.status, headers, json.dumps(problem).encode())


async def _reset(fault: Fault, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    # Behind uvicorn, an exception after the status line closes the connection short of the promised body. In
    # process (httpx's ASGITransport) the exception reaches the client as is: the transport error it would see.
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"1000")]})
    raise httpx.ReadError("connection reset (fault injected by the mock)")


async def _hang(fault: Fault, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    deadline = time.monotonic() + fault.hang_seconds
    try:
        async with asyncio.timeout(fault.hang_seconds):
            while time.monotonic() < deadline:
                message = await receive()  # returns http.disconnect once the client gives up
                if message["type"] == "http.disconnect":
                    return
    except TimeoutError:
        pass
    await _send_whole(send, 504, [(b"content-type", b"text/plain")], b"hung (fault injected by the mock)")


async def _rewrite(fault: Fault, app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Run the real route, then spoil its answer as the fault's kind says."""
    start: Message = {}
    chunks: list[bytes] = []

    async def capture(message: Message) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await app(scope, receive, capture)
    body = b"".join(chunks)
    headers = [(k, v) for k, v in start.get("headers", []) if k.lower() not in (b"content-length", b"content-type")]
    content_type = dict(start.get("headers", [])).get(b"content-type", b"application/json")
    status_code = int(start.get("status", 200))
    if fault.kind is FaultKind.MALFORMED_JSON:
        await _send_whole(send, status_code, [*headers, (b"content-type", content_type)], b'{"truncated": [1, 2,')
    elif fault.kind is FaultKind.WRONG_CONTENT_TYPE:
        page = b"<!doctype html><html><body><h1>Please sign in</h1></body></html>"
        await _send_whole(send, 200, [*headers, (b"content-type", b"text/html; charset=utf-8")], page)
    elif fault.kind is FaultKind.BAD_CHECKSUM:
        spoiled = body[:-1] + bytes([(body[-1] + 1) % 256]) if body else b"x"
        await _send_whole(send, status_code, [*headers, (b"content-type", content_type)], spoiled)
    else:  # truncated: promise the whole length, send half
        promised = [*headers, (b"content-type", content_type), (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status_code, "headers": promised})
        await send({"type": "http.response.body", "body": body[: len(body) // 2], "more_body": False})


async def _send_whole(send: Send, status_code: int, headers: list[tuple[bytes, bytes]], body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status_code, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


_INJECT: dict[FaultKind, Callable[[Fault, ASGIApp, Scope, Receive, Send], Awaitable[None]]] = {
    FaultKind.STATUS: _status,
    FaultKind.DELAY: _pass,
    FaultKind.RESET: _reset,
    FaultKind.HANG: _hang,
    FaultKind.MALFORMED_JSON: _rewrite,
    FaultKind.TRUNCATED_BODY: _rewrite,
    FaultKind.WRONG_CONTENT_TYPE: _rewrite,
    FaultKind.BAD_CHECKSUM: _rewrite,
}


# ---------------------------------------------------------------- the admin API

router = APIRouter(prefix=ADMIN_PREFIX + "/faults", tags=["Admin (mock only)"])


def registry_of(request: Request) -> FaultRegistry:
    registry: FaultRegistry = request.app.state.faults
    return registry


@router.post(
    "",
    response_model=Fault,
    status_code=status.HTTP_201_CREATED,
    name="admin.add_fault",
    responses=responses_for(TooManyFaults),
)
async def add_fault(spec: FaultCreate, request: Request) -> Fault:
    """Inject a fault or latency into upstream calls: for a system (or `all`), optionally one operation (route
    name, see this document's operation ids with dots) and one person; for the next `times` calls, for
    `for_seconds`, or until cleared. The first fault set that matches a call applies."""
    return registry_of(request).add(spec)


@router.get("", response_model=list[Fault], name="admin.list_faults")
async def list_faults(request: Request) -> list[Fault]:
    """The faults in force, with their hits and what is left of them."""
    return registry_of(request).list()


@router.delete("", status_code=status.HTTP_204_NO_CONTENT, name="admin.clear_faults")
async def clear_faults(request: Request) -> Response:
    """Clear every fault (``POST /admin/reset`` does too)."""
    registry_of(request).clear()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.delete(
    "/{fault_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    name="admin.remove_fault",
    responses=responses_for(FaultNotFound),
)
async def remove_fault(fault_id: Annotated[str, Path(max_length=40)], request: Request) -> Response:
    if not registry_of(request).remove(fault_id):
        raise FaultNotFound()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
