"""All queries of the erasure feature: delete a case with every row about it, record the erasure, find the cases
past retention."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Table, and_, delete, exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from dfdg_broker import idempotency
from dfdg_broker.db.mapping import from_row, row_values
from dfdg_broker.db.models import (
    AccessLogRow,
    Base,
    CaseChangeRow,
    CaseConversationRow,
    CaseErasureRow,
    CaseRow,
    CaseSituationRow,
    CaseTaskDoneRow,
    DistributionReceiptRow,
    JobnetCvSubmissionRow,
    PdfRequestRow,
    SnapshotRow,
)


@dataclass(frozen=True, slots=True)
class Erasure:
    """What is kept of an erased case (``case_erasures``): no CPR number, nothing about the person."""

    case_id: str
    erased_at: datetime
    reason: str | None
    legal_basis: str | None
    receiving_municipality: str
    jobcenter_municipality: str
    erased_by_municipality: str | None
    erased_by_subject: str | None
    erased_by_client: str | None
    case_created_on: date
    last_activity_at: datetime | None


ACTIVITY: tuple[InstrumentedAttribute[Any], ...] = (
    CaseRow.created_at,
    SnapshotRow.taken_at,
    JobnetCvSubmissionRow.submitted_at,
    PdfRequestRow.requested_at,
    PdfRequestRow.stored_at,
    DistributionReceiptRow.received_at,
    CaseChangeRow.changed_at,
    CaseSituationRow.recorded_at,
    CaseConversationRow.recorded_at,
    CaseTaskDoneRow.done_at,
)
"""A case's *last activity* (retention counts from it; the case has no closure): the latest of these timestamps.
Everything recorded about the case counts: its creation, a snapshot stored (the operator's data changed, or a final
snapshot on the takeover date), a Jobnet CV submitted, a PDF requested or delivered, a receipt, a change, a situation,
a conversation, a task done. A read alone does not: a frozen read stores nothing, and a case system that polls its
cases nightly would otherwise keep them for ever."""

NOT_ACTIVITY = {
    "attachment_blobs": "fetched with the snapshot that lists them (whose taken_at counts)",
    "case_lookups": "the case's CPR lookup hashes, written with the case or by a key rotation",
    "worklist": "a projection, rebuilt from the case",
    "worklist_attention": "a projection, rebuilt from the case",
}
"""The tables about a case whose rows are not activity, and why (a test insists every such table is in one list)."""


def case_tables() -> list[Table]:
    """Every table with a foreign key to ``cases``, children before parents: what erasing a case deletes (besides
    the case row). Derived from the models, so a table added later is erased too."""
    tables = [
        table
        for table in Base.metadata.sorted_tables
        if any(fk.column.table.name == CaseRow.__tablename__ for fk in table.foreign_keys)
    ]
    return list(reversed(tables))


class ErasureRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def erase(self, case_id: str) -> bool:
        """Deletes every row about the case and the stored answers that concerned it; False when the case row was
        gone already (a concurrent erasure won). The caller holds the write phase; nothing is committed here.

        The case row is locked first (PostgreSQL; SQLite's write phase already excludes every other writer): a
        concurrent read that stores a snapshot locks the case row before it rewrites the case's worklist rows, so
        deleting those rows before locking the case would take the two locks in the opposite order (a deadlock,
        seen as a 500). With the case row first, the read either finishes before the erasure starts or meets the
        missing case (409 ``concurrent_change``)."""
        await self._session.execute(select(CaseRow.id).where(CaseRow.id == case_id).with_for_update())
        for table in case_tables():
            await self._session.execute(delete(table).where(table.c.case_id == case_id))
        await idempotency.erase_for_case(self._session, case_id)
        result = await self._session.execute(delete(CaseRow).where(CaseRow.id == case_id))
        return bool(getattr(result, "rowcount", 0))

    async def record(self, erasure: Erasure) -> None:
        self._session.add(CaseErasureRow(**row_values(erasure)))
        await self._session.flush()

    async def erasure_of(self, case_id: str) -> Erasure | None:
        row = await self._session.get(CaseErasureRow, case_id)
        return from_row(Erasure, row) if row else None

    async def last_activity(self, case_id: str) -> datetime | None:
        """The case's last activity (see ``ACTIVITY``), None when the case does not exist."""
        found: list[datetime] = []
        for column in ACTIVITY:
            key = CaseRow.id if column.class_ is CaseRow else column.class_.case_id
            latest = await self._session.scalar(select(func.max(column)).where(key == case_id))
            if latest is not None:
                found.append(latest)
        return max(found, default=None)

    async def past_retention(self, cutoff: datetime, limit: int | None) -> list[str]:
        """Ids of the cases whose last activity is before ``cutoff``, oldest first: created before it, and nothing
        recorded on or after it. Portable (no GREATEST over nulls) and each test is an index probe on case_id."""
        recent = [
            exists().where(and_(column.class_.case_id == CaseRow.id, column >= cutoff))
            for column in ACTIVITY
            if column.class_ is not CaseRow
        ]
        query = (
            select(CaseRow.id)
            .where(CaseRow.created_at < cutoff, *(~test for test in recent))
            .order_by(CaseRow.created_at, CaseRow.id)
        )
        if limit is not None:
            query = query.limit(limit)
        return list((await self._session.scalars(query)).all())

    async def access_log_rows_before(self, before: datetime) -> int:
        """How many access-log rows the purge would delete (``--dry-run``)."""
        count = await self._session.scalar(select(func.count()).where(AccessLogRow.at < before))
        return int(count or 0)
