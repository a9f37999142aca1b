"""PDF requests the operator no longer knows are marked lost (P1: the caseworker must make them again).

Revision ID: 8c2a4f1d9e37
Revises: 7b1f0e6c2d45
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "8c2a4f1d9e37"
down_revision: str | None = "7b1f0e6c2d45"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("pdf_requests") as batch_op:
        batch_op.add_column(sa.Column("lost_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pdf_requests") as batch_op:
        batch_op.drop_column("lost_on")
