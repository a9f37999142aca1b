"""The Jobnet CV API's models. The CV itself is ``jobnet.cv.JobnetCv``, the same model Jobnet receives."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

from dfdg_broker.jobnet.cv import JobnetCv
from dfdg_broker.jobnet.findings import Severity
from dfdg_broker.schemas import CvWindow


class SuggestionRead(BaseModel):
    value: str
    code: str | None = Field(default=None, description="the classification code, where the value is classified")
    score: float | None = Field(default=None, description="fuzzy-match score 0-100, where ranked")


class FindingRead(BaseModel):
    """One thing the caseworker should know about one field, with the rule behind it."""

    code: str = Field(description="stable; starts with the rule ID", examples=["n16_phone_not_accepted"])
    rule: str = Field(examples=["N16"])
    path: str = Field(description="JSON path into the CV", examples=["$.contact.phone"])
    severity: Severity = Field(
        description="info: changed or dropped, nothing to do; review: a human should look; blocking: Jobnet would "
        "refuse the CV"
    )
    message_da: str
    message_en: str
    original: str | None = Field(default=None, description="the value before it was changed or dropped")
    suggestions: list[SuggestionRead] = []
    changed: bool = Field(description="true when the broker changed or dropped a value")


class FindingCounts(BaseModel):
    info: int
    review: int
    blocking: int


class DraftSource(BaseModel):
    """Where the draft's data came from: DA1 as served under G1, and the CPR register (N15)."""

    da1_mode: Literal["live", "frozen"] = Field(description="as for GET …/data-areas/cv (G1)")
    da1_snapshot_taken_at: datetime
    da1_stale: bool = Field(description="true when the operator failed and the last live snapshot was used")
    name_and_address: Literal["cpr_register"] = "cpr_register"


class JobnetCvDraft(BaseModel):
    case_id: str
    cv_number: int = Field(description="JobnetCVId the CV will be sent under")
    cv_window: CvWindow
    source: DraftSource
    ready_to_submit: bool = Field(description="no blocking finding")
    counts: FindingCounts
    findings: list[FindingRead]
    cv: JobnetCv


class JobnetCvSubmission(BaseModel):
    """A CV the jobcenter submitted and Jobnet accepted."""

    case_id: str
    cv_number: int
    submitted_at: datetime
    submitted_on: date
    submitted_by_municipality: str
    searchable: bool
    consent: bool
    jobnet_status: str = Field(examples=["Klar til kvalitetssikring"])
    jobnet_received_at: datetime
    findings: list[FindingRead] = Field(description="the non-blocking findings left when it was submitted")
    cv: JobnetCv
