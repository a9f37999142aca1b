"""Logging: one line per record with the correlation ID. Loggers that would print URLs or SQL parameters with
personal data in them are quietened; the access log names the route template, never the raw path or query."""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dfdg_broker.correlation import CorrelationIdFilter

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(correlation_id)s] %(message)s"
access_log = logging.getLogger("dfdg_broker.access")


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter(FORMAT))
    handler.addFilter(CorrelationIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    silence_personal_data_loggers()


PERSONAL_DATA_LOGGERS = ("aiosqlite", "sqlalchemy.engine", "httpx", "httpcore", "uvicorn.access")
"""aiosqlite logs SQL parameters (CPR numbers) at DEBUG, SQLAlchemy's echo does the same, httpx logs request URLs
at INFO, uvicorn's access log prints raw paths and query strings."""


def silence_personal_data_loggers() -> None:
    """Whatever the process's log level, these loggers say nothing below WARNING (create_app calls this)."""
    for name in PERSONAL_DATA_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


class AccessLogMiddleware:
    """method, route template, status, duration: enough to operate the service, nothing that identifies a person."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def capture_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture_status)
        finally:
            route = scope.get("route")
            access_log.info(
                "%s %s %d %.1fms",
                scope["method"],
                getattr(route, "path", "<unmatched>"),
                status,
                (time.perf_counter() - started) * 1000,
            )
