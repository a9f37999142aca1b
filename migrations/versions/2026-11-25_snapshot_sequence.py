"""Snapshots get a sequence number per case and area, unique, so that racing identical reads store one row.

Existing rows are numbered in the order they were taken (day, then id).

Revision ID: 7b1f0e6c2d45
Revises: 7b1e4f2a9c60
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "7b1f0e6c2d45"
down_revision: str | None = "7b1e4f2a9c60"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("snapshots") as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
    op.execute(
        "UPDATE snapshots SET seq = (SELECT COUNT(*) FROM snapshots AS earlier"
        " WHERE earlier.case_id = snapshots.case_id AND earlier.area = snapshots.area"
        " AND (earlier.taken_on < snapshots.taken_on"
        " OR (earlier.taken_on = snapshots.taken_on AND earlier.id <= snapshots.id)))"
    )
    with op.batch_alter_table("snapshots") as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.create_unique_constraint("uq_snapshots_case_area_seq", ["case_id", "area", "seq"])


def downgrade() -> None:
    with op.batch_alter_table("snapshots") as batch_op:
        batch_op.drop_constraint("uq_snapshots_case_area_seq", type_="unique")
        batch_op.drop_column("seq")
