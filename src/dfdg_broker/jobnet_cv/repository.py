"""All queries of the Jobnet CV feature. Submissions are insert-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dfdg_broker.db.mapping import from_row, row_values
from dfdg_broker.db.models import JobnetCvSubmissionRow


@dataclass(frozen=True, slots=True)
class SubmissionRecord:
    case_id: str
    cv_number: int
    submitted_at: datetime
    submitted_on: date
    submitted_by_municipality: str
    searchable: bool
    consent: bool
    jobnet_status: str
    jobnet_received_at: datetime
    cv: dict[str, Any]
    findings: list[dict[str, Any]]


class JobnetCvRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def add_submission(self, record: SubmissionRecord) -> None:
        self._session.add(JobnetCvSubmissionRow(**row_values(record)))
        await self._session.flush()

    async def latest_submission(self, case_id: str) -> SubmissionRecord | None:
        row = await self._session.scalar(
            select(JobnetCvSubmissionRow)
            .where(JobnetCvSubmissionRow.case_id == case_id)
            .order_by(JobnetCvSubmissionRow.id.desc())
            .limit(1)
        )
        return None if row is None else from_row(SubmissionRecord, row)
