"""Scale-out: two broker processes (real uvicorn, loopback ports) on one PostgreSQL database and one mock upstream
process, called concurrently. The broker keeps no state of its own, so what one instance does the other sees, and
races between them end as they would within one instance. PostgreSQL only (`.ci/run` runs the suite on it)."""

from __future__ import annotations

import asyncio
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from dfdg_broker.auth import issue_token
from dfdg_broker.db.migrate import recreate_postgres_database, upgrade
from dfdg_broker.db.models import CaseRow, SnapshotRow
from dfdg_broker.db.session import create_engine
from dfdg_broker.mock.state import MockState
from dfdg_broker.settings import Environment, Settings

SUITE_DATABASE = os.environ.get("DFDG_TEST_DATABASE_URL", "")
pytestmark = pytest.mark.skipif(
    not SUITE_DATABASE.startswith("postgresql"), reason="several instances share a PostgreSQL database"
)

ROOT = Path(__file__).resolve().parents[2]
CLI = str(Path(sys.executable).with_name("dfdg-broker"))
TODAY = date(2026, 11, 23)
SECRET = secrets.token_urlsafe(48)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    def __init__(self, database_url: str, mock: str, brokers: list[str]) -> None:
        self.database_url = database_url
        self.mock = mock
        self.brokers = brokers
        self.settings = Settings(environment=Environment.TEST, jwt_secret=SECRET)

    def auth(self, municipality: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {issue_token(self.settings, municipality, subject='scale-out')}"}

    async def count(self, statement) -> int:  # type: ignore[no-untyped-def]
        engine = create_engine(self.database_url)
        try:
            async with engine.connect() as connection:
                return int((await connection.execute(statement)).scalar_one())
        finally:
            await engine.dispose()

    async def snapshots(self, case_id: str, area: str) -> int:
        return await self.count(select(func.count()).where(SnapshotRow.case_id == case_id, SnapshotRow.area == area))


def _spawn(commands: list[list[str]], env: dict[str, str]) -> list[subprocess.Popen[bytes]]:
    return [
        subprocess.Popen([CLI, *command], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for command in commands
    ]


async def _wait_until_answering(url: str, process: subprocess.Popen[bytes], path: str) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            assert process.poll() is None, f"{url} exited early"
            try:
                if (await client.get(url + path)).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.2)
    raise AssertionError(f"{url} did not answer within 60 s")


@pytest.fixture(scope="module")
async def cluster() -> AsyncIterator[Cluster]:
    url = make_url(SUITE_DATABASE)
    database_url = url.set(database=f"{url.database}_scale").render_as_string(hide_password=False)
    await recreate_postgres_database(database_url)
    await asyncio.to_thread(upgrade, database_url, configure_logging=False)
    mock_port, ports = _free_port(), [_free_port(), _free_port()]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DFDG_")} | {
        "DFDG_ENVIRONMENT": "test",
        "DFDG_DATABASE_URL": database_url,
        "DFDG_UPSTREAM_BASE_URL": f"http://127.0.0.1:{mock_port}",
        "DFDG_FIXED_TODAY": TODAY.isoformat(),
        "DFDG_JWT_SECRET": SECRET,
        "DFDG_LOG_LEVEL": "WARNING",
    }
    commands = [["mock", "--host", "127.0.0.1", "--port", str(mock_port)]] + [
        ["serve", "--host", "127.0.0.1", "--port", str(port)] for port in ports
    ]
    processes = _spawn(commands, env)
    urls = [f"http://127.0.0.1:{port}" for port in (mock_port, *ports)]
    try:
        for url, process, path in zip(urls, processes, ("/healthz", "/livez", "/livez"), strict=True):
            await _wait_until_answering(url, process, path)
        yield Cluster(database_url, urls[0], urls[1:])
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _persona(key: str):  # type: ignore[no-untyped-def]
    return next(p for p in MockState.with_demo_fixtures().personas.values() if p.key == key)


async def test_concurrent_creates_of_one_citizen_through_two_instances_give_one_case(cluster):
    p = _persona("complete-adult")
    municipality = p.person.receiving_municipality
    body = {
        "cpr": p.cpr,
        "receiving_municipality": municipality,
        "contact_group": 27,
        "handover_date": (TODAY + timedelta(days=10)).isoformat(),
    }
    async with httpx.AsyncClient(timeout=30) as client:
        responses = await asyncio.gather(
            *(
                client.post(
                    f"{cluster.brokers[i % 2]}/v1/contact-groups", json=body, headers=cluster.auth(municipality)
                )
                for i in range(6)
            )
        )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409, 409, 409, 409, 409], [r.text for r in responses]
    created = next(r.json() for r in responses if r.status_code == 201)
    assert {r.json()["existing_id"] for r in responses if r.status_code == 409} == {created["id"]}
    assert await cluster.count(select(func.count()).select_from(CaseRow)) == 1
    async with httpx.AsyncClient(timeout=30) as client:  # each instance serves the case the other created
        for broker in cluster.brokers:
            read = await client.get(f"{broker}/v1/contact-groups/{created['id']}", headers=cluster.auth(municipality))
            assert read.status_code == 200, read.text


