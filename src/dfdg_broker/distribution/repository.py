"""All queries of the distribution feature (P2). Receipts are insert-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dfdg_broker.db.mapping import from_row, row_values
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
        row = DistributionReceiptRow(**row_values(receipt, drop=("id",), unit=receipt.unit.value))
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
    return from_row(Receipt, row, unit=MunicipalUnit(row.unit), package=dict(row.package))
