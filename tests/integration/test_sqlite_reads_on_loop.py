"""SQLite point reads on the event loop (``db.driver.SqliteDriver``, ``DriverStatement(point_read=True)``): the
frozen check skips the hop to a thread, but a read that could stall the loop (a lock, a slow disk) goes to the
thread instead."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, bindparam, select
from sqlalchemy.ext.asyncio import create_async_engine

from dfdg_broker.db.driver import DriverStatement, SqliteDriver
from tests.helpers import SteppingClock, loop_keeps_ticking, things_database

_table = Table("things", MetaData(), Column("id", Integer, primary_key=True), Column("name", String))
_BY_ID = select(_table.c.name).where(_table.c.id == bindparam("id"))


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return things_database(tmp_path / "reads.db", (1, "one"))


@pytest.fixture
async def driver(database: Path) -> AsyncIterator[tuple[SqliteDriver, DriverStatement, SteppingClock, list[str]]]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{database}")
    clock = SteppingClock()
    driver = SqliteDriver(engine, 1, clock=clock)
    to_thread: list[str] = []
    run = driver._run

    async def counted(function, *args):  # type: ignore[no-untyped-def]
        to_thread.append(function.__name__)
        return await run(function, *args)

    driver._run = counted  # type: ignore[method-assign]
    yield driver, DriverStatement(_BY_ID, engine.dialect, point_read=True), clock, to_thread
    await driver.aclose()
    await engine.dispose()


async def test_a_point_read_runs_on_the_event_loop(driver):
    sqlite, by_id, _clock, to_thread = driver
    assert await sqlite.fetch_one(by_id, {"id": 1}) == ("one",)
    assert await sqlite.fetch_one(by_id, {"id": 2}) is None
    assert to_thread == []


async def test_other_reads_go_to_the_thread(database):
    engine = create_async_engine(f"sqlite+aiosqlite:///{database}")
    driver = SqliteDriver(engine, 1)
    try:
        assert await driver.fetch_one(DriverStatement(_BY_ID, engine.dialect), {"id": 1}) == ("one",)
        assert driver._on_loop is None and len(driver._all) == 1
    finally:
        await driver.aclose()
        await engine.dispose()


async def test_a_locked_database_sends_the_read_to_a_thread_and_the_loop_runs_on_while_it_waits(database, driver):
    sqlite, by_id, _clock, to_thread = driver
    holder = sqlite3.connect(database, isolation_level=None)  # takes the lock for good: nobody may read
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO things VALUES (2, 'two')")
    holder.execute("COMMIT")
    asyncio.get_running_loop().call_later(0.3, holder.close)
    async with loop_keeps_ticking(at_least_seconds=0.25):  # the thread waited for the lock, not the loop
        assert await sqlite.fetch_one(by_id, {"id": 2}) == ("two",), "read by the thread once the lock is gone"
    assert to_thread == ["_fetch_one"]
    assert await sqlite.fetch_one(by_id, {"id": 1}) == ("one",)
    assert to_thread == ["_fetch_one"], "the next read is on the loop again"


async def test_after_slow_reads_in_a_row_the_reads_go_to_a_thread_for_a_while(driver):
    sqlite, by_id, clock, to_thread = driver
    clock.step = SqliteDriver.ON_LOOP_SLOW_SECONDS * 3
    for _ in range(SqliteDriver.ON_LOOP_SLOW_READS):
        assert await sqlite.fetch_one(by_id, {"id": 1}) == ("one",)
    assert to_thread == [], "the slow reads themselves were answered on the loop"
    clock.step = 0.0
    assert await sqlite.fetch_one(by_id, {"id": 1}) == ("one",)
    assert to_thread == ["_fetch_one"]
    clock.now += SqliteDriver.ON_LOOP_PAUSE_SECONDS
    assert await sqlite.fetch_one(by_id, {"id": 1}) == ("one",)
    assert to_thread == ["_fetch_one"], "on the loop again after the pause"


async def test_a_single_slow_read_keeps_the_reads_on_the_loop(driver):
    """One slow read among fast ones is the machine (the process waited for a core), not the database."""
    sqlite, by_id, clock, to_thread = driver
    for _ in range(3):
        clock.step = SqliteDriver.ON_LOOP_SLOW_SECONDS * 3
        for _ in range(SqliteDriver.ON_LOOP_SLOW_READS - 1):
            assert await sqlite.fetch_one(by_id, {"id": 1}) == ("one",)
        clock.step = 0.0
        assert await sqlite.fetch_one(by_id, {"id": 1}) == ("one",)
    assert to_thread == []


async def test_a_failing_connection_on_the_loop_is_replaced_and_the_read_goes_to_a_thread(driver):
    sqlite, by_id, _clock, to_thread = driver
    assert await sqlite.fetch_one(by_id, {"id": 1}) == ("one",)
    assert sqlite._on_loop is not None
    sqlite._on_loop.close()  # any sqlite3 error but BUSY
    assert await sqlite.fetch_one(by_id, {"id": 1}) == ("one",)
    assert to_thread == ["_fetch_one"]
    assert await sqlite.fetch_one(by_id, {"id": 1}) == ("one",)
    assert to_thread == ["_fetch_one"], "a new connection on the loop"
