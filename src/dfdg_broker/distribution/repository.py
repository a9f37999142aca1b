"""All queries of the distribution feature (P2). Receipts are insert-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dfdg_broker.db.models import DistributionReceiptRow
from dfdg_broker.domain.distribution import MunicipalUnit


@dataclass(frozen=True, slots=True)
class Receipt:
    """P2: a unit received its package; ``package`` is what it held then (item -> SHA-256)."""

    id: int | None
    case_id: str
    unit: MunicipalUnit
    received_on: date
    received_at: datetime
    recorded_by_municipality: str
    note: str | None
    package: dict[str, str]


class DistributionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_receipt(self, receipt: Receipt) -> Receipt:
        row = DistributionReceiptRow(
            case_id=receipt.case_id,
            unit=receipt.unit.value,
            received_on=receipt.received_on,
            received_at=receipt.received_at,
            recorded_by_municipality=receipt.recorded_by_municipality,
            note=receipt.note,
            package=receipt.package,
        )
        self._session.add(row)
        await self._session.flush()
        return _receipt(row)

    async def receipts(self, case_id: str) -> list[Receipt]:
        rows = await self._session.scalars(
            select(DistributionReceiptRow)
            .where(DistributionReceiptRow.case_id == case_id)
            .order_by(DistributionReceiptRow.received_at, DistributionReceiptRow.id)
        )
        return [_receipt(row) for row in rows]


def _receipt(row: DistributionReceiptRow) -> Receipt:
    return Receipt(
        id=row.id,
        case_id=row.case_id,
        unit=MunicipalUnit(row.unit),
        received_on=row.received_on,
        received_at=row.received_at,
        recorded_by_municipality=row.recorded_by_municipality,
        note=row.note,
        package=dict(row.package),
    )
