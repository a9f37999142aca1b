"""The access log (issue 11): every read or change of a case's personal data leaves one row, committed before
anything is sent; if the row cannot be written, the request fails and nothing is sent or changed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select, text

from dfdg_broker.db.models import AccessLogRow, CaseConversationRow
from dfdg_broker.db.session import create_engine
from tests.conftest import TODAY
from tests.helpers import create_case, days


async def _rows(database_url: str) -> list[AccessLogRow]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            result = await connection.execute(select(AccessLogRow.__table__).order_by(AccessLogRow.id))
            return list(result.all())  # type: ignore[arg-type]
    finally:
        await engine.dispose()


async def _ddl(database_url: str, statement: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def _case(client, auth, persona) -> dict:
    return await create_case(client, auth, persona("complete-adult"), TODAY + days(10))


async def test_a_case_read_writes_one_row_naming_who_what_why(client, auth, persona, database_url):
    case = await _case(client, auth, persona)
    before = len(await _rows(database_url))
    response = await client.get(
        f"/v1/contact-groups/{case['id']}",
        headers=auth("101") | {"X-Purpose": "Opfølgning § 5".encode(), "X-Correlation-ID": "corr-0001"},
    )
    assert response.status_code == 200
    rows = await _rows(database_url)
    assert len(rows) == before + 1
    row = rows[-1]
    assert (row.case_id, row.operation, row.outcome, row.status) == (case["id"], "read-case", "ok", 200)
    assert (row.municipality, row.subject) == ("101", "test")
    assert row.client_id and row.purpose == "Opfølgning § 5"
    assert row.correlation_id == "corr-0001"


async def test_a_read_whose_row_cannot_be_written_fails_and_sends_nothing(
    client, auth, persona, clock, database_url, access_log_broken_later
):
    case = await _case(client, auth, persona)
    clock.set(TODAY + days(11))  # DA1 frozen: the cached hot path is covered too
    cv = f"/v1/contact-groups/{case['id']}/data-areas/cv"
    assert (await client.get(cv, headers=auth("101"))).status_code == 200
    async with access_log_broken_later():
        for path in (f"/v1/contact-groups/{case['id']}", cv, cv):
            response = await client.get(path, headers=auth("101"))
            assert response.status_code == 503, path
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["code"] == "access_log_unavailable"
            assert "handover_date" not in response.text and "provenance" not in response.text
    assert (await client.get(cv, headers=auth("101"))).status_code == 200, "the log back, reads work again"


async def test_a_change_whose_row_cannot_be_written_is_rolled_back(
    client, auth, persona, database_url, access_log_broken_later
):
    case = await _case(client, auth, persona)
    async with access_log_broken_later():
        response = await client.post(
            f"/v1/contact-groups/{case['id']}/conversations",
            json={"held_on": TODAY.isoformat(), "kind": "visitation"},
            headers=auth("101"),
        )
        assert response.status_code == 503, response.text
        assert response.json()["code"] == "access_log_unavailable"
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            held = await connection.scalar(select(func.count()).select_from(CaseConversationRow))
    finally:
        await engine.dispose()
    assert held == 0, "the conversation was stored without its access-log row"


async def test_concurrent_reads_share_a_commit_and_each_has_its_row(app, client, auth, persona, database_url):
    from dfdg_broker.audit.dependencies import ACCESS_LOG_WRITER

    case = await _case(client, auth, persona)
    writer = ACCESS_LOG_WRITER.get(app)
    before_rows, before_batches = len(await _rows(database_url)), writer.batches
    responses = await asyncio.gather(
        *(client.get(f"/v1/contact-groups/{case['id']}", headers=auth("101")) for _ in range(12))
    )
    assert all(r.status_code == 200 for r in responses)
    assert len(await _rows(database_url)) == before_rows + 12
    assert writer.batches - before_batches < 12, "some rows were committed together"


@pytest.fixture
def access_log_broken_later(database_url):
    """``async with access_log_broken_later():`` breaks the access log for the block only (after the set-up)."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def broken() -> AsyncIterator[None]:
        await _ddl(database_url, "ALTER TABLE access_log RENAME TO access_log_away")
        try:
            yield
        finally:
            await _ddl(database_url, "ALTER TABLE access_log_away RENAME TO access_log")

    return broken
