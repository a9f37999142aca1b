"""Erasure (issue 11): the record an erased case leaves, and the case an idempotent answer concerned.

Idempotency rows written before this revision carry no case id; they expire within a day
(``DFDG_IDEMPOTENCY_KEY_TTL_SECONDS``), after which every stored answer can be found by its case.

Revision ID: 5f3d8a1c2e94
Revises: 7e2b9c4d1a60
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5f3d8a1c2e94"
down_revision: str | None = "7e2b9c4d1a60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_erasures",
        sa.Column("case_id", sa.String(length=40), nullable=False, comment="not a foreign key: the case is gone"),
        sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.String(length=40), nullable=True, comment="null: the caller gave none"),
        sa.Column("legal_basis", sa.String(length=200), nullable=True, comment="as the caller stated it, if at all"),
        sa.Column("receiving_municipality", sa.String(length=3), nullable=False),
        sa.Column("jobcenter_municipality", sa.String(length=3), nullable=False),
        sa.Column("erased_by_municipality", sa.String(length=3), nullable=True, comment="null: the retention purge"),
        sa.Column("erased_by_subject", sa.String(length=200), nullable=True),
        sa.Column("erased_by_client", sa.String(length=200), nullable=True),
        sa.Column("case_created_on", sa.Date(), nullable=False),
        sa.Column(
            "last_activity_at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="retention: what it counted from",
        ),
        sa.CheckConstraint(
            "reason IN ('retention', 'created-in-error', 'data-subject-request', 'purpose-fulfilled', 'other')",
            name=op.f("ck_case_erasures_reason_known"),
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_erasures")),
    )
    with op.batch_alter_table("case_erasures") as batch_op:
        batch_op.create_index("ix_case_erasures_erased_at", ["erased_at"], unique=False)
    with op.batch_alter_table("idempotency_keys") as batch_op:
        batch_op.add_column(
            sa.Column(
                "case_id",
                sa.String(length=40),
                nullable=True,
                comment="the case the request concerned, so that erasing the case erases its answer",
            )
        )
        batch_op.create_index(batch_op.f("ix_idempotency_keys_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("idempotency_keys") as batch_op:
        batch_op.drop_index(batch_op.f("ix_idempotency_keys_case_id"))
        batch_op.drop_column("case_id")
    op.drop_table("case_erasures")
