"""The worklist projection's queries. Rows in, dataclasses out."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, TypeVar, cast

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    String,
    Table,
    and_,
    bindparam,
    delete,
    insert,
    or_,
    select,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession

from dfdg_broker.db.driver import WriteBatch
from dfdg_broker.db.mapping import from_row, row_values
from dfdg_broker.db.models import CaseRow, WorklistAttentionRow, WorklistRow

_Select = TypeVar("_Select", bound="Select[*tuple[Any, ...]]")

# Core tables for the inserts: the ORM's bulk insert would split rows by which of their values are None.
_WORKLIST = cast(Table, WorklistRow.__table__)
_ATTENTION = cast(Table, WorklistAttentionRow.__table__)

_INSERT_WORKLIST = insert(_WORKLIST)
_INSERT_ATTENTION = insert(_ATTENTION)

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
        self, case_id: str, entries: Sequence[WorklistEntry], attention: Sequence[AttentionEntry]
    ) -> None:
        """The case's rows, rebuilt (the caller holds the write phase). The case's row is locked first, so two
        requests rebuilding the same case (two concurrent reads that both bring new DA4 content) take turns instead
        of inserting the same keys (PostgreSQL; SQLite's write transactions are serial already).

        One INSERT per table, the items in their order."""
        # FOR NO KEY UPDATE: serialises rebuilds, yet does not wait on the key-share locks that the same
        # requests' snapshot and document inserts (foreign keys to cases) hold, which FOR UPDATE would deadlock on.
        await self._session.execute(select(CaseRow.id).where(CaseRow.id == case_id).with_for_update(key_share=True))
        await self._session.execute(delete(WorklistRow).where(WorklistRow.case_id == case_id))
        await self._session.execute(delete(WorklistAttentionRow).where(WorklistAttentionRow.case_id == case_id))
        worklist_rows, attention_rows = _rows(case_id, entries, attention)
        if worklist_rows:
            await self._session.execute(_INSERT_WORKLIST, worklist_rows)
        if attention_rows:
            await self._session.execute(_INSERT_ATTENTION, attention_rows)

    async def page(self, where: WorklistFilter, after: tuple[date, str] | None, limit: int) -> list[WorklistEntry]:
        """One page in (next due date, case id) order, after the keyset ``after``, read from an index in that order
        and never sorted. The contact group is the equality in ``ix_worklist_contact_group``; the other filters are
        ranges, checked in ``ix_worklist_due``'s entries as it is read (a rare value, such as state=live, costs the
        entries it skips). With an attention code, the page's keys come from ``ix_worklist_attention_due`` in that
        order first: neither a scan of the worklist for a rare code nor a sort of all the items of a common one."""
        shape = _PageShape(
            attention=where.attention is not None,
            contact_group=where.contact_group is not None,
            due_before=where.due_before is not None,
            state=where.state,
            created_from=where.created_from is not None,
            created_to=where.created_to is not None,
            after=after is not None,
        )
        values = {f.name: getattr(where, f.name) for f in fields(where)} | {"limit": limit}
        if after is not None:
            values |= {"after_due": after[0], "after_id": after[1]}
        rows = await self._session.execute(_page_statement(shape), values)
        return [from_row(WorklistEntry, row) for row in rows]

    async def attention(
        self, case_ids: Iterable[str], municipality: str, today: date
    ) -> dict[str, list[AttentionEntry]]:
        """The items in force on ``today`` for the listed cases (one page) on ``municipality``'s worklist."""
        ids = list(case_ids)
        if not ids:
            return {}
        rows = await self._session.execute(
            _ATTENTION_OF_CASES, {"municipality": municipality, "case_ids": ids, "today": today}
        )
        found: dict[str, list[AttentionEntry]] = defaultdict(list)
        for row in rows:
            found[row.case_id].append(from_row(AttentionEntry, row))
        return found

    async def entries(self, case_ids: Iterable[str], municipality: str) -> list[WorklistEntry]:
        rows = await self._session.execute(
            select(*_ENTRY_COLUMNS)
            .where(WorklistRow.municipality == municipality, WorklistRow.case_id.in_(list(case_ids)))
            .order_by(WorklistRow.next_due_on, WorklistRow.case_id)
        )
        return [from_row(WorklistEntry, row) for row in rows]


# The read statements select plain columns (no mapped rows to track) and are built once: a worklist page is
# read often, and building the statement cost about as much CPU as running it.

_ENTRY_COLUMNS = tuple(getattr(WorklistRow, f.name) for f in fields(WorklistEntry))
_TODAY = bindparam("today", type_=Date)


