"""How the broker sets up its SQLite connections (``db.driver.configure_sqlite_connection``, ``use_wal``) and checks
the database at start-up (``db.session.check_database``).

The flake this is about: the start-up check, bounded at 10 s, once got no answer from SQLite under heavy load. A new
connection's set-up reads the file (it did with ``PRAGMA journal_mode=WAL``, and does with ``PRAGMA synchronous``),
so it waits, up to the busy timeout (30 s), while another connection holds the file's lock (the last one of a
process does, to checkpoint the log as it closes). A busy file is not an unreachable one: the check now waits it
out. These tests use SQLite files of their own, whatever database the suite runs on."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest

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


async def test_the_start_up_check_waits_out_a_lock_held_on_the_file_past_its_own_bound(tmp_path: Path):
    path = _database(tmp_path / "busy.db", wal=True)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    holder = _locked_for_good(path)
    try:
        began = time.monotonic()
        asyncio.get_running_loop().call_later(2.5, holder.close)
        await check_database(engine, timeout_seconds=1)  # it raised DatabaseUnreachable after 1 s
        assert time.monotonic() - began >= 2.4, "it waited for the lock"
    finally:
        holder.close()
        await engine.dispose()


def test_a_write_connection_for_the_event_loop_never_waits_for_a_held_lock(tmp_path: Path):
    """``SqliteDriver``'s writer on the event loop is set up with no busy timeout: a held lock is SQLITE_BUSY at
    once (the batch then goes to a thread), never a wait that stalls the loop."""
    path = _database(tmp_path / "writer.db", wal=True)
    holder = _locked_for_good(path)
    try:
        began = time.monotonic()
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            _on_loop_writer(str(path)).execute("BEGIN IMMEDIATE")
        assert time.monotonic() - began < 1
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


async def test_a_connection_has_its_busy_timeout_sync_level_and_foreign_keys(tmp_path: Path):
    path = _database(tmp_path / "settings.db", wal=True)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.connect() as connection:
            assert (await connection.exec_driver_sql("PRAGMA busy_timeout")).scalar_one() == 30000
            assert (await connection.exec_driver_sql("PRAGMA foreign_keys")).scalar_one() == 1
            assert (await connection.exec_driver_sql("PRAGMA synchronous")).scalar_one() == 1  # NORMAL
    finally:
        await engine.dispose()
