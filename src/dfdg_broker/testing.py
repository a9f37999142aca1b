"""A pytest plugin for a municipal vendor's CI: the mock upstream (LetAsyl, Jobnet, CPR register) in-process.

``pip install 'dfdg-broker[mock]'`` registers it (entry point ``pytest11``); without the entry point, name it in a
``conftest.py``: ``pytest_plugins = ["dfdg_broker.testing"]``. Then::

    def test_my_system_survives_a_letasyl_outage(dfdg_mock):
        dfdg_mock.admin.add_fault(system="letasyl", kind="status", status=503, times=2)
        ...  # point your system (or the broker) at dfdg_mock.base_url and run it
        dfdg_mock.admin.verify(2, operation="letasyl.area.cv")

``dfdg_mock`` starts the mock once per test session (uvicorn on a free loopback port, in a thread) and yields its
``base_url`` and ``admin``, a small client of its admin API (reset, faults, journal count/verify, clock, personas).
``dfdg_mock_clean`` is the same, reset before the test (personas back to the files, no faults, an empty journal,
real time). The ini option ``dfdg_mock_personas`` (directories, relative to the rootdir) adds your own persona files,
as ``dfdg-broker mock --personas DIR`` does.

Nothing here imports the mock until a fixture is used, so the plugin costs nothing in a session that does not.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

STARTUP_SECONDS = 20.0


class MockAdmin:
    """The mock's admin API, synchronous, for tests. Each method raises ``httpx.HTTPStatusError`` on a refusal,
    except ``verify``, which fails the test with the count found."""

    def __init__(self, base_url: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=10.0)

    def _json(self, response: httpx.Response) -> Any:
        response.raise_for_status()
        return response.json() if response.content else None

    def reset(self, *, keep_added: bool = False) -> None:
        """Personas back to the loaded files (``keep_added``: keep those created through the API), no faults, no
        profiles or CVs or PDF requests created, an empty journal, strict contract mode, real time."""
        self._json(self.http.post("/admin/reset", params={"keep": "added"} if keep_added else None))

    def add_fault(self, **spec: Any) -> dict[str, Any]:
        """``POST /admin/faults``, e.g. ``add_fault(system="jobnet", kind="status", status=503, times=3)``."""
        fault: dict[str, Any] = self._json(self.http.post("/admin/faults", json=spec))
        return fault

    def faults(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = self._json(self.http.get("/admin/faults"))
        return found

    def clear_faults(self) -> None:
        self._json(self.http.delete("/admin/faults"))

    def journal(self, **filters: Any) -> list[dict[str, Any]]:
        """The calls the mock received, oldest first; filters as ``GET /admin/journal`` (system, operation,
        person_id, since, since_time, correlation_id, limit)."""
        entries: list[dict[str, Any]] = self._json(self.http.get("/admin/journal", params=filters))
        return entries

    def count(self, **filters: Any) -> int:
        """How many calls match the filters."""
        return int(self._json(self.http.get("/admin/journal/count", params=filters))["count"])

    def verify(self, expected: int, **filters: Any) -> None:
        """Fail the test unless exactly ``expected`` calls match (as WireMock's ``verify``)."""
        found = self.count(**filters)
        if found != expected:
            pytest.fail(f"expected {expected} calls matching {filters}, the mock received {found}", pytrace=False)

    def pin_clock(self, *, now: str | None = None, today: str | None = None) -> dict[str, Any]:
        """Pin the mock's clock at an instant (``now``, ISO 8601 with offset) or at noon UTC of a day (``today``)."""
        body = {key: value for key, value in (("now", now), ("today", today)) if value is not None}
        clock: dict[str, Any] = self._json(self.http.put("/admin/clock", json=body))
        return clock

    def move_clock(self, *, days: int = 0, hours: int = 0, seconds: int = 0) -> dict[str, Any]:
        clock: dict[str, Any] = self._json(
            self.http.post("/admin/clock/moves", json={"days": days, "hours": hours, "seconds": seconds})
        )
        return clock

    def release_clock(self) -> dict[str, Any]:
        clock: dict[str, Any] = self._json(self.http.delete("/admin/clock"))
        return clock

    def personas(self) -> list[dict[str, Any]]:
        """Every persona: key, purpose, synthetic CPR number, person-ID, receiving municipality."""
        found: list[dict[str, Any]] = self._json(self.http.get("/admin/personas"))
        return found

    def put_persona(self, persona: dict[str, Any]) -> dict[str, Any]:
        """Create or replace a persona (the schema of the persona files)."""
        person_id = persona["person"]["person_id"]
        stored: dict[str, Any] = self._json(self.http.put(f"/admin/personas/{person_id}", json=persona))
        return stored

    def set_strict_contract(self, strict: bool) -> None:
        self._json(self.http.put("/admin/contract-mode", json={"strict": strict}))

    def close(self) -> None:
        self.http.close()


@dataclass(frozen=True)
class MockUpstream:
    """A running mock upstream: point the broker's ``DFDG_UPSTREAM_BASE_URL`` (or your client) at ``base_url``."""

    base_url: str
    admin: MockAdmin


@contextmanager
def running_mock(*, persona_dirs: list[Path] | None = None, host: str = "127.0.0.1") -> Iterator[MockUpstream]:
    """Start the mock upstream on a free port of ``host`` in a thread; stop it on exit. Usable outside pytest."""
    import uvicorn

    try:
        from dfdg_broker.mock.app import create_mock_app
        from dfdg_broker.mock.state import MockState
    except ModuleNotFoundError as missing:  # fpdf2: the [mock] extra
        raise RuntimeError(
            f"the mock upstream needs the [mock] extra ({missing.name} is missing): pip install 'dfdg-broker[mock]'"
        ) from None
    from dfdg_broker.settings import Settings

    settings = Settings(_env_file=None, environment="test")
    app = create_mock_app(MockState.with_demo_fixtures(persona_dirs or []), settings=settings)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="dfdg-mock", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the mock upstream did not start")
        time.sleep(0.02)
    base_url = f"http://{host}:{port}"
    admin = MockAdmin(base_url)
    try:
        yield MockUpstream(base_url, admin)
    finally:
        admin.close()
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "dfdg_mock_personas",
        type="paths",
        default=[],
        help="dfdg_broker.testing: directories of persona files (*.json) the mock loads after the demo personas",
    )


@pytest.fixture(scope="session")
def dfdg_mock(pytestconfig: pytest.Config) -> Iterator[MockUpstream]:
    """The mock upstream, started once for the test session: ``base_url`` and ``admin``."""
    dirs = [Path(p) for p in pytestconfig.getini("dfdg_mock_personas")]
    with running_mock(persona_dirs=dirs) as mock:
        yield mock


@pytest.fixture
def dfdg_mock_clean(dfdg_mock: MockUpstream) -> MockUpstream:
    """The session's mock upstream, reset before this test."""
    dfdg_mock.admin.reset()
    return dfdg_mock
