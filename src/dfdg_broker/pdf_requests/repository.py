"""All queries of the PDF route. Rows in, dataclasses out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from dfdg_broker.db import sealed
from dfdg_broker.db.mapping import from_row, row_values
from dfdg_broker.db.models import CaseRow, PdfRequestRow
from dfdg_broker.db.session import protection_of


@dataclass(frozen=True, slots=True)
class StoredPdfRequest:
    """P1: a request the operator accepted; ``delivery`` is the operator's delivery state once the bytes are held."""

    id: str
    case_id: str
    operator_request_id: str
    person_id: str
    areas: list[str]
    requested_on: date
    requested_at: datetime
    due_date: date
    requested_by_municipality: str
    delivered_on: date | None = None
    stored_at: datetime | None = None
    delivery: dict[str, Any] | None = None
    lost_on: date | None = None

    @property
    def open(self) -> bool:
        """Still to be collected from the operator: neither delivered nor lost."""
        return self.delivered_on is None and self.lost_on is None


class PdfRequestRepository:
    """The delivery (file names, sizes, the operator's metadata about the citizen's documents) is sealed."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._protection = protection_of(session)

    async def add(self, request: StoredPdfRequest) -> None:
        self._session.add(PdfRequestRow(**row_values(request, delivery=self._seal(request.id, request.delivery))))
        await self._session.flush()

    def _seal(self, request_id: str, delivery: dict[str, Any] | None) -> bytes | None:
        return None if delivery is None else self._protection.seal_json(delivery, sealed.PDF_DELIVERY.at(request_id))

    def _record(self, row: PdfRequestRow) -> StoredPdfRequest:
        delivery = None
        if row.delivery is not None:
            delivery = self._protection.open_json(row.delivery, sealed.PDF_DELIVERY.at(row.id))
        return from_row(StoredPdfRequest, row, delivery=delivery)

    async def by_operator_request_id(self, case_id: str, operator_request_id: str) -> StoredPdfRequest | None:
        row = await self._session.scalar(
            select(PdfRequestRow).where(
                PdfRequestRow.case_id == case_id, PdfRequestRow.operator_request_id == operator_request_id
            )
        )
        return self._record(row) if row else None

    async def for_case(self, case_id: str) -> list[StoredPdfRequest]:
        rows = await self._session.scalars(
            select(PdfRequestRow)
            .where(PdfRequestRow.case_id == case_id)
            .order_by(PdfRequestRow.requested_at, PdfRequestRow.id)
        )
        return [self._record(row) for row in rows]

    async def cases_with_open_requests(self) -> list[tuple[str, str]]:
        """(case id, receiving municipality) of each case with a request not yet delivered (for the sweep)."""
        rows = await self._session.execute(
            select(CaseRow.id, CaseRow.receiving_municipality)
            .where(CaseRow.id.in_(select(PdfRequestRow.case_id).where(PdfRequestRow.delivered_on.is_(None))))
            .order_by(CaseRow.id)
        )
        return [(case_id, municipality) for case_id, municipality in rows]

    async def mark_lost(self, request_id: str, *, on: date) -> None:
        """The operator no longer knows the request. Never overrides a delivery a concurrent read stored."""
        await self._session.execute(
            update(PdfRequestRow)
            .where(
                PdfRequestRow.id == request_id, PdfRequestRow.delivered_on.is_(None), PdfRequestRow.lost_on.is_(None)
            )
            .values(lost_on=on)
        )

    async def mark_delivered(
        self, request_id: str, *, delivered_on: date, stored_at: datetime, delivery: dict[str, Any]
    ) -> None:
        """Record the delivery once. A concurrent read that stored it first wins; the bytes are the same."""
        await self._session.execute(
            update(PdfRequestRow)
            .where(PdfRequestRow.id == request_id, PdfRequestRow.delivered_on.is_(None))
            .values(delivered_on=delivered_on, stored_at=stored_at, delivery=self._seal(request_id, delivery))
        )
