"""Shared fixtures: one migrated database per test session, a pinned clock, the real mock upstream app, and the
broker called over HTTP through ASGITransport.

The database is SQLite (a temporary file) unless DFDG_TEST_DATABASE_URL names another, e.g.
postgresql+asyncpg://postgres@127.0.0.1:5432/dfdg_test, which is dropped and created afresh for the session.
Rows are deleted after each test (cheap on both backends, and it lets a test run concurrent requests).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from datetime import date
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import delete

from dfdg_broker.app import create_app
from dfdg_broker.clock import FixedClock
from dfdg_broker.db.migrate import recreate_postgres_database, upgrade
from dfdg_broker.db.models import Base
from dfdg_broker.db.session import create_engine
from dfdg_broker.mock.app import create_mock_app
from dfdg_broker.mock.fixtures import Persona
from dfdg_broker.mock.identity import MockIdentityProvider, default_identity_provider
from dfdg_broker.mock.state import MockState
from dfdg_broker.settings import Environment, Settings
from tests.helpers import running

# The service defaults to production (secure by default); the suite says it is a test, as `make test` does, so
# that running pytest directly behaves the same.
os.environ.setdefault("DFDG_ENVIRONMENT", "test")

TODAY = date(2026, 11, 23)
"""The pinned 'today' of the suite: the demo reference date the persona ages are written for."""


@pytest.fixture(scope="session")
async def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("DFDG_TEST_DATABASE_URL") or f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    if url.startswith("postgresql"):
        await recreate_postgres_database(url)
    await asyncio.to_thread(upgrade, url, configure_logging=False)
    return url


@pytest.fixture(autouse=True)
async def _clean_database(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    yield
    if "database_url" not in request.fixturenames:
        return
    engine = create_engine(request.getfixturevalue("database_url"))
    try:
        async with engine.begin() as connection:
            for table in reversed(Base.metadata.sorted_tables):
                await connection.execute(delete(table))
    finally:
        await engine.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(TODAY)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        environment=Environment.TEST,
        database_url=database_url,
        upstream_base_url="http://upstream.test",
        upstream_attempts=2,
        upstream_call_deadline_seconds=5,
        fixed_today=None,
    )


class SwitchableTransport(httpx.AsyncBaseTransport):
    """The mock upstream app, which a test can take down (connection refused) and bring back."""

    def __init__(self, app: FastAPI) -> None:
        self._inner = httpx.ASGITransport(app=app)
        self.down = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self.down:
            raise httpx.ConnectError("simulated outage", request=request)
        return await self._inner.handle_async_request(request)


@pytest.fixture
def mock_state() -> MockState:
    return MockState.with_demo_fixtures()


@pytest.fixture
def mock_app(mock_state: MockState, identity: MockIdentityProvider) -> FastAPI:
    return create_mock_app(mock_state, identity)


@pytest.fixture
def upstream(mock_app: FastAPI) -> SwitchableTransport:
    return SwitchableTransport(mock_app)


@pytest.fixture
async def mock_client(mock_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=mock_app), base_url="http://mock.test") as c:
        yield c


@pytest.fixture
async def app(settings: Settings, clock: FixedClock, upstream: SwitchableTransport) -> AsyncIterator[FastAPI]:
    application = create_app(settings, clock=clock, upstream_transport=upstream)
    async with running(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://broker.test") as c:
        yield c


@pytest.fixture
def identity() -> MockIdentityProvider:
    """The mock identity provider (its keys are made once per process)."""
    return default_identity_provider()


@pytest.fixture
def auth(settings: Settings, identity: MockIdentityProvider) -> Callable[[str], dict[str, str]]:
    """Headers with a token from the mock identity provider, verified by the broker through its JWKS (the path
    production uses), carrying every scope."""
    assert settings.oidc_issuer is not None
    issuer = settings.oidc_issuer

    def headers(municipality: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {identity.issue(issuer, municipality, subject='test')}"}

    return headers


@pytest.fixture
def persona(mock_state: MockState) -> Callable[[str], Persona]:
    by_key = {p.key: p for p in mock_state.personas.values()}

    def get(key: str) -> Persona:
        return by_key[key]

    return get


OPENAPI_DIR = Path(__file__).resolve().parents[1] / "openapi"
