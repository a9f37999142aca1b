"""The PDF route's API models (P1)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from dfdg_broker.domain.pdf_route import PdfRequestStatus
from dfdg_broker.letasyl.schemas import AttachmentKind


class PdfRequestCreate(BaseModel):
    """P1: ask the operator for DA3 and/or DA4 as PDF (for a municipality whose system cannot read them digitally)."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"person_id": "70003401", "areas": ["other", "attachments"]}]}
    )

    person_id: str = Field(
        min_length=1,
        max_length=40,
        description="The refugee's person-ID (asylPersonId) from the immigration service's letter; must be the "
        "case citizen's.",
        json_schema_extra={"x-rule": "P1"},
    )
    areas: list[str] = Field(
        min_length=1,
        description="`other` (DA3) and/or `attachments` (DA4); no other area can be requested as PDF.",
        json_schema_extra={"x-rule": "P1"},
    )


class DeliveredFile(BaseModel):
    """A delivered document, stored by the broker after its SHA-256 and size were verified."""

    media_type: str
    size_bytes: int
    sha256: str
    href: str = Field(description="where to download it")


class DeliveredAttachment(DeliveredFile):
    attachment_id: str
    title: str
    kind: AttachmentKind
    concerns_person_id: str | None


class PdfRequestRead(BaseModel):
    """P1: a PDF request and, by the clock, its status."""

    id: str = Field(examples=["pdf_Vb3kQ0yH2m8xWcT1aLr9Pg"])
    case_id: str
    person_id: str
    areas: list[str]
    requested_on: date
    requested_at: datetime
    requested_by_municipality: str
    due_date: date = Field(description="requested_on + 14 days: the operator must deliver by then (P1)")
    status: PdfRequestStatus = Field(
        description="requested until the due date, overdue after it, delivered once the broker holds the PDF, "
        "lost when the operator no longer knows the request (make it again)"
    )
    delivered_on: date | None = Field(description="the day the operator delivered")
    delivered_late: bool = Field(description="delivered after the due date")
    document: DeliveredFile | None = Field(description="the PDF of the requested areas, once delivered")
    attachments: list[DeliveredAttachment] = Field(description="DA4 documents delivered with the PDF")


class PdfRequestList(BaseModel):
    case_id: str
    as_of: date
    operator_checked: bool = Field(
        description="false when the operator did not answer, so open requests may have been delivered meanwhile"
    )
    requests: list[PdfRequestRead]
