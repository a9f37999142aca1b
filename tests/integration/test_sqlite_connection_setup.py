"""How the broker sets up its SQLite connections (``db.driver.configure_sqlite_connection``, ``use_wal``): a new
connection does not read the database file, so it is not held up while another connection holds the file's lock,
and WAL is the database's own setting, made by the migrations and checked at start-up.

The flake this explains: the start-up check (bounded at 10 s) once got no answer from SQLite under heavy load.
Every new connection ran ``PRAGMA journal_mode=WAL``, which reads the file and so waits, up to the busy timeout
(30 s), while another connection holds the file's lock (the last one of a process does, to checkpoint the log as it
closes). These tests use SQLite files of their own, whatever database the suite runs on."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from dfdg_broker.db.driver import _on_loop_writer
from dfdg_broker.db.migrate import upgrade
from dfdg_broker.db.session import check_database, create_engine


def _journal_mode(path: Path) -> str:
    connection = sqlite3.connect(path)
    try:
        return str(connection.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        connection.close()


def _locked_for_good(path: Path) -> sqlite3.Connection:
    """A connection that holds the file's exclusive lock until it is closed (as one checkpointing at close does)."""
    holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    holder.execute("PRAGMA locking_mode=EXCLUSIVE")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO things VALUES (2)")
    holder.execute("COMMIT")
    return holder


def _database(path: Path, *, wal: bool) -> Path:
    connection = sqlite3.connect(path, isolation_level=None)
    if wal:
        connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE things (id INTEGER PRIMARY KEY)")
    connection.execute("INSERT INTO things VALUES (1)")
    connection.close()
    return path


async def test_a_new_connection_is_not_held_up_by_a_lock_on_the_file_and_the_start_up_check_waits_it_out(
    tmp_path: Path,
):
    path = _database(tmp_path / "busy.db", wal=True)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    holder = _locked_for_good(path)
    try:
        async with asyncio.timeout(10), engine.connect() as connection:  # it waited 30 s here (the busy timeout)
            assert (await connection.execute(text("SELECT 1"))).scalar_one() == 1
        # The check's bounded part (2 s here) answers without the file; making sure of WAL waits for the lock.
        began = time.monotonic()
        asyncio.get_running_loop().call_later(2.5, holder.close)
        await check_database(engine, timeout_seconds=2)
        assert time.monotonic() - began >= 2.4, "it waited for the lock rather than failing"
    finally:
        holder.close()
        await engine.dispose()


def test_the_event_loop_s_writer_connection_never_waits_for_a_held_lock(tmp_path: Path):
    """``SqliteDriver``'s writer on the event loop sets its sync level before its first batch, with no busy timeout:
    under a lock another connection holds, that is SQLITE_BUSY at once (the batch then goes to a thread), never a
    wait that stalls the loop."""
    path = _database(tmp_path / "writer.db", wal=True)
    holder = _locked_for_good(path)
    try:
        began = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            _on_loop_writer(str(path))
        assert time.monotonic() - began < 2  # at once: not the 30 s busy timeout, with room for a loaded machine
    finally:
        holder.close()
    writer = _on_loop_writer(str(path))
    try:
        assert writer.execute("PRAGMA busy_timeout").fetchone() == (0,)
    finally:
        writer.close()


async def test_the_start_up_check_puts_a_database_in_wal_mode(tmp_path: Path):
    path = _database(tmp_path / "rollback.db", wal=False)
    assert _journal_mode(path) == "delete"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await check_database(engine)
    finally:
        await engine.dispose()
    assert _journal_mode(path) == "wal"


async def test_the_migrations_make_a_new_database_wal(tmp_path: Path):
    path = tmp_path / "new.db"
    await asyncio.to_thread(upgrade, f"sqlite+aiosqlite:///{path}", configure_logging=False)
    assert _journal_mode(path) == "wal"


async def test_a_connection_has_its_busy_timeout_and_foreign_keys(tmp_path: Path):
    path = _database(tmp_path / "settings.db", wal=True)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.connect() as connection:
            assert (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar_one() == 30000
            assert (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar_one() == 1
    finally:
        await engine.dispose()
