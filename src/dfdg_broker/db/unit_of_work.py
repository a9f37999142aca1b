"""The unit of work: one per request, and the one place the transaction protocol lives.

A request that talks to an upstream never holds a database transaction (a lock, a pooled connection) while it
waits on the network. Every service follows the same three phases::

    case = await repo.get(...)          # 1. read phase: an ordinary (deferred, read-only) transaction
    await uow.end_read_phase()          #    ends it; refuses if anything is waiting to be written
    answer = await letasyl.fetch(...)   # 2. upstream calls: no transaction is open
    await uow.begin_write_phase()       # 3. write phase: a transaction that says up front it will write
    await repo.add(...)                 #    (on SQLite: BEGIN IMMEDIATE, so it cannot fail half-way with BUSY)

The write phase is committed once, when the request's dependency scope ends (``UnitOfWork.scope``), before the
response is sent; any exception rolls it back, so nothing is half-written. A request without upstream calls skips
phase 2; one that reads and then writes without upstream calls calls ``begin_write_phase`` first (so the read
happens under the write lock). Whatever was read in phase 1 may be stale by phase 3: write idempotently or
re-check (unique keys, ``on_conflict_do_nothing``), never assume.

A write phase made only of inserts that can be built before it begins (a create: the case, its snapshots, its
documents, its worklist rows, its access-log row) is instead staged (``uow.stage(batch, ...)``, a
``db.driver.WriteBatch``) and written when the scope commits, in one transaction on the driver with no session,
all or none. On SQLite that holds the write lock for one hop to the driver's thread, where the phases above hold
it across every statement's hop and the endpoint's work between them.

Repositories take ``uow.session``; services take the ``UnitOfWork`` for the phases. Nothing else commits. The session
is made when something first asks for it: a request whose reads all ran on the driver (a live read whose answer
changed nothing) never makes one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dfdg_broker.db.driver import UniqueViolation, WriteBatch
from dfdg_broker.db.session import WRITE_TRANSACTION, write_gate, writer_of

Conflict = Callable[[], Awaitable[Exception]]
"""What a staged batch's unique-key conflict means: the exception to raise instead (it may read the session)."""


class UnitOfWork:
    __slots__ = ("_gate", "_session", "_sessions", "_staged")

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None  # made on first use (``session``)
        self._gate: asyncio.Lock | None = None  # SQLite's write gate, while this unit of work holds it
        self._staged: tuple[WriteBatch, Conflict] | None = None

    @property
    def session(self) -> AsyncSession:
        """The request's session, made the first time it is asked for (building one costs a live read ~2 % of its
        CPU, and most live reads never need it)."""
        session = self._session
        if session is None:
            session = self._session = self._sessions()
        return session

    @classmethod
    @asynccontextmanager
    async def scope(cls, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[UnitOfWork]:
        """Commit once when the block ends normally, roll back otherwise. A session that was never made or never
        used (a live read whose read phase ran on the driver and whose answer changed nothing) is neither committed
        nor closed: there is nothing to do, and each call would still cost a trip through SQLAlchemy's greenlet
        bridge."""
        uow = cls(sessions)
        try:
            try:
                yield uow
            except BaseException:
                if not _untouched(uow._session):
                    await uow.session.rollback()
                raise
            if uow._staged is not None:
                await uow._write_staged(*uow._staged)
            elif not _untouched(uow._session):
                await uow.session.commit()
        finally:
            uow._leave_gate()
            if not _untouched(uow._session):
                await asyncio.shield(uow.session.close())  # as ``async with session`` does: even when cancelled

    async def end_read_phase(self) -> None:
        """End the read transaction before an upstream call. Refuses if anything is waiting to be written: a
        write made before an upstream call would be committed or lost depending on the call, never by design."""
        session = self._session
        if session is not None:  # none made: nothing was read or written in it
            if session.new or session.dirty or session.deleted:
                raise RuntimeError("end_read_phase with pending writes")
            if session.in_transaction():
                await session.rollback()
        self._leave_gate()

    async def begin_write_phase(self) -> None:
        """Start the transaction that will write (see ``WRITE_TRANSACTION``). Call it before the first read of a
        read-then-write, or right after the upstream calls. On SQLite it first waits its turn at the write gate
        (``db.session.create_sessionmaker``), held until the transaction ends."""
        gate = write_gate(self.session)
        if gate is not None and self._gate is None:
            await gate.acquire()
            self._gate = gate
        try:
            await self.session.connection(execution_options={WRITE_TRANSACTION: True})
        except BaseException:
            self._leave_gate()
            raise

    def stage(self, batch: WriteBatch, on_conflict: Conflict) -> None:
        """Make ``batch`` this unit of work's whole write phase, written when the scope commits (see the module's
        docstring); no write phase may be begun besides. ``on_conflict`` gives the exception to raise when a
        unique key stops the batch (then nothing of it is written)."""
        if self._staged is not None:
            raise RuntimeError("a batch is staged already")
        self._staged = (batch, on_conflict)

    @property
    def staged(self) -> WriteBatch | None:
        """The staged batch, for whoever adds rows to the same transaction (the worklist, the access log)."""
        return None if self._staged is None else self._staged[0]

    async def _write_staged(self, batch: WriteBatch, on_conflict: Conflict) -> None:
        session = self.session
        if self._gate is not None or session.new or session.dirty or session.deleted:
            raise RuntimeError("a staged batch with a write phase begun or session writes pending")
        if session.in_transaction():  # no read transaction stays open while the batch waits for the write lock
            await session.rollback()
        writer = writer_of(session)
        try:
            gate = write_gate(session)
            if gate is None:
                await writer.write(batch)
            else:  # SQLite: its turn at the write gate first, as ``begin_write_phase``
                async with gate:
                    await writer.write(batch)
        except UniqueViolation:
            raise await on_conflict() from None

    def _leave_gate(self) -> None:
        if self._gate is not None:
            self._gate.release()
            self._gate = None


def _untouched(session: AsyncSession | None) -> bool:
    """Whether the session was never made, or never began a transaction and holds nothing (no loaded or added
    objects): then committing, rolling back and closing it are all no-ops."""
    if session is None:
        return True
    sync = session.sync_session
    return not sync.in_transaction() and not sync.identity_map and not sync.new
