"""Optional OpenTelemetry tracing (issue 15): one trace per request, with the upstream calls and SQL statements in
it, continued from the caller's ``traceparent`` and passed on to the upstream; nothing personal in it."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from pydantic import ValidationError

from dfdg_broker.app import create_app
from dfdg_broker.settings import Settings
from tests.conftest import TODAY
from tests.helpers import create_body, days, running

CALLER_TRACE = "0af7651916cd43dd8448eb211c80319c"
TRACEPARENT = f"00-{CALLER_TRACE}-b7ad6b7169203331-01"


class HeaderRecorder(httpx.AsyncBaseTransport):
    """Passes the broker's upstream calls on to the mock, keeping each request's ``traceparent``."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.traceparents: list[str | None] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.startswith("/idp/"):  # the identity provider's keys, fetched at start-up
            self.traceparents.append(request.headers.get("traceparent"))
        return await self.inner.handle_async_request(request)


@pytest.fixture
def exporter() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
async def traced(settings, clock, upstream, exporter) -> AsyncIterator[tuple[httpx.AsyncClient, HeaderRecorder]]:
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    recorder = HeaderRecorder(upstream)
    app = create_app(settings, clock=clock, upstream_transport=recorder, tracer_provider=provider)
    async with (
        running(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://broker.test") as client,
    ):
        yield client, recorder
    provider.shutdown()


def _by_name(spans: tuple[ReadableSpan, ...], name: str) -> list[ReadableSpan]:
    return [span for span in spans if span.name == name]


async def test_a_create_is_one_trace_continuing_the_callers_with_its_upstream_calls_and_statements(
    traced, exporter, auth, persona
):
    client, recorder = traced
    p = persona("complete-adult")
    response = await client.post(
        "/v1/contact-groups",
        json=create_body(p, TODAY + days(10)),
        headers=auth("101") | {"traceparent": TRACEPARENT, "X-Correlation-ID": "trace-corr-0001"},
    )
    assert response.status_code == 201, response.text
    spans = exporter.get_finished_spans()

    (server,) = _by_name(spans, "POST /v1/contact-groups")
    assert server.kind is SpanKind.SERVER
    assert format(server.context.trace_id, "032x") == CALLER_TRACE, "the caller's trace is continued"
    assert server.attributes is not None
    assert server.attributes["http.response.status_code"] == 201
    assert server.attributes["http.route"] == "/v1/contact-groups"
    assert server.attributes["dfdg.correlation_id"] == "trace-corr-0001"
    assert {span.context.trace_id for span in spans} == {server.context.trace_id}, "one trace"

    (lookup,) = _by_name(spans, "letasyl.lookup_person")
    assert lookup.kind is SpanKind.CLIENT and lookup.parent is not None
    assert lookup.parent.span_id == server.context.span_id
    assert lookup.attributes is not None and lookup.attributes["dfdg.upstream.outcome"] == "ok"
    inserts = _by_name(spans, "INSERT")
    assert inserts and all(span.attributes and span.attributes["db.query.text"] for span in inserts)

    # Every upstream request carried the trace on (W3C traceparent), each from its own client span.
    assert recorder.traceparents and all(tp and tp.split("-")[1] == CALLER_TRACE for tp in recorder.traceparents)
    client_span_ids = {format(s.context.span_id, "016x") for s in spans if s.name.startswith(("letasyl.", "jobnet."))}
    assert {tp.split("-")[2] for tp in recorder.traceparents if tp} <= client_span_ids

    # Nothing personal: no CPR number in any name or attribute (SQL parameters are never recorded).
    text = repr([(span.name, dict(span.attributes or {})) for span in spans])
    assert p.cpr not in text and p.cpr.replace("-", "") not in text


async def test_a_failed_upstream_call_and_a_raw_path_leave_no_trace_of_personal_data(
    traced, exporter, auth, persona, upstream
):
    client, _recorder = traced
    p = persona("complete-adult")
    created = await client.post("/v1/contact-groups", json=create_body(p, TODAY + days(10)), headers=auth("101"))
    assert created.status_code == 201
    exporter.clear()
    upstream.down = True
    case_id = created.json()["id"]
    await client.get(f"/v1/contact-groups/{case_id}/data-areas/integration-contract", headers=auth("101"))
    await client.get(f"/v1/contact-groups/{p.cpr}", headers=auth("101"))  # a CPR typed into a URL by mistake
    spans = exporter.get_finished_spans()

    (area_read,) = _by_name(spans, "letasyl.area")
    assert area_read.status.status_code is StatusCode.ERROR
    assert area_read.attributes is not None and area_read.attributes["dfdg.upstream.outcome"] == "failed"
    servers = [span for span in spans if span.kind is SpanKind.SERVER]
    assert {span.name for span in servers} == {
        "GET /v1/contact-groups/{case_id}/data-areas/integration-contract",
        "GET /v1/contact-groups/{case_id}",
    }
    text = repr([(span.name, dict(span.attributes or {}), span.events) for span in spans])
    assert p.cpr not in text and p.cpr.replace("-", "") not in text


async def test_without_an_endpoint_nothing_is_traced(client, auth):
    assert Settings(_env_file=None, environment="test").otel_endpoint is None  # type: ignore[call-arg]
    response = await client.get("/v1/follow-up-policies", headers=auth("101") | {"traceparent": TRACEPARENT})
    assert response.status_code == 200 and "traceparent" not in response.headers


def test_the_endpoint_must_be_a_url():
    with pytest.raises(ValidationError, match=r"otel_endpoint"):
        Settings(_env_file=None, environment="test", otel_endpoint="collector:4318")  # type: ignore[call-arg]


async def test_an_endpoint_makes_the_app_export_its_spans_there_over_otlp_http(settings, clock, upstream, auth):
    """A collector stand-in on a loopback port: the spans of a request reach it when the app shuts down (the
    batch is flushed), as OTLP protobuf on the configured path."""
    received: list[tuple[str, str, int]] = []

    class Collector(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append((self.path, self.headers["Content-Type"], len(self.rfile.read(length))))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Collector)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    try:
        endpoint = f"http://127.0.0.1:{server.server_address[1]}/v1/traces"
        app = create_app(
            settings.model_copy(update={"otel_endpoint": endpoint}), clock=clock, upstream_transport=upstream
        )
        async with (
            running(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://broker.test") as client,
        ):
            assert (await client.get("/v1/follow-up-policies", headers=auth("101"))).status_code == 200
    finally:
        server.shutdown()
        server.server_close()
    assert received and received[0][:2] == ("/v1/traces", "application/x-protobuf") and received[0][2] > 0


async def test_a_global_opentelemetry_provider_adds_no_second_span_per_request(traced, exporter, auth, monkeypatch):
    """FastAPI's own telemetry is off: the broker's middleware is the one tracer (and asks nothing per request)."""
    client, _recorder = traced
    global_provider = TracerProvider()
    global_provider.add_span_processor(SimpleSpanProcessor(exporter))
    monkeypatch.setattr("opentelemetry.trace.get_tracer_provider", lambda: global_provider)
    response = await client.get("/v1/follow-up-policies", headers=auth("101"))
    assert response.status_code == 200
    servers = [span for span in exporter.get_finished_spans() if span.kind is SpanKind.SERVER]
    assert len(servers) == 1, [span.name for span in servers]
