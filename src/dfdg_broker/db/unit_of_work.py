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

Repositories take ``uow.session``; services take the ``UnitOfWork`` for the phases. Nothing else commits.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dfdg_broker.db.session import WRITE_TRANSACTION, write_gate


class UnitOfWork:
    __slots__ = ("_gate", "session")

    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._gate: asyncio.Lock | None = None  # SQLite's write gate, while this unit of work holds it

    @classmethod
    @asynccontextmanager
    async def scope(cls, sessions: async_sessionmaker[AsyncSession]) -> AsyncIterator[UnitOfWork]:
        """Commit once when the block ends normally, roll back otherwise."""
        async with sessions() as session:
            uow = cls(session)
            try:
                yield uow
            except BaseException:
                await session.rollback()
                raise
            else:
                await session.commit()
            finally:
                uow._leave_gate()

    async def end_read_phase(self) -> None:
        """End the read transaction before an upstream call. Refuses if anything is waiting to be written: a
        write made before an upstream call would be committed or lost depending on the call, never by design."""
        session = self.session
        if session.new or session.dirty or session.deleted:
            raise RuntimeError("end_read_phase with pending writes")
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

    def _leave_gate(self) -> None:
        if self._gate is not None:
            self._gate.release()
            self._gate = None
