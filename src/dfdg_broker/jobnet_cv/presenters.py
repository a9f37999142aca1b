"""Jobnet CV results -> API models. Shapes only; the findings come from ``jobnet.normaliser``."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict
from datetime import date

from dfdg_broker.jobnet.findings import Finding, Severity
from dfdg_broker.jobnet_cv.repository import SubmissionRecord
from dfdg_broker.jobnet_cv.schemas import (
    DraftSource,
    FindingCounts,
    FindingRead,
    JobnetCvDraft,
    JobnetCvSubmission,
    SuggestionRead,
)
from dfdg_broker.jobnet_cv.service import Draft
from dfdg_broker.presenters import cv_window


def finding_read(finding: Finding) -> FindingRead:
    return FindingRead(
        code=finding.code,
        rule=finding.rule,
        path=finding.path,
        severity=finding.severity,
        message_da=finding.message_da,
        message_en=finding.message_en,
        original=finding.original,
        suggestions=[SuggestionRead(value=s.value, code=s.code, score=s.score) for s in finding.suggestions],
        changed=finding.changed,
    )


def draft_read(draft: Draft, today: date) -> JobnetCvDraft:
    counts = Counter(f.severity for f in draft.result.findings)
    return JobnetCvDraft(
        case_id=draft.case.id,
        cv_number=draft.case.jobnet_cv_number,
        cv_window=cv_window(draft.case.dates, today),
        source=DraftSource(
            da1_mode=draft.area.mode,
            da1_snapshot_taken_at=draft.area.snapshot.taken_at,
            da1_stale=draft.area.stale_reason is not None,
        ),
        ready_to_submit=not draft.result.blocking,
        counts=FindingCounts(**{severity.value: counts[severity] for severity in Severity}),
        findings=[finding_read(f) for f in draft.result.findings],
        cv=draft.result.cv,
    )


def submission_read(record: SubmissionRecord) -> JobnetCvSubmission:
    return JobnetCvSubmission.model_validate(asdict(record))
