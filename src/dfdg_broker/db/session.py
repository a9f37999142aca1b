"""Engine and sessions. How a request uses its transactions is ``db.unit_of_work``'s to say."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

from dfdg_broker.db.driver import SYNC_NORMAL, Driver, configure_sqlite_connection, use_wal
from dfdg_broker.protection import Protection

WRITE_TRANSACTION = "dfdg_write_transaction"
"""Execution option: this transaction will write (on SQLite it begins IMMEDIATE; elsewhere it changes nothing)."""


def create_engine(
    database_url: str, *, pool_size: int = 20, max_overflow: int = 0, pool_recycle_seconds: int = 1800
) -> AsyncEngine:
    """An engine that never echoes parameters (they hold CPR numbers) and, on SQLite, behaves as a server would:
    WAL, a busy timeout, foreign keys on, and write transactions that take the lock when they begin.

    No liveness ping on every checkout (a round trip per request): connections are recycled after
    ``pool_recycle_seconds``, and one that died anyway fails its request, which SQLAlchemy detects as a disconnect
    and answers by discarding the pool's connections (the request gets a 503, the next one a fresh connection)."""
    kwargs: dict[str, Any] = {"hide_parameters": True, "pool_pre_ping": False}
    if ":memory:" in database_url or "mode=memory" in database_url:
        kwargs["poolclass"] = StaticPool
    else:
        kwargs |= {"pool_size": pool_size, "max_overflow": max_overflow, "pool_recycle": pool_recycle_seconds}
    if database_url.startswith("sqlite"):
        kwargs["connect_args"] = {"timeout": 30}
    engine = create_async_engine(database_url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        configure_sqlite_connection(dbapi_connection)

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Under WAL a deferred (read) transaction never blocks the writer. But a deferred transaction that reads
        # and then writes fails at once with SQLITE_BUSY under contention, so a transaction that will write says
        # so up front (see ``WRITE_TRANSACTION``) and takes the write lock when it begins.
        write = conn.get_execution_options().get(WRITE_TRANSACTION, False)
        info = conn.connection.info  # the pooled connection's, for its life
        if write and not info.get(SYNC_NORMAL):  # before its first write, not as it opens (see SYNC_NORMAL); a
            conn.exec_driver_sql(SYNC_NORMAL)  # write takes the file's lock anyway, a read may not need the file
            info[SYNC_NORMAL] = True
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


class DatabaseUnreachable(RuntimeError):
    """The database did not answer at start-up; the message names where and why (never the password)."""


async def check_database(engine: AsyncEngine, timeout_seconds: float = 10.0) -> None:
    """Start-up check: one round trip, bounded. Raises ``DatabaseUnreachable`` with the reason.

    On SQLite it then makes sure the database is in WAL mode (``db.driver.use_wal``; a database made by
    ``dfdg-broker migrate`` already is). That reads the file, so it is not bounded by ``timeout_seconds``: a file
    another connection holds locked for a moment is busy, not unreachable, and is waited for up to the busy
    timeout."""
    where = engine.url.render_as_string(hide_password=True)
    try:
        async with asyncio.timeout(timeout_seconds), engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        if engine.dialect.name == "sqlite":
            async with engine.connect() as connection:  # no statement through SQLAlchemy: no BEGIN before it
                await connection.run_sync(lambda sync: use_wal(sync.connection.dbapi_connection))
    except TimeoutError:
        raise DatabaseUnreachable(f"the database at {where} did not answer within {timeout_seconds:g}s") from None
    except Exception as exc:  # the drivers raise OSError, their own errors or SQLAlchemy's: all mean the same
        reason = str(getattr(exc, "orig", None) or exc).splitlines()[0] or type(exc).__name__
        raise DatabaseUnreachable(f"the database at {where} is unreachable: {reason}") from None


PROTECTION = "dfdg_protection"
WRITE_GATE = "dfdg_write_gate"
WRITER = "dfdg_writer"


def create_sessionmaker(
    engine: AsyncEngine, protection: Protection, *, writer: Driver | None = None
) -> async_sessionmaker[AsyncSession]:
    """Sessions that carry the process's keys (``protection_of``): every repository seals and opens with them.

    On SQLite they also share a write gate (``write_gate``): SQLite lets one transaction write at a time, and this
    process's write phases queue for it there, in order, each starting the moment the last one ends. Without it they
    would wait in SQLite's busy handler, which polls with sleeps of up to 100 ms and serves no one in order: at 50
    concurrent creates a create waited seconds while the lock was mostly free. The busy timeout stays the fallback
    for other processes and the access-log writer.

    ``writer``: the driver on which a unit of work writes a whole batch at once (``UnitOfWork.write``)."""
    info: dict[str, object] = {PROTECTION: protection, WRITER: writer}
    if engine.dialect.name == "sqlite":
        info[WRITE_GATE] = asyncio.Lock()
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False, info=info)


def write_gate(session: AsyncSession) -> asyncio.Lock | None:
    """The lock a write phase holds on SQLite (see ``create_sessionmaker``); None elsewhere."""
    gate = session.info.get(WRITE_GATE)
    return gate if isinstance(gate, asyncio.Lock) else None


def writer_of(session: AsyncSession) -> Driver:
    """The driver a unit of work writes its batches on (``create_sessionmaker``)."""
    writer: Driver | None = session.info.get(WRITER)
    if writer is None:
        raise RuntimeError("this session was not made by create_sessionmaker(..., writer=driver)")
    return writer


def protection_of(session: AsyncSession) -> Protection:
    """The keys a session was made with (``create_sessionmaker``); a repository's one way to reach them."""
    protection = session.info.get(PROTECTION)
    if not isinstance(protection, Protection):
        raise RuntimeError("this session was not made by create_sessionmaker(engine, protection)")
    return protection
