"""The case read's one query: the case and everything its summary needs, in one statement (one round trip).

A case read is the hottest read after the data areas; asked part by part (the case, its done tasks, PDF requests,
DA3, DA4, receipts) it took six statements in a transaction, and each is a round trip (on SQLite several thread
hops). One statement is atomic on its own, so it runs on the driver (``db.driver``): autocommit, no session, no
BEGIN or COMMIT. The child rows come as JSON (``db.json_rows``); DA3's and DA4's newest snapshots are joined,
since their sealed data cannot travel in JSON. Only what the summary uses is read: a PDF request's sealed delivery
is not, nor a snapshot's columns other than its data (and the sequence number its seal is bound to).
"""

from __future__ import annotations

from collections import namedtuple
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Select, String, and_, bindparam, func, select
from sqlalchemy.orm import aliased

from dfdg_broker.cases.records import Case
from dfdg_broker.cases.repository import case_from_row
from dfdg_broker.db.driver import Driver, DriverStatement
from dfdg_broker.db.json_rows import json_rows, json_timestamp
from dfdg_broker.db.models import CaseRow, CaseTaskDoneRow, DistributionReceiptRow, PdfRequestRow, SnapshotRow
from dfdg_broker.db.sealed import SNAPSHOT_DATA
from dfdg_broker.distribution.repository import Receipt
from dfdg_broker.domain.access import may_access
from dfdg_broker.domain.areas import DataArea
from dfdg_broker.domain.distribution import MunicipalUnit
from dfdg_broker.protection import Protection


@dataclass(frozen=True, slots=True)
class PdfRequestDates:
    """What the summary needs of a PDF request (P1): its dates."""

    requested_on: date
    due_date: date
    delivered_on: date | None
    lost_on: date | None


@dataclass(frozen=True, slots=True)
class SummaryInputs:
    """What the case summary is computed from, as the broker holds it now."""

    pdf_requests: list[PdfRequestDates]
    """in the order they were made"""
    other: bytes | None
    """DA3's newest snapshot's data, the JSON document opened (DA3 is never frozen, so it is the one served), or
    None when DA3 was never captured"""
    attachments: bytes | None
    """DA4's newest snapshot's data, likewise"""
    receipts: list[Receipt]


_SNAPSHOT_COLUMNS = ("seq", "data")


def _prefix(area: DataArea) -> str:
    """The labels of the area's snapshot columns in the row start with this."""
    return f"{area.name.lower()}_"


def _newest_snapshot(area: DataArea) -> tuple[Any, Any]:
    """An alias of the snapshots for the area's newest one, and the condition to join it on: the highest sequence
    (as ``CaseRepository.latest_snapshot``), found in the unique index on (case, area, sequence)."""
    snapshot, inner = aliased(SnapshotRow, name=f"newest_{area.name.lower()}"), aliased(SnapshotRow)
    area_value = bindparam(_prefix(area) + "area", type_=String())
    newest = (
        select(func.max(inner.seq))
        .where(inner.case_id == CaseRow.id, inner.area == area_value)
        .correlate(CaseRow)
        .scalar_subquery()
    )
    return snapshot, and_(snapshot.case_id == CaseRow.id, snapshot.area == area_value, snapshot.seq == newest)


def _case_read() -> Select[Any]:
    other, newest_other = _newest_snapshot(DataArea.OTHER)
    attachments, newest_attachments = _newest_snapshot(DataArea.ATTACHMENTS)
    return (
        select(
            *CaseRow.__table__.columns,
            select(json_rows(CaseTaskDoneRow.code))
            .where(CaseTaskDoneRow.case_id == CaseRow.id)
            .scalar_subquery()
            .label("done_tasks"),
            select(
                json_rows(
                    PdfRequestRow.requested_at,
                    PdfRequestRow.id,
                    PdfRequestRow.requested_on,
                    PdfRequestRow.due_date,
                    PdfRequestRow.delivered_on,
                    PdfRequestRow.lost_on,
                )
            )
            .where(PdfRequestRow.case_id == CaseRow.id)
            .scalar_subquery()
            .label("pdf_requests"),
            select(
                json_rows(
                    DistributionReceiptRow.received_at,
                    DistributionReceiptRow.id,
                    DistributionReceiptRow.unit,
                    DistributionReceiptRow.received_on,
                    DistributionReceiptRow.recorded_by_municipality,
                    DistributionReceiptRow.note,
                    DistributionReceiptRow.package,
                )
            )
            .where(DistributionReceiptRow.case_id == CaseRow.id)
            .scalar_subquery()
            .label("receipts"),
            *(getattr(other, name).label(_prefix(DataArea.OTHER) + name) for name in _SNAPSHOT_COLUMNS),
            *(getattr(attachments, name).label(_prefix(DataArea.ATTACHMENTS) + name) for name in _SNAPSHOT_COLUMNS),
        )
        .select_from(CaseRow)
        .outerjoin(other, newest_other)
        .outerjoin(attachments, newest_attachments)
        .where(CaseRow.id == bindparam("case_id"))
    )


