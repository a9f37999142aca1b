"""PDF requests (P1) and distribution receipts (P2).

Revision ID: 4d7a2c9e1f03
Revises: a546f7fd687e
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "4d7a2c9e1f03"
down_revision: str | None = "a546f7fd687e"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "pdf_requests",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("operator_request_id", sa.String(length=80), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("areas", JSON_DOCUMENT, nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("requested_by_municipality", sa.String(length=3), nullable=False),
        sa.Column("delivered_on", sa.Date(), nullable=True),
        sa.Column("stored_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivery", JSON_DOCUMENT, nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_pdf_requests_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pdf_requests")),
    )
    with op.batch_alter_table("pdf_requests") as batch_op:
        batch_op.create_index(batch_op.f("ix_pdf_requests_case_id"), ["case_id"])

    op.create_table(
        "distribution_receipts",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("unit", sa.String(length=20), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_municipality", sa.String(length=3), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("package", JSON_DOCUMENT, nullable=False),
        sa.CheckConstraint(
            "unit IN ('health-visitor', 'jobcenter', 'school', 'day-care')",
            name=op.f("ck_distribution_receipts_unit_known"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_distribution_receipts_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_distribution_receipts")),
    )
    with op.batch_alter_table("distribution_receipts") as batch_op:
        batch_op.create_index(batch_op.f("ix_distribution_receipts_case_id"), ["case_id"])


def downgrade() -> None:
    op.drop_table("distribution_receipts")
    op.drop_table("pdf_requests")
