"""The unit of work's protocol (``db.unit_of_work``): a read phase, upstream calls outside any transaction, a write
phase that takes the write lock up front (SQLite: BEGIN IMMEDIATE), committed once when the scope ends and rolled
back if anything fails. Runs on its own SQLite file: the lock semantics are SQLite's."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import cast

import pytest
from sqlalchemy import String, func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dfdg_broker.app import protection_from
from dfdg_broker.db.driver import WriteBatch, driver_for
from dfdg_broker.db.session import create_engine, create_sessionmaker
from dfdg_broker.db.unit_of_work import UnitOfWork
from dfdg_broker.settings import Settings


class _Base(DeclarativeBase):
    pass


class _Note(_Base):
    __tablename__ = "note"
    id: Mapped[str] = mapped_column(String, primary_key=True)


class _Tag(_Base):
    __tablename__ = "tag"
    id: Mapped[str] = mapped_column(String, primary_key=True)


_INSERT_NOTE = insert(_Note)
_INSERT_TAG = insert(_Tag)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[tuple[Path, async_sessionmaker[AsyncSession]]]:
    path = tmp_path / "uow.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as connection:
        await connection.run_sync(_Base.metadata.create_all)
    writer = driver_for(engine, 1)
    try:
        yield path, create_sessionmaker(engine, protection_from(Settings(environment="test")), writer=writer)
    finally:
        await writer.aclose()
        await engine.dispose()


async def _count(sessions: async_sessionmaker[AsyncSession], table: type[_Base] = _Note) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(table)) or 0)


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


async def test_a_scope_that_never_used_its_session_neither_commits_nor_closes_it(db, monkeypatch):
    _path, sessions = db
    calls: list[str] = []
    for name in ("commit", "rollback", "close"):
        original = getattr(AsyncSession, name)

        async def spy(self: AsyncSession, *, _name: str = name, _original=original) -> None:  # type: ignore[no-untyped-def]
            calls.append(_name)
            await _original(self)

        monkeypatch.setattr(AsyncSession, name, spy)
    async with UnitOfWork.scope(sessions) as uow:  # a live read: its read phase ran on the driver
        await uow.end_read_phase()
    assert calls == [], "nothing began, so there is nothing to end"
    async with UnitOfWork.scope(sessions) as uow:  # added without a flush: still written when the scope ends
        uow.session.add(_Note(id="a"))
    assert await _count(sessions) == 1
    assert calls[:2] == ["commit", "close"]


async def test_a_scope_makes_its_session_only_when_asked_for_it(db):
    _path, sessions = db
    made: list[AsyncSession] = []

    def counting() -> AsyncSession:
        made.append(sessions())
        return made[-1]

    counted = cast(async_sessionmaker[AsyncSession], counting)
    async with UnitOfWork.scope(counted) as uow:  # a live read whose answer changed nothing
        await uow.end_read_phase()
    assert made == [], "nothing asked for a session, so none was made"
    async with UnitOfWork.scope(counted) as uow:
        uow.session.add(_Note(id="a"))
        assert uow.session is made[0], "one session per unit of work, made on first use"
    assert len(made) == 1 and await _count(sessions) == 1


async def test_a_staged_batch_is_written_whole_when_the_scope_ends(db):
    path, sessions = db
    async with UnitOfWork.scope(sessions) as uow:
        batch = WriteBatch()
        batch.add(_INSERT_NOTE, [{"id": "a"}, {"id": "b"}])
        uow.stage(batch, on_conflict=_never)
        assert uow.staged is batch
        batch.add(_INSERT_TAG, [{"id": "t"}])  # what the rest of the request adds (a worklist, an access-log row)
        assert _write_lock_free(path), "nothing is held until the scope commits"
        assert await _count(sessions) == 0
    assert (await _count(sessions), await _count(sessions, _Tag)) == (2, 1)
    assert _write_lock_free(path)


async def test_a_unique_key_stops_a_staged_batch_whole_and_raises_what_on_conflict_says(db):
    _path, sessions = db
    async with UnitOfWork.scope(sessions) as uow:
        uow.session.add(_Tag(id="t"))
        await uow.begin_write_phase()
    seen_by_conflict: list[int] = []

    async def taken() -> Exception:
        seen_by_conflict.append(int(await uow.session.scalar(select(func.count()).select_from(_Tag)) or 0))
        return LookupError("stored meanwhile")

    with pytest.raises(LookupError, match="stored meanwhile"):
        async with UnitOfWork.scope(sessions) as uow:
            batch = WriteBatch()
            batch.add(_INSERT_NOTE, [{"id": "a"}])
            batch.add(_INSERT_TAG, [{"id": "t"}])  # the second statement fails on the key
            uow.stage(batch, on_conflict=taken)
    assert seen_by_conflict == [1], "on_conflict may read the session"
    assert await _count(sessions) == 0, "the first statement is rolled back with the second"
    async with UnitOfWork.scope(sessions) as uow:  # the driver's connection is sound afterwards
        batch = WriteBatch()
        batch.add(_INSERT_NOTE, [{"id": "a"}])
        uow.stage(batch, on_conflict=_never)
    assert await _count(sessions) == 1


async def test_a_staged_batch_is_not_written_when_the_scope_fails(db):
    _path, sessions = db
    with pytest.raises(LookupError):
        async with UnitOfWork.scope(sessions) as uow:
            batch = WriteBatch()
            batch.add(_INSERT_NOTE, [{"id": "a"}])
            uow.stage(batch, on_conflict=_never)
            raise LookupError("the answer could not be built")
    assert await _count(sessions) == 0


async def test_a_staged_batch_refuses_session_writes_beside_it(db):
    _path, sessions = db
    with pytest.raises(RuntimeError, match="staged batch"):
        async with UnitOfWork.scope(sessions) as uow:
            await uow.begin_write_phase()
            uow.stage(WriteBatch(), on_conflict=_never)
    assert await _count(sessions) == 0


async def _never() -> Exception:
    raise AssertionError("no conflict expected")
