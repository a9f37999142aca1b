"""The image's entrypoint commands, run as the container would run them but outside one (no container engine on
the development machines): `dfdg-broker migrate` against a fresh database, concurrently from several replicas,
then `dfdg-broker serve` until /readyz answers, and the fail-fast start-up."""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text

from dfdg_broker.db.session import create_engine
from dfdg_broker.health import expected_schema_revision
from tests import helpers
from tests.helpers import PRODUCTION_DATA_KEYS, PRODUCTION_LOOKUP_KEYS

ROOT = Path(__file__).resolve().parents[2]
CLI = str(Path(sys.executable).with_name("dfdg-broker"))
SECRET = secrets.token_urlsafe(48)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
async def fresh_database(tmp_path) -> str:
    """A database of its own (never the suite's): PostgreSQL when the suite runs on it, else a SQLite file."""
    return await helpers.fresh_database(os.environ.get("DFDG_TEST_DATABASE_URL", ""), tmp_path, "deploy")


def _env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DFDG_")}
    env |= {
        "DFDG_DATABASE_URL": database_url,
        "DFDG_DATA_KEYS": PRODUCTION_DATA_KEYS,
        "DFDG_CPR_LOOKUP_KEYS": PRODUCTION_LOOKUP_KEYS,
        "DFDG_ALEMBIC_INI": str(ROOT / "alembic.ini"),
        "DFDG_LOG_FORMAT": "json",
    }
    if database_url.startswith("postgresql"):  # as the image runs: production (tokens from an identity provider)
        return env | {"DFDG_ENVIRONMENT": "production", "DFDG_OIDC_ISSUER": "https://idp.example.invalid"}
    return env | {"DFDG_ENVIRONMENT": "test", "DFDG_JWT_SECRET": SECRET}