def _in_force(item: type[WorklistAttentionRow]) -> ColumnElement[bool]:
    return and_(item.active_from <= _TODAY, or_(item.active_until.is_(None), item.active_until >= _TODAY))


_ATTENTION_OF_CASES = (
    select(WorklistAttentionRow.case_id, *(getattr(WorklistAttentionRow, f.name) for f in fields(AttentionEntry)))
    .where(
        WorklistAttentionRow.municipality == bindparam("municipality"),
        WorklistAttentionRow.case_id.in_(bindparam("case_ids", expanding=True)),
        _in_force(WorklistAttentionRow),
    )
    .order_by(WorklistAttentionRow.case_id, WorklistAttentionRow.id)
)


@dataclass(frozen=True, slots=True)
class _PageShape:
    """Which filters a page has (never their values): one statement per shape, at most 2^6 x 3 of them."""

    attention: bool
    contact_group: bool
    due_before: bool
    state: str | None
    created_from: bool
    created_to: bool
    after: bool


@functools.cache
def _page_statement(shape: _PageShape) -> Select[*tuple[Any, ...]]:
    """A page's statement; its parameters are ``WorklistFilter``'s fields, ``limit`` and the keyset ``after_due``,
    ``after_id``."""
    if not shape.attention:
        query = select(*_ENTRY_COLUMNS).where(WorklistRow.municipality == bindparam("municipality"))
        return _keyset_page(query, WorklistRow, shape)
    item = WorklistAttentionRow
    keys = (
        select(item.next_due_on, item.case_id)
        .join(WorklistRow, (WorklistRow.municipality == item.municipality) & (WorklistRow.case_id == item.case_id))
        .where(item.municipality == bindparam("municipality"), item.code == bindparam("attention"), _in_force(item))
        .group_by(item.next_due_on, item.case_id)  # a case with two items of the code is listed once
    )
    page = _keyset_page(keys, item, shape).subquery()
    return (
        select(*_ENTRY_COLUMNS)
        .join(page, (WorklistRow.municipality == bindparam("municipality")) & (WorklistRow.case_id == page.c.case_id))
        .order_by(page.c.next_due_on, page.c.case_id)
    )


def _keyset_page(query: _Select, ordered_by: type[WorklistRow | WorklistAttentionRow], shape: _PageShape) -> _Select:
    """``query`` with the filters on the worklist row, from the keyset on, ``limit`` rows in the order of
    ``ordered_by``'s (next_due_on, case_id)."""
    if shape.contact_group:
        query = query.where(WorklistRow.contact_group == bindparam("contact_group"))
    if shape.due_before:
        query = query.where(ordered_by.next_due_on < bindparam("due_before", type_=Date))
    if shape.state == "frozen":
        query = query.where(WorklistRow.frozen_from <= _TODAY)
    elif shape.state == "live":
        query = query.where(WorklistRow.frozen_from > _TODAY)
    if shape.created_from:
        query = query.where(WorklistRow.created_on >= bindparam("created_from", type_=Date))
    if shape.created_to:
        query = query.where(WorklistRow.created_on <= bindparam("created_to", type_=Date))
    keyset = (ordered_by.next_due_on, ordered_by.case_id)
    if shape.after:
        after = (bindparam("after_due", type_=Date), bindparam("after_id", type_=String))
        query = query.where(tuple_(*keyset) > tuple_(*after))
    return query.order_by(*keyset).limit(bindparam("limit", type_=Integer))


def stage_rows(
    batch: WriteBatch, case_id: str, entries: Sequence[WorklistEntry], attention: Sequence[AttentionEntry]
) -> None:
    """A case's worklist rows and attention items (one INSERT per table, the items in their order), added to a batch:
    a new case's are written with it (``UnitOfWork.stage``); nobody else can see it, so there is nothing to lock
    or remove."""
    worklist_rows, attention_rows = _rows(case_id, entries, attention)
    batch.add(_INSERT_WORKLIST, worklist_rows)
    batch.add(_INSERT_ATTENTION, attention_rows)


def _rows(
    case_id: str, entries: Sequence[WorklistEntry], attention: Sequence[AttentionEntry]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The worklist rows, and each attention item once per worklist row, with that row's keys (its index's range
    scan)."""
    return [row_values(entry) for entry in entries], [
        row_values(item, case_id=case_id, municipality=entry.municipality, next_due_on=entry.next_due_on)
        for entry in entries
        for item in attention
    ]
