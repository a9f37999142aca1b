"""Access-logged reads run directly, without FastAPI's per-request machinery (issue 14).

A read whose only dependency is its access record (``access_logged(...)``: the caller, the purpose, the rows) and
whose other parameters are the request and plain ``str`` path parameters needs nothing FastAPI solves per request
but that one dependency. Yet FastAPI walks the whole dependency tree for it (the path parameter, the header, four
kinds of parameters at each of the two levels, a sub-response, a cache of results), opens two exit stacks, and
wraps the route in an exception handler of its own: on the cached frozen read, about half of the request's CPU.

``install_direct_reads(app)`` gives each such route an ASGI app that does the same steps itself, in the same order:

1. the caller verified and counted against the rate limit, the purpose checked (``_LoggedRead.begin``; 401, 403,
   429, 422 ``purpose_invalid``: the route does not run, no row is written);
2. the route runs, with the access record, the request and the path parameters;
3. its rows are committed through the group-commit writer before anything is sent (503 ``access_log_unavailable``
   instead of the data if they are not); a route that failed writes its rows with the outcome, then its exception
   goes on to the application's exception handlers (``ExceptionMiddleware``, the same handlers FastAPI's wrapper
   looks up), which answer it as before.

What this path does not take on, it leaves to FastAPI's own handler, per request: an ``X-Purpose`` longer than the
header's declared maximum (FastAPI's validation error, 422), and any dependency override (tests). A route whose
shape is anything else is not touched at all; the OpenAPI documents are built from the routes as declared.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_typed_return_annotation
from fastapi.routing import APIRoute
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from dfdg_broker.audit.dependencies import PURPOSE_HEADER_MAX_LENGTH, _LoggedRead
from dfdg_broker.audit.purpose import HEADER

_PURPOSE = HEADER.lower().encode("latin-1")

CHECKED_AGAINST = "0.165"
"""The FastAPI release whose request handling (``fastapi.routing.request_response``, ``get_request_handler``,
``solve_dependencies``) this module does for its routes; a test fails on another one, to have it read again."""

KNOWN_DEPENDANT_FIELDS = frozenset(
    {
        "background_tasks_param_name",
        "body_params",
        "call",
        "concurrency",
        "cookie_params",
        "dependencies",
        "header_params",
        "http_connection_param_name",
        "name",
        "own_oauth_scopes",
        "parent_oauth_scopes",
        "path",
        "path_params",
        "query_params",
        "request_param_name",
        "response_param_name",
        "scope",
        "security_scopes_param_name",
        "use_cache",
        "websocket_param_name",
    }
)
"""What FastAPI's ``Dependant`` can say about a route, as ``_direct_app`` checks it. One more field (a new kind of
parameter FastAPI would solve) and no route is run directly: the slow path, never a parameter left unsolved (and
the test that pins the direct routes fails, loudly)."""


def install_direct_reads(app: FastAPI) -> list[str]:
    """Give every eligible route of ``app`` (its own routes: see ``route_table``) the direct path; returns their
    names (the test of the hot paths pins them)."""
    installed = []
    for route in app.router.routes:
        if isinstance(route, APIRoute) and (direct := _direct_app(route)) is not None:
            route.app = direct
            installed.append(route.name)
    return installed


def _plain_str(dependant: Dependant) -> list[str] | None:
    """The path parameters' names, if each is a plain ``str`` (nothing to validate)."""
    names = []
    for param in dependant.path_params:
        if param.field_info.annotation is not str or param.field_info.metadata or param.alias != param.name:
            return None
        names.append(param.name)
    return names


def _direct_app(route: APIRoute) -> ASGIApp | None:
    if {field.name for field in dataclasses.fields(Dependant)} != KNOWN_DEPENDANT_FIELDS:
        return None
    dependant = route.dependant
    endpoint = dependant.call
    if endpoint is None or len(dependant.dependencies) != 1 or route.dependencies or route.body_field is not None:
        return None
    logged = dependant.dependencies[0]
    read = logged.call
    if not isinstance(read, _LoggedRead) or logged.name is None or logged.dependencies or logged.concurrency:
        return None
    if (
        dependant.query_params
        or dependant.header_params
        or dependant.cookie_params
        or dependant.body_params
        or dependant.response_param_name
        or dependant.background_tasks_param_name
        or dependant.security_scopes_param_name
        or dependant.http_connection_param_name
        or dependant.websocket_param_name
    ):
        return None
    path_names = _plain_str(dependant)
    if path_names is None or [p.alias for p in logged.header_params] != [HEADER] or logged.path_params:
        return None
    returns = get_typed_return_annotation(endpoint)
    if not (isinstance(returns, type) and issubclass(returns, Response)):
        return None
    scopes = tuple(logged.parent_oauth_scopes or ()) + tuple(
        s for s in logged.own_oauth_scopes or () if s not in (logged.parent_oauth_scopes or ())
    )
    return _DirectRead(
        route.app, endpoint, read, scopes, logged.name, dependant.request_param_name, path_names, route
    ).__call__


class _DirectRead:
    __slots__ = ("endpoint", "fastapi_app", "path_names", "read", "record_name", "request_name", "route", "scopes")

    def __init__(
        self,
        fastapi_app: ASGIApp,
        endpoint: Callable[..., Awaitable[Any]],
        read: _LoggedRead,
        scopes: tuple[str, ...],
        record_name: str,
        request_name: str | None,
        path_names: list[str],
        route: APIRoute,
    ) -> None:
        self.fastapi_app, self.endpoint, self.read, self.scopes = fastapi_app, endpoint, read, scopes
        self.record_name, self.request_name, self.path_names, self.route = record_name, request_name, path_names, route

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        overrides = self.route.dependency_overrides_provider
        # The two headers read, in one pass over the raw ones (the first of each, as ``Headers.get`` answers): a
        # ``Headers`` look-up of a header that is not there costs a raised and caught KeyError.
        authorization = purpose_raw = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value if authorization is None else authorization
            elif name == _PURPOSE:
                purpose_raw = value if purpose_raw is None else purpose_raw
        purpose = None if purpose_raw is None else purpose_raw.decode("latin-1")
        if (purpose is not None and len(purpose) > PURPOSE_HEADER_MAX_LENGTH) or (
            overrides is not None and getattr(overrides, "dependency_overrides", None)
        ):
            await self.fastapi_app(scope, receive, send)
            return
        request = Request(scope, receive, send)
        logged = await self.read.begin(
            request, self.scopes, purpose, "" if authorization is None else authorization.decode("latin-1")
        )
        values: dict[str, Any] = {self.record_name: logged.record}
        if self.request_name is not None:
            values[self.request_name] = request
        path_params = request.path_params
        for name in self.path_names:
            values[name] = path_params[name]
        try:
            response: Response = await self.endpoint(**values)
        except Exception as exc:
            await logged.failed(exc)
            raise
        await logged.succeeded()
        await response(scope, receive, send)
