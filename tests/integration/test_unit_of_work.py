"""The unit of work's protocol (``db.unit_of_work``): a read phase, upstream calls outside any transaction, a write
phase that takes the write lock up front (SQLite: BEGIN IMMEDIATE), committed once when the scope ends and rolled
back if anything fails. Runs on its own SQLite file: the lock semantics are SQLite's."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import String, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dfdg_broker.app import protection_from
from dfdg_broker.db.session import create_engine, create_sessionmaker
from dfdg_broker.db.unit_of_work import UnitOfWork
from dfdg_broker.settings import Settings


class _Base(DeclarativeBase):
    pass


class _Note(_Base):
    __tablename__ = "note"
    id: Mapped[str] = mapped_column(String, primary_key=True)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[tuple[Path, async_sessionmaker[AsyncSession]]]:
    path = tmp_path / "uow.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as connection:
        await connection.run_sync(_Base.metadata.create_all)
    try:
        yield path, create_sessionmaker(engine, protection_from(Settings(environment="test")))
    finally:
        await engine.dispose()


async def _count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(_Note)) or 0)


def _write_lock_free(path: Path) -> bool:
    connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError:
        return False
    finally:
        connection.close()


async def test_write_phase_is_committed_once_when_the_scope_ends(db):
    path, sessions = db
    async with UnitOfWork.scope(sessions) as uow:
        await uow.session.scalar(select(func.count()).select_from(_Note))  # read phase
        await uow.end_read_phase()
        assert _write_lock_free(path) and not uow.session.in_transaction()  # upstream calls: nothing held
        await uow.begin_write_phase()
        assert not _write_lock_free(path), "the write phase takes SQLite's write lock when it begins"
        uow.session.add(_Note(id="a"))
        await uow.session.flush()
        assert await _count(sessions) == 0, "nothing is visible before the scope commits"
    assert await _count(sessions) == 1
    assert _write_lock_free(path)


async def test_a_failure_in_the_write_phase_leaves_nothing_written(db):
    _path, sessions = db
    with pytest.raises(LookupError):
        async with UnitOfWork.scope(sessions) as uow:
            await uow.begin_write_phase()
            uow.session.add(_Note(id="a"))
            await uow.session.flush()
            raise LookupError("the upstream answer could not be stored")
    assert await _count(sessions) == 0


async def test_end_read_phase_refuses_pending_writes(db):
    _path, sessions = db
    async with UnitOfWork.scope(sessions) as uow:
        uow.session.add(_Note(id="a"))
        with pytest.raises(RuntimeError, match="pending writes"):
            await uow.end_read_phase()
        uow.session.expunge_all()
    assert await _count(sessions) == 0
