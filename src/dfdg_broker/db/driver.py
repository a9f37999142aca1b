"""Single statements of the hot paths, run straight on the driver: one round trip each, no Session.

A cached frozen read (issue 14) runs one SELECT (the check) and adds one access-log row; a case read is one SELECT
(``summary/repository.py``); a create writes its rows in one transaction (``WriteBatch``). Through the ORM each
costs more than the database's work: a Session and its transaction (BEGIN, COMMIT), the statement's cache key and
parameters; and on SQLite every step is a hop to aiosqlite's thread and back, each waiting for a turn of a busy
event loop (a SELECT and its commit made about six, an access-log batch about eight). A single statement needs
none of that: it is atomic on its own, so it runs in autocommit on a connection held for the purpose, in one
round trip (on SQLite: one hop to that connection's own thread, where a batch's transaction runs whole).

On SQLite a statement marked as a point read (``DriverStatement(..., point_read=True)``: a few rows by primary key,
like the frozen check) runs on the event loop itself, skipping the hop to a thread and back, which cost more than
the read (see ``SqliteDriver``).

The statements are still SQLAlchemy Core, compiled once for the engine's dialect (``DriverStatement``); their
column types convert the values as the ORM would (SQLite keeps dates and times as text). Everything else keeps
the unit of work.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from enum import Enum
from typing import Any, Generic, Literal, Protocol, TypeVar

from sqlalchemy import Dialect
from sqlalchemy.dialects.sqlite import DATE as SQLITE_DATE
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import TypeEngine

from dfdg_broker import tracing

log = logging.getLogger(__name__)

Row = tuple[Any, ...]
C = TypeVar("C")


class DriverStatement:
    """A Core statement compiled once for a dialect: its SQL in the driver's paramstyle, and how to turn named
    values into the driver's positional parameters and a driver's row into Python values."""

    __slots__ = ("_binds", "_converted", "_results", "point_read", "sql")

    def __init__(
        self,
        statement: ClauseElement,
        dialect: Dialect,
        *,
        point_read: bool = False,
        column_keys: Sequence[str] | None = None,
    ) -> None:
        """``point_read``: a read of a few rows by primary key, which SQLite may run on the event loop.
        ``column_keys``: for an INSERT of a table, the columns the rows give (the others keep their defaults)."""
        self.point_read = point_read
        compiled = statement.compile(dialect=dialect, column_keys=None if column_keys is None else list(column_keys))
        assert isinstance(compiled, SQLCompiler) and compiled.positiontup is not None, "a positional paramstyle"
        self.sql = str(compiled)
        self._binds = tuple(
            (name, _bind_processor(compiled.binds[name].type, dialect)) for name in compiled.positiontup
        )
        columns = getattr(statement, "selected_columns", ())
        self._results = tuple(_result_processor(column.type, dialect) for column in columns)
        # Only the columns whose type converts (dates, booleans, ...): most come from the driver as they are.
        self._converted = tuple((i, convert) for i, convert in enumerate(self._results) if convert is not None)

    def parameters(self, values: Mapping[str, Any]) -> Row:
        # a list, not a generator, into the tuple: a create binds ~12 rows, the generator's frames cost more
        return tuple([values[name] if convert is None else convert(values[name]) for name, convert in self._binds])

    def row(self, raw: Sequence[Any]) -> Row:
        if len(raw) != len(self._results):
            raise ValueError(f"a row of {len(raw)} columns for a statement selecting {len(self._results)}")
        if not self._converted:
            return tuple(raw)
        row = list(raw)
        for i, convert in self._converted:
            row[i] = convert(row[i])
        return tuple(row)


def _bind_processor(type_: TypeEngine[Any], dialect: Dialect) -> Any:
    impl = type_.dialect_impl(dialect)
    process = impl.bind_processor(dialect)
    if (
        process is not None
        and isinstance(impl, SQLITE_DATE)
        and getattr(impl, "_storage_format", None) == _SQLITE_DATE_FORMAT
    ):
        return _iso_date_or(process)
    return process


_SQLITE_DATE_FORMAT = "%(year)04d-%(month)02d-%(day)02d"
"""SQLite's ``DATE`` text, as SQLAlchemy writes it by default: a plain date's ``isoformat()``."""


def _iso_date_or(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """SQLAlchemy's SQLite ``DATE`` conversion, a plain date written as its ``isoformat()`` (the same text, without
    the format string and its dict: a create binds ~17 dates); anything else (None, a datetime, a wrong type) as
    SQLAlchemy converts or refuses it (tests/unit/test_driver_binds.py)."""

    def convert(value: Any) -> Any:
        return value.isoformat() if type(value) is date else process(value)

    return convert


def _result_processor(type_: TypeEngine[Any], dialect: Dialect) -> Any:
    return type_.dialect_impl(dialect).result_processor(dialect, None)


class WriteBatch:
    """The statements of one write transaction, in order, each with its rows: ``Driver.write`` runs them all or none.

    A statement is a single-row INSERT (a Core statement held for the life of the process, a module constant), compiled
    once per driver; it takes the columns the rows give."""

    __slots__ = ("steps",)

    def __init__(self) -> None:
        self.steps: list[tuple[ClauseElement, list[Mapping[str, Any]]]] = []

    def add(self, statement: ClauseElement, rows: Iterable[Mapping[str, Any]]) -> None:
        rows = list(rows)
        if rows:
            self.steps.append((statement, rows))


class UniqueViolation(Exception):
    """A write batch would have stored a unique key twice: nothing of it was written."""


class Driver(Protocol):
    dialect: Dialect

    async def fetch_one(self, statement: DriverStatement, values: Mapping[str, Any]) -> Row | None:
        """The first row of a SELECT, or None; one round trip, autocommit."""
        ...

    async def insert_all(self, statement: DriverStatement, rows: Sequence[Mapping[str, Any]]) -> None:
        """Insert every row or none (one transaction), in one round trip."""
        ...

    async def fetch_first(
        self, statement: ClauseElement, values: Mapping[str, Any], *, point_read: bool = False
    ) -> Row | None:
        """``fetch_one`` of a Core statement held for the life of the process, compiled on its first use
        (``point_read`` as for ``DriverStatement``)."""
        ...

    async def write(self, batch: WriteBatch) -> None:
        """Every statement of the batch in one transaction, all or none (``UniqueViolation`` if a unique key
        stopped it), in one round trip: on SQLite one hop to the connection's thread, on PostgreSQL one statement
        (``data_modifying_ctes``)."""
        ...

    async def aclose(self) -> None: ...


def driver_for(engine: AsyncEngine, connections: int) -> Driver:
    """``connections`` connections to ``engine``'s database, held for the life of the process: one statement at a
    time on each (an asyncpg connection runs one at a time; a SQLite connection has its one thread)."""
    if engine.dialect.name == "sqlite":
        return SqliteDriver(engine, connections)
    return AsyncpgDriver(engine, connections)


class _Lender(Generic[C]):
    """Lends each of a fixed number of connections to one caller at a time; opens them when first needed and
    opens a fresh one in place of a connection that failed (the server may have dropped it)."""

    def __init__(self, size: int, dialect: Dialect) -> None:
        self.dialect = dialect
        self._idle: asyncio.LifoQueue[C | None] = asyncio.LifoQueue()
        for _ in range(size):
            self._idle.put_nowait(None)
        self._all: list[C] = []
        self._compiled: dict[tuple[int, tuple[str, ...] | None, bool], tuple[ClauseElement, DriverStatement]] = {}

    async def fetch_one(self, statement: DriverStatement, values: Mapping[str, Any]) -> Row | None:
        raise NotImplementedError

    async def fetch_first(
        self, statement: ClauseElement, values: Mapping[str, Any], *, point_read: bool = False
    ) -> Row | None:
        return await self.fetch_one(self._compiled_once(statement, point_read=point_read), values)

    def _compiled_once(
        self, statement: ClauseElement, column_keys: tuple[str, ...] | None = None, *, point_read: bool = False
    ) -> DriverStatement:
        key = (id(statement), column_keys, point_read)
        held = self._compiled.get(key)
        if held is None:  # the statement is kept beside its id, so that id cannot be reused by another
            compiled = DriverStatement(statement, self.dialect, column_keys=column_keys, point_read=point_read)
            held = self._compiled[key] = (statement, compiled)
        return held[1]

    def _steps(self, batch: WriteBatch) -> list[tuple[str, list[Row]]]:
        """The batch as SQL and positional parameters; each statement compiled on its first use only."""
        steps = []
        for statement, rows in batch.steps:
            compiled = self._compiled_once(statement, tuple(rows[0]))
            steps.append((compiled.sql, [compiled.parameters(row) for row in rows]))
        return steps

    async def open(self) -> C:
        raise NotImplementedError

    async def discard(self, connection: C) -> None:
        raise NotImplementedError

    @asynccontextmanager
    async def lent(self) -> AsyncIterator[C]:
        connection = await self._idle.get()
        try:
            if connection is None:
                connection = await self.open()
                self._all.append(connection)
            yield connection
        except BaseException:
            if connection is not None:  # half-way through a statement, or broken: not lent again
                self._all.remove(connection)
                await self.discard(connection)
            connection = None
            raise
        finally:
            self._idle.put_nowait(connection)

    async def close_all(self) -> None:
        connections, self._all = self._all, []
        for connection in connections:
            await self.discard(connection)


SYNC_NORMAL = "PRAGMA synchronous=NORMAL"
"""Run on each SQLite connection that writes, before its first write transaction (not as it opens: this pragma
reads the schema, so it waits while another connection holds the file's lock; see ``configure_sqlite_connection``).
Under WAL, NORMAL is atomic and consistent and survives the process dying (a commit is in the WAL file, in the OS's
hands, before COMMIT returns); only a power loss or OS crash can roll back the last commits, never half of one. FULL
(SQLite's default) adds an fsync of the WAL to every COMMIT, made while this process's write gate is held: under a
create load a third of SQLite's write time, every write waiting behind it (issue 14). The WAL is still synced
before each checkpoint and the database after it."""


def configure_sqlite_connection(dbapi_connection: Any) -> None:
    """Every SQLite connection the broker opens (the engine's, and ``db.driver``'s plain ``sqlite3`` ones): the busy
    timeout first, then foreign keys; neither reads the database file (the sync level does: ``SYNC_NORMAL``, run
    before the first write). WAL is not set here: it is the database's own, lasting setting, made once by
    ``use_wal`` (migrations and the start-up check). Set on every connection, it read the file as the connection
    opened, so a new connection waited out the busy timeout (30 s)
    whenever another held the file's lock (the last connection of a process takes it to checkpoint the log as it
    closes): the start-up check, bounded at 10 s, then failed on a database that was only busy."""
    # Let SQLAlchemy (or db.driver), not the driver, decide when a transaction begins (see db.session).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def use_wal(dbapi_connection: Any) -> None:
    """Put the database in WAL mode (a no-op when it is): readers never block the writer, nor it them. Outside a
    transaction; waits for the file's lock up to the busy timeout. (An in-memory database stays in memory mode.)"""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
    finally:
        cursor.close()


class _SqliteConnection:
    """A plain ``sqlite3`` connection and the one thread that uses it."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-driver")
        self.connection: sqlite3.Connection | None = None

    def connect(self) -> sqlite3.Connection:
        if self.connection is None:
            connection = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            configure_sqlite_connection(connection)
            connection.execute(SYNC_NORMAL)  # connected right before its first statement, in its thread
            self.connection = connection
        return self.connection


class SqliteDriver(_Lender[_SqliteConnection]):
    """Each connection has its own thread (as aiosqlite's do); a statement, or a batch's whole transaction, is one
    hop there and back.

    A point read (``DriverStatement.point_read``) runs on the event loop instead, on a connection of its own,
    when that cannot stall the loop (the hop to a thread and back cost more than a point read by primary key: under
    load about a third of a cached frozen read's CPU, issue 14). The bounds: the connection is read-only and never
    waits for a lock (``timeout`` 0: SQLITE_BUSY at once, and the read goes to a thread, which waits there);
    ``ON_LOOP_SLOW_READS`` reads in a row each slower than ``ON_LOOP_SLOW_SECONDS`` (a cold page cache, a slow disk)
    send the reads to a thread for the next ``ON_LOOP_PAUSE_SECONDS``; any other error closes that connection and
    the read goes to a thread too.

    A write batch (``write``: a create's rows) runs on the event loop too, on a writer connection of its own, under
    the same bounds: BEGIN IMMEDIATE never waits (``timeout`` 0: when another connection holds the write lock the
    batch goes to a thread, which waits there), slow batches in a row send the batches to a thread for a while, any
    error but BUSY at BEGIN closes that connection (the batch then goes to a thread; an error after BEGIN rolls back
    and is raised, as on a thread). In a thread the batch paid a hop there and back, and every statement's return
    from SQLite waited for the GIL from the busy event loop, all while the write gate was held: under the create
    load the batch took about 1 ms of wall time per table (issue 14). A write on the loop must never sync the disk,
    so that connection never checkpoints (``wal_autocheckpoint=0``; under WAL with ``synchronous=NORMAL`` a commit
    does not sync): after ``ON_LOOP_CHECKPOINT_COMMITS`` of its commits, the next batch goes to a thread and a
    PASSIVE checkpoint follows its commit there, while the caller holds the write gate (``UnitOfWork``), as SQLite's
    own checkpoint runs inside the commit that crosses its threshold. No write of this process adds to the WAL
    meanwhile, so the checkpoint completes and the next write starts the WAL over; one running beside the writes
    never caught up, and the WAL grew by every create's pages (190 MB in 2,000 creates)."""

    ON_LOOP_SLOW_SECONDS = 0.02
    """Wall time, so it includes waiting for the GIL back from another thread (up to the 5 ms switch interval each
    time) and a collection of the garbage collector: at 2 ms that alone sent the reads to a thread under load."""
    ON_LOOP_SLOW_READS = 3
    """A slow disk makes every read slow; a single slow read is most often the process waiting for a core on a busy
    machine (preempted mid-read), which a thread would not avoid: on a 2-core machine under load one such read sent
    every read to a thread for the pause, at the cost of a hop each (issue 14)."""
    ON_LOOP_PAUSE_SECONDS = 10.0
    ON_LOOP_CHECKPOINT_COMMITS = 50
    """About SQLite's own default (a checkpoint after 1,000 pages of WAL) at a create's twenty-odd pages."""

    def __init__(
        self,
        engine: AsyncEngine,
        size: int,
        *,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        super().__init__(size, engine.dialect)
        path = engine.url.database
        if not path or path == ":memory:" or "mode=memory" in str(engine.url):
            raise ValueError("the broker needs a SQLite database file: an in-memory one exists in one connection")
        self._path = path
        self._clock = clock
        self._on_loop: sqlite3.Connection | None = None
        self._on_loop_paused_until = float("-inf")
        self._slow_in_a_row = 0
        self._on_loop_writer: sqlite3.Connection | None = None
        self._writes_paused_until = float("-inf")
        self._slow_writes_in_a_row = 0
        self._commits_since_checkpoint = 0

    async def open(self) -> _SqliteConnection:
        return _SqliteConnection(self._path)

    async def discard(self, connection: _SqliteConnection) -> None:
        def close() -> None:
            if connection.connection is not None:
                connection.connection.close()

        await asyncio.get_running_loop().run_in_executor(connection.thread, close)
        connection.thread.shutdown(wait=False)

    async def _run(self, function: Any, *args: Any) -> Any:
        async with self.lent() as connection:
            return await asyncio.get_running_loop().run_in_executor(connection.thread, function, connection, *args)

    async def fetch_one(self, statement: DriverStatement, values: Mapping[str, Any]) -> Row | None:
        parameters = statement.parameters(values)
        raw = self._fetch_on_loop(statement.sql, parameters) if statement.point_read else _NotOnLoop.TO_THREAD
        if raw is _NotOnLoop.TO_THREAD:
            raw = await self._run(_fetch_one, statement.sql, parameters)
        return None if raw is None else statement.row(raw)

    def _fetch_on_loop(self, sql: str, parameters: Row) -> Row | Literal[_NotOnLoop.TO_THREAD] | None:
        """The row (or None), or ``TO_THREAD``."""
        started = self._clock()
        if started < self._on_loop_paused_until:
            return _NotOnLoop.TO_THREAD
        try:
            if self._on_loop is None:
                self._on_loop = _read_only_connection(self._path)
            row: Row | None = self._on_loop.execute(sql, parameters).fetchone()
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                self._close_on_loop(exc)
            return _NotOnLoop.TO_THREAD
        except sqlite3.Error as exc:
            self._close_on_loop(exc)
            return _NotOnLoop.TO_THREAD
        finished = self._clock()
        self._slow_in_a_row = self._slow_in_a_row + 1 if finished - started > self.ON_LOOP_SLOW_SECONDS else 0
        if self._slow_in_a_row >= self.ON_LOOP_SLOW_READS:
            self._slow_in_a_row = 0
            self._on_loop_paused_until = finished + self.ON_LOOP_PAUSE_SECONDS
            log.info("reads on the event loop were slow: they go to a thread for %gs", self.ON_LOOP_PAUSE_SECONDS)
        return row

    def _close_on_loop(self, error: sqlite3.Error) -> None:
        log.warning("a read on the event loop failed (%s): the read goes to a thread", type(error).__name__)
        if self._on_loop is not None:
            self._on_loop.close()
            self._on_loop = None

    async def insert_all(self, statement: DriverStatement, rows: Sequence[Mapping[str, Any]]) -> None:
        await self._run(_write_all, [(statement.sql, [statement.parameters(row) for row in rows])])

    async def write(self, batch: WriteBatch) -> None:
        steps = self._steps(batch)
        with tracing.statements_span(self.dialect.name, [sql for sql, _rows in steps]):
            if self._commits_since_checkpoint >= self.ON_LOOP_CHECKPOINT_COMMITS:
                written = await self._run(_write_all_then_checkpoint, steps)
                self._commits_since_checkpoint = 0
            else:
                written = self._write_on_loop(steps)
                if written is _NotOnLoop.TO_THREAD:
                    written = await self._run(_write_all, steps)
        if not written:
            raise UniqueViolation  # raised here, not in the thread: the connection is sound, it is lent again

    def _write_on_loop(self, steps: list[tuple[str, list[Row]]]) -> bool | Literal[_NotOnLoop.TO_THREAD]:
        """Whether the batch was written (False: a unique key stopped it, nothing was), or ``TO_THREAD`` (nothing
        was tried)."""
        started = self._clock()
        if started < self._writes_paused_until:
            return _NotOnLoop.TO_THREAD
        try:
            if self._on_loop_writer is None:
                self._on_loop_writer = _on_loop_writer(self._path)
            writer = self._on_loop_writer
            writer.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            if not (isinstance(exc, sqlite3.OperationalError) and exc.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY):
                self._close_on_loop_writer(exc)
            return _NotOnLoop.TO_THREAD
        try:
            written = _in_transaction(writer, steps)
        except sqlite3.IntegrityError:
            raise  # rolled back: the connection is sound
        except BaseException:
            self._close_on_loop_writer(None)  # in a state nobody knows: not used again
            raise
        finished = self._clock()
        slow = finished - started > self.ON_LOOP_SLOW_SECONDS
        self._slow_writes_in_a_row = self._slow_writes_in_a_row + 1 if slow else 0
        if self._slow_writes_in_a_row >= self.ON_LOOP_SLOW_READS:
            self._slow_writes_in_a_row = 0
            self._writes_paused_until = finished + self.ON_LOOP_PAUSE_SECONDS
            log.info("writes on the event loop were slow: they go to a thread for %gs", self.ON_LOOP_PAUSE_SECONDS)
        self._commits_since_checkpoint += 1
        return written

    def _close_on_loop_writer(self, error: sqlite3.Error | None) -> None:
        if error is not None:
            log.warning("a write on the event loop failed (%s): the batch goes to a thread", type(error).__name__)
        if self._on_loop_writer is not None:
            self._on_loop_writer.close()
            self._on_loop_writer = None

    async def aclose(self) -> None:
        if self._on_loop is not None:
            self._on_loop.close()
            self._on_loop = None
        self._close_on_loop_writer(None)
        await self.close_all()


class _NotOnLoop(Enum):
    """What ``_fetch_on_loop`` answers when the read must go to a thread (a sentinel mypy tells from a row)."""

    TO_THREAD = 0


def _read_only_connection(path: str) -> sqlite3.Connection:
    """For reads on the event loop: never waits for a lock (``timeout=0``: SQLITE_BUSY at once, even while
    opening), never writes. The database's settings (WAL) are the other connections' business."""
    connection = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA query_only=1")
    return connection


def _on_loop_writer(path: str) -> sqlite3.Connection:
    """For write batches on the event loop: never waits for the lock (``timeout=0``, ``busy_timeout`` 0: SQLITE_BUSY
    at once, even for ``SYNC_NORMAL``), never checkpoints (a thread does: ``_write_all_then_checkpoint``)."""
    connection = sqlite3.connect(path, timeout=0, isolation_level=None, check_same_thread=False)
    try:
        configure_sqlite_connection(connection)
        connection.execute("PRAGMA busy_timeout=0")
        connection.execute("PRAGMA wal_autocheckpoint=0")
        connection.execute(SYNC_NORMAL)
    except BaseException:
        connection.close()
        raise
    return connection


def _write_all_then_checkpoint(connection: _SqliteConnection, steps: list[tuple[str, list[Row]]]) -> bool:
    """``_write_all``, then a PASSIVE checkpoint (see ``SqliteDriver``); a checkpoint that fails is left to the next
    one (the batch is committed either way)."""
    written = _write_all(connection, steps)
    try:
        connection.connect().execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    except sqlite3.Error as exc:
        log.warning("a checkpoint of the SQLite WAL failed (%s): the next one tries again", type(exc).__name__)
    return written


def _fetch_one(connection: _SqliteConnection, sql: str, parameters: Row) -> Row | None:
    row: Row | None = connection.connect().execute(sql, parameters).fetchone()
    return row


def _write_all(connection: _SqliteConnection, steps: list[tuple[str, list[Row]]]) -> bool:
    """One transaction; False when a unique key stopped it (rolled back)."""
    sqlite = connection.connect()
    sqlite.execute("BEGIN IMMEDIATE")  # the write lock up front (see db.session): never SQLITE_BUSY half-way
    return _in_transaction(sqlite, steps)


def _in_transaction(sqlite: sqlite3.Connection, steps: list[tuple[str, list[Row]]]) -> bool:
    """The steps and COMMIT in the transaction begun (IMMEDIATE); False when a unique key stopped them (rolled
    back), and any other error rolls back and is raised."""
    try:
        for sql, rows in steps:
            sqlite.executemany(sql, rows)
    except sqlite3.IntegrityError as exc:
        _roll_back(sqlite)
        if str(exc).startswith("UNIQUE constraint failed"):
            return False
        raise
    except BaseException:
        _roll_back(sqlite)
        raise
    sqlite.execute("COMMIT")
    return True


def _roll_back(sqlite: sqlite3.Connection) -> None:
    if sqlite.in_transaction:  # SQLite may have rolled back already (an I/O error, a full disk)
        sqlite.execute("ROLLBACK")


_UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE (asyncpg.UniqueViolationError)


@dataclass(frozen=True, slots=True)
class _PooledAsyncpg:
    pooled: AsyncConnection  # checked out of the engine's pool, held
    asyncpg: Any  # its asyncpg connection


class AsyncpgDriver(_Lender[_PooledAsyncpg]):
    """Connections of the engine's pool, checked out for good; statements go to asyncpg itself. Outside a
    transaction asyncpg runs a statement in autocommit, and its ``executemany`` is atomic on its own."""

    ONE_STATEMENT_SHAPES = 64
    """The batch shapes (statements and row counts) whose single statement is kept: a create has a handful."""

    def __init__(self, engine: AsyncEngine, size: int) -> None:
        super().__init__(size, engine.dialect)
        self._engine = engine
        self._statements: dict[tuple[tuple[str, int], ...], str] = {}

    def _one_statement(self, shape: tuple[tuple[str, int], ...]) -> str:
        """The batch as one statement (``data_modifying_ctes``), built once per shape: the same SQL text each
        time, so asyncpg's statement cache prepares it once per connection."""
        sql = self._statements.get(shape)
        if sql is None:
            if len(self._statements) >= self.ONE_STATEMENT_SHAPES:
                self._statements.clear()
            sql = self._statements[shape] = data_modifying_ctes(shape)
        return sql

    async def open(self) -> _PooledAsyncpg:
        pooled = await self._engine.connect()
        return _PooledAsyncpg(pooled, (await pooled.get_raw_connection()).driver_connection)

    async def discard(self, connection: _PooledAsyncpg) -> None:
        try:
            await connection.pooled.invalidate()  # not back into the pool: its state is unknown
            await connection.pooled.close()
        except Exception:  # already broken: nothing more to release
            log.debug("closing a broken connection failed", exc_info=True)

    async def fetch_one(self, statement: DriverStatement, values: Mapping[str, Any]) -> Row | None:
        async with self.lent() as connection:
            raw = await connection.asyncpg.fetchrow(statement.sql, *statement.parameters(values))
        return None if raw is None else statement.row(raw)

    async def insert_all(self, statement: DriverStatement, rows: Sequence[Mapping[str, Any]]) -> None:
        parameters = [statement.parameters(row) for row in rows]
        async with self.lent() as connection:
            await connection.asyncpg.executemany(statement.sql, parameters)

    async def write(self, batch: WriteBatch) -> None:
        steps = self._steps(batch)
        sql = self._one_statement(tuple((sql, len(rows)) for sql, rows in steps))
        parameters = [value for _sql, rows in steps for row in rows for value in row]
        async with self.lent() as connection:
            try:
                with tracing.statements_span(self.dialect.name, [sql for sql, _rows in steps]):
                    await connection.asyncpg.execute(sql, *parameters)
            except Exception as exc:
                if getattr(exc, "sqlstate", None) != _UNIQUE_VIOLATION:
                    raise
                conflict = True  # rolled back; the connection is sound, it is lent again
            else:
                conflict = False
        if conflict:
            raise UniqueViolation

    async def aclose(self) -> None:
        await self.close_all()


_PLACEHOLDER = re.compile(r"\$(\d+)")


def data_modifying_ctes(shape: Sequence[tuple[str, int]]) -> str:
    """PostgreSQL: a batch of single-row INSERTs (their SQL, in asyncpg's ``$n`` style, and how many rows each
    inserts) as one statement, so that it costs one round trip, where a transaction of one ``executemany`` per
    table cost one per table plus BEGIN and COMMIT (nine for a create). Each INSERT takes all its rows in one
    multi-row VALUES and all but the last are data-modifying WITH queries: ``WITH w0 AS (INSERT ...), w1 AS
    (INSERT ...) INSERT ...``. One statement is atomic on its own (autocommit: all rows or none, a unique key's
    violation stops it whole), and foreign keys are checked at its end, when the rows they point to exist. The
    parameters are the rows' values in order: statement by statement, row by row."""
    inserts = []
    offset = 0
    for sql, rows in shape:
        head, values, tail = _split_values(sql)
        width = len(_PLACEHOLDER.findall(values))

        def shifted(row: int, values: str = values, width: int = width, base: int = offset) -> str:
            return _PLACEHOLDER.sub(lambda m: f"${int(m[1]) + base + row * width}", values)

        inserts.append(f"{head} VALUES {', '.join(shifted(row) for row in range(rows))}{tail}")
        offset += rows * width
    *ctes, last = inserts
    if not ctes:
        return last
    return "WITH " + ", ".join(f"w{i} AS ({insert})" for i, insert in enumerate(ctes)) + " " + last


def _split_values(sql: str) -> tuple[str, str, str]:
    """A compiled single-row ``INSERT INTO t (...) VALUES (...) [ON CONFLICT ... | RETURNING ...]`` as (what comes
    before VALUES, the row's parenthesised placeholders, what follows them). The placeholders must be ``$1`` to
    ``$n`` in order, each once, as SQLAlchemy compiles them: anything else is refused, not guessed at."""
    head, found, rest = sql.partition(" VALUES (")
    if not found or not head.startswith("INSERT INTO "):
        raise ValueError(f"not a single-row INSERT: {sql[:80]}")
    end, depth = 0, 1
    while depth:
        if end == len(rest):
            raise ValueError(f"unbalanced VALUES: {sql[:80]}")
        depth += {"(": 1, ")": -1}.get(rest[end], 0)
        end += 1
    values, tail = "(" + rest[:end], rest[end:]
    numbers = [int(n) for n in _PLACEHOLDER.findall(values)]
    if numbers != list(range(1, len(numbers) + 1)) or _PLACEHOLDER.search(head + tail):
        raise ValueError(f"unexpected placeholders: {sql[:80]}")
    return head, values, tail
