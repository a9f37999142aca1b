"""Renders every error as RFC 9457 problem details. Installed on the broker and on the mock upstream alike.

Validation errors never echo the caller's ``input`` (it may hold a CPR number); unexpected errors never show a
stack trace, only the correlation ID to quote to support.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from dfdg_broker import correlation
from dfdg_broker.domain.errors import RuleViolation
from dfdg_broker.errors import (
    PROBLEM_MEDIA_TYPE,
    PROBLEM_SCHEMA_REF,
    PROBLEM_TYPE_BASE,
    InternalError,
    InvalidParam,
    Problem,
    ProblemError,
    RequestInvalid,
    StoredDataUnreadable,
)
from dfdg_broker.protection import UnreadableValue

log = logging.getLogger(__name__)

_HTTP_CODES = {
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    415: "unsupported_media_type",
}


def problem_response(problem: Problem, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        problem.model_dump(exclude_none=True, mode="json"),
        status_code=problem.status,
        media_type=PROBLEM_MEDIA_TYPE,
        headers=headers,
    )


def install_problem_handlers(app: FastAPI, *, field_rules: dict[str, str] | None = None) -> None:
    """``field_rules`` maps a request field name to the rule ID a schema failure on it breaks (e.g. C4)."""
    rules = field_rules or {}

    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ProblemError)
        problem = exc.to_problem(instance=request.url.path, correlation_id=correlation.current())
        return problem_response(problem, exc.headers)

    async def on_rule_violation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RuleViolation)
        problem = Problem(
            type=PROBLEM_TYPE_BASE + exc.code,
            title=f"Rule {exc.rule} is not met",
            status=422,
            detail=exc.message,
            instance=request.url.path,
            code=exc.code,
            rule=exc.rule,
            field=f"body.{exc.field}" if exc.field else None,
            correlation_id=correlation.current(),
            **exc.extra,
        )
        return problem_response(problem)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        params = [_invalid_param(error) for error in exc.errors()]
        first_rule = next((rules[_field_name(p.field)] for p in params if _field_name(p.field) in rules), None)
        problem = RequestInvalid(
            f"{len(params)} field(s) are invalid: " + ", ".join(p.field for p in params),
            field=params[0].field if params else None,
        ).to_problem(instance=request.url.path, correlation_id=correlation.current())
        problem.invalid_params = params
        problem.rule = first_rule
        return problem_response(problem)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        code = _HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
        problem = Problem(
            type=PROBLEM_TYPE_BASE + code,
            title=str(exc.detail) if isinstance(exc.detail, str) else code.replace("_", " ").capitalize(),
            status=exc.status_code,
            instance=request.url.path,
            code=code,
            correlation_id=correlation.current(),
        )
        return problem_response(problem, dict(exc.headers or {}))

    async def on_unreadable(request: Request, exc: Exception) -> JSONResponse:
        # The message names table, column, row and key id, never content: fit for the log, not for the client.
        log.error("%s on %s %s: %s", type(exc).__name__, request.method, _route_of(request), exc)
        problem = StoredDataUnreadable(
            "The operator must restore the key ring (DFDG_DATA_KEYS) or the data; quote the correlation ID."
        ).to_problem(instance=request.url.path, correlation_id=correlation.current())
        return problem_response(problem)

    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled %s on %s %s", type(exc).__name__, request.method, _route_of(request), exc_info=exc)
        problem = InternalError("An unexpected error occurred; quote the correlation ID to support.").to_problem(
            instance=request.url.path, correlation_id=correlation.current()
        )
        return problem_response(problem)

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(RuleViolation, on_rule_violation)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(UnreadableValue, on_unreadable)
    app.add_exception_handler(Exception, on_unexpected)
    _document_errors_as_problems(app)


def _document_errors_as_problems(app: FastAPI) -> None:
    """List every error response in the OpenAPI document as ``application/problem+json`` only.

    FastAPI adds ``application/json`` for every ``model=`` response; the service never sends errors that way, and a
    generated client would otherwise offer both.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = build()
            for path_item in schema.get("paths", {}).values():
                for operation in path_item.values():
                    for status, response in operation.get("responses", {}).items():
                        if status == "default" or status.startswith(("4", "5")):
                            response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_SCHEMA_REF}}}
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def _field_name(path: str) -> str:
    parts = path.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _invalid_param(error: dict[str, Any]) -> InvalidParam:
    """The location and what is wrong, without the submitted value (``input``, ``ctx`` may echo it)."""
    location = ".".join(str(part) for part in error.get("loc", ()))
    return InvalidParam(field=location or "body", code=str(error.get("type", "invalid")), message=_message(error))


def _message(error: dict[str, Any]) -> str:
    # pydantic's own messages describe the expectation, never the submitted value.
    return str(error.get("msg", "Invalid value."))


def _route_of(request: Request) -> str:
    route = request.scope.get("route")
    return getattr(route, "path", "?")