async def test_G1_concurrent_live_reads_through_two_instances_store_one_snapshot_of_a_change(cluster):
    """The operator changed DA1; reads racing through both instances each fetch the new content. Snapshots are
    insert-only and one per content per day: the race must store one row, not one per instance."""
    p = _persona("employed")
    municipality = p.person.receiving_municipality
    case_id = await _create(cluster, p, TODAY + timedelta(days=10))
    area = f"/v1/contact-groups/{case_id}/data-areas/cv"
    async with httpx.AsyncClient(timeout=30) as client:
        person = (await client.get(f"{cluster.mock}/admin/personas/{p.person.person_id}")).json()
        changed = person["cv"] | {"professional_profile": "Changed by the operator while two instances read."}
        put = await client.put(f"{cluster.mock}/admin/personas/{p.person.person_id}/data-areas/cv", json=changed)
        assert put.status_code == 200, put.text
        before = await cluster.snapshots(case_id, "cv")
        reads = await asyncio.gather(
            *(client.get(cluster.brokers[i % 2] + area, headers=cluster.auth(municipality)) for i in range(6))
        )
    assert [r.status_code for r in reads] == [200] * 6, [r.text for r in reads]
    assert {r.json()["data"]["professional_profile"] for r in reads} == {changed["professional_profile"]}
    assert await cluster.snapshots(case_id, "cv") == before + 1


async def test_G1_frozen_reads_through_two_instances_serve_the_same_snapshot(cluster):
    """A case created after its takeover date is frozen on the snapshot its create took (G1): both instances
    serve that one, and store nothing more."""
    p = _persona("long-settled")
    municipality = p.person.receiving_municipality
    case_id = await _create(cluster, p, TODAY - timedelta(days=30))
    area = f"/v1/contact-groups/{case_id}/data-areas/integration-contract"
    before = await cluster.snapshots(case_id, "integration-contract")
    async with httpx.AsyncClient(timeout=30) as client:
        reads = await asyncio.gather(
            *(client.get(cluster.brokers[i % 2] + area, headers=cluster.auth(municipality)) for i in range(6))
        )
    assert [r.status_code for r in reads] == [200] * 6, [r.text for r in reads]
    assert {r.json()["provenance"]["mode"] for r in reads} == {"frozen"}
    assert len({str(r.json()["provenance"]) for r in reads}) == 1
    assert await cluster.snapshots(case_id, "integration-contract") == before


async def _create(cluster: Cluster, persona, handover: date) -> str:  # type: ignore[no-untyped-def]
    municipality = persona.person.receiving_municipality
    body = {
        "cpr": persona.cpr,
        "receiving_municipality": municipality,
        "contact_group": 27,
        "handover_date": handover.isoformat(),
    }
    async with httpx.AsyncClient(timeout=30) as client:
        created = await client.post(
            f"{cluster.brokers[0]}/v1/contact-groups", json=body, headers=cluster.auth(municipality)
        )
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def test_an_idempotency_key_replayed_to_the_other_instance_returns_the_stored_answer(cluster):
    """The keys live in the database, not in a process: a client whose POST timed out on one instance and who
    retries through the load balancer on another gets the first answer back, and no second case."""
    p = _persona("german-phone")
    municipality = p.person.receiving_municipality
    body = _create_body(p, TODAY + timedelta(days=10))
    headers = cluster.auth(municipality) | {"Idempotency-Key": "scale-out-replay-1"}
    async with httpx.AsyncClient(timeout=30) as client:
        first = await client.post(f"{cluster.brokers[0]}/v1/contact-groups", json=body, headers=headers)
        again = await client.post(f"{cluster.brokers[1]}/v1/contact-groups", json=body, headers=headers)
    assert first.status_code == 201, first.text
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true", again.text
    assert again.json() == first.json() and again.headers["location"] == first.headers["location"]
    assert await cluster.count(select(func.count()).where(CaseRow.id == first.json()["id"])) == 1


async def test_one_idempotency_key_sent_to_both_instances_at_once_does_the_work_once(cluster):
    p = _persona("foreign-phone")
    municipality = p.person.receiving_municipality
    body = _create_body(p, TODAY + timedelta(days=10))
    headers = cluster.auth(municipality) | {"Idempotency-Key": "scale-out-race-1"}
    async with httpx.AsyncClient(timeout=30) as client:
        responses = await asyncio.gather(
            *(client.post(f"{cluster.brokers[i % 2]}/v1/contact-groups", json=body, headers=headers) for i in range(6))
        )
    done = [r for r in responses if r.status_code == 201]
    assert done, [r.text for r in responses]
    assert {r.json()["id"] for r in done} == {done[0].json()["id"]}, "every 201 is the one case"
    others = [r for r in responses if r.status_code != 201]
    assert {r.json()["code"] for r in others} <= {"idempotency_key_in_flight"}, [r.text for r in others]
    assert sum(r.headers.get("idempotent-replayed") != "true" for r in done) == 1, "the work was done once"


def _create_body(persona, handover: date) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {
        "cpr": persona.cpr,
        "receiving_municipality": persona.person.receiving_municipality,
        "contact_group": 27,
        "handover_date": handover.isoformat(),
    }
