"""All queries of the cases feature. Rows in, dataclasses out."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from dfdg_broker.cases.records import Blob, Case, Change, ConversationEntry, SituationEntry, Snapshot, TaskDone
from dfdg_broker.db.mapping import from_row
from dfdg_broker.db.models import (
    AttachmentBlobRow,
    CaseChangeRow,
    CaseConversationRow,
    CaseRow,
    CaseSituationRow,
    CaseTaskDoneRow,
    SnapshotRow,
)
from dfdg_broker.db.session import WRITE_TRANSACTION
from dfdg_broker.domain.areas import DataArea
from dfdg_broker.domain.case_dates import CaseDates
from dfdg_broker.domain.contact_groups import ContactGroup
from dfdg_broker.domain.followup import ConversationKind, Situation


class DuplicateCase(Exception):
    """A case for this CPR number and receiving municipality already exists (found at insert time)."""


class CaseRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def end_read_phase(self) -> None:
        """End the current read-only transaction before a slow outbound call, so that no database lock or
        connection is held while the network is waited on. Refuses if anything is waiting to be written."""
        if self._session.new or self._session.dirty or self._session.deleted:
            raise RuntimeError("end_read_phase with pending writes")
        await self._session.rollback()

    async def begin_write_phase(self) -> None:
        """Start the transaction that will write, after the outbound calls (see ``WRITE_TRANSACTION``)."""
        await self._session.connection(execution_options={WRITE_TRANSACTION: True})

    # ---------------------------------------------------------------- cases

    async def get(self, case_id: str) -> Case | None:
        row = await self._session.get(CaseRow, case_id, populate_existing=True)
        return _case(row, await self._done_codes(case_id)) if row else None

    async def get_with_latest_snapshot(self, case_id: str, area: DataArea) -> tuple[Case, Snapshot | None] | None:
        """The case and the area's newest snapshot (None if it has none), in one round trip."""
        inner = aliased(SnapshotRow)
        newest = (
            select(inner.id)
            .where(inner.case_id == CaseRow.id, inner.area == area.value)
            .order_by(inner.seq.desc())  # as latest_snapshot: the sequence is the order of the area's history
            .limit(1)
            .correlate(CaseRow)
            .scalar_subquery()
        )
        query = select(CaseRow, SnapshotRow).outerjoin(SnapshotRow, SnapshotRow.id == newest)
        row = (await self._session.execute(query.where(CaseRow.id == case_id))).first()
        if row is None:
            return None
        return _case(row[0]), (_snapshot(row[1]) if row[1] is not None else None)

    async def get_with_snapshot_check(
        self, case_id: str, area: DataArea, taken_on: date, content_sha256: str
    ) -> tuple[Case, bool] | None:
        """The case and whether a snapshot of the area taken on that day with that content is still stored, in one
        round trip (a cached frozen read's check)."""
        held = (
            select(SnapshotRow.id)
            .where(
                SnapshotRow.case_id == CaseRow.id,
                SnapshotRow.area == area.value,
                SnapshotRow.taken_on == taken_on,
                SnapshotRow.content_sha256 == content_sha256,
            )
            .exists()
        )
        row = (await self._session.execute(select(CaseRow, held).where(CaseRow.id == case_id))).first()
        if row is None:
            return None
        return _case(row[0]), bool(row[1])

    async def find(self, cpr_lookup: str, receiving_municipality: str) -> Case | None:
        row = await self._session.scalar(
            select(CaseRow).where(
                CaseRow.cpr_lookup == cpr_lookup, CaseRow.receiving_municipality == receiving_municipality
            )
        )
        return _case(row, await self._done_codes(row.id)) if row else None

    async def find_all(self, cpr_lookup: str) -> list[Case]:
        """Every case of one citizen (one per receiving municipality), for a look-up by CPR number."""
        rows = (await self._session.scalars(select(CaseRow).where(CaseRow.cpr_lookup == cpr_lookup))).all()
        return [_case(row, await self._done_codes(row.id)) for row in rows]

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
        self._session.add_all(CaseChangeRow(case_id=case_id, **_values(change)) for change in changes)
        await self._session.flush()

    async def history(self, case_id: str) -> list[Change]:
        rows = await self._session.scalars(
            select(CaseChangeRow).where(CaseChangeRow.case_id == case_id).order_by(CaseChangeRow.id)
        )
        return [from_row(Change, row) for row in rows]

    async def add_situation(self, case_id: str, entry: SituationEntry) -> None:
        self._session.add(
            CaseSituationRow(
                case_id=case_id, situation=entry.situation.value, since=entry.since, recorded_at=entry.recorded_at
            )
        )
        await self._session.flush()

    async def situations(self, case_id: str) -> list[SituationEntry]:
        """F3: the situations recorded, in the order they apply (by day; on one day the later record wins)."""
        rows = await self._session.scalars(
            select(CaseSituationRow)
            .where(CaseSituationRow.case_id == case_id)
            .order_by(CaseSituationRow.since, CaseSituationRow.id)
        )
        return [SituationEntry(Situation(row.situation), row.since, row.recorded_at) for row in rows]

    async def add_conversation(self, case_id: str, entry: ConversationEntry) -> ConversationEntry:
        row = CaseConversationRow(
            case_id=case_id,
            held_on=entry.held_on,
            kind=entry.kind.value,
            recorded_at=entry.recorded_at,
            recorded_by_subject=entry.recorded_by_subject,
            recorded_by_municipality=entry.recorded_by_municipality,
        )
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
            insert(CaseTaskDoneRow).values(case_id=case_id, **_values(task)).on_conflict_do_nothing()
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def task_done(self, case_id: str, code: str) -> TaskDone | None:
        row = await self._session.get(CaseTaskDoneRow, (case_id, code))
        return from_row(TaskDone, row) if row else None

    async def add_case(self, case: Case, cpr_lookup: str) -> None:
        self._session.add(
            CaseRow(
                id=case.id,
                cpr=case.cpr,
                cpr_lookup=cpr_lookup,
                receiving_municipality=case.receiving_municipality,
                jobcenter_municipality=case.jobcenter_municipality,
                contact_group=int(case.contact_group),
                handover_date=case.dates.handover_date,
                early_takeover_cv=case.dates.early_takeover_cv,
                early_takeover_contract=case.dates.early_takeover_contract,
                cv_update_deadline=case.dates.cv_update_deadline,
                special_procedure_ref=case.special_procedure_ref,
                person_id=case.person_id,
                asylum_decision_date=case.asylum_decision_date,
                jobnet_cv_number=case.jobnet_cv_number,
                jobnet_profile_created=case.jobnet_profile_created,
                created_on=case.created_on,
                created_at=case.created_at,
                created_by_municipality=case.created_by_municipality,
            )
        )
        try:
            await self._session.flush()
        except IntegrityError as exc:
            # The transaction is dead; roll it back so the caller can look up the case that won the race.
            # Nothing else is lost: the case is the first row a create writes.
            await self._session.rollback()
            raise DuplicateCase from exc

    # ---------------------------------------------------------------- snapshots (insert-only)

    async def add_snapshot(self, case_id: str, snapshot: Snapshot, *, after: Snapshot | None) -> bool:
        """Store the snapshot as the one following ``after`` (the latest this request saw; None: the first).

        Insert-if-unclaimed: the row claims ``after.seq + 1`` and the unique key (case, area, seq) lets exactly one
        of several racing writers have it; the others insert nothing. This holds on both databases without locks:
        fifty identical reads after one upstream change add one row. Returns whether this call stored the row."""
        values = {
            "case_id": case_id,
            "area": snapshot.area.value,
            "taken_on": snapshot.taken_on,
            "taken_at": snapshot.taken_at,
            "content_sha256": snapshot.content_sha256,
            "data": snapshot.data,
            "seq": (after.seq if after else 0) + 1,
        }
        result = await self._session.execute(self._insert(SnapshotRow).values(values).on_conflict_do_nothing())
        return bool(getattr(result, "rowcount", 0))

    def _insert(self, table: type[SnapshotRow] | type[AttachmentBlobRow]) -> Any:
        dialect = self._session.get_bind().dialect.name
        return (postgresql_insert if dialect == "postgresql" else sqlite_insert)(table)

    async def add_snapshots(self, case_id: str, snapshots: Iterable[Snapshot]) -> None:
        """A new case's first snapshot of each area (``seq`` 1), in one flush (one multi-row INSERT where the
        driver allows). The case row was written in the same transaction, so nobody can race these."""
        self._session.add_all(
            [
                SnapshotRow(
                    case_id=case_id,
                    area=snapshot.area.value,
                    taken_on=snapshot.taken_on,
                    taken_at=snapshot.taken_at,
                    content_sha256=snapshot.content_sha256,
                    data=snapshot.data,
                    seq=1,
                )
                for snapshot in snapshots
            ]
        )
        await self._session.flush()

    async def latest_snapshot(
        self, case_id: str, area: DataArea, *, on_or_before: date | None = None
    ) -> Snapshot | None:
        """The newest snapshot of the area, optionally only among those taken on or before a day (G1)."""
        query = select(SnapshotRow).where(SnapshotRow.case_id == case_id, SnapshotRow.area == area.value)
        if on_or_before is not None:
            query = query.where(SnapshotRow.taken_on <= on_or_before)
        row = await self._session.scalar(query.order_by(SnapshotRow.seq.desc()).limit(1))
        return _snapshot(row) if row else None

    async def first_snapshot_after(self, case_id: str, area: DataArea, day: date) -> Snapshot | None:
        """G1: the final snapshot of an area first read after its takeover date."""
        row = await self._session.scalar(
            select(SnapshotRow)
            .where(SnapshotRow.case_id == case_id, SnapshotRow.area == area.value, SnapshotRow.taken_on > day)
            .order_by(SnapshotRow.seq)
            .limit(1)
        )
        return _snapshot(row) if row else None

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
        rows = [
            {
                "case_id": case_id,
                "attachment_id": b.attachment_id,
                "sha256": b.sha256,
                "media_type": b.media_type,
                "size_bytes": b.size_bytes,
                "content": b.content,
                "fetched_at": fetched_at,
            }
            for b in blobs
        ]
        if not rows:
            return
        await self._session.execute(self._insert(AttachmentBlobRow).values(rows).on_conflict_do_nothing())

    async def get_blob(self, case_id: str, attachment_id: str, sha256: str) -> Blob | None:
        row = await self._session.get(AttachmentBlobRow, (case_id, attachment_id, sha256))
        if row is None:
            return None
        return Blob(row.attachment_id, row.sha256, row.media_type, row.size_bytes, row.content)


