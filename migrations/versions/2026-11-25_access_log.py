"""The access log: one insert-only row per read or change of a case's personal data (issue 11).

No foreign key to ``cases``: the rows outlive the case's erasure. Indexes for the per-case listing (keyset on id)
and for export and purge by time.

Revision ID: 5a0c3e7d9b21
Revises: 5f3d8a1c2e94
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5a0c3e7d9b21"
down_revision: str | None = "5f3d8a1c2e94"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "access_log",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False, comment="when the request was answered"),
        sa.Column(
            "subject", sa.String(length=200), nullable=False, comment="the token's subject (the caseworker or system)"
        ),
        sa.Column("client_id", sa.String(length=200), nullable=False, comment="the token's client"),
        sa.Column("municipality", sa.String(length=3), nullable=False, comment="the caller's municipality"),
        sa.Column("case_id", sa.String(length=40), nullable=False, comment="no foreign key: outlives the case"),
        sa.Column("operation", sa.String(length=40), nullable=False),
        sa.Column("detail", sa.String(length=100), nullable=True, comment="the data area or document"),
        sa.Column("purpose", sa.String(length=200), nullable=False, comment="X-Purpose, or the scope-derived default"),
        sa.Column("correlation_id", sa.String(length=100), nullable=True),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("status", sa.SmallInteger(), nullable=False, comment="the HTTP status answered"),
        sa.CheckConstraint("outcome IN ('ok', 'denied', 'failed')", name=op.f("ck_access_log_outcome_known")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_log")),
    )
    with op.batch_alter_table("access_log") as batch_op:
        batch_op.create_index("ix_access_log_case", ["case_id", "id"], unique=False)
        batch_op.create_index("ix_access_log_at", ["at"], unique=False)


def downgrade() -> None:
    op.drop_table("access_log")
