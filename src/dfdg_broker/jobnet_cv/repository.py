"""All queries of the Jobnet CV feature. Submissions are insert-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

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
        self._session.add(
            JobnetCvSubmissionRow(
                case_id=record.case_id,
                cv_number=record.cv_number,
                submitted_at=record.submitted_at,
                submitted_on=record.submitted_on,
                submitted_by_municipality=record.submitted_by_municipality,
                searchable=record.searchable,
                consent=record.consent,
                jobnet_status=record.jobnet_status,
                jobnet_received_at=record.jobnet_received_at,
                cv=record.cv,
                findings=record.findings,
            )
        )
        await self._session.flush()

    async def latest_submission(self, case_id: str) -> SubmissionRecord | None:
        row = await self._session.scalar(
            select(JobnetCvSubmissionRow)
            .where(JobnetCvSubmissionRow.case_id == case_id)
            .order_by(JobnetCvSubmissionRow.id.desc())
            .limit(1)
        )
        if row is None:
            return None
        return SubmissionRecord(
            case_id=row.case_id,
            cv_number=row.cv_number,
            submitted_at=row.submitted_at,
            submitted_on=row.submitted_on,
            submitted_by_municipality=row.submitted_by_municipality,
            searchable=row.searchable,
            consent=row.consent,
            jobnet_status=row.jobnet_status,
            jobnet_received_at=row.jobnet_received_at,
            cv=row.cv,
            findings=row.findings,
        )
