"""The worklist projection's queries. Rows in, dataclasses out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar, cast

from sqlalchemy import ColumnElement, Select, Table, and_, delete, insert, or_, select, tuple_
from sqlalchemy.ext.asyncio import AsyncSession

from dfdg_broker.db.mapping import from_row, row_values
from dfdg_broker.db.models import CaseRow, WorklistAttentionRow, WorklistRow

_Select = TypeVar("_Select", bound="Select[*tuple[Any, ...]]")

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
        if entries and attention:  # each item once per worklist row, with that row's keys (its index's range scan)
            await self._session.execute(
                insert(_ATTENTION),
                [
                    row_values(item, case_id=case_id, municipality=entry.municipality, next_due_on=entry.next_due_on)
                    for entry in entries
                    for item in attention
                ],
            )

    async def page(self, where: WorklistFilter, after: tuple[date, str] | None, limit: int) -> list[WorklistEntry]:
        """One page in (next due date, case id) order, after the keyset ``after``. Every filter is served by an
        index on (municipality, <filter column>, next_due_on, case_id). With an attention code, the page's keys
        come from ``ix_worklist_attention_due`` in that order first: neither a scan of the worklist for a rare code
        nor a sort of all the items of a common one."""
        if where.attention is None:
            query = select(WorklistRow).where(WorklistRow.municipality == where.municipality)
            return await self._entries(_keyset_page(query, WorklistRow, where, after, limit))
        item = WorklistAttentionRow
        keys = (
            select(item.next_due_on, item.case_id)
            .join(WorklistRow, (WorklistRow.municipality == item.municipality) & (WorklistRow.case_id == item.case_id))
            .where(item.municipality == where.municipality, item.code == where.attention, _in_force(item, where.today))
            .group_by(item.next_due_on, item.case_id)  # a case with two items of the code is listed once
        )
        page = _keyset_page(keys, item, where, after, limit).subquery()
        return await self._entries(
            select(WorklistRow)
            .join(page, (WorklistRow.municipality == where.municipality) & (WorklistRow.case_id == page.c.case_id))
            .order_by(page.c.next_due_on, page.c.case_id)
        )

    async def attention(
        self, case_ids: Iterable[str], municipality: str, today: date
    ) -> dict[str, list[AttentionEntry]]:
        """The items in force on ``today`` for the listed cases (one page) on ``municipality``'s worklist."""
        ids = list(case_ids)
        if not ids:
            return {}
        rows = await self._session.scalars(
            select(WorklistAttentionRow)
            .where(
                WorklistAttentionRow.municipality == municipality,
                WorklistAttentionRow.case_id.in_(ids),
                _in_force(WorklistAttentionRow, today),
            )
            .order_by(WorklistAttentionRow.case_id, WorklistAttentionRow.id)
        )
        found: dict[str, list[AttentionEntry]] = defaultdict(list)
        for row in rows:
            found[row.case_id].append(from_row(AttentionEntry, row))
        return found

    async def entries(self, case_ids: Iterable[str], municipality: str) -> list[WorklistEntry]:
        return await self._entries(
            select(WorklistRow)
            .where(WorklistRow.municipality == municipality, WorklistRow.case_id.in_(list(case_ids)))
            .order_by(WorklistRow.next_due_on, WorklistRow.case_id)
        )

    async def _entries(self, query: Select[WorklistRow]) -> list[WorklistEntry]:
        return [from_row(WorklistEntry, row) for row in await self._session.scalars(query)]


def _keyset_page(
    query: _Select,
    ordered_by: type[WorklistRow | WorklistAttentionRow],
    where: WorklistFilter,
    after: tuple[date, str] | None,
    limit: int,
) -> _Select:
    """``query`` with the filters on the worklist row, from the keyset ``after`` on, ``limit`` rows in the order of
    ``ordered_by``'s (next_due_on, case_id)."""
    if where.contact_group is not None:
        query = query.where(WorklistRow.contact_group == where.contact_group)
    if where.due_before is not None:
        query = query.where(ordered_by.next_due_on < where.due_before)
    if where.state == "frozen":
        query = query.where(WorklistRow.frozen_from <= where.today)
    elif where.state == "live":
        query = query.where(WorklistRow.frozen_from > where.today)
    if where.created_from is not None:
        query = query.where(WorklistRow.created_on >= where.created_from)
    if where.created_to is not None:
        query = query.where(WorklistRow.created_on <= where.created_to)
    keyset = (ordered_by.next_due_on, ordered_by.case_id)
    if after is not None:
        query = query.where(tuple_(*keyset) > tuple_(*after))
    return query.order_by(*keyset).limit(limit)


def _in_force(item: type[WorklistAttentionRow], today: date) -> ColumnElement[bool]:
    return and_(item.active_from <= today, or_(item.active_until.is_(None), item.active_until >= today))
