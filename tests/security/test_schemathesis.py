"""A bounded schemathesis run over the broker: requests generated from its OpenAPI document (valid and invalid)
must never get a server error (5xx). Runs on the suite's database (SQLite or PostgreSQL), a few examples per
operation, a time-bounded server on a free loopback port.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import schemathesis
import schemathesis.wfc.escalation  # imported early: see below
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from dfdg_broker.app import create_app
from dfdg_broker.clock import FixedClock
from dfdg_broker.mock.app import create_mock_app
from dfdg_broker.mock.identity import default_identity_provider
from dfdg_broker.mock.state import MockState
from dfdg_broker.settings import Environment, Settings
from tests.conftest import TODAY
from tests.sidefx import broker_document

# pytest rewrites the asserts of every module of a plugin's distribution, schemathesis included, at import time.
# schemathesis imports wfc.escalation lazily, deep inside a hypothesis call stack, where CPython 3.11's AST
# constructor once failed with "SystemError: AST constructor recursion depth mismatch". Imported above, at collection
# time, with a shallow stack.
SCHEMA = schemathesis.openapi.from_dict(broker_document())
EXAMPLES_PER_OPERATION = 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def broker(database_url: str) -> Iterator[tuple[str, dict[str, str]]]:
    """The broker on real loopback HTTP (its own thread and event loop), the mock upstream in process."""
    port = _free_port()
    upstream = "http://upstream.test"
    config = Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment=Environment.TEST,
        database_url=database_url,
        upstream_base_url=upstream,
        upstream_attempts=1,
        upstream_call_deadline_seconds=5,
        rate_limit_read="100000/minute",
        rate_limit_write="100000/minute",
    )
    app = create_app(
        config,
        clock=FixedClock(TODAY),
        upstream_transport=httpx.ASGITransport(app=create_mock_app(MockState.with_demo_fixtures())),
    )
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the broker did not start"
        time.sleep(0.05)
    token = default_identity_provider().issue(f"{upstream}/idp", "101")
    try:
        yield f"http://127.0.0.1:{port}", {"Authorization": f"Bearer {token}"}
    finally:
        server.should_exit = True
        thread.join(timeout=15)


@SCHEMA.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_no_generated_request_gets_a_server_error(case, broker):
    base_url, headers = broker
    case.call_and_validate(base_url=base_url, headers=headers, checks=[not_a_server_error], timeout=20)
