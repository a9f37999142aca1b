"""Declarative models. They never leave the repository layer."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

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
    false,
    text,
    true,
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
    cpr: Mapped[bytes] = mapped_column(LargeBinary, comment="sealed (AES-256-GCM, db.sealed.CASE_CPR)")
    # Not indexed: no query reads cases by municipality (the worklist and the lookups have their own keys).
    receiving_municipality: Mapped[str] = mapped_column(String(3))
    jobcenter_municipality: Mapped[str] = mapped_column(String(3))
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
    # The case as it changes over time (issue 13); every change is also in case_changes.
    revision: Mapped[int] = mapped_column(Integer, server_default=text("1"), comment="ETag of the case (If-Match)")
    visitation_date: Mapped[date | None] = mapped_column(comment="F3: the visitation actually held")
    joint_handover_conversation_date: Mapped[date | None] = mapped_column(comment="C5: the joint handover talk")
    not_learning_danish: Mapped[bool] = mapped_column(server_default=false(), comment="F6")
    covered_by_repatriation_act: Mapped[bool] = mapped_column(server_default=true(), comment="F4, default on")

    __table_args__ = (CheckConstraint("contact_group IN (17, 18, 19, 20, 27)", name="contact_group_c3"),)


class CaseLookupRow(Base):
    """How a case is found by CPR number without storing it findable: HMAC-SHA-256 of the number under a CPR lookup
    key, by key id. A case has a row under every key of the ring it was created or rotated with; the primary key
    lets exactly one case per citizen and receiving municipality (C1) hold a hash under any one key."""

    __tablename__ = "case_lookups"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    lookup: Mapped[str] = mapped_column(String(64), primary_key=True, comment="HMAC-SHA-256 of the CPR number")
    receiving_municipality: Mapped[str] = mapped_column(String(3), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), index=True)


class SnapshotRow(Base):
    """What the operator held for one area of one case at one moment. Never updated: a new row per change (G1)."""

    __tablename__ = "snapshots"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    area: Mapped[str] = mapped_column(String(32))
    taken_on: Mapped[date]
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime)
    content_sha256: Mapped[str] = mapped_column(
        String(64), comment="HMAC-SHA-256 of the canonical JSON (Protection.content_digest): G1's change check"
    )
    data: Mapped[bytes] = mapped_column(LargeBinary, comment="sealed JSON (db.sealed.SNAPSHOT_DATA)")
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
    content: Mapped[bytes] = mapped_column(LargeBinary, comment="sealed (db.sealed.ATTACHMENT_CONTENT)")
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
    delivery: Mapped[bytes | None] = mapped_column(LargeBinary, comment="sealed JSON (db.sealed.PDF_DELIVERY)")
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
        CheckConstraint(
            "unit IN ('health-visitor', 'jobcenter', 'school', 'day-care', 'children-and-youth-services')",
            name="unit_known",
        ),
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
    cv: Mapped[bytes] = mapped_column(LargeBinary, comment="sealed JSON (db.sealed.SUBMITTED_CV)")
    findings: Mapped[bytes] = mapped_column(LargeBinary, comment="sealed JSON: they quote the CV")

    __table_args__ = (Index("ix_jobnet_cv_submissions_case", "case_id", "id"),)


class IdempotencyKeyRow(Base):
    """An ``Idempotency-Key`` a municipality sent with a request that changes something, and the answer it got
    (issue 10; see ``dfdg_broker.idempotency``). Deleted after ``expires_at``."""

    __tablename__ = "idempotency_keys"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    municipality: Mapped[str] = mapped_column(String(3))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64), comment="SHA-256 of method, path and body")
    state: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    status_code: Mapped[int | None]
    response_headers: Mapped[dict[str, str] | None] = mapped_column(JsonDocument)
    response_body: Mapped[bytes | None] = mapped_column(LargeBinary, comment="sealed (db.sealed.IDEMPOTENT_ANSWER)")
    case_id: Mapped[str | None] = mapped_column(
        String(40), index=True, comment="the case the request concerned, so that erasing the case erases its answer"
    )
    """Not a foreign key: a create's claim is taken before its case exists. Erasure deletes by this column."""

    __table_args__ = (
        UniqueConstraint("municipality", "key", name="uq_idempotency_keys_municipality_key"),
        CheckConstraint("state IN ('in_flight', 'done')", name="state_known"),
    )