_CASE_READ = _case_read()
_AREAS = {_prefix(area) + "area": area.value for area in (DataArea.OTHER, DataArea.ATTACHMENTS)}
"""The statement's constant parameters (the driver passes every parameter by name)."""
_CaseReadRow = namedtuple("_CaseReadRow", _CASE_READ.selected_columns.keys())  # type: ignore[misc]
"""The driver's row by column name, as ``from_row`` reads it."""


@dataclass(frozen=True, slots=True)
class StoredCase:
    """The case read's row as stored (sealed values still sealed): who may see the case (C2) without opening
    anything, and ``row``, everything the answer is computed from (equal rows give equal answers on one day)."""

    row: tuple[Any, ...]

    def visible_to(self, municipality: str) -> bool:
        row: Any = self.row
        return may_access(
            municipality,
            receiving_municipality=row.receiving_municipality,
            jobcenter_municipality=row.jobcenter_municipality,
        )


class SummaryRepository:
    """Held for the life of the process: the statement is compiled once, for the driver's dialect."""

    def __init__(self, driver: Driver, protection: Protection) -> None:
        self._driver = driver
        # A point read (SQLite: on the event loop, no hop to a thread): the case by primary key, each child table and
        # snapshot through an index on the case.
        self._statement = DriverStatement(_CASE_READ, driver.dialect, point_read=True)
        self._protection = protection

    async def stored_case(self, case_id: str) -> StoredCase | None:
        """The case and what its summary is computed from, as stored (still sealed), in one round trip."""
        found = await self._driver.fetch_one(self._statement, {"case_id": case_id, **_AREAS})
        return None if found is None else StoredCase(_CaseReadRow(*found))

    def opened(self, stored: StoredCase) -> tuple[Case, SummaryInputs]:
        """The case and its summary's inputs from the stored row: the CPR number and the snapshots opened."""
        row: Any = stored.row  # its fields are the statement's columns, unknown to the type checker
        case_id = row.id
        case = case_from_row(self._protection, row, frozenset(code for (code,) in row.done_tasks or ()))
        # The databases cannot order an aggregate alike (SQLite < 3.44): the order is restored here.
        requests = sorted(row.pdf_requests or (), key=lambda r: (json_timestamp(r[0]), r[1]))
        receipts = sorted(row.receipts or (), key=lambda r: (json_timestamp(r[0]), r[1]))
        return case, SummaryInputs(
            pdf_requests=[
                PdfRequestDates(
                    requested_on=date.fromisoformat(requested_on),
                    due_date=date.fromisoformat(due_date),
                    delivered_on=_date(delivered_on),
                    lost_on=_date(lost_on),
                )
                for _at, _id, requested_on, due_date, delivered_on, lost_on in requests
            ],
            other=self._snapshot_data(row, DataArea.OTHER),
            attachments=self._snapshot_data(row, DataArea.ATTACHMENTS),
            receipts=[
                Receipt(
                    id=receipt_id,
                    case_id=case_id,
                    unit=MunicipalUnit(unit),
                    received_on=date.fromisoformat(received_on),
                    received_at=json_timestamp(received_at),
                    recorded_by_municipality=municipality,
                    note=note,
                    package=dict(package),
                )
                for received_at, receipt_id, unit, received_on, municipality, note, package in receipts
            ],
        )

    def _snapshot_data(self, row: Any, area: DataArea) -> bytes | None:
        """The area's newest snapshot's data, opened but not parsed: the summary validates it straight from JSON."""
        seq = getattr(row, _prefix(area) + "seq")
        if seq is None:  # the area has no snapshot
            return None
        return self._protection.open(getattr(row, _prefix(area) + "data"), SNAPSHOT_DATA.at(row.id, area.value, seq))


def _date(value: str | None) -> date | None:
    return None if value is None else date.fromisoformat(value)
