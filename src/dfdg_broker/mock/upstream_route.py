"""The upstream routes' request handling, lean where it can be (issue 14): the mock runs beside the broker, so each
microsecond it spends per call is the broker's. A live read makes one call here, a create nine.

FastAPI solves a route's dependencies, validates its body and serialises its answer through general machinery,
opens two exit stacks and wraps the route in an exception handler of its own per request; that cost the mock most
of its CPU per call. ``UpstreamRoute`` (the LetAsyl, Jobnet and CPR routers' route class) gives a route an ASGI app
(``ShortPath``) that takes the ordinary call itself and leaves everything else to FastAPI's app for the route:

- the body is ``application/json`` in one piece, parses, and (strict mode) passes ``contract_mode.check_body``, the
  very check the ``check_contract`` dependency makes (a problem it finds is raised as the dependency would raise
  it, and answered by the same exception handler);
- the body validates to the route's body model;
- then the endpoint runs with the validated body, the path parameters (strings) and the request, and its
  ``Response`` is sent (the hot endpoints serve bytes built once per persona and state, ``MockState.answer``).

Anything else (another content type, a body in parts, one that is not JSON or does not validate, dependency
overrides) goes the whole FastAPI way with the request as it came, which answers it exactly as before: the 400 and
422 problems come from there. A route qualifies only if its endpoint takes nothing but that (no dependencies other
than ``check_contract``, no query, header or cookie parameters, plain string path parameters, no body size limit of
its own) and is declared to return a ``Response``; any other route of these routers is FastAPI's alone. The
routers are added to the app flat (``route_table.include_flat``) and without dependencies of their own.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, get_type_hints

from fastapi import Request, Response
from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dfdg_broker.mock.contract_mode import check_body, check_contract

JSON = b"application/json"


@dataclass(frozen=True, slots=True)
class _Plan:
    """What the short path needs to call the endpoint, worked out once per route."""

    call: Callable[..., Coroutine[Any, Any, Response]]
    path_params: tuple[tuple[str, str], ...]  # (parameter name, name in the path)
    body_name: str
    body: TypeAdapter[Any] | None
    body_annotation: Any
    checked: bool  # strict contract mode applies (the route has the check_contract dependency)
    request_name: str | None


def _plan(route: APIRoute) -> _Plan | None:
    """How to take the short path for ``route``, or None if it cannot be taken without changing what it does."""
    d = route.dependant
    call = d.call
    if call is None or not inspect.iscoroutinefunction(call):
        return None
    if any(sub.call is not check_contract for sub in d.dependencies):
        return None
    if d.query_params or d.header_params or d.cookie_params or len(d.body_params) > 1:
        return None
    if any(
        name is not None
        for name in (
            d.websocket_param_name,
            d.http_connection_param_name,
            d.response_param_name,
            d.background_tasks_param_name,
            d.security_scopes_param_name,
        )
    ):
        return None
    if any(p.field_info.annotation is not str or p.field_info.metadata for p in d.path_params):
        return None
    if route.max_body_size is not None:
        return None
    returns = get_type_hints(call).get("return")
    if not (inspect.isclass(returns) and issubclass(returns, Response)):
        return None
    body_annotation: Any = None
    if d.body_params:
        if route.body_field is None or route._embed_body_fields:
            return None
        body_annotation = route.body_field.field_info.annotation
    return _Plan(
        call=call,
        path_params=tuple((p.name, p.alias) for p in d.path_params),
        body_name=d.body_params[0].name if d.body_params else "",
        body=TypeAdapter(body_annotation) if d.body_params else None,
        body_annotation=body_annotation,
        checked=bool(d.dependencies),
        request_name=d.request_param_name,
    )


class UpstreamRoute(APIRoute):
    """An upstream route with a short path for the ordinary call (see the module's docstring)."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        super().__init__(path, endpoint, **kwargs)
        plan = _plan(self)
        if plan is not None:
            self.app = ShortPath(plan, self.app, self)


class ShortPath:
    """The route's ASGI app: the ordinary call handled here, anything else by ``full`` (FastAPI's app for the
    route), which is handed the request exactly as it came (a body read here is replayed to it).

    The endpoint's exceptions go on to the application's exception handlers (Starlette's ``ExceptionMiddleware``),
    the same handlers FastAPI's per-route wrapper looks up: the problem answers are the same. Only for routes that
    are the app's own (``route_table.include_flat``): under an included router FastAPI runs its own app instead."""

    __slots__ = ("full", "plan", "route")

    def __init__(self, plan: _Plan, full: ASGIApp, route: APIRoute) -> None:
        self.plan, self.full, self.route = plan, full, route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        plan = self.plan
        app = scope["app"]
        if app.dependency_overrides:
            await self.full(scope, receive, send)
            return
        values: dict[str, Any] = {}
        if plan.body is not None:
            if _content_type(scope) != JSON:
                await self.full(scope, receive, send)
                return
            message = await receive()
            receive = _replay(message, receive)
            if message["type"] != "http.request" or message.get("more_body", False):
                await self.full(scope, receive, send)  # a body in parts, or none: FastAPI reads it
                return
            content = message.get("body", b"")
            try:
                raw = json.loads(content) if content else _NOT_JSON
            except ValueError:
                raw = _NOT_JSON
            if raw is _NOT_JSON:  # FastAPI's (or, strict, the contract check's) answer for it
                await self.full(scope, receive, send)
                return
            if plan.checked and app.state.mock.strict_contract:
                values[plan.body_name] = check_body(raw, plan.body_annotation)  # the body model, validated
            else:
                try:
                    values[plan.body_name] = plan.body.validate_python(raw)
                except ValidationError:
                    await self.full(scope, receive, send)
                    return
        if plan.path_params:
            path_params = scope["path_params"]
            for name, alias in plan.path_params:
                values[name] = path_params[alias]
        if plan.request_name is not None:
            values[plan.request_name] = Request(scope, receive, send)
        response = await plan.call(**values)
        await response(scope, receive, send)


_NOT_JSON = object()


def _replay(message: Message, receive: Receive) -> Receive:
    """``receive``, with ``message`` (already taken from it) given first."""
    pending: Message | None = message

    async def replay() -> Message:
        nonlocal pending
        if pending is not None:
            taken, pending = pending, None
            return taken
        return await receive()

    return replay


def _content_type(scope: Any) -> bytes | None:
    """The request's Content-Type as sent (the first, as Starlette's ``headers.get``), without building a
    ``Headers`` mapping for it."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            return value  # type: ignore[no-any-return]
    return None