def _run(command: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(command, env=env, cwd=ROOT, capture_output=True, timeout=120, check=False)


async def _revision(database_url: str) -> list[str]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return list((await connection.execute(text("SELECT version_num FROM alembic_version"))).scalars())
    finally:
        await engine.dispose()


def _start_serving(port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [CLI, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


@pytest.fixture
def serve(fresh_database) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    process = _start_serving(port, _env(fresh_database))
    try:
        yield f"http://127.0.0.1:{port}", process
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


async def _wait_until_answering(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient() as client:
        while time.monotonic() < deadline:
            assert process.poll() is None, process.stderr.read().decode() if process.stderr else ""
            try:
                await client.get(url + "/livez")
                return
            except httpx.TransportError:
                await asyncio.sleep(0.2)
    raise AssertionError("the broker did not start within 30 s")


async def test_entrypoint_commands_migrate_then_serve_against_a_fresh_database(fresh_database, serve):
    migrated = await asyncio.to_thread(_run, [CLI, "migrate"], _env(fresh_database))
    assert migrated.returncode == 0, migrated.stderr.decode()
    url, process = serve
    await _wait_until_answering(url, process)
    async with httpx.AsyncClient(base_url=url) as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert (await client.get("/version")).json()["schema_revision"] == expected_schema_revision()
        assert "dfdg_http_requests_total" in (await client.get("/metrics")).text
    swept = await asyncio.to_thread(_run, [CLI, "sweep"], _env(fresh_database))
    assert swept.returncode == 0 and b"sweep: 0 takeover-day area(s) read" in swept.stdout, swept.stderr
    purged = await asyncio.to_thread(_run, [CLI, "purge", "--dry-run"], _env(fresh_database))
    assert purged.returncode == 0 and b"purge: would erase 0 case(s)" in purged.stdout, purged.stderr
    version = await asyncio.to_thread(_run, [CLI, "--version"], _env(fresh_database))
    assert expected_schema_revision() in version.stdout.decode()


ON_POSTGRESQL = os.environ.get("DFDG_TEST_DATABASE_URL", "").startswith("postgresql")


@pytest.mark.skipif(not ON_POSTGRESQL, reason="the advisory lock is PostgreSQL's")
async def test_concurrent_migrate_runs_are_safe(fresh_database):
    """Three replicas start at once: one migrates, the others wait for its lock and find nothing to do."""
    outcomes = await asyncio.gather(
        *(asyncio.to_thread(_run, [CLI, "migrate"], _env(fresh_database)) for _ in range(3))
    )
    assert [done.returncode for done in outcomes] == [0, 0, 0], [done.stderr for done in outcomes]
    assert await _revision(fresh_database) == [expected_schema_revision()]


def test_start_up_fails_fast_with_a_clear_message_when_the_database_is_unreachable():
    env = _env("postgresql+asyncpg://dfdg:secret-password@127.0.0.1:1/dfdg")
    for command in (["serve", "--port", str(_free_port())], ["migrate"]):
        started = time.monotonic()
        done = subprocess.run([CLI, *command], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, done.stderr
        assert "refusing to start: the database at postgresql+asyncpg://dfdg:***@127.0.0.1:1/dfdg" in done.stderr
        assert "secret-password" not in done.stderr
        assert time.monotonic() - started < 30


def test_refused_settings_name_the_variable_and_misspelt_ones_are_warned_about(tmp_path):
    env = _env(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}") | {
        "DFDG_PORT": "70000",
        "DFDG_UPSTREAM_BASE_URL": "not-a-url",
    }
    done = subprocess.run([CLI, "serve"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "DFDG_PORT: Input should be less than or equal to 65535" in done.stderr
    assert "DFDG_UPSTREAM_BASE_URL: must be an http:// or https:// URL" in done.stderr
    env = _env(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    env |= {"DFDG_ENVIRONMENT": "production", "DFDG_OIDC_ISSUER": "https://idp.example.invalid"}
    env.pop("DFDG_JWT_SECRET")
    done = subprocess.run([CLI, "migrate"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert "DFDG_DATABASE_URL must name PostgreSQL" in done.stderr
    env = _env(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}") | {"DFDG_DATABSE_URL": "x"}
    done = subprocess.run([CLI, "migrate"], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "DFDG_DATABSE_URL is not a setting and is ignored (did you mean DFDG_DATABASE_URL?)" in done.stderr


async def test_serve_with_two_workers_configures_logging_and_checks_the_schema_in_each_worker(fresh_database):
    """DFDG_WORKERS=2: uvicorn spawns fresh worker processes, which inherit no logging configuration. Each must log
    as the single process does (JSON lines here) and run the same start-up checks (database, schema revision)."""
    migrated = await asyncio.to_thread(_run, [CLI, "migrate"], _env(fresh_database))
    assert migrated.returncode == 0, migrated.stderr.decode()
    port = _free_port()
    process = _start_serving(port, _env(fresh_database) | {"DFDG_WORKERS": "2", "DFDG_LOG_LEVEL": "INFO"})
    try:
        await _wait_until_answering(f"http://127.0.0.1:{port}", process)
        lines: list[dict[str, object]] = []
        deadline = time.monotonic() + 30
        assert process.stderr is not None
        os.set_blocking(process.stderr.fileno(), False)
        buffered = b""
        while time.monotonic() < deadline and len(_start_up_lines(lines)) < 2:
            buffered += process.stderr.read() or b""
            *complete, buffered = buffered.split(b"\n")
            for raw in complete:
                assert raw.startswith(b"{"), f"a line that is not JSON: {raw!r}"
                lines.append(json.loads(raw))
            await asyncio.sleep(0.1)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
    started = _start_up_lines(lines)
    assert len({line["process"] for line in started}) == 2, lines
    assert process.pid not in {line["process"] for line in started}, "the checks ran in the workers"
    assert all(line["level"] == "INFO" and "schema ok" in str(line["message"]) for line in started), started
    assert all(line.get("correlation_id") for line in lines)


def _start_up_lines(lines: list[dict[str, object]]) -> list[dict[str, object]]:
    return [line for line in lines if str(line.get("message", "")).startswith("start-up checks passed")]
