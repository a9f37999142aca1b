"""Logging: JSON lines in production, readable text in development; the correlation ID on every line.

Request lines (logger ``dfdg_broker.access``) carry the method, the route template (never the raw path or query),
the status, the duration and, when known, the calling municipality, the token's subject and the case id. A CPR
number never reaches a log line: loggers that would print URLs or SQL parameters are quietened, and nothing here
logs a body. A traceback is one field (``exc_info``) of one JSON line, not many lines.
"""

from __future__ import annotations

import logging
import re
import sys
from contextvars import ContextVar, Token
from typing import Any, Literal

from pythonjsonlogger.json import JsonFormatter
from starlette.types import Scope

from dfdg_broker.correlation import CorrelationIdFilter

LogFormat = Literal["json", "text"]

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"
JSON_FIELDS = "%(asctime)s %(levelname)s %(name)s %(process)d %(message)s %(correlation_id)s"
"""``process``: which worker wrote the line when uvicorn runs several (``DFDG_WORKERS``)."""
REQUEST_FIELDS = ("method", "route", "status", "duration_ms", "municipality", "subject", "case_id")
"""The fields of a request line. ``municipality`` and ``subject`` come from the bearer token, ``case_id`` from the
path; none of them is personal data of the citizen."""

_CASE_ID = re.compile(r"^cg_[A-Za-z0-9_-]{8,40}$")
access_log = logging.getLogger("dfdg_broker.access")
_request_fields: ContextVar[dict[str, str] | None] = ContextVar("request_fields", default=None)


def annotate_request(**fields: str) -> None:
    """Add fields to the current request's log line (e.g. the caller, once the token is verified)."""
    current = _request_fields.get()
    if current is not None:
        current.update(fields)


class TextFormatter(logging.Formatter):
    """The readable development format, with a request line's fields appended as ``key=value``."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extras = [f"{name}={getattr(record, name)}" for name in _EXTRA_TEXT_FIELDS if hasattr(record, name)]
        return line + (" " + " ".join(extras) if extras else "")


_EXTRA_TEXT_FIELDS = ("municipality", "subject", "case_id")


def json_formatter() -> logging.Formatter:
    return JsonFormatter(
        JSON_FIELDS,
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        datefmt="%Y-%m-%dT%H:%M:%S%z",
    )


def make_handler(log_format: LogFormat, stream: Any = None) -> logging.Handler:
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(json_formatter() if log_format == "json" else TextFormatter())
    handler.addFilter(CorrelationIdFilter())
    return handler


def configure_logging(level: str = "INFO", log_format: LogFormat = "text") -> None:
    root = logging.getLogger()
    root.handlers[:] = [make_handler(log_format)]
    root.setLevel(level)
    silence_personal_data_loggers()


PERSONAL_DATA_LOGGERS = ("aiosqlite", "sqlalchemy.engine", "httpx", "httpcore", "uvicorn.access")
"""aiosqlite logs SQL parameters (CPR numbers) at DEBUG, SQLAlchemy's echo does the same, httpx logs request URLs
at INFO, uvicorn's access log prints raw paths and query strings."""


def silence_personal_data_loggers() -> None:
    """Whatever the process's log level, these loggers say nothing below WARNING (create_app calls this)."""
    for name in PERSONAL_DATA_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def begin_request_line() -> tuple[dict[str, str], Token[dict[str, str] | None]]:
    """The fields of the request line starting now (``annotate_request`` adds to them); ``log_request`` ends it."""
    fields: dict[str, str] = {}
    return fields, _request_fields.set(fields)


def log_request(
    scope: Scope, status: int, duration_ms: float, fields: dict[str, str], token: Token[dict[str, str] | None]
) -> None:
    """One line per request (``edge.EdgeMiddleware`` writes it): enough to operate the service, nothing that
    identifies a citizen."""
    _request_fields.reset(token)
    if not access_log.isEnabledFor(logging.INFO):  # (DFDG_LOG_LEVEL=WARNING) the line's fields are not even built
        return
    route = getattr(scope.get("route"), "path", "<unmatched>")
    case_id = (scope.get("path_params") or {}).get("case_id")
    if isinstance(case_id, str) and _CASE_ID.match(case_id):  # whatever else a caller typed stays out
        fields["case_id"] = case_id
    access_log.info(
        "%s %s %d %.1fms",
        scope["method"],
        route,
        status,
        duration_ms,
        extra={"method": scope["method"], "route": route, "status": status, "duration_ms": duration_ms} | fields,
    )
