"""The distribution API's models (P2)."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from dfdg_broker.domain.distribution import MunicipalUnit
from dfdg_broker.letasyl.schemas import AttachmentKind, LinkedChild


class RoutedDocument(BaseModel):
    """A DA4 document in a unit's package."""

    attachment_id: str
    title: str
    kind: AttachmentKind
    concerns_person_id: str | None = Field(description="the linked child it concerns, if any")
    sha256: str
    href: str = Field(description="download")
    distributed: bool = Field(description="a receipt for this unit covers this document with this content")


class ReceiptRead(BaseModel):
    """P2: a unit received its package (modtaget)."""

    id: int
    unit: MunicipalUnit
    received_on: date
    received_at: datetime
    recorded_by_municipality: str
    note: str | None
    items: list[str] = Field(description="what the package held, e.g. attachments/att-1, other/child:70001502")


class UnitDistribution(BaseModel):
    """P2: what one unit should receive, and what of it has not been received yet."""

    unit: MunicipalUnit
    documents: list[RoutedDocument]
    other_parts: list[str] = Field(
        description="DA3 parts: notes, raw_contact, minor, children_link (jobcenter) and child:<person-ID>"
    )
    children: list[LinkedChild] = Field(description="the linked children whose DA3 entry this unit gets")
    undistributed: list[str] = Field(description="items no receipt covers with their current content")
    complete: bool = Field(description="the unit has everything (or there is nothing for it)")
    receipts: list[ReceiptRead]


class DistributionRead(BaseModel):
    """P2: per municipal unit, which documents and DA3 parts it should receive, from the data the broker holds."""

    case_id: str
    as_of: date = Field(description="children's ages, which route their documents, are taken on this day")
    units: list[UnitDistribution]
    undistributed_count: int


class ReceiptCreate(BaseModel):
    """P2: the unit has received its package as it stands now."""

    model_config = ConfigDict(extra="forbid")

    note: str | None = Field(default=None, max_length=500, description="e.g. who at the unit received it")
