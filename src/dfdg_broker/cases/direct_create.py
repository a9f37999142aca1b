"""``POST /v1/contact-groups`` run directly, without FastAPI's per-request machinery (issue 14).

The create's dependencies are fixed: its slot (``create_slot``), its access record (``logged_change``: the unit of
work, the writer, ``X-Purpose``) and its body. FastAPI walks the whole tree for it on every create (nine nodes,
four kinds of parameters at each), parses the content type with ``email.message``, decodes the JSON into Python
objects and validates those, and wraps the route in two exit stacks and an exception handler of its own: about a
tenth of a create's CPU after the first wave.

``install_direct_create(app)`` gives the route an ASGI app that does the same steps, in the same order, on the common
request: a JSON body (``Content-Type: application/json``) that ``ContactGroupCreate`` accepts, parsed and validated
from the bytes in one pass (``model_validate_json``, as FastAPI would accept it: a test compares the two over odd
inputs), no ``Idempotency-Key``, an ``X-Purpose`` within the header's maximum, no dependency override (tests):

1. the create's slot (its release pushed first: run last, after the commit);
2. its unit of work (committed or rolled back as the function-scoped stack closes);
3. the caller verified, with ``cases:write`` (401, 403, 429);
4. the purpose checked and the access record (422 ``purpose_invalid``; its rows written when the route ends);
5. the route, then the answer sent once the stack is closed. An exception goes on to the application's exception
   handlers (``ExceptionMiddleware``: the handlers FastAPI's own wrapper looks up), which answer it as before.

Any other request (a body FastAPI refuses, any other content type, a key to claim, ...) is handed, with its body as
received, to FastAPI's own handler: every error answer is FastAPI's. A route whose shape is not the one above is not
touched; the OpenAPI document is built from the route as declared.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from typing import Any

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_typed_return_annotation
from fastapi.routing import APIRoute
from pydantic import ValidationError
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dfdg_broker import app_state
from dfdg_broker.audit.dependencies import (
    CHANGE_ABOUT,
    FUNCTION_EXIT_STACK,
    PURPOSE_HEADER_MAX_LENGTH,
    record_change,
)
from dfdg_broker.audit.direct_reads import KNOWN_DEPENDANT_FIELDS
from dfdg_broker.audit.purpose import HEADER
from dfdg_broker.auth import Scope as AuthScope
from dfdg_broker.cases.dependencies import create_slot
from dfdg_broker.cases.router import create_contact_group
from dfdg_broker.cases.schemas import ContactGroupCreate
from dfdg_broker.db.unit_of_work import UnitOfWork
from dfdg_broker.deps import CallerScheme, caller_with, get_unit_of_work, get_writer
from dfdg_broker.idempotency import HEADER as IDEMPOTENCY_HEADER

_PURPOSE = HEADER.lower().encode("latin-1")
_IDEMPOTENCY_KEY = IDEMPOTENCY_HEADER.lower().encode("latin-1")
_WRITE_SCOPES = [AuthScope.CASES_WRITE]
REQUEST_STACK = "fastapi_inner_astack"
"""Where FastAPI keeps a request's exit stack (``scope="request"`` dependencies), in the ASGI scope."""


def install_direct_create(app: FastAPI) -> bool:
    """Give the create route of ``app`` (its own route: see ``route_table``) the direct path, if it has the shape
    this module does the steps of; whether it did (the test of the hot paths pins it)."""
    for route in app.router.routes:
        if isinstance(route, APIRoute) and route.endpoint is create_contact_group:
            direct = _direct_app(route)
            if direct is None:
                return False
            route.app = direct
            return True
    return False


def _calls(dependant: Dependant) -> list[Any]:
    return [sub.call for sub in dependant.dependencies]


