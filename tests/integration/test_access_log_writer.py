"""The group-commit writer of the access log (issue 14 item 6): rows of concurrent requests in one transaction,
each caller released only once its rows are committed; a failed batch fails every caller in it; bounded; drains
and stops cleanly."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from dfdg_broker import metrics
from dfdg_broker.audit.errors import AccessLogUnavailable
from dfdg_broker.audit.records import AccessEntry, Outcome
from dfdg_broker.audit.writer import GroupCommitWriter
from dfdg_broker.db.driver import Driver, driver_for
from dfdg_broker.db.models import AccessLogRow
from dfdg_broker.db.session import WRITE_TRANSACTION, create_engine


def _entry(case_id: str) -> AccessEntry:
    return AccessEntry(
        at=datetime(2026, 11, 23, 12, tzinfo=UTC),
        subject="test",
        client_id="kommune-101",
        municipality="101",
        case_id=case_id,
        operation="read-case",
        detail=None,
        purpose="scope cases:read",
        correlation_id=None,
        outcome=Outcome.OK,
        status=200,
    )


@pytest.fixture
async def engine(database_url):
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def driver(engine) -> AsyncIterator[Driver]:
    driver = driver_for(engine, connections=1)
    yield driver
    await driver.aclose()


@pytest.fixture
async def writer(driver) -> AsyncIterator[GroupCommitWriter]:
    writer = GroupCommitWriter(driver, queue_size=100, batch_rows=500)
    writer.start()
    yield writer
    await writer.aclose()


async def _count(engine) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(AccessLogRow)))


async def test_concurrent_writes_are_committed_together_and_each_caller_waits_for_its_commit(writer, engine):
    twenty_before = _sample("dfdg_access_log_batch_rows_bucket", le="32.0") - _sample(
        "dfdg_access_log_batch_rows_bucket", le="16.0"
    )
    await asyncio.gather(*(writer.write([_entry(f"cg_{i}")]) for i in range(20)))
    assert await _count(engine) == 20, "every caller returned after its row was committed"
    assert writer.batches == 1, "the 20 rows waiting together went in one transaction"
    twenty = _sample("dfdg_access_log_batch_rows_bucket", le="32.0") - _sample(
        "dfdg_access_log_batch_rows_bucket", le="16.0"
    )
    assert twenty == twenty_before + 1, "the batch size is in /metrics"


def _sample(name: str, **labels: str) -> float:
    return metrics.REGISTRY.get_sample_value(name, labels) or 0.0


async def test_a_failed_batch_fails_every_caller_in_it(writer, engine):
    failed_before = _sample("dfdg_access_log_unavailable_total", reason="failed")
    batches_before = _sample("dfdg_access_log_batches_total", result="failed")
    async with engine.begin() as connection:
        await connection.execute(text("ALTER TABLE access_log RENAME TO access_log_away"))
    try:
        results = await asyncio.gather(*(writer.write([_entry(f"cg_{i}")]) for i in range(5)), return_exceptions=True)
    finally:
        async with engine.begin() as connection:
            await connection.execute(text("ALTER TABLE access_log_away RENAME TO access_log"))
    assert all(isinstance(r, AccessLogUnavailable) for r in results), results
    assert _sample("dfdg_access_log_unavailable_total", reason="failed") == failed_before + 5, "counted for operators"
    assert _sample("dfdg_access_log_batches_total", result="failed") == batches_before + 1
    await writer.write([_entry("cg_after")])
    assert await _count(engine) == 1, "the writer carries on after a failed batch"


async def test_a_full_queue_answers_at_once_rather_than_piling_up(engine, driver):
    writer = GroupCommitWriter(driver, queue_size=1, batch_rows=500)
    writer.start()
    try:
        results = await asyncio.gather(*(writer.write([_entry(f"cg_{i}")]) for i in range(3)), return_exceptions=True)
    finally:
        await writer.aclose()
    assert results[0] is None and all(isinstance(r, AccessLogUnavailable) for r in results[1:]), results
    assert await _count(engine) == 1


async def test_closing_writes_what_is_queued_then_refuses(engine, driver):
    writer = GroupCommitWriter(driver, queue_size=100, batch_rows=3)
    writer.start()
    pending = [asyncio.create_task(writer.write([_entry(f"cg_{i}")])) for i in range(7)]
    await asyncio.sleep(0)  # all seven queued
    await writer.aclose()
    await asyncio.gather(*pending)
    assert await _count(engine) == 7
    assert writer.batches >= 3, "batches are bounded by batch_rows"
    with pytest.raises(AccessLogUnavailable):
        await writer.write([_entry("cg_late")])


async def test_a_commit_that_hangs_answers_unavailable_in_bounded_time_and_the_rows_follow(
    engine, driver, database_url
):
    """The database holds a lock the writer needs (another writer on SQLite, a table lock on PostgreSQL): the
    caller gets ``AccessLogUnavailable`` after ``wait_seconds``, not a hang; once the lock goes the row is written."""
    writer = GroupCommitWriter(driver, queue_size=10, batch_rows=10, linger_seconds=0, wait_seconds=0.3)
    writer.start()
    blocker = create_engine(database_url)
    try:
        async with blocker.connect() as connection:
            if connection.dialect.name == "sqlite":  # the one write lock, taken and held
                await (await connection.execution_options(**{WRITE_TRANSACTION: True})).begin()
            else:
                await connection.begin()
                await connection.execute(text("LOCK TABLE access_log IN ACCESS EXCLUSIVE MODE"))
            started = asyncio.get_running_loop().time()
            with pytest.raises(AccessLogUnavailable):
                await writer.write([_entry("cg_late")])
            assert asyncio.get_running_loop().time() - started < 5
            await connection.rollback()
        await writer.aclose()
    finally:
        await blocker.dispose()
    assert await _count(engine) == 1, "the row was written once the lock was gone: logged, though nothing was sent"
