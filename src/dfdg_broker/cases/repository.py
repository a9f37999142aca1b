"""All queries of the cases feature. Rows in, dataclasses out."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Sequence
from dataclasses import fields
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, Select, and_, bindparam, func, insert, literal_column, or_, select, true, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from dfdg_broker import metrics
from dfdg_broker.cases.records import (
    Blob,
    Case,
    Change,
    ConversationEntry,
    FrozenCheck,
    SituationEntry,
    Snapshot,
    StoredSnapshot,
    TaskDone,
)
from dfdg_broker.db import sealed
from dfdg_broker.db.driver import Driver, DriverStatement, WriteBatch
from dfdg_broker.db.mapping import from_row, row_values
from dfdg_broker.db.models import (
    AttachmentBlobRow,
    CaseChangeRow,
    CaseConversationRow,
    CaseLookupRow,
    CaseRow,
    CaseSituationRow,
    CaseTaskDoneRow,
    SnapshotRow,
)
from dfdg_broker.db.session import protection_of, writer_of
from dfdg_broker.db.unit_of_work import UnitOfWork
from dfdg_broker.domain.areas import DataArea
from dfdg_broker.domain.case_dates import CaseDates
from dfdg_broker.domain.contact_groups import ContactGroup
from dfdg_broker.domain.followup import ConversationKind, Situation
from dfdg_broker.protection import Protection

_FROZEN_CHECK = select(
    CaseRow.receiving_municipality,
    CaseRow.jobcenter_municipality,
    CaseRow.handover_date,
    CaseRow.early_takeover_cv,
    CaseRow.early_takeover_contract,
    CaseRow.cv_update_deadline,
    select(SnapshotRow.id)
    .where(
        SnapshotRow.case_id == CaseRow.id,
        SnapshotRow.area == bindparam("area"),
        SnapshotRow.taken_on == bindparam("taken_on"),
        SnapshotRow.content_sha256 == bindparam("content_sha256"),
    )
    .exists()
    .label("held"),
).where(CaseRow.id == bindparam("case_id"))
"""``FrozenCheckRepository.frozen_check``'s query, compiled once (it runs on every cached frozen read)."""


class FrozenCheckRepository:
    """The one query of a cached frozen read (``service.FrozenAreaReads``), run on the driver itself in one round
    trip (``db.driver``): a cache hit opens no session and no transaction."""

    def __init__(self, driver: Driver) -> None:
        self._driver = driver
        self._statement = DriverStatement(_FROZEN_CHECK, driver.dialect, point_read=True)  # by primary key

    async def frozen_check(
        self, case_id: str, area: DataArea, taken_on: date, content_sha256: str
    ) -> FrozenCheck | None:
        """What a cached frozen read must check on every hit: who may see the case (C2), its dates, and whether
        the area's snapshot taken on that day with that content is still stored (an erased case's is not). Only
        those columns: nothing personal is read (a hit serves the cached bytes)."""
        row = await self._driver.fetch_one(
            self._statement,
            {"case_id": case_id, "area": area.value, "taken_on": taken_on, "content_sha256": content_sha256},
        )
        if row is None:
            return None
        receiving, jobcenter, handover, early_cv, early_contract, deadline, held = row
        return FrozenCheck(
            receiving_municipality=receiving,
            jobcenter_municipality=jobcenter,
            dates=CaseDates(
                handover_date=handover,
                early_takeover_cv=early_cv,
                early_takeover_contract=early_contract,
                cv_update_deadline=deadline,
            ),
            still_held=bool(held),
        )


