"""Operations: correlation id on 500s, keep-alive after a 500, JSON logs, /livez /readyz /version, /metrics."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from types import SimpleNamespace

import httpx
import pytest
import uvicorn
from prometheus_client.parser import text_string_to_metric_families

from dfdg_broker import __version__
from dfdg_broker.app import create_app
from dfdg_broker.db.migrate import upgrade
from dfdg_broker.db.session import DatabaseUnreachable, create_engine
from dfdg_broker.health import BREAKERS, ENGINE, expected_schema_revision
from dfdg_broker.logging_setup import make_handler
from dfdg_broker.settings import Environment, Settings
from tests.conftest import TODAY
from tests.helpers import create_body, create_case, days, running

UNREACHABLE_DB = "postgresql+asyncpg://postgres@127.0.0.1:1/nowhere"


def _add_failing_route(app) -> None:
    async def boom() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/test-only/boom", boom, methods=["GET"])


# ---------------------------------------------------------------- errors: the correlation id on every response


async def test_a_500_carries_the_correlation_id_in_header_and_body(app, client):
    _add_failing_route(app)
    response = await client.get("/test-only/boom", headers={"X-Correlation-ID": "trace-me-0001"})
    assert response.status_code == 500
    assert response.headers["x-correlation-id"] == "trace-me-0001"
    body = response.json()
    assert body["code"] == "internal_error" and body["correlation_id"] == "trace-me-0001"
    assert "a bug" not in response.text and "Traceback" not in response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_a_500_carries_the_security_headers_and_is_counted_and_logged(app, client, caplog):
    _add_failing_route(app)
    series = {"route": "/test-only/boom", "method": "GET", "status": "500"}
    before = _value(_samples((await client.get("/metrics")).text), "dfdg_http_requests_total", **series)
    with caplog.at_level(logging.INFO, logger="dfdg_broker.access"):
        response = await client.get("/test-only/boom")
    assert response.status_code == 500
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    lines = [r for r in caplog.records if r.name == "dfdg_broker.access" and r.route == "/test-only/boom"]
    assert [r.status for r in lines] == [500]
    samples = _samples((await client.get("/metrics")).text)
    assert _value(samples, "dfdg_http_requests_total", **series) == before + 1


async def test_a_metrics_scrape_is_neither_counted_nor_a_request_in_progress(client):
    first = _samples((await client.get("/metrics")).text)
    second = _samples((await client.get("/metrics")).text)
    assert _value(second, "dfdg_http_requests_in_progress") == 0, "the scrape itself is not in progress"
    assert _value(second, "dfdg_http_requests_total", route="/metrics", method="GET", status="200") == 0
    assert first  # the exposition was parsed


async def test_a_500_does_not_close_the_keep_alive_connection(app):
    """Real uvicorn on a loopback port: two requests on one TCP connection, the first answered 500."""
    _add_failing_route(app)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_config=None, lifespan="off"))
    serving = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(10):
            while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
                await asyncio.sleep(0.02)
        port = server.servers[0].sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            for path, expected in (("/test-only/boom", b" 500 "), ("/livez", b" 200 ")):
                writer.write(f"GET {path} HTTP/1.1\r\nHost: broker.test\r\n\r\n".encode())
                await writer.drain()
                async with asyncio.timeout(5):
                    head = await reader.readuntil(b"\r\n\r\n")
                    length = int(next(h for h in head.split(b"\r\n") if h.lower().startswith(b"content-length"))[15:])
                    await reader.readexactly(length)
                assert expected in head.split(b"\r\n")[0], head
                assert b"connection: close" not in head.lower()
                assert b"x-correlation-id" in head.lower()
        finally:
            writer.close()
    finally:
        server.should_exit = True
        await serving


async def test_a_correlation_id_that_looks_like_a_cpr_number_is_replaced(client):
    for supplied in ("1204882211", "trace-120488-2211-x"):
        response = await client.get("/livez", headers={"X-Correlation-ID": supplied})
        assert response.headers["x-correlation-id"] != supplied and "2211" not in response.headers["x-correlation-id"]


# ---------------------------------------------------------------- logs


async def test_logs_are_json_lines_with_correlation_id_caller_and_case_and_no_cpr(app, client, auth, persona, upstream):
    stream = io.StringIO()
    handler = make_handler("json", stream)
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        p = persona("complete-adult")
        case = await create_case(client, auth, p, TODAY + days(10))
        await client.get(f"/v1/contact-groups/{case['id']}/data-areas/cv", headers=auth("101"))
        await client.post("/v1/contact-groups", json=create_body(p, TODAY + days(10)), headers=auth("101"))  # 409
        upstream.down = True
        await client.get(f"/v1/contact-groups/{case['id']}/data-areas/cv", headers=auth("101"))  # stale
        await client.post("/v1/contact-groups", json=create_body(persona("employed"), TODAY), headers=auth("630"))
        await client.get(f"/v1/contact-groups/{p.cpr}", headers=auth("101"))  # a CPR typed into a URL by mistake
        _add_failing_route(app)
        await client.get("/test-only/boom", headers=auth("101"))
    finally:
        root.removeHandler(handler)
        root.setLevel(level)

    lines = [json.loads(line) for line in stream.getvalue().splitlines()]  # every line is one JSON object
    assert lines
    assert all(line["correlation_id"] not in (None, "", "-") for line in lines)
    requests = [line for line in lines if line["logger"] == "dfdg_broker.access"]
    area_read = next(line for line in requests if line["route"].endswith("/data-areas/cv"))
    assert area_read["municipality"] == "101" and area_read["subject"] == "test"
    assert area_read["case_id"] == case["id"] and area_read["status"] == 200
    crash = next(line for line in lines if line["level"] == "ERROR" and "exc_info" in line)
    assert "Traceback" in crash["exc_info"] and "RuntimeError: a bug" in crash["exc_info"]
    text = stream.getvalue()
    assert p.cpr not in text and persona("employed").cpr not in text


# ---------------------------------------------------------------- health


async def test_livez_and_version(client):
    assert (await client.get("/livez")).json() == {"status": "ok"}
    version = (await client.get("/version")).json()
    assert version["version"] == __version__
    assert version["schema_revision"] == expected_schema_revision() is not None


async def test_readyz_is_200_when_database_schema_and_upstreams_are_fine(client):
    response = await client.get("/readyz")
    assert response.status_code == 200, response.text
    assert response.json()["checks"]["database"] == "ok" and response.json()["checks"]["schema"] == "ok"


async def test_readyz_is_503_naming_the_database_when_it_is_down(app, client):
    working = ENGINE.get(app)
    ENGINE.put(app, create_engine(UNREACHABLE_DB))
    try:
        response = await client.get("/readyz")
    finally:
        await ENGINE.get(app).dispose()
        ENGINE.put(app, working)
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["code"] == "not_ready" and response.json()["failing"] == ["database"]


@pytest.mark.parametrize("revision", [None, "first"])
async def test_readyz_is_503_naming_the_schema_when_it_is_behind(tmp_path, clock, upstream, revision):
    url = f"sqlite+aiosqlite:///{tmp_path / 'behind.db'}"
    if revision == "first":
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        from dfdg_broker.db.migrate import alembic_ini

        base = ScriptDirectory.from_config(Config(str(alembic_ini()))).get_base()
        await asyncio.to_thread(upgrade, url, base, configure_logging=False)
    settings = Settings(environment=Environment.TEST, database_url=url, upstream_base_url="http://upstream.test")
    application = create_app(settings, clock=clock, upstream_transport=upstream)
    async with (
        running(application),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://b.test") as c,
    ):
        response = await c.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["schema"]
    assert ("not migrated" if revision is None else "behind") in response.json()["checks"]["schema"]


async def test_readyz_is_503_naming_an_upstream_whose_breaker_is_open(app, client):
    BREAKERS.put(app, {"letasyl": SimpleNamespace(state="open"), "jobnet": SimpleNamespace(state="closed")})
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failing"] == ["upstream:letasyl"]
    assert response.json()["checks"]["upstream:jobnet"] == "closed"


async def test_start_up_fails_fast_naming_an_unreachable_database(clock):
    settings = Settings(environment=Environment.TEST, database_url=UNREACHABLE_DB)
    with pytest.raises(DatabaseUnreachable, match=r"127\.0\.0\.1:1/nowhere is unreachable"):
        async with running(create_app(settings, clock=clock)):
            pass


# ---------------------------------------------------------------- metrics


def _samples(exposition: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(exposition)
        for sample in family.samples
    }


def _value(samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


async def test_metrics_after_a_scripted_session(settings, clock, auth, persona, upstream):
    """Every series issue 15 names, each fed by the real event: requests, upstream calls, a breaker that really
    opened, the pool while a connection is lent out, snapshots written, a rate-limit refusal."""
    settings = settings.model_copy(update={"upstream_breaker_failures": 1, "rate_limit_write": "1/minute"})
    app = create_app(settings, clock=clock, upstream_transport=upstream)
    async with (
        running(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://broker.test") as client,
    ):
        before = _samples((await client.get("/metrics")).text)
        assert _value(before, "dfdg_upstream_breaker_state", system="letasyl", state="closed") == 1
        p = persona("complete-adult")
        case = await create_case(client, auth, p, TODAY + days(10))
        await client.get(f"/v1/contact-groups/{case['id']}/data-areas/cv", headers=auth("101"))
        await client.get(f"/v1/contact-groups/{case['id']}", headers=auth("101"))
        await client.get("/v1/no-such-route/1204882211", headers=auth("101"))
        refused = await client.post("/v1/contact-groups", json=create_body(p, TODAY + days(10)), headers=auth("101"))
        assert refused.status_code == 429
        upstream.down = True
        await client.get(f"/v1/contact-groups/{case['id']}/data-areas/integration-contract", headers=auth("101"))
        async with ENGINE.get(app).connect():  # one connection lent out while the scraper looks
            response = await client.get("/metrics")
        ready = await client.get("/readyz")  # the same real breaker, as the load balancer sees it
    assert ready.status_code == 503 and ready.json()["failing"] == ["upstream:letasyl"], ready.text
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    after = _samples(response.text)

    def grew(name: str, **labels: str) -> float:
        return _value(after, name, **labels) - _value(before, name, **labels)

    assert grew("dfdg_http_requests_total", route="/v1/contact-groups", method="POST", status="201") == 1
    assert grew("dfdg_http_requests_total", route="/v1/contact-groups", method="POST", status="429") == 1
    area_route = "/v1/contact-groups/{case_id}/data-areas/cv"
    assert grew("dfdg_http_requests_total", route=area_route, method="GET", status="200") == 1
    assert grew("dfdg_http_requests_total", route="<unmatched>", method="GET", status="404") == 1
    assert grew("dfdg_http_request_duration_seconds_count", route=area_route, method="GET") == 1
    assert 0 < grew("dfdg_http_request_duration_seconds_sum", route=area_route, method="GET") < 5
    assert grew("dfdg_upstream_calls_total", system="letasyl", operation="letasyl.lookup_person", outcome="ok") >= 1
    assert grew("dfdg_upstream_calls_total", system="letasyl", operation="letasyl.area", outcome="ok") >= 1
    assert grew("dfdg_upstream_calls_total", system="letasyl", operation="letasyl.area", outcome="failed") == 1
    assert grew("dfdg_upstream_call_duration_seconds_count", system="jobnet", operation="jobnet.lookup_profile") >= 1
    assert grew("dfdg_snapshots_written_total", area="cv") >= 1
    assert grew("dfdg_rate_limit_refusals_total", limit="write") == 1
    assert _value(after, "dfdg_rate_limit_refusals_total", limit="read") == _value(
        before, "dfdg_rate_limit_refusals_total", limit="read"
    )
    # The failed call opened LetAsyl's breaker (one failure is the threshold here); Jobnet's stayed closed.
    assert _value(after, "dfdg_upstream_breaker_state", system="letasyl", state="open") == 1
    assert _value(after, "dfdg_upstream_breaker_state", system="letasyl", state="closed") == 0
    assert _value(after, "dfdg_upstream_breaker_state", system="jobnet", state="closed") == 1
    assert _value(after, "dfdg_db_pool_connections_in_use") >= 1
    assert _value(after, "dfdg_db_pool_connections_open") >= _value(after, "dfdg_db_pool_connections_in_use")
    assert "process_resident_memory_bytes" in response.text
    for personal in (p.cpr, p.cpr.replace("-", ""), p.person.person_id, "1204882211", case["id"]):
        assert personal not in response.text


# ---------------------------------------------------------------- docs


async def test_the_documented_problem_example_is_one_the_service_really_sends(client, auth, persona):
    from datetime import date

    from dfdg_broker.errors import PROBLEM_EXAMPLE

    body = create_body(persona("complete-adult"), date(2026, 12, 7), cv_update_deadline=date(2027, 3, 1))
    response = await client.post("/v1/contact-groups", json=body, headers=auth("101"))
    sent = response.json()
    assert response.status_code == PROBLEM_EXAMPLE["status"]
    assert {k: sent[k] for k in PROBLEM_EXAMPLE if k != "correlation_id"} == {
        k: v for k, v in PROBLEM_EXAMPLE.items() if k != "correlation_id"
    }
    assert (await client.get("/openapi.json")).json()["components"]["schemas"]["Problem"]["examples"] == [
        PROBLEM_EXAMPLE
    ]


async def test_swagger_ui_and_redoc_are_served_from_packaged_assets(client):
    for page in ("/docs", "/redoc"):
        html = (await client.get(page)).text
        assert "cdn." not in html and "unpkg" not in html and "fonts.googleapis" not in html
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css", "redoc.standalone.js"):
        response = await client.get(f"/static-offline-docs/{asset}")
        assert response.status_code == 200 and len(response.content) > 10_000