class CaseErasureRow(Base):
    """What is left of an erased case (issue 11): that it existed, when it was erased, by whom and why. No CPR number
    and nothing about the person; the case's rows are gone (the access log, which names no CPR, stays)."""

    __tablename__ = "case_erasures"

    case_id: Mapped[str] = mapped_column(String(40), primary_key=True, comment="not a foreign key: the case is gone")
    erased_at: Mapped[datetime] = mapped_column(UtcDateTime)
    reason: Mapped[str | None] = mapped_column(String(40), comment="null: the caller gave none")
    legal_basis: Mapped[str | None] = mapped_column(String(200), comment="as the caller stated it, if at all")
    receiving_municipality: Mapped[str] = mapped_column(String(3))
    jobcenter_municipality: Mapped[str] = mapped_column(String(3))
    erased_by_municipality: Mapped[str | None] = mapped_column(String(3), comment="null: the retention purge")
    erased_by_subject: Mapped[str | None] = mapped_column(String(200))
    erased_by_client: Mapped[str | None] = mapped_column(String(200))
    case_created_on: Mapped[date]
    last_activity_at: Mapped[datetime | None] = mapped_column(UtcDateTime, comment="retention: what it counted from")

    __table_args__ = (
        Index("ix_case_erasures_erased_at", "erased_at"),
        CheckConstraint(
            "reason IN ('retention', 'created-in-error', 'data-subject-request', 'purpose-fulfilled', 'other')",
            name="reason_known",
        ),
    )


# ---------------------------------------------------------------- the case over time (issue 13): insert-only


class CaseChangeRow(Base):
    """One field of a case changed by a PATCH: who, what, when, from what to what. Never updated or deleted."""

    __tablename__ = "case_changes"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    revision: Mapped[int] = mapped_column(Integer, comment="the case's revision this change produced")
    field: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[Any] = mapped_column(JsonDocument, nullable=True)
    new_value: Mapped[Any] = mapped_column(JsonDocument, nullable=True)
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime)
    changed_by_subject: Mapped[str] = mapped_column(String(200))
    changed_by_client: Mapped[str | None] = mapped_column(String(200))
    changed_by_municipality: Mapped[str] = mapped_column(String(3))

    __table_args__ = (Index("ix_case_changes_case", "case_id", "id"),)


class CaseSituationRow(Base):
    """F3: from ``since`` on, the citizen is in ``situation``. Insert-only; the latest row per day wins."""

    __tablename__ = "case_situations"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    situation: Mapped[str] = mapped_column(String(32))
    since: Mapped[date]
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)

    __table_args__ = (
        Index("ix_case_situations_case", "case_id", "since", "id"),
        CheckConstraint(
            "situation IN ('receives-benefit', 'in-work-or-education', 'other-self-supporting')",
            name="situation_known",
        ),
    )


class CaseConversationRow(Base):
    """F1-F3: a conversation the jobcenter recorded as held. Insert-only."""

    __tablename__ = "case_conversations"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    held_on: Mapped[date]
    kind: Mapped[str] = mapped_column(String(40))
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    recorded_by_subject: Mapped[str] = mapped_column(String(200))
    recorded_by_municipality: Mapped[str] = mapped_column(String(3))

    __table_args__ = (Index("ix_case_conversations_case", "case_id", "held_on", "id"),)


class CaseTaskDoneRow(Base):
    """C8: a task the jobcenter recorded as done (who, when). One row per case and task; never updated."""

    __tablename__ = "case_tasks_done"

    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(String(60), primary_key=True)
    done_on: Mapped[date]
    done_at: Mapped[datetime] = mapped_column(UtcDateTime)
    done_by_subject: Mapped[str] = mapped_column(String(200))
    done_by_municipality: Mapped[str] = mapped_column(String(3))


