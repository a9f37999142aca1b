"""`make run` stays true: `dfdg-broker migrate` then `dfdg-broker dev` start the mock upstream and the broker on
real loopback ports (uvicorn), seed the demo cases, and answer through real HTTP. Bounded: stops by itself."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

CLI = shutil.which("dfdg-broker") or str(Path(sys.executable).with_name("dfdg-broker"))
STARTUP_SECONDS = 60


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, str, dict[str, str]]]:
    broker_port, mock_port = _free_port(), _free_port()
    env = os.environ | {
        "DFDG_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('e2e') / 'dev.db'}",
        "DFDG_PORT": str(broker_port),
        "DFDG_MOCK_PORT": str(mock_port),
        "DFDG_UPSTREAM_BASE_URL": f"http://127.0.0.1:{mock_port}",
        "DFDG_FIXED_TODAY": "2026-11-23",
        "DFDG_ENVIRONMENT": "development",
    }
    env.pop("DFDG_TEST_DATABASE_URL", None)
    subprocess.run([CLI, "migrate"], env=env, check=True, capture_output=True, timeout=60)
    process = subprocess.Popen([CLI, "dev"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    output: list[str] = []
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        assert process.stdout is not None
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                pytest.fail("dfdg-broker dev exited:\n" + "".join(output))
            output.append(line)
            if line.startswith("A token:"):
                break
        else:
            pytest.fail("dfdg-broker dev did not finish seeding in time:\n" + "".join(output))
        yield f"http://127.0.0.1:{broker_port}", f"http://127.0.0.1:{mock_port}", "".join(output), env
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def test_dev_seeds_the_demo_cases_and_serves_them_over_real_http(running) -> None:
    broker, _mock, output, running_env = running
    lines = [line.split() for line in output.splitlines() if line.strip().startswith("cg_")]
    assert len(lines) >= 6, output
    case_id, municipality = lines[0][0], lines[0][2]
    token = subprocess.run(
        [CLI, "token", "--municipality", municipality],
        env=running_env,
        check=True,
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout.strip()
    with httpx.Client(base_url=broker, headers={"Authorization": f"Bearer {token}"}, timeout=10) as client:
        case = client.get(f"/v1/contact-groups/{case_id}")
        assert case.status_code == 200 and case.json()["id"] == case_id
        area = client.get(f"/v1/contact-groups/{case_id}/data-areas/cv")
        assert area.status_code == 200 and area.json()["provenance"]["mode"] in {"live", "frozen"}
        assert client.get("/docs").status_code == 200
        scheme = client.get("/openapi.json").json()["components"]["securitySchemes"]["OAuth2"]
        token_url = scheme["flows"]["clientCredentials"]["tokenUrl"]
    # The Authorize button's flow: client credentials at the mock identity provider, then a call with that token.
    granted = httpx.post(
        token_url,
        data={"grant_type": "client_credentials", "scope": "cases:read"},
        auth=(f"kommune-{municipality}", "mock-client-secret"),
        timeout=10,
    )
    assert granted.status_code == 200, granted.text
    headers = {"Authorization": f"Bearer {granted.json()['access_token']}"}
    assert httpx.get(f"{broker}/v1/contact-groups/{case_id}", headers=headers, timeout=10).status_code == 200


def test_dev_serves_the_mock_upstream_and_its_docs(running) -> None:
    _broker, mock, _output, _env = running
    with httpx.Client(base_url=mock, timeout=10) as client:
        assert len(client.get("/admin/personas").json()) >= 25
        journal = client.get("/admin/journal", params={"system": "letasyl"}).json()
        assert journal, "the demo seed went through the mock's LetAsyl"
        assert client.get("/docs").status_code == 200