def _direct_app(route: APIRoute) -> ASGIApp | None:
    if {field.name for field in dataclasses.fields(Dependant)} != KNOWN_DEPENDANT_FIELDS:
        return None
    dependant = route.dependant
    if dependant.call is not create_contact_group or route.body_field is None or len(dependant.body_params) != 1:
        return None
    body = dependant.body_params[0]
    if body.field_info.annotation is not ContactGroupCreate or body.alias != body.name:
        return None
    if len(dependant.dependencies) != 2 or dependant.dependencies[0].call is not create_slot:
        return None
    logged = dependant.dependencies[1]
    about = getattr(logged.call, CHANGE_ABOUT, None)
    if about is None or logged.name is None or _calls(logged) != [get_unit_of_work, get_writer]:
        return None
    if [p.alias for p in logged.header_params] != [HEADER] or logged.path_params or logged.query_params:
        return None
    writer = logged.dependencies[1]
    if (
        len(writer.dependencies) != 1
        or not isinstance(writer.dependencies[0].call, CallerScheme)
        or list(writer.dependencies[0].own_oauth_scopes or ()) != _WRITE_SCOPES
        or writer.dependencies[0].parent_oauth_scopes
        or [p.alias for p in writer.header_params] != [IDEMPOTENCY_HEADER]
    ):
        return None
    if (
        dependant.path_params
        or dependant.query_params
        or dependant.header_params
        or dependant.cookie_params
        or dependant.response_param_name
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
        or dependant.http_connection_param_name
        or dependant.websocket_param_name
        or dependant.request_param_name is None
    ):
        return None
    returns = get_typed_return_annotation(create_contact_group)
    if not (isinstance(returns, type) and issubclass(returns, Response)):
        return None
    names = (logged.name, dependant.request_param_name, body.name)
    return _DirectCreate(route.app, create_contact_group, about, names, route).__call__


class _Replay:
    """The request's messages read so far, then the server's: for FastAPI's handler, or a route that reads the
    body again."""

    __slots__ = ("messages", "receive")

    def __init__(self, messages: list[Message], receive: Receive) -> None:
        self.messages, self.receive = messages, receive

    async def __call__(self) -> Message:
        if self.messages:
            return self.messages.pop(0)
        return await self.receive()


class _DirectCreate:
    __slots__ = ("about", "endpoint", "fastapi_app", "names", "route")

    def __init__(
        self,
        fastapi_app: ASGIApp,
        endpoint: Callable[..., Awaitable[Response]],
        about: Any,
        names: tuple[str, str, str],
        route: APIRoute,
    ) -> None:
        self.fastapi_app, self.endpoint, self.about, self.names, self.route = fastapi_app, endpoint, about, names, route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The headers read in one pass over the raw ones (the first of each, as ``Headers.get`` answers).
        authorization = purpose_raw = content_type = None
        keyed = False
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value if authorization is None else authorization
            elif name == _PURPOSE:
                purpose_raw = value if purpose_raw is None else purpose_raw
            elif name == b"content-type":
                content_type = value if content_type is None else content_type
            elif name == _IDEMPOTENCY_KEY:
                keyed = True
        messages: list[Message] = []
        chunks: list[bytes] = []
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        replay = _Replay(messages, receive)
        purpose = None if purpose_raw is None else purpose_raw.decode("latin-1")
        overrides = self.route.dependency_overrides_provider
        create = None
        if (
            not keyed
            and content_type == b"application/json"
            and messages[-1]["type"] == "http.request"
            and (purpose is None or len(purpose) <= PURPOSE_HEADER_MAX_LENGTH)
            and not (overrides is not None and getattr(overrides, "dependency_overrides", None))
        ):
            try:
                create = ContactGroupCreate.model_validate_json(b"".join(chunks))
            except ValidationError:
                create = None  # FastAPI's own answer (422, the errors as it words them)
        if create is None:
            await self.fastapi_app(scope, replay, send)
            return
        request = Request(scope, replay, send)
        access_name, request_name, body_name = self.names
        response: Response | None = None
        async with AsyncExitStack() as request_stack:
            scope[REQUEST_STACK] = request_stack  # unused on this path; set as FastAPI sets it, for parity
            async with AsyncExitStack() as function_stack:
                scope[FUNCTION_EXIT_STACK] = function_stack
                await create_slot(request)
                uow = await function_stack.enter_async_context(UnitOfWork.scope(app_state.SESSIONS.of(request)))
                caller = await caller_with(
                    request, _WRITE_SCOPES, None if authorization is None else authorization.decode("latin-1")
                )
                access = record_change(request, caller, purpose, self.about, uow)
                response = await self.endpoint(**{access_name: access, request_name: request, body_name: create})
            if response is None:  # as FastAPI's own guard: an exit swallowed the route's exception
                raise RuntimeError("the create route ended without an answer and without an exception")
            await response(scope, receive, send)
