"""All queries of the Jobnet CV feature. Submissions are insert-only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from dfdg_broker.db import sealed
from dfdg_broker.db.mapping import from_row, row_values
from dfdg_broker.db.models import JobnetCvSubmissionRow
from dfdg_broker.db.session import protection_of


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
    """The submitted CV and its findings (which quote it) are sealed."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._protection = protection_of(session)

    async def add_submission(self, record: SubmissionRecord) -> None:
        row = (record.case_id, record.cv_number)
        cv = self._protection.seal_json(record.cv, sealed.SUBMITTED_CV.at(*row))
        findings = self._protection.seal_json(record.findings, sealed.SUBMITTED_CV_FINDINGS.at(*row))
        self._session.add(JobnetCvSubmissionRow(**row_values(record, cv=cv, findings=findings)))
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
        key = (row.case_id, row.cv_number)
        return from_row(
            SubmissionRecord,
            row,
            cv=self._protection.open_json(row.cv, sealed.SUBMITTED_CV.at(*key)),
            findings=self._protection.open_json(row.findings, sealed.SUBMITTED_CV_FINDINGS.at(*key)),
        )
