"""Every query on the access log. Rows in, ``AccessEntry`` records out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import fields
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from dfdg_broker.audit.records import AccessEntry, Outcome
from dfdg_broker.db.driver import WriteBatch
from dfdg_broker.db.models import AccessLogRow

_TABLE = cast(Table, AccessLogRow.__table__)
_COLUMNS = (
    AccessLogRow.id,
    AccessLogRow.at,
    AccessLogRow.subject,
    AccessLogRow.client_id,
    AccessLogRow.municipality,
    AccessLogRow.case_id,
    AccessLogRow.operation,
    AccessLogRow.detail,
    AccessLogRow.purpose,
    AccessLogRow.correlation_id,
    AccessLogRow.outcome,
    AccessLogRow.status,
)


_FIELDS = tuple(field.name for field in fields(AccessEntry) if field.name != "id")  # the database numbers the rows

INSERT_ENTRY = insert(_TABLE).values({name: bindparam(name) for name in _FIELDS})
"""One row, as the group-commit writer runs it on the driver (``db.driver``), once per entry of a batch."""


def entry_values(entry: AccessEntry) -> dict[str, Any]:
    return {name: getattr(entry, name) for name in _FIELDS}  # not asdict: it deep-copies every value


def _entry(row: Row[Any] | Any) -> AccessEntry:
    return AccessEntry(
        id=row.id,
        at=row.at,
        subject=row.subject,
        client_id=row.client_id,
        municipality=row.municipality,
        case_id=row.case_id,
        operation=row.operation,
        detail=row.detail,
        purpose=row.purpose,
        correlation_id=row.correlation_id,
        outcome=Outcome(row.outcome),
        status=row.status,
    )


def stage_entries(batch: WriteBatch, entries: Iterable[AccessEntry]) -> None:
    """Add the rows to a staged batch (``UnitOfWork.stage``): committed with it, or not at all."""
    batch.add(INSERT_ENTRY, (entry_values(entry) for entry in entries))


async def add_entries(executor: AsyncSession | AsyncConnection, entries: Iterable[AccessEntry]) -> None:
    """Insert the rows (one multi-row INSERT); the caller's transaction commits them."""
    values = [entry_values(entry) for entry in entries]
    if values:
        await executor.execute(insert(_TABLE), values)


async def page_for_case(session: AsyncSession, case_id: str, before_id: int | None, limit: int) -> list[AccessEntry]:
    """The case's rows newest first (by id, the order they were inserted), ``limit`` of them below ``before_id``."""
    query = select(*_COLUMNS).where(AccessLogRow.case_id == case_id)
    if before_id is not None:
        query = query.where(AccessLogRow.id < before_id)
    rows = await session.execute(query.order_by(AccessLogRow.id.desc()).limit(limit))
    return [_entry(row) for row in rows]


async def export(
    engine: AsyncEngine, since: datetime, until: datetime, municipality: str | None = None, *, chunk: int = 1000
) -> AsyncIterator[AccessEntry]:
    """Rows from ``since`` (inclusive) to ``until`` (exclusive) in time order, streamed from a server-side cursor
    ``chunk`` rows at a time (never the whole range in memory). ``municipality``: the caller's municipality."""
    query = select(*_COLUMNS).where(AccessLogRow.at >= since, AccessLogRow.at < until)
    if municipality is not None:
        query = query.where(AccessLogRow.municipality == municipality)
    query = query.order_by(AccessLogRow.at, AccessLogRow.id).execution_options(yield_per=chunk)
    async with engine.connect() as connection:
        result = await connection.stream(query)
        async for row in result:
            yield _entry(row)


async def purge_access_log(session_or_engine: AsyncSession | AsyncEngine, before: datetime) -> int:
    """Delete the access-log rows older than ``before`` (the retention limit, ``DFDG_ACCESS_LOG_RETENTION_DAYS``);
    returns how many. Idempotent. With an engine it commits itself; with a session the caller's transaction does."""
    statement = delete(_TABLE).where(_TABLE.c.at < before)
    if isinstance(session_or_engine, AsyncEngine):
        async with session_or_engine.begin() as connection:
            return int((await connection.execute(statement)).rowcount)
    return int((await session_or_engine.execute(statement)).rowcount)  # type: ignore[attr-defined]
