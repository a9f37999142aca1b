"""Every SQLite connection the broker opens (the engine's and ``db.driver``'s) to its (WAL) database is set up the
same way: NORMAL sync by its first write (atomic and crash-safe under WAL, no fsync per COMMIT: issue 14),
foreign keys on, a busy timeout."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import text

from dfdg_broker.db.driver import _SqliteConnection
from dfdg_broker.db.session import WRITE_TRANSACTION, create_engine

_NORMAL = 1  # PRAGMA synchronous: 0 OFF, 1 NORMAL, 2 FULL (SQLite's default), 3 EXTRA


def _wal_database(path: Path) -> str:
    """A database file in WAL mode, as ``dfdg-broker migrate`` leaves it (the mode is the file's)."""
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.close()
    return str(path)


def _settings(connection: sqlite3.Connection) -> tuple[str, int, int, int]:
    return (
        connection.execute("PRAGMA journal_mode").fetchone()[0],
        connection.execute("PRAGMA synchronous").fetchone()[0],
        connection.execute("PRAGMA foreign_keys").fetchone()[0],
        connection.execute("PRAGMA busy_timeout").fetchone()[0],
    )


def test_the_driver_s_connections_use_wal_with_normal_sync(tmp_path: Path) -> None:
    connection = _SqliteConnection(_wal_database(tmp_path / "driver.db")).connect()
    try:
        assert _settings(connection) == ("wal", _NORMAL, 1, 30000)
    finally:
        connection.close()


async def test_the_engine_s_connections_use_wal_with_normal_sync_once_they_write(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{_wal_database(tmp_path / 'engine.db')}")
    try:
        async with engine.connect() as connection:
            connection = await connection.execution_options(**{WRITE_TRANSACTION: True})
            await connection.begin()
            found = [
                (await connection.execute(text(f"PRAGMA {name}"))).scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            ]
        assert found == ["wal", _NORMAL, 1, 30000]
    finally:
        await engine.dispose()
