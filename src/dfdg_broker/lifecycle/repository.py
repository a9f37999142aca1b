"""The worklist projection's queries. Rows in, dataclasses out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import cast

from sqlalchemy import Table, delete, exists, insert, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from dfdg_broker.db.mapping import from_row, row_values
from dfdg_broker.db.models import CaseRow, WorklistAttentionRow, WorklistRow

# Core tables for the inserts: the ORM's bulk insert would split rows by which of their values are None.
_WORKLIST = cast(Table, WorklistRow.__table__)
_ATTENTION = cast(Table, WorklistAttentionRow.__table__)

NOTHING_DUE = date(9999, 12, 31)
"""``next_due_on`` of a case with nothing due: sorts last, and keeps the keyset a plain (date, id) pair."""


@dataclass(frozen=True, slots=True)
class WorklistEntry:
    municipality: str
    case_id: str
    next_due_on: date
    contact_group: int
    frozen_from: date
    created_on: date
    handover_date: date
    person_id: str
    cpr_masked: str


@dataclass(frozen=True, slots=True)
class AttentionEntry:
    code: str
    rule: str
    active_from: date
    active_until: date | None
    due_date: date | None


@dataclass(frozen=True, slots=True)
class WorklistFilter:
    municipality: str
    today: date
    attention: str | None = None
    due_before: date | None = None
    contact_group: int | None = None
    state: str | None = None  # "frozen" | "live"
    created_from: date | None = None
    created_to: date | None = None


class WorklistRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def replace(
        self,
        case_id: str,
        entries: Sequence[WorklistEntry],
        attention: Sequence[AttentionEntry],
        *,
        new: bool = False,
    ) -> None:
        """The case's rows, rebuilt (the caller holds the write phase). The case's row is locked first, so two
        requests rebuilding the same case (two concurrent reads that both bring new DA4 content) take turns instead
        of inserting the same keys (PostgreSQL; SQLite's write transactions are serial already). ``new``: the case
        was created in this transaction, which nobody else can see: there is nothing to lock or remove.

        One INSERT per table, the items in their order."""
        if not new:
            # FOR NO KEY UPDATE: serialises rebuilds, yet does not wait on the key-share locks that the same
            # requests' snapshot and document inserts (foreign keys to cases) hold, which FOR UPDATE would deadlock on.
            await self._session.execute(select(CaseRow.id).where(CaseRow.id == case_id).with_for_update(key_share=True))
            await self._session.execute(delete(WorklistRow).where(WorklistRow.case_id == case_id))
            await self._session.execute(delete(WorklistAttentionRow).where(WorklistAttentionRow.case_id == case_id))
        if entries:
            await self._session.execute(insert(_WORKLIST), [row_values(entry) for entry in entries])
        if attention:
            await self._session.execute(insert(_ATTENTION), [row_values(item, case_id=case_id) for item in attention])

    async def page(self, where: WorklistFilter, after: tuple[date, str] | None, limit: int) -> list[WorklistEntry]:
        """One page in (next due date, case id) order, after the keyset ``after``. Every filter is served by an
        index on (municipality, <filter column>, next_due_on, case_id) or, for the attention code, by
        ``ix_worklist_attention_code``."""
        query = select(WorklistRow).where(WorklistRow.municipality == where.municipality)
        if where.contact_group is not None:
            query = query.where(WorklistRow.contact_group == where.contact_group)
        if where.due_before is not None:
            query = query.where(WorklistRow.next_due_on < where.due_before)
        if where.state == "frozen":
            query = query.where(WorklistRow.frozen_from <= where.today)
        elif where.state == "live":
            query = query.where(WorklistRow.frozen_from > where.today)
        if where.created_from is not None:
            query = query.where(WorklistRow.created_on >= where.created_from)
        if where.created_to is not None:
            query = query.where(WorklistRow.created_on <= where.created_to)
        if where.attention is not None:
            query = query.where(
                exists().where(
                    WorklistAttentionRow.code == where.attention,
                    WorklistAttentionRow.case_id == WorklistRow.case_id,
                    WorklistAttentionRow.active_from <= where.today,
                    or_(WorklistAttentionRow.active_until.is_(None), WorklistAttentionRow.active_until >= where.today),
                )
            )
        if after is not None:
            query = query.where(tuple_(WorklistRow.next_due_on, WorklistRow.case_id) > tuple_(*after))
        query = query.order_by(WorklistRow.next_due_on, WorklistRow.case_id).limit(limit)
        return [from_row(WorklistEntry, row) for row in await self._session.scalars(query)]

    async def attention(self, case_ids: Iterable[str], today: date) -> dict[str, list[AttentionEntry]]:
        """The items in force on ``today`` for the listed cases (one page)."""
        ids = list(case_ids)
        if not ids:
            return {}
        rows = await self._session.scalars(
            select(WorklistAttentionRow)
            .where(
                WorklistAttentionRow.case_id.in_(ids),
                WorklistAttentionRow.active_from <= today,
                or_(WorklistAttentionRow.active_until.is_(None), WorklistAttentionRow.active_until >= today),
            )
            .order_by(WorklistAttentionRow.case_id, WorklistAttentionRow.id)
        )
        found: dict[str, list[AttentionEntry]] = defaultdict(list)
        for row in rows:
            found[row.case_id].append(from_row(AttentionEntry, row))
        return found

    async def entries(self, case_ids: Iterable[str], municipality: str) -> list[WorklistEntry]:
        rows = await self._session.scalars(
            select(WorklistRow)
            .where(WorklistRow.municipality == municipality, WorklistRow.case_id.in_(list(case_ids)))
            .order_by(WorklistRow.next_due_on, WorklistRow.case_id)
        )
        return [from_row(WorklistEntry, row) for row in rows]