# ---------------------------------------------------------------- the worklist: a projection, rebuilt per case


class WorklistRow(Base):
    """One row per case and party municipality (receiving, and jobcenter when it differs), so that a caller's
    worklist is one index range scan in due-date order. Rebuilt whenever the case changes or is read."""

    __tablename__ = "worklist"

    municipality: Mapped[str] = mapped_column(String(3), primary_key=True)
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    next_due_on: Mapped[date] = mapped_column(comment="9999-12-31 when nothing is due")
    contact_group: Mapped[int] = mapped_column(SmallInteger)
    frozen_from: Mapped[date] = mapped_column(comment="G1: the first day DA1 and DA2 are both frozen")
    created_on: Mapped[date]
    handover_date: Mapped[date]
    person_id: Mapped[str] = mapped_column(String(40))
    cpr_masked: Mapped[str] = mapped_column(String(11), comment="birth-date part only")

    __table_args__ = (
        # A page in due-date order, its range filters (state, creation date) checked in the index's entries: an
        # index led by a range's column cannot give that order, and its every matching row would be sorted.
        Index("ix_worklist_due", "municipality", "next_due_on", "case_id", "frozen_from", "created_on"),
        Index("ix_worklist_contact_group", "municipality", "contact_group", "next_due_on", "case_id"),
    )


class WorklistAttentionRow(Base):
    """An attention item of a case (P1, M3, P2, C8) in force from ``active_from`` to ``active_until`` (inclusive;
    null: open-ended), so that items that start by the clock (C8's task, M3's overdue link) need no rebuild.

    One row per item and worklist row: it repeats the worklist row's municipality and next due date, so that a page
    filtered by one code is a range scan of ``ix_worklist_attention_due`` in the worklist's order, however many
    cases there are and however rare the code (rebuilt together with the worklist rows, so they always agree)."""

    __tablename__ = "worklist_attention"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    municipality: Mapped[str] = mapped_column(String(3))
    case_id: Mapped[str] = mapped_column(ForeignKey("cases.id", ondelete="CASCADE"))
    next_due_on: Mapped[date] = mapped_column(comment="the worklist row's")
    code: Mapped[str] = mapped_column(String(60))
    rule: Mapped[str] = mapped_column(String(8))
    active_from: Mapped[date]
    active_until: Mapped[date | None]
    due_date: Mapped[date | None]

    __table_args__ = (
        Index(
            "ix_worklist_attention_due",
            "municipality",
            "code",
            "next_due_on",
            "case_id",
            "active_from",
            "active_until",
        ),
        # A page's items: the page's cases on the caller's worklist (and a case's items, to replace or erase them).
        Index("ix_worklist_attention_case", "case_id", "municipality"),
    )


# ---------------------------------------------------------------- the access log (issue 11): insert-only


class AccessLogRow(Base):
    """One read or change of a case's personal data: who, from which municipality, what, why, with what outcome.

    Insert-only: nothing updates a row; only the retention purge deletes (``audit.repository.purge_access_log``).
    ``case_id`` has no foreign key on purpose: the rows must outlive the case's erasure. Never a CPR number."""

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, comment="when the request was answered")
    subject: Mapped[str] = mapped_column(String(200), comment="the token's subject (the caseworker or system)")
    client_id: Mapped[str] = mapped_column(String(200), comment="the token's client")
    municipality: Mapped[str] = mapped_column(String(3), comment="the caller's municipality")
    case_id: Mapped[str] = mapped_column(String(40), comment="no foreign key: outlives the case")
    operation: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(String(100), comment="the data area or document")
    purpose: Mapped[str] = mapped_column(String(200), comment="X-Purpose, or the scope-derived default")
    correlation_id: Mapped[str | None] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(10))
    status: Mapped[int] = mapped_column(SmallInteger, comment="the HTTP status answered")

    __table_args__ = (
        CheckConstraint("outcome IN ('ok', 'denied', 'failed')", name="outcome_known"),
        Index("ix_access_log_case", "case_id", "id"),
        Index("ix_access_log_at", "at"),
    )
