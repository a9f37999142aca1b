"""SQLite write batches on the event loop (``db.driver.SqliteDriver.write``, a create's rows): no hop to a thread
and back, but a batch that would wait for the lock goes to the thread instead, and the loop's connection never
syncs the disk (its checkpoints run on a thread)."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert
from sqlalchemy.ext.asyncio import create_async_engine

from dfdg_broker.db.driver import SqliteDriver, UniqueViolation, WriteBatch
from tests.helpers import SteppingClock, loop_keeps_ticking, sqlite_thread_hops, things_database

_table = Table("things", MetaData(), Column("id", Integer, primary_key=True), Column("name", String))
_INSERT = insert(_table)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return things_database(tmp_path / "writes.db")


@pytest.fixture
async def driver(database: Path, monkeypatch) -> AsyncIterator[tuple[SqliteDriver, SteppingClock, list[str]]]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{database}")
    clock = SteppingClock()
    driver = SqliteDriver(engine, 1, clock=clock)
    to_thread = sqlite_thread_hops(monkeypatch)
    yield driver, clock, to_thread
    await driver.aclose()
    await engine.dispose()


def batch(*ids: int) -> WriteBatch:
    written = WriteBatch()
    written.add(_INSERT, [{"id": i, "name": f"n{i}"} for i in ids])
    return written


def stored(database: Path) -> list[int]:
    connection = sqlite3.connect(database)
    try:
        return [row[0] for row in connection.execute("SELECT id FROM things ORDER BY id")]
    finally:
        connection.close()


def wal_size(database: Path) -> int:
    return Path(f"{database}-wal").stat().st_size


async def test_a_batch_is_written_on_the_event_loop(database, driver):
    sqlite, _clock, to_thread = driver
    await sqlite.write(batch(1, 2))
    assert stored(database) == [1, 2], "committed: every other connection sees it"
    assert to_thread == []


async def test_a_unique_key_on_the_loop_stops_the_whole_batch_and_the_next_one_is_written(database, driver):
    sqlite, _clock, to_thread = driver
    await sqlite.write(batch(1))
    with pytest.raises(UniqueViolation):
        await sqlite.write(batch(2, 1))
    assert stored(database) == [1], "nothing of the stopped batch"
    await sqlite.write(batch(3))
    assert stored(database) == [1, 3]
    assert to_thread == []


async def test_a_locked_database_sends_the_batch_to_a_thread_and_the_loop_runs_on_while_it_waits(database, driver):
    sqlite, _clock, to_thread = driver
    holder = sqlite3.connect(database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # holds the write lock
    holder.execute("INSERT INTO things VALUES (9, 'nine')")
    asyncio.get_running_loop().call_later(0.3, lambda: (holder.execute("COMMIT"), holder.close()))
    async with loop_keeps_ticking(at_least_seconds=0.25):  # the thread waited for the lock, not the loop
        await sqlite.write(batch(1))
    assert to_thread == ["_write_all"]
    assert stored(database) == [1, 9]
    await sqlite.write(batch(2))
    assert to_thread == ["_write_all"], "the next batch is on the loop again"


async def test_the_loop_s_writer_never_checkpoints_itself_a_thread_does_and_the_wal_starts_over(database, driver):
    sqlite, _clock, to_thread = driver
    await sqlite.write(batch(1))
    writer = sqlite._on_loop_writer
    assert writer is not None
    assert writer.execute("PRAGMA wal_autocheckpoint").fetchone()[0] == 0
    assert writer.execute("PRAGMA synchronous").fetchone()[0] == 1  # NORMAL: a commit does not sync
    commits = SqliteDriver.ON_LOOP_CHECKPOINT_COMMITS
    for i in range(2, commits + 1):
        await sqlite.write(batch(i))
    assert to_thread == []
    await sqlite.write(batch(commits + 1))
    assert to_thread == ["_write_all_then_checkpoint"], "the batch after them, then the checkpoint, on a thread"
    size = wal_size(database)
    for round_ in range(1, 4):  # the WAL starts over after each checkpoint: it does not grow with the writes
        for i in range(commits + 1):
            await sqlite.write(batch(1000 * round_ + i))
        assert wal_size(database) <= size
    assert to_thread == ["_write_all_then_checkpoint"] * 4
    assert len(stored(database)) == 4 * (commits + 1)


async def test_after_slow_writes_in_a_row_the_batches_go_to_a_thread_for_a_while(database, driver):
    sqlite, clock, to_thread = driver
    clock.step = SqliteDriver.ON_LOOP_SLOW_SECONDS * 3
    for i in range(SqliteDriver.ON_LOOP_SLOW_READS):
        await sqlite.write(batch(i))
    assert to_thread == [], "the slow batches themselves were written on the loop"
    clock.step = 0.0
    await sqlite.write(batch(10))
    assert to_thread == ["_write_all"]
    clock.now += SqliteDriver.ON_LOOP_PAUSE_SECONDS
    await sqlite.write(batch(11))
    assert to_thread == ["_write_all"], "on the loop again after the pause"
    assert stored(database) == [*range(SqliteDriver.ON_LOOP_SLOW_READS), 10, 11]


async def test_a_failing_connection_on_the_loop_is_replaced_and_the_batch_goes_to_a_thread(database, driver):
    sqlite, _clock, to_thread = driver
    await sqlite.write(batch(1))
    assert sqlite._on_loop_writer is not None
    sqlite._on_loop_writer.close()  # any sqlite3 error but BUSY
    await sqlite.write(batch(2))
    assert to_thread == ["_write_all"]
    await sqlite.write(batch(3))
    assert to_thread == ["_write_all"], "a new connection on the loop"
    assert stored(database) == [1, 2, 3]


async def test_an_error_inside_the_transaction_on_the_loop_rolls_back_and_is_raised(database, driver):
    sqlite, _clock, to_thread = driver
    broken = WriteBatch()
    broken.add(_INSERT, [{"id": 1, "name": "one"}])
    broken.add(insert(Table("missing", MetaData(), Column("id", Integer))), [{"id": 1}])
    with pytest.raises(sqlite3.OperationalError):
        await sqlite.write(broken)
    assert stored(database) == [], "nothing of it"
    assert sqlite._on_loop_writer is None, "not used again"
    await sqlite.write(batch(2))
    assert stored(database) == [2]
    assert to_thread == []