_cases, _snapshots = CaseRow.__table__, SnapshotRow.__table__
_newer = _snapshots.alias("newer")
_LATEST_SNAPSHOT_COLUMNS = ("taken_on", "taken_at", "content_sha256", "data", "seq")
_CASE_WITH_LATEST_SNAPSHOT = (
    select(_cases, *(_snapshots.c[name].label(f"snapshot_{name}") for name in _LATEST_SNAPSHOT_COLUMNS))
    .select_from(
        _cases.outerjoin(
            _snapshots,
            and_(
                _snapshots.c.case_id == _cases.c.id,
                _snapshots.c.area == bindparam("area"),
                # as latest_snapshot: the sequence is the order of the area's history (found in its unique index)
                _snapshots.c.seq
                == select(func.max(_newer.c.seq))
                .where(_newer.c.case_id == _cases.c.id, _newer.c.area == bindparam("area"))
                .correlate(_cases)
                .scalar_subquery(),
            ),
        )
    )
    .where(_cases.c.id == bindparam("case_id"))
)
"""``get_with_latest_snapshot``'s query, built once, of plain columns (every live read runs it; built per call, with
its alias, SQLAlchemy compiled it anew each time: half of the read's CPU). SQLite finds it in three index searches."""
_latest = (
    select(*(_snapshots.c[name] for name in _LATEST_SNAPSHOT_COLUMNS))
    .where(_snapshots.c.case_id == _cases.c.id, _snapshots.c.area == bindparam("area"))
    .order_by(_snapshots.c.seq.desc())
    .limit(literal_column("1"))  # in the SQL itself: the driver binds only the statement's named parameters
    .lateral("latest")
)
_CASE_WITH_LATEST_SNAPSHOT_LATERAL = (
    select(_cases, *(_latest.c[name].label(f"snapshot_{name}") for name in _LATEST_SNAPSHOT_COLUMNS))
    .select_from(_cases.outerjoin(_latest, true()))
    .where(_cases.c.id == bindparam("case_id"))
)
"""The same rows, for PostgreSQL: the case by its key, then one backward scan of the unique index on (case, area,
sequence) that stops at the first entry. For the form above PostgreSQL planned a hash join that ran the max()
subquery twice (11 buffers read against 5, several times the execution time; every live read runs it)."""
_AT = {name: i for i, name in enumerate(_CASE_WITH_LATEST_SNAPSHOT.selected_columns.keys())}
_CASE_ID, _CASE_CPR, _CONTACT_GROUP = _AT["id"], _AT["cpr"], _AT["contact_group"]
_CASE_COLUMNS = tuple(
    (f.name, _AT[f.name]) for f in fields(Case) if f.name not in ("cpr", "contact_group", "dates", "done_tasks")
)
_DATES_COLUMNS = tuple((f.name, _AT[f.name]) for f in fields(CaseDates))
_SNAPSHOT_COLUMNS = tuple(_AT[f"snapshot_{name}"] for name in _LATEST_SNAPSHOT_COLUMNS)
"""Where ``_case_with_latest_snapshot`` finds each value in a row of either statement (both select the same columns
in the same order): by position, since every live read maps one (by name it cost a named tuple and a look-up per
field, ~5 % of the broker's CPU per live read once the rest had been cut, issue 14)."""


class AreaReadRepository:
    """The read phase of a data-area read and of a CV draft, on the driver (``db.driver``): the case and the area's
    newest snapshot are one statement, atomic on its own, so it runs in autocommit in one round trip; no session,
    no BEGIN or ROLLBACK (on SQLite: on the event loop, instead of about six thread hops). What follows (the operator
    call, the snapshot written when the content changed) keeps the unit of work."""

    def __init__(self, driver: Driver, protection: Protection) -> None:
        self._driver = driver
        # A point read: the case by primary key, its newest snapshot through the unique index on (case, area, seq).
        postgresql = driver.dialect.name == "postgresql"
        query = _CASE_WITH_LATEST_SNAPSHOT_LATERAL if postgresql else _CASE_WITH_LATEST_SNAPSHOT
        self._statement = DriverStatement(query, driver.dialect, point_read=True)
        self._protection = protection

    async def get_with_latest_snapshot(self, case_id: str, area: DataArea) -> tuple[Case, StoredSnapshot | None] | None:
        """The case (without its done tasks) and the area's newest snapshot (None if it has none)."""
        found = await self._driver.fetch_one(self._statement, {"case_id": case_id, "area": area.value})
        if found is None:
            return None
        return _case_with_latest_snapshot(self._protection, found, area)


_INSERT_CASE = insert(CaseRow)
_INSERT_LOOKUPS = insert(CaseLookupRow)
_INSERT_SNAPSHOTS = insert(SnapshotRow)
_INSERT_BLOBS = {
    "postgresql": postgresql_insert(AttachmentBlobRow).on_conflict_do_nothing(),
    "sqlite": sqlite_insert(AttachmentBlobRow).on_conflict_do_nothing(),
}
"""A new case's inserts (``CaseRepository.stage_new_case``), module constants: the driver compiles each once."""


