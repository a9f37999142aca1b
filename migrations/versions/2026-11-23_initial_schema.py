"""Initial schema: cases (contact groups), snapshots of the data areas, attachment blobs.

Revision ID: a546f7fd687e
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "a546f7fd687e"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("cpr", sa.String(length=10), nullable=False),
        sa.Column(
            "cpr_lookup",
            sa.String(length=64),
            nullable=False,
            comment="HMAC-SHA256 of the CPR number, for look-ups",
        ),
        sa.Column("receiving_municipality", sa.String(length=3), nullable=False),
        sa.Column("jobcenter_municipality", sa.String(length=3), nullable=False),
        sa.Column("contact_group", sa.SmallInteger(), nullable=False),
        sa.Column("handover_date", sa.Date(), nullable=False),
        sa.Column("early_takeover_cv", sa.Date(), nullable=True),
        sa.Column("early_takeover_contract", sa.Date(), nullable=True),
        sa.Column("cv_update_deadline", sa.Date(), nullable=False),
        sa.Column("special_procedure_ref", sa.String(length=100), nullable=True),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("asylum_decision_date", sa.Date(), nullable=False),
        sa.Column("jobnet_cv_number", BIG_ID, nullable=False),
        sa.Column("jobnet_profile_created", sa.Boolean(), nullable=False),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_municipality", sa.String(length=3), nullable=False),
        sa.CheckConstraint("contact_group IN (17, 18, 19, 20, 27)", name=op.f("ck_cases_contact_group_c3")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("cpr_lookup", "receiving_municipality", name="uq_cases_cpr_lookup_receiving"),
    )
    with op.batch_alter_table("cases") as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_jobcenter_municipality"), ["jobcenter_municipality"])
        batch_op.create_index(batch_op.f("ix_cases_receiving_municipality"), ["receiving_municipality"])

    op.create_table(
        "attachment_blobs",
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("attachment_id", sa.String(length=80), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", BIG_ID, nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_attachment_blobs_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("case_id", "attachment_id", "sha256", name=op.f("pk_attachment_blobs")),
    )
    op.create_table(
        "snapshots",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("area", sa.String(length=32), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("data", JSON_DOCUMENT, nullable=False),
        sa.CheckConstraint(
            "area IN ('cv', 'integration-contract', 'other', 'attachments')",
            name=op.f("ck_snapshots_area_known"),
        ),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_snapshots_case_id_cases"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_snapshots")),
    )
    with op.batch_alter_table("snapshots") as batch_op:
        batch_op.create_index("ix_snapshots_case_area_taken", ["case_id", "area", "taken_on", "id"])


def downgrade() -> None:
    op.drop_table("snapshots")
    op.drop_table("attachment_blobs")
    op.drop_table("cases")
