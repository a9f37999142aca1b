"""The correlation ID: one per request, in every log line, every problem response and every upstream call."""

from __future__ import annotations

import json
import logging
import random
import re
from collections.abc import Callable
from contextvars import ContextVar, Token

from starlette.applications import Starlette
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HEADER = "X-Correlation-ID"
_HEADER_KEY = HEADER.lower().encode()
_VALID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
_CPR_LIKE = re.compile(r"\d{6}-?\d{4}")
"""A caller's id that looks like it holds a CPR number is replaced: the id goes into every log line."""
log = logging.getLogger(__name__)
_current: ContextVar[str | None] = ContextVar("correlation_id", default=None)


def current() -> str | None:
    return _current.get()


def chosen_for(scope: Scope) -> str:
    """The caller's X-Correlation-ID when it is well-formed (never echo arbitrary input), else a new one."""
    supplied = next((value for name, value in scope["headers"] if name == _HEADER_KEY), b"").decode("latin-1")
    acceptable = _VALID.match(supplied) and not _CPR_LIKE.search(supplied)
    return supplied if acceptable else new_id()


def new_id() -> str:
    """32 random hex digits, as a UUID4's: an id to find a request's lines by, not a secret, so from the process's
    pseudo-random generator (a UUID4 reads the system's random source on every request: ~2 % of a cached read's
    time, issue 14)."""
    return f"{random.getrandbits(128):032x}"


def bind(correlation_id: str) -> Token[str | None]:
    """Make ``correlation_id`` the current request's (``unbind`` with the token when the request is done)."""
    return _current.set(correlation_id)


def unbind(token: Token[str | None]) -> None:
    _current.reset(token)


def response_header(correlation_id: str) -> tuple[bytes, bytes]:
    return (_HEADER_KEY, correlation_id.encode())


class CorrelationIdMiddleware:
    """Takes the caller's X-Correlation-ID when it is well-formed (never echo arbitrary input), else makes one.

    It must wrap the whole application, Starlette's ``ServerErrorMiddleware`` included (see ``outermost``): that
    is where an unexpected exception becomes the 500 problem, and the problem needs the correlation ID in its body
    and header like every other response. ``ServerErrorMiddleware`` re-raises after answering; once the 500 has been
    sent in full, the exception stops here, so the server keeps the keep-alive connection open (uvicorn closes it
    for any exception that reaches it). The exception is logged, with its traceback, by the problem handler.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = chosen_for(scope)
        token = bind(correlation_id)
        try:
            await answer_with_id(self.app, scope, receive, send, correlation_id)
        finally:
            unbind(token)


async def answer_with_id(
    app: ASGIApp,
    scope: Scope,
    receive: Receive,
    send: Send,
    correlation_id: str,
    on_start: Callable[[Message], None] | None = None,
) -> None:
    """Run ``app`` for one request: its response's start carries the correlation header (and whatever ``on_start``
    adds to the message), and an exception that nothing inside answered becomes the last resort's 500 problem.

    An exception after the response was sent in full stops here (it was answered and logged: the connection stays
    usable); one after half a response is re-raised (only closing the connection tells the client)."""
    started = complete = False

    async def send_with_header(message: Message) -> None:
        nonlocal started, complete
        if message["type"] == "http.response.start":
            started = True
            message.setdefault("headers", []).append(response_header(correlation_id))
            if on_start is not None:
                on_start(message)
        elif message["type"] == "http.response.body" and not message.get("more_body", False):
            complete = True
        await send(message)

    try:
        await app(scope, receive, send_with_header)
    except Exception:
        if complete:
            return
        if started:
            raise
        log.exception("unhandled exception outside the application's error handling")
        await send_internal_error(send_with_header, correlation_id)


async def send_internal_error(send: Send, correlation_id: str) -> None:
    """The last resort's 500 problem, for an exception nothing inside answered."""
    body = json.dumps(
        {
            "type": "https://dfdg-broker.example/problems/internal_error",
            "title": "Internal error",
            "status": 500,
            "code": "internal_error",
            "correlation_id": correlation_id,
        }
    ).encode()
    headers = [(b"content-type", b"application/problem+json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 500, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def outermost(app: Starlette, *middlewares: Callable[[ASGIApp], ASGIApp]) -> None:
    """Wrap ``app``'s whole middleware stack (ServerErrorMiddleware included) in ``middlewares``, the first
    outermost. Starlette's ``add_middleware`` can only place a middleware inside ServerErrorMiddleware."""
    build = app.build_middleware_stack

    def build_middleware_stack() -> ASGIApp:
        stack = build()
        for middleware in reversed(middlewares):
            stack = middleware(stack)
        return stack

    app.build_middleware_stack = build_middleware_stack  # type: ignore[method-assign]


class CorrelationIdFilter(logging.Filter):
    """Adds ``correlation_id`` to every log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation_id = current() or "-"
        return True
