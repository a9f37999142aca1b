"""Small helpers the integration tests share."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from asgi_lifespan import LifespanManager
from fastapi.routing import APIRoute
from sqlalchemy import select
from sqlalchemy.engine import make_url

from dfdg_broker.db.driver import SqliteDriver
from dfdg_broker.db.migrate import recreate_postgres_database
from dfdg_broker.db.models import AccessLogRow
from dfdg_broker.db.session import create_engine
from dfdg_broker.mock.fixtures import Persona

PRODUCTION_DATA_KEYS = "data-2026:UFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFA="
"""Not the development keys (which production refuses); a test's stand-in for the operator's secret."""
PRODUCTION_LOOKUP_KEYS = "lookup-2026:TExMTExMTExMTExMTExMTExMTExMTExMTExMTExMTEw="

Auth = Callable[[str], dict[str, str]]

LIFESPAN_TIMEOUT_SECONDS = 30
"""Start-up opens four engines and fetches the identity provider's keys: the library's 5 s default ran out in CI
with both suites side by side on the 2-core machine (test_tracing's fixture, once)."""


def running(app: Any) -> LifespanManager:
    """The app's start-up and shut-down, as a server runs them, with room for a loaded CI machine."""
    return LifespanManager(app, startup_timeout=LIFESPAN_TIMEOUT_SECONDS, shutdown_timeout=LIFESPAN_TIMEOUT_SECONDS)


def create_body(persona: Persona, handover: date, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "cpr": persona.cpr,
        "receiving_municipality": persona.person.receiving_municipality,
        "contact_group": 27,
        "handover_date": handover.isoformat(),
    }
    for key, value in overrides.items():
        body[key] = value.isoformat() if isinstance(value, date) else value
    return {k: v for k, v in body.items() if v is not None}


async def create_case(
    client: httpx.AsyncClient,
    auth: Auth,
    persona: Persona,
    handover: date,
    *,
    expect: int = 201,
    **overrides: Any,
) -> dict[str, Any]:
    municipality = overrides.pop("caller", persona.person.receiving_municipality)
    response = await client.post(
        "/v1/contact-groups", json=create_body(persona, handover, **overrides), headers=auth(municipality)
    )
    assert response.status_code == expect, response.text
    result: dict[str, Any] = response.json()
    return result


async def fresh_database(suite_url: str, folder: Path, name: str) -> str:
    """An empty database of its own, never the suite's: on PostgreSQL when the suite runs on it (the suite's
    database name + ``_<name>``, dropped and created), else a SQLite file in ``folder``."""
    if not suite_url.startswith("postgresql"):
        return f"sqlite+aiosqlite:///{folder / f'{name}.db'}"
    url = make_url(suite_url)
    fresh = url.set(database=f"{url.database}_{name}").render_as_string(hide_password=False)
    await recreate_postgres_database(fresh)
    return fresh


def days(n: int) -> timedelta:
    return timedelta(days=n)


def set_upstream_deadline(app: Any, seconds: float) -> None:
    """From here on every upstream call of ``app`` has this deadline. Tests of deadlines set the scene (a case, a
    draft, a delivery) with the suite's long one, so that a loaded machine cannot fail the set-up, then shorten it."""
    from dataclasses import replace

    from dfdg_broker.upstream import UpstreamLink, Upstreams

    upstreams: Upstreams = app.state.upstream

    def short(link: UpstreamLink) -> UpstreamLink:
        return UpstreamLink(link.http, replace(link.policy, deadline_seconds=seconds))

    app.state.upstream = Upstreams(short(upstreams.letasyl), short(upstreams.jobnet), short(upstreams.cpr))


def api_routes(routes: list[Any]) -> Iterator[APIRoute]:
    """An app's API routes, through included routers (FastAPI keeps those as one route each)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from api_routes(route.original_router.routes)


def sqlite_thread_hops(monkeypatch: Any) -> list[str]:
    """The functions ``SqliteDriver`` sends to a connection's thread from now on, by name (``_fetch_one`` is a read
    that did not run on the event loop)."""
    hops: list[str] = []
    run = SqliteDriver._run

    async def counted(self: SqliteDriver, function: Any, *args: Any) -> Any:
        hops.append(function.__name__)
        return await run(self, function, *args)

    monkeypatch.setattr(SqliteDriver, "_run", counted)
    return hops


async def change_profile(mock_client: httpx.AsyncClient, person_id: str, text: str) -> None:
    """Change a persona's DA1 at the mock operator (its professional profile), as the operator's data changing."""
    persona = (await mock_client.get(f"/admin/personas/{person_id}")).json()
    cv = persona["cv"] | {"professional_profile": text}
    response = await mock_client.put(f"/admin/personas/{person_id}/data-areas/cv", json=cv)
    assert response.status_code == 200, response.text


def upstream_calls(mock_state: Any, operation: str) -> list[Any]:
    """The mock's journal entries of one operation (e.g. ``letasyl.area.cv``): what the broker asked upstream."""
    return [e for e in mock_state.journal if e.operation == operation]


def things_database(path: Path, *rows: tuple[int, str]) -> Path:
    """A SQLite file in WAL mode with one table, ``things (id, name)``, holding ``rows``: for the driver's own tests."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE things (id INTEGER PRIMARY KEY, name TEXT)")
    connection.executemany("INSERT INTO things VALUES (?, ?)", rows)
    connection.close()
    return path


class SteppingClock:
    """A monotonic clock for ``SqliteDriver``, read before and after each statement: each statement seems to take
    ``step`` seconds."""

    def __init__(self) -> None:
        self.now = 100.0
        self.step = 0.0

    def __call__(self) -> float:
        self.now += self.step / 2
        return self.now


@asynccontextmanager
async def uvicorn_on_loopback(app: Any, *, http: Any = "auto") -> AsyncIterator[int]:
    """``app`` behind a real uvicorn on a loopback port; yields the port. The socket is bound here and handed to
    uvicorn, so no other process can take the port in between."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    server = uvicorn.Server(uvicorn.Config(app, log_level="critical", http=http))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        async with asyncio.timeout(20):
            while not server.started:  # noqa: ASYNC110 - uvicorn offers a flag, not an event
                await asyncio.sleep(0.05)
        yield port
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()


@asynccontextmanager
async def loop_keeps_ticking(*, at_least_seconds: float) -> AsyncIterator[None]:
    """Asserts that the block took ``at_least_seconds`` (it waited, e.g. for a lock) and that the event loop went on
    running meanwhile (a ticker every 10 ms ticked at least 10 times): the wait was not made on the loop."""
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.01)
            ticks += 1

    ticker = asyncio.create_task(tick())
    started = time.monotonic()
    try:
        yield
    finally:
        ticker.cancel()
    assert time.monotonic() - started >= at_least_seconds, "the block waited"
    assert ticks >= 10, "the loop was not blocked while it did"


LINKED_CHILD = {
    "person_id": "70001602",
    "first_name": "Zahra",
    "last_name": "Sultani",
    "birth_date": "2016-02-01",
    "school_or_daycare_status": "Skole, 4. klasse",
}
"""A synthetic child, as the mock's admin API links it to a parent (M3: ``/admin/personas/{id}/children-link``)."""


async def access_log_rows(database_url: str) -> list[AccessLogRow]:
    """Every access-log row, oldest first, read straight from the table."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(select(AccessLogRow.__table__).order_by(AccessLogRow.id))
            return list(result.all())  # type: ignore[arg-type]
    finally:
        await engine.dispose()
