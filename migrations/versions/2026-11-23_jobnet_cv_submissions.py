"""Jobnet CV submissions: each CV the jobcenter submitted and Jobnet accepted (insert-only).

Revision ID: 3c5e1d2a7b90
Revises: 4d7a2c9e1f03
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "3c5e1d2a7b90"
down_revision: str | None = "4d7a2c9e1f03"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "jobnet_cv_submissions",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("cv_number", BIG_ID, nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("submitted_by_municipality", sa.String(length=3), nullable=False),
        sa.Column("searchable", sa.Boolean(), nullable=False),
        sa.Column("consent", sa.Boolean(), nullable=False),
        sa.Column("jobnet_status", sa.String(length=60), nullable=False),
        sa.Column("jobnet_received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cv", JSON_DOCUMENT, nullable=False),
        sa.Column("findings", JSON_DOCUMENT, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_jobnet_cv_submissions_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jobnet_cv_submissions")),
    )
    with op.batch_alter_table("jobnet_cv_submissions") as batch_op:
        batch_op.create_index("ix_jobnet_cv_submissions_case", ["case_id", "id"])


def downgrade() -> None:
    op.drop_table("jobnet_cv_submissions")
