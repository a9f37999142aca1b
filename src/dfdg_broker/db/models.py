"""Declarative models. They never leave the repository layer."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dfdg_broker.db.types import BigIntId, JsonDocument, UtcDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

AREA_NAMES = ("cv", "integration-contract", "other", "attachments")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class CaseRow(Base):
    """A contact group (kontaktgruppe) for one citizen and one receiving municipality (C1, C2)."""

    __tablename__ = "cases"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    cpr: Mapped[str] = mapped_column(String(10))
    cpr_lookup: Mapped[str] = mapped_column(String(64), comment="HMAC-SHA256 of the CPR number, for look-ups")
    receiving_municipality: Mapped[str] = mapped_column(String(3), index=True)
    jobcenter_municipality: Mapped[str] = mapped_column(String(3), index=True)
    contact_group: Mapped[int] = mapped_column(SmallInteger)
    handover_date: Mapped[date]
    early_takeover_cv: Mapped[date | None]
    early_takeover_contract: Mapped[date | None]
    cv_update_deadline: Mapped[date]
    special_procedure_ref: Mapped[str | None] = mapped_column(String(100))
    person_id: Mapped[str] = mapped_column(String(40))
    asylum_decision_date: Mapped[date]
    jobnet_cv_number: Mapped[int] = mapped_column(BigIntId)
    jobnet_profile_created: Mapped[bool]
    created_on: Mapped[date]
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_by_municipality: Mapped[str] = mapped_column(String(3))

    __table_args__ = (
        UniqueConstraint("cpr_lookup", "receiving_municipality", name="uq_cases_cpr_lookup_receiving"),
        CheckConstraint("contact_group IN (17, 18, 19, 20, 27)", name="contact_group_c3"),
    )


class SnapshotRow(Base):
    """What the operator held for one area of one case at one moment. Never updated: a new row per change (G1)."""

    __tablename__ = "snapshots"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    area: Mapped[str] = mapped_column(String(32))
    taken_on: Mapped[date]
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime)
    content_sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, object]] = mapped_column(JsonDocument)
    seq: Mapped[int] = mapped_column(Integer)
    """1, 2, ... per case and area. A writer claims latest + 1 and the unique key lets only one of several racing
    identical reads have it: snapshots are stored on change only, even under concurrency."""

    __table_args__ = (
        Index("ix_snapshots_case_area_taken", "case_id", "area", "taken_on", "id"),
        UniqueConstraint("case_id", "area", "seq", name="uq_snapshots_case_area_seq"),
        CheckConstraint(f"area IN {AREA_NAMES!r}", name="area_known"),
    )


class AttachmentBlobRow(Base):
    """A DA4 document's bytes, fetched and checksum-verified when its snapshot was taken, so that a frozen area
    never needs the operator again."""

    __tablename__ = "attachment_blobs"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    attachment_id: Mapped[str] = mapped_column(String(80), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    media_type: Mapped[str] = mapped_column(String(100))
    size_bytes: Mapped[int] = mapped_column(BigIntId)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PdfRequestRow(Base):
    """P1: a request to the operator for DA3/DA4 as PDF. Stored only once the operator accepted it; the delivery
    (the PDF's and attachments' metadata) is added when the broker has downloaded and verified the bytes, which
    live in ``attachment_blobs``."""

    __tablename__ = "pdf_requests"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    operator_request_id: Mapped[str] = mapped_column(String(80))
    person_id: Mapped[str] = mapped_column(String(40))
    areas: Mapped[list[str]] = mapped_column(JsonDocument)
    requested_on: Mapped[date]
    requested_at: Mapped[datetime] = mapped_column(UtcDateTime)
    due_date: Mapped[date]
    requested_by_municipality: Mapped[str] = mapped_column(String(3))
    delivered_on: Mapped[date | None]
    stored_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    delivery: Mapped[dict[str, object] | None] = mapped_column(JsonDocument)
    lost_on: Mapped[date | None]
    """the day the operator answered that it no longer knows the request (P1: it must be made again)"""


class DistributionReceiptRow(Base):
    """P2: a municipal unit received its package. Insert-only; ``package`` is what the package held (item ->
    SHA-256), so items added or changed after the receipt show as undistributed again."""

    __tablename__ = "distribution_receipts"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    unit: Mapped[str] = mapped_column(String(20))
    received_on: Mapped[date]
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by_municipality: Mapped[str] = mapped_column(String(3))
    note: Mapped[str | None] = mapped_column(String(500))
    package: Mapped[dict[str, str]] = mapped_column(JsonDocument)

    __table_args__ = (
        CheckConstraint("unit IN ('health-visitor', 'jobcenter', 'school', 'day-care')", name="unit_known"),
    )


class JobnetCvSubmissionRow(Base):
    """A CV the jobcenter submitted and Jobnet accepted (G3). Never updated: a new row per submission."""

    __tablename__ = "jobnet_cv_submissions"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    cv_number: Mapped[int] = mapped_column(BigIntId)
    submitted_at: Mapped[datetime] = mapped_column(UtcDateTime)
    submitted_on: Mapped[date]
    submitted_by_municipality: Mapped[str] = mapped_column(String(3))
    searchable: Mapped[bool]
    consent: Mapped[bool]
    jobnet_status: Mapped[str] = mapped_column(String(60))
    jobnet_received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    cv: Mapped[dict[str, object]] = mapped_column(JsonDocument)
    findings: Mapped[list[dict[str, object]]] = mapped_column(JsonDocument)

    __table_args__ = (Index("ix_jobnet_cv_submissions_case", "case_id", "id"),)
