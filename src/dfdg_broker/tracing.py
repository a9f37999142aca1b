"""Optional OpenTelemetry tracing: off unless ``DFDG_OTEL_ENDPOINT`` names an OTLP/HTTP collector.

One trace per request: a server span named after the route template (``GET /v1/contact-groups/{case_id}``), a
client span per upstream call (``letasyl.lookup_person``; the W3C ``traceparent`` goes along, so an upstream that
traces joins the trace) and a span per SQL statement (the engine's, and a write batch's on ``db.driver``). A
``traceparent`` the caller sends is continued.

Written against the OpenTelemetry API and SDK alone (the FastAPI, httpx and SQLAlchemy instrumentation packages
would record raw URLs, which may hold a CPR number typed into a path by mistake): span names and attributes come
from fixed vocabularies (route templates, system and operation names, SQL text with its parameters left out), as
the metrics' labels do. The request's correlation ID is an attribute of its server span, to find the log lines.

The tracer travels with the request in a context variable, so the upstream clients and the database events (which
know no app) find it, and an app built without tracing pays one context-variable read per call.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from opentelemetry import propagate
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import Span, SpanKind, StatusCode, Tracer
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dfdg_broker import __version__, correlation

_tracer: ContextVar[Tracer | None] = ContextVar("tracer", default=None)
_SPAN_KEY = "dfdg_span"


def provider_for(endpoint: str, service_name: str) -> TracerProvider:
    """A provider exporting in batches to the OTLP/HTTP endpoint (e.g. ``http://collector:4318/v1/traces``)."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    provider = TracerProvider(resource=Resource.create({"service.name": service_name, "service.version": __version__}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    return provider


class TracingMiddleware:
    """The server span of each HTTP request; sets the request's tracer for the spans below it."""

    def __init__(self, app: ASGIApp, *, provider: TracerProvider) -> None:
        self.app = app
        self._tracer = provider.get_tracer("dfdg_broker", __version__)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        carrier = {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}
        method = scope["method"]
        status = 500

        async def capture_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        token = _tracer.set(self._tracer)
        try:
            with self._tracer.start_as_current_span(
                method,
                context=propagate.extract(carrier),
                kind=SpanKind.SERVER,
                record_exception=False,  # an exception's message may quote input; the status says 500
                set_status_on_exception=False,
            ) as span:
                try:
                    await self.app(scope, receive, capture_status)
                finally:
                    route = getattr(scope.get("route"), "path", None)
                    span.update_name(f"{method} {route}" if route else method)
                    span.set_attribute("http.request.method", method)
                    span.set_attribute("http.response.status_code", status)
                    if route:
                        span.set_attribute("http.route", route)
                    if correlation_id := correlation.current():
                        span.set_attribute("dfdg.correlation_id", correlation_id)
                    if status >= 500:
                        span.set_status(StatusCode.ERROR)
        finally:
            _tracer.reset(token)


def traced() -> bool:
    """Whether the current request is traced (a span per upstream call is made only then)."""
    return _tracer.get() is not None


@contextmanager
def upstream_span(system: str, operation: str) -> Iterator[Span | None]:
    """A client span around one upstream call (retries included), when the request is traced."""
    tracer = _tracer.get()
    if tracer is None:
        yield None
        return
    with tracer.start_as_current_span(
        operation, kind=SpanKind.CLIENT, record_exception=False, set_status_on_exception=False
    ) as span:
        span.set_attribute("dfdg.upstream.system", system)
        span.set_attribute("dfdg.upstream.operation", operation)
        yield span


def end_upstream_span(span: Span | None, outcome: str) -> None:
    """The call's outcome (as in the metrics: ok, rejected, failed, short_circuited) on its span."""
    if span is not None:
        span.set_attribute("dfdg.upstream.outcome", outcome)
        if outcome in ("failed", "short_circuited"):
            span.set_status(StatusCode.ERROR, outcome)


@contextmanager
def statements_span(system: str, statements: list[str]) -> Iterator[None]:
    """A span per SQL statement run on the driver itself (``db.driver``), as ``trace_statements`` makes for the
    engine's: its text, never its parameters. The statements of a batch run in one round trip on SQLite, so they
    are all open for the whole of it."""
    tracer = _tracer.get()
    if tracer is None:
        yield
        return
    spans = []
    for statement in statements:
        span = tracer.start_span(_operation(statement), kind=SpanKind.CLIENT)
        span.set_attribute("db.system", system)
        span.set_attribute("db.query.text", statement)
        spans.append(span)
    try:
        yield
    except BaseException as exc:
        for span in spans:
            span.set_status(StatusCode.ERROR, type(exc).__name__)
        raise
    finally:
        for span in spans:
            span.end()


def _operation(statement: str) -> str:
    return statement.lstrip().split(None, 1)[0].upper() if statement.strip() else "SQL"


def inject_trace_context(headers: MutableMapping[str, str]) -> None:
    """Adds ``traceparent`` (and ``tracestate``) of the current span to an outgoing request, when traced."""
    if _tracer.get() is not None:
        propagate.inject(headers)


def trace_statements(engine: AsyncEngine) -> None:
    """A span per SQL statement of a traced request: the statement's text (never its parameters)."""
    sync_engine = engine.sync_engine
    system = sync_engine.dialect.name

    @event.listens_for(sync_engine, "before_cursor_execute")
    def _start(conn: Any, _cursor: Any, statement: str, _parameters: Any, context: Any, _many: bool) -> None:
        tracer = _tracer.get()
        if tracer is None or context is None:
            return
        span = tracer.start_span(_operation(statement), kind=SpanKind.CLIENT)
        span.set_attribute("db.system", system)
        span.set_attribute("db.query.text", statement)
        setattr(context, _SPAN_KEY, span)

    @event.listens_for(sync_engine, "after_cursor_execute")
    def _end(conn: Any, _cursor: Any, _statement: str, _parameters: Any, context: Any, _many: bool) -> None:
        span = getattr(context, _SPAN_KEY, None)
        if span is not None:
            span.end()

    @event.listens_for(sync_engine, "handle_error")
    def _failed(exception_context: Any) -> None:
        span = getattr(exception_context.execution_context, _SPAN_KEY, None)
        if span is not None:
            span.set_status(StatusCode.ERROR, type(exception_context.original_exception).__name__)
            span.end()