@functools.cache
def _case_under_any_key(keys: int) -> Select[bool]:
    """``CaseRepository.case_exists``'s query for a lookup ring of ``keys`` keys, built once (the driver compiles
    it once)."""
    under_any_key = or_(
        *(
            and_(CaseLookupRow.key_id == bindparam(f"key_id_{i}"), CaseLookupRow.lookup == bindparam(f"lookup_{i}"))
            for i in range(keys)
        )
    )
    found = select(CaseLookupRow.case_id).where(
        under_any_key, CaseLookupRow.receiving_municipality == bindparam("receiving_municipality")
    )
    return select(found.exists())


class CaseRepository:
    """The CPR number, snapshots and documents are sealed here on the way in and opened on the way out
    (``db.sealed``): records hold plaintext, rows never do."""

    __slots__ = ("_held", "_uow")

    def __init__(self, session: AsyncSession) -> None:
        self._held: AsyncSession | None = session
        self._uow: UnitOfWork | None = None

    @classmethod
    def of(cls, uow: UnitOfWork) -> CaseRepository:
        """A repository on the unit of work's session, which is made only when a query first needs it: a live read
        whose read phase ran on the driver and whose answer changed nothing never makes one (``db.unit_of_work``)."""
        repository = cls.__new__(cls)
        repository._held, repository._uow = None, uow
        return repository

    @property
    def _session(self) -> AsyncSession:
        if self._held is None:
            assert self._uow is not None
            self._held = self._uow.session
        return self._held

    @property
    def _protection(self) -> Protection:
        return protection_of(self._session)

    # ---------------------------------------------------------------- cases

    async def get(self, case_id: str) -> Case | None:
        row = await self._session.get(CaseRow, case_id, populate_existing=True)
        return self._case(row, await self._done_codes(case_id)) if row else None

    async def get_with_latest_snapshot(self, case_id: str, area: DataArea) -> tuple[Case, StoredSnapshot | None] | None:
        """The case and the area's newest snapshot (None if it has none), in one round trip, in the unit of work
        (the sweep's takeover-day reads; a request's read phase runs it on the driver: ``AreaReadRepository``)."""
        row = (
            await self._session.execute(_CASE_WITH_LATEST_SNAPSHOT, {"case_id": case_id, "area": area.value})
        ).first()
        return None if row is None else _case_with_latest_snapshot(self._protection, row, area)

    async def find(self, cpr: str, receiving_municipality: str) -> Case | None:
        """The citizen's case with this receiving municipality (C1), found under any key of the lookup ring."""
        cases = await self._find(cpr, CaseLookupRow.receiving_municipality == receiving_municipality)
        return cases[0] if cases else None

    async def case_exists(self, cpr: str, receiving_municipality: str) -> bool:
        """Whether ``find`` would find a case, in one round trip on the unit of work's writer (``db.driver``):
        autocommit, no session; a point read (the look-ups' primary key, once per key of the ring), so on SQLite
        it runs on the event loop. A create asks this first; only the rare refusal reads the case (``find``)."""
        hashes = self._protection.cpr_lookups(cpr)
        values = {f"key_id_{i}": key_id for i, key_id in enumerate(hashes)}
        values |= {f"lookup_{i}": lookup for i, lookup in enumerate(hashes.values())}
        values["receiving_municipality"] = receiving_municipality
        row = await writer_of(self._session).fetch_first(_case_under_any_key(len(hashes)), values, point_read=True)
        return row is not None and bool(row[0])

    async def find_all(self, cpr: str) -> list[Case]:
        """Every case of one citizen (one per receiving municipality), for a look-up by CPR number."""
        return await self._find(cpr)

    async def _find(self, cpr: str, *conditions: Any) -> list[Case]:
        hashes = self._protection.cpr_lookups(cpr)
        under_any_key = or_(
            *(and_(CaseLookupRow.key_id == key_id, CaseLookupRow.lookup == lookup) for key_id, lookup in hashes.items())
        )
        found = select(CaseLookupRow.case_id).where(under_any_key, *conditions)
        rows = (await self._session.scalars(select(CaseRow).where(CaseRow.id.in_(found)).order_by(CaseRow.id))).all()
        return [self._case(row, await self._done_codes(row.id)) for row in rows]

    async def _done_codes(self, case_id: str) -> frozenset[str]:
        codes = await self._session.scalars(select(CaseTaskDoneRow.code).where(CaseTaskDoneRow.case_id == case_id))
        return frozenset(codes)

    # ---------------------------------------------------------------- the case over time (insert-only history)

    async def update_case(self, case_id: str, expected_revision: int, values: dict[str, object]) -> int | None:
        """Write changed columns and raise the revision, only if nobody changed the case since ``expected_revision``
        was read (optimistic concurrency: the ETag). Returns the new revision, or None when it was stale."""
        result = await self._session.execute(
            update(CaseRow)
            .where(CaseRow.id == case_id, CaseRow.revision == expected_revision)
            .values(**values, revision=expected_revision + 1)
            .execution_options(synchronize_session=False)
        )
        return expected_revision + 1 if result.rowcount == 1 else None  # type: ignore[attr-defined]

    async def add_changes(self, case_id: str, changes: Iterable[Change]) -> None:
        self._session.add_all(CaseChangeRow(case_id=case_id, **row_values(change)) for change in changes)
        await self._session.flush()

    async def history(self, case_id: str) -> list[Change]:
        rows = await self._session.scalars(
            select(CaseChangeRow).where(CaseChangeRow.case_id == case_id).order_by(CaseChangeRow.id)
        )
        return [from_row(Change, row) for row in rows]

    async def add_situation(self, case_id: str, entry: SituationEntry) -> None:
        self._session.add(CaseSituationRow(case_id=case_id, **row_values(entry, situation=entry.situation.value)))
        await self._session.flush()

    async def situations(self, case_id: str) -> list[SituationEntry]:
        """F3: the situations recorded, in the order they apply (by day; on one day the later record wins)."""
        rows = await self._session.scalars(
            select(CaseSituationRow)
            .where(CaseSituationRow.case_id == case_id)
            .order_by(CaseSituationRow.since, CaseSituationRow.id)
        )
        return [from_row(SituationEntry, row, situation=Situation(row.situation)) for row in rows]

    async def add_conversation(self, case_id: str, entry: ConversationEntry) -> ConversationEntry:
        row = CaseConversationRow(case_id=case_id, **row_values(entry, drop=("id",), kind=entry.kind.value))
        self._session.add(row)
        await self._session.flush()
        return _conversation(row)

    async def conversations(self, case_id: str) -> list[ConversationEntry]:
        rows = await self._session.scalars(
            select(CaseConversationRow)
            .where(CaseConversationRow.case_id == case_id)
            .order_by(CaseConversationRow.held_on, CaseConversationRow.id)
        )
        return [_conversation(row) for row in rows]

    async def add_task_done(self, case_id: str, task: TaskDone) -> bool:
        """C8: record a task as done; False when it already was (the first record stands)."""
        insert = postgresql_insert if self._session.get_bind().dialect.name == "postgresql" else sqlite_insert
        result = await self._session.execute(
            insert(CaseTaskDoneRow).values(case_id=case_id, **row_values(task)).on_conflict_do_nothing()
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def task_done(self, case_id: str, code: str) -> TaskDone | None:
        row = await self._session.get(CaseTaskDoneRow, (case_id, code))
        return from_row(TaskDone, row) if row else None

    def stage_new_case(
        self,
        batch: WriteBatch,
        case: Case,
        snapshots: Sequence[Snapshot],
        blobs: Sequence[Blob],
        fetched_at: datetime,
        encoded: Sequence[bytes],
    ) -> None:
        """A new case's rows, in the order they are inserted: the case, its lookup hashes under every key of the
        ring, the first snapshot of each area (``seq`` 1) and the documents' bytes. A case of the same citizen and
        receiving municipality stored first, under any key both rings share, stops the batch on the lookups'
        unique key (``db.driver.UniqueViolation``): nothing of it is written. ``encoded``: each snapshot's data as
        ``Protection.seal_json`` would encode it (``service.snapshot_json``), sealed as it is."""
        cpr = self._protection.seal_text(case.cpr, sealed.CASE_CPR.at(case.id))
        values = row_values(case, drop=("dates", "done_tasks"), contact_group=int(case.contact_group), cpr=cpr)
        batch.add(_INSERT_CASE, [values | row_values(case.dates)])
        batch.add(
            _INSERT_LOOKUPS,
            (
                {
                    "key_id": key_id,
                    "lookup": lookup,
                    "receiving_municipality": case.receiving_municipality,
                    "case_id": case.id,
                }
                for key_id, lookup in self._protection.cpr_lookups(case.cpr).items()
            ),
        )
        batch.add(
            _INSERT_SNAPSHOTS,
            (self._snapshot_values(case.id, s, seq=1, encoded=e) for s, e in zip(snapshots, encoded, strict=True)),
        )
        metrics.count_snapshots_written(snapshot.area.value for snapshot in snapshots)
        batch.add(_INSERT_BLOBS[self._session.get_bind().dialect.name], self._blob_values(case.id, blobs, fetched_at))

    async def taking_over_on(self, day: date) -> list[tuple[str, str, DataArea]]:
        """(case id, receiving municipality, area) for each DA1/DA2 whose takeover date is ``day`` (the sweep's
        final snapshots, G1): the early date where one is given, else the handover date (C5)."""
        found: list[tuple[str, str, DataArea]] = []
        for area, early in (
            (DataArea.CV, CaseRow.early_takeover_cv),
            (DataArea.INTEGRATION_CONTRACT, CaseRow.early_takeover_contract),
        ):
            rows = await self._session.execute(
                select(CaseRow.id, CaseRow.receiving_municipality)
                .where(or_(early == day, and_(early.is_(None), CaseRow.handover_date == day)))
                .order_by(CaseRow.id)
            )
            found.extend((case_id, municipality, area) for case_id, municipality in rows)
        return found

    # ---------------------------------------------------------------- snapshots (insert-only)

    async def add_snapshot(self, case_id: str, snapshot: Snapshot, *, after: Snapshot | StoredSnapshot | None) -> bool:
        """Store the snapshot as the one following ``after`` (the latest this request saw; None: the first).

        Insert-if-unclaimed: the row claims ``after.seq + 1`` and the unique key (case, area, seq) lets exactly one
        of several racing writers have it; the others insert nothing. This holds on both databases without locks:
        fifty identical reads after one upstream change add one row. Returns whether this call stored the row."""
        values = self._snapshot_values(case_id, snapshot, seq=(after.seq if after else 0) + 1)
        result = await self._session.execute(self._insert(SnapshotRow).values(values).on_conflict_do_nothing())
        return bool(getattr(result, "rowcount", 0))

    def _insert(self, table: type[SnapshotRow] | type[AttachmentBlobRow]) -> Any:
        dialect = self._session.get_bind().dialect.name
        return (postgresql_insert if dialect == "postgresql" else sqlite_insert)(table)

    async def latest_snapshot(
        self, case_id: str, area: DataArea, *, on_or_before: date | None = None
    ) -> Snapshot | None:
        """The newest snapshot of the area, optionally only among those taken on or before a day (G1)."""
        query = select(SnapshotRow).where(SnapshotRow.case_id == case_id, SnapshotRow.area == area.value)
        if on_or_before is not None:
            query = query.where(SnapshotRow.taken_on <= on_or_before)
        row = await self._session.scalar(query.order_by(SnapshotRow.seq.desc()).limit(1))
        return self._snapshot(row) if row else None

    async def first_snapshot_after(self, case_id: str, area: DataArea, day: date) -> Snapshot | None:
        """G1: the final snapshot of an area first read after its takeover date."""
        row = await self._session.scalar(
            select(SnapshotRow)
            .where(SnapshotRow.case_id == case_id, SnapshotRow.area == area.value, SnapshotRow.taken_on > day)
            .order_by(SnapshotRow.seq)
            .limit(1)
        )
        return self._snapshot(row) if row else None

    # ---------------------------------------------------------------- attachment bytes

    async def blob_keys(self, case_id: str) -> set[tuple[str, str]]:
        rows = await self._session.execute(
            select(AttachmentBlobRow.attachment_id, AttachmentBlobRow.sha256).where(
                AttachmentBlobRow.case_id == case_id
            )
        )
        return {(attachment_id, sha256) for attachment_id, sha256 in rows}

    async def add_blobs(self, case_id: str, blobs: Iterable[Blob], fetched_at: datetime) -> None:
        """Store documents' bytes. Two concurrent reads may fetch the same new document: the key is
        (case, attachment, SHA-256), so the bytes are identical and the second insert is skipped, not an error."""
        rows = self._blob_values(case_id, blobs, fetched_at)
        if not rows:
            return
        await self._session.execute(self._insert(AttachmentBlobRow).values(rows).on_conflict_do_nothing())

    def _blob_values(self, case_id: str, blobs: Iterable[Blob], fetched_at: datetime) -> list[dict[str, Any]]:
        return [
            {
                **row_values(b),
                "case_id": case_id,
                "fetched_at": fetched_at,
                "content": self._protection.seal(
                    b.content, sealed.ATTACHMENT_CONTENT.at(case_id, b.attachment_id, b.sha256)
                ),
            }
            for b in blobs
        ]

    async def get_blob(self, case_id: str, attachment_id: str, sha256: str) -> Blob | None:
        row = await self._session.get(AttachmentBlobRow, (case_id, attachment_id, sha256))
        if row is None:
            return None
        where = sealed.ATTACHMENT_CONTENT.at(case_id, attachment_id, sha256)
        return from_row(Blob, row, content=self._protection.open(row.content, where))

    # ---------------------------------------------------------------- rows <-> records, sealing on the way

    def _case(self, row: CaseRow | Row[Any], done_tasks: frozenset[str] = frozenset()) -> Case:
        return case_from_row(self._protection, row, done_tasks)

    def _snapshot(self, row: SnapshotRow) -> Snapshot:
        return snapshot_from_row(self._protection, row)

    def _snapshot_values(
        self, case_id: str, snapshot: Snapshot, *, seq: int, encoded: bytes | None = None
    ) -> dict[str, Any]:
        """``encoded``: ``snapshot.data`` as ``Protection.seal_json`` would encode it, if the caller has it."""
        where = sealed.SNAPSHOT_DATA.at(case_id, snapshot.area.value, seq)
        if encoded is None:
            data = self._protection.seal_json(snapshot.data, where)
        else:
            data = self._protection.seal(encoded, where)
        return row_values(snapshot, case_id=case_id, area=snapshot.area.value, seq=seq, data=data)


def case_from_row(protection: Protection, row: Any, done_tasks: frozenset[str] = frozenset()) -> Case:
    """A case from a row holding the cases table's columns by name (a mapped row, or a feature's own query's),
    its CPR number opened."""
    return from_row(
        Case,
        row,
        cpr=protection.open_text(row.cpr, sealed.CASE_CPR.at(row.id)),
        contact_group=ContactGroup(row.contact_group),
        dates=from_row(CaseDates, row),
        done_tasks=done_tasks,
    )


def _case_with_latest_snapshot(
    protection: Protection, row: Sequence[Any], area: DataArea
) -> tuple[Case, StoredSnapshot | None]:
    """A row of ``_CASE_WITH_LATEST_SNAPSHOT`` (or its PostgreSQL form) as the case, its CPR number opened, and the
    area's newest snapshot, its data opened but not parsed (``StoredSnapshot``); by position (``_AT``)."""
    case_id = row[_CASE_ID]
    case = Case(
        cpr=protection.open_text(row[_CASE_CPR], sealed.CASE_CPR.at(case_id)),
        contact_group=ContactGroup(row[_CONTACT_GROUP]),
        dates=CaseDates(**{name: row[i] for name, i in _DATES_COLUMNS}),
        **{name: row[i] for name, i in _CASE_COLUMNS},
    )
    taken_on, taken_at, content_sha256, data, seq = (row[i] for i in _SNAPSHOT_COLUMNS)
    if seq is None:
        return case, None
    where = sealed.SNAPSHOT_DATA.at(case_id, area.value, seq)
    parse_data = functools.partial(json.loads, protection.open(data, where))
    return case, StoredSnapshot(area, taken_on, taken_at, content_sha256, seq, parse_data)


def snapshot_from_row(protection: Protection, row: Any) -> Snapshot:
    """A snapshot from a row holding the snapshots table's columns by name, its data opened."""
    where = sealed.SNAPSHOT_DATA.at(row.case_id, row.area, row.seq)
    return from_row(Snapshot, row, area=DataArea(row.area), data=protection.open_json(row.data, where))


def _conversation(row: CaseConversationRow) -> ConversationEntry:
    return from_row(ConversationEntry, row, kind=ConversationKind(row.kind))
