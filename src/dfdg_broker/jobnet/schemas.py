"""Jobnet wire format: profiles (C7) and CVs (G3), as the broker's client sends them and the mock receives them.
The CV itself is ``jobnet.cv.JobnetCv``. The committed contract ``openapi/jobnet.json`` is what catches a drift of
the client and the mock together."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from dfdg_broker.jobnet.cv import JobnetCv


class ProfileLookup(BaseModel):
    cpr: str


class ProfileCreate(BaseModel):
    cpr: str
    first_name: str
    last_name: str


class Profile(BaseModel):
    cv_number: int  # JobnetCVId


class CvUpload(BaseModel):
    """A CV sent to Jobnet under the citizen's CV number by the jobcenter (G3)."""

    cv: JobnetCv
    submitted_by_municipality: str
    submission_key: str | None = Field(
        default=None,
        max_length=80,
        description="the sender's key for this content, echoed in the receipt, so that a sender whose record of "
        "the upload was lost can tell that Jobnet already holds it",
    )


class CvReceipt(BaseModel):
    """Jobnet's answer: its status for the CV (e.g. "Klar til kvalitetssikring") and when it was received."""

    cv_number: int
    status: str
    received_at: datetime
    submission_key: str | None = None