def _values(record: Change | TaskDone) -> dict[str, object]:
    return {name: getattr(record, name) for name in record.__slots__}


def _conversation(row: CaseConversationRow) -> ConversationEntry:
    return ConversationEntry(
        row.id,
        row.held_on,
        ConversationKind(row.kind),
        row.recorded_at,
        row.recorded_by_subject,
        row.recorded_by_municipality,
    )


def _case(row: CaseRow, done_tasks: frozenset[str] = frozenset()) -> Case:
    return Case(
        id=row.id,
        cpr=row.cpr,
        receiving_municipality=row.receiving_municipality,
        jobcenter_municipality=row.jobcenter_municipality,
        contact_group=ContactGroup(row.contact_group),
        dates=CaseDates(row.handover_date, row.early_takeover_cv, row.early_takeover_contract, row.cv_update_deadline),
        special_procedure_ref=row.special_procedure_ref,
        person_id=row.person_id,
        asylum_decision_date=row.asylum_decision_date,
        jobnet_cv_number=row.jobnet_cv_number,
        jobnet_profile_created=row.jobnet_profile_created,
        created_on=row.created_on,
        created_at=row.created_at,
        created_by_municipality=row.created_by_municipality,
        revision=row.revision,
        visitation_date=row.visitation_date,
        joint_handover_conversation_date=row.joint_handover_conversation_date,
        not_learning_danish=row.not_learning_danish,
        covered_by_repatriation_act=row.covered_by_repatriation_act,
        done_tasks=done_tasks,
    )


def _snapshot(row: SnapshotRow) -> Snapshot:
    return Snapshot(DataArea(row.area), row.taken_on, row.taken_at, row.content_sha256, row.data, row.seq)
