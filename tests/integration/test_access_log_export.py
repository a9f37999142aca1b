"""`dfdg-broker access-log export` (JSON lines for a SIEM) and the retention purge of the access log (issue 11)."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, time

from typer.testing import CliRunner

from dfdg_broker.app import protection_from
from dfdg_broker.audit.repository import purge_access_log
from dfdg_broker.cli import app as cli
from dfdg_broker.db.session import create_engine, create_sessionmaker
from tests.conftest import TODAY
from tests.helpers import create_case, days


async def _export(database_url: str, *args: str) -> tuple[int, list[dict], str]:
    runner = CliRunner()
    result = await asyncio.to_thread(
        runner.invoke,
        cli,
        ["access-log", "export", *args],
        env={"DFDG_DATABASE_URL": database_url, "DFDG_ENVIRONMENT": "test"},
    )
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return result.exit_code, lines, result.stderr


async def _three_days_of_reads(client, auth, persona, clock) -> tuple[str, str]:
    """A create on TODAY, a read on TODAY+1 by the receiving municipality and a refused one by a stranger."""
    p = persona("complete-adult")
    case = await create_case(client, auth, p, TODAY + days(10))
    clock.set(TODAY + days(1))
    assert (await client.get(f"/v1/contact-groups/{case['id']}", headers=auth("101"))).status_code == 200
    assert (await client.get(f"/v1/contact-groups/{case['id']}", headers=auth("751"))).status_code == 404
    return case["id"], p.cpr


async def test_export_prints_one_json_line_per_row_in_time_order(client, auth, persona, clock, database_url):
    case_id, cpr = await _three_days_of_reads(client, auth, persona, clock)
    code, lines, stderr = await _export(database_url, "--since", TODAY.isoformat(), "--until", "2026-11-30")
    assert code == 0, stderr
    assert [(x["operation"], x["municipality"], x["outcome"]) for x in lines] == [
        ("create-case", "101", "ok"),
        ("read-case", "101", "ok"),
        ("read-case", "751", "denied"),
    ]
    assert {x["case_id"] for x in lines} == {case_id}
    assert lines[0]["at"] == "2026-11-23T12:00:00Z" and lines[1]["at"] == "2026-11-24T12:00:00Z"
    assert set(lines[0]) == {
        "id", "at", "subject", "client_id", "municipality", "case_id", "operation", "detail", "purpose",
        "correlation_id", "outcome", "status",
    }  # fmt: skip
    assert "3 access-log rows" in stderr
    assert cpr not in json.dumps(lines)


async def test_export_limits_by_time_and_by_municipality(client, auth, persona, clock, database_url):
    await _three_days_of_reads(client, auth, persona, clock)
    _, later, _ = await _export(database_url, "--since", "2026-11-24", "--until", "2026-11-25T00:00:00+00:00")
    assert [x["operation"] for x in later] == ["read-case", "read-case"], "since is inclusive"
    _, before, _ = await _export(database_url, "--since", "2026-11-01", "--until", "2026-11-23T12:00:00Z")
    assert before == [], "until is exclusive"
    _, stranger, _ = await _export(
        database_url, "--since", "2026-11-01", "--until", "2026-12-01", "--municipality", "751"
    )
    assert [(x["municipality"], x["outcome"]) for x in stranger] == [("751", "denied")]


async def test_export_refuses_bad_arguments(database_url):
    for args in (
        ("--since", "yesterday", "--until", "2026-12-01"),
        ("--since", "2026-12-01", "--until", "2026-11-01"),
        ("--since", "2026-11-01", "--until", "2026-12-01", "--municipality", "999"),
    ):
        code, lines, _ = await _export(database_url, *args)
        assert code == 2 and lines == [], args


async def test_purge_deletes_the_rows_older_than_the_limit_once(client, auth, persona, clock, database_url, settings):
    await _three_days_of_reads(client, auth, persona, clock)
    engine = create_engine(database_url)
    try:
        limit = datetime.combine(TODAY + days(1), time(0), tzinfo=UTC)
        assert await purge_access_log(engine, limit) == 1  # the create, on TODAY
        assert await purge_access_log(engine, limit) == 0, "idempotent"
    finally:
        await engine.dispose()
    _, left, _ = await _export(database_url, "--since", "2026-11-01", "--until", "2026-12-01")
    assert [x["operation"] for x in left] == ["read-case", "read-case"]
    engine = create_engine(database_url)
    try:
        async with create_sessionmaker(
            engine, protection_from(settings)
        ).begin() as session:  # in the caller's transaction (dfdg-broker purge)
            assert await purge_access_log(session, datetime(2027, 1, 1, tzinfo=UTC)) == 2
    finally:
        await engine.dispose()
    assert (await _export(database_url, "--since", "2026-11-01", "--until", "2026-12-01"))[1] == []
