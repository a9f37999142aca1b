"""The upstream routes' request handling, lean where it can be (issue 14): the mock runs beside the broker, so each
microsecond it spends per call is the broker's. A live read makes one call here, a create nine.

FastAPI solves a route's dependencies, validates its body and serialises its answer through general machinery that
cost the mock most of its CPU per call. ``UpstreamRoute`` (the LetAsyl, Jobnet and CPR routers' route class) keeps
that machinery for everything unusual and takes a short path for the ordinary call, with the same outcome:

- the body is ``application/json``, parses, and (strict mode) passes ``contract_mode.check_body``, the very check
  the ``check_contract`` dependency makes (a problem it finds is raised as the dependency would raise it);
- the body validates to the route's body model;
- then the endpoint runs with the validated body, the path parameters (strings) and the request, and answers a
  ``Response`` (the hot endpoints serve bytes built once per persona and state, ``MockState.answer``).

Anything else (another content type, a body that is not JSON or does not validate, dependency overrides) goes the
whole FastAPI way, which answers it exactly as before: the 400 and 422 problems come from there. A route qualifies
only if its endpoint takes nothing but that (no dependencies other than ``check_contract``, no query, header or
cookie parameters, string path parameters) and is declared to return a ``Response``; any other route of these
routers is handled by FastAPI alone. The routers are included without dependencies of their own (``create_mock_app``).
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

from dfdg_broker.mock.contract_mode import check_body, check_contract

Handler = Callable[[Request], Coroutine[Any, Any, Response]]
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
    if any(p.field_info.annotation is not str for p in d.path_params):
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

    def get_route_handler(self) -> Handler:
        full = super().get_route_handler()
        plan = _plan(self)
        if plan is None:
            return full
        return _short_path(plan, full)


def _short_path(plan: _Plan, full: Handler) -> Handler:
    async def handle(request: Request) -> Response:
        if request.app.dependency_overrides:
            return await full(request)
        path_params = request.path_params
        values: dict[str, Any] = {name: path_params[alias] for name, alias in plan.path_params}
        if plan.body is not None:
            if _content_type(request.scope) != JSON:
                return await full(request)
            try:
                content = await request.body()
            except Exception:  # the body could not be read: FastAPI's answer for that
                return await full(request)
            if not content:
                return await full(request)
            try:
                raw = json.loads(content)
            except ValueError:
                return await full(request)
            if plan.checked and request.app.state.mock.strict_contract:
                values[plan.body_name] = check_body(raw, plan.body_annotation)  # the body model, validated
            else:
                try:
                    values[plan.body_name] = plan.body.validate_python(raw)
                except ValidationError:
                    return await full(request)
        if plan.request_name is not None:
            values[plan.request_name] = request
        return await plan.call(**values)

    return handle


def _content_type(scope: Any) -> bytes | None:
    """The request's Content-Type as sent (the first, as Starlette's ``headers.get``), without building a
    ``Headers`` mapping for it."""
    for name, value in scope["headers"]:
        if name == b"content-type":
            return value  # type: ignore[no-any-return]
    return None
