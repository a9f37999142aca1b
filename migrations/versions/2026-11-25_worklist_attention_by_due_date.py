"""Worklist attention items per worklist row, in due-date order (issue 14: a page filtered by an attention code at
100,000 cases).

The page was the caller's worklist rows in due-date order with "has an item of this code" checked per row, or, as
PostgreSQL chose when the code looked rare, every item of the code joined and sorted: either way the cost grew with
the number of cases. Each item now repeats its worklist row's municipality and next due date (one row per item and
worklist row), and ``ix_worklist_attention_due`` serves the filtered page as one range scan in the worklist's order.

Revision ID: 2b8d6f4a1c73
Revises: 9c3e5a1f7d20
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "2b8d6f4a1c73"
down_revision: str | None = "9c3e5a1f7d20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DUE_INDEX = ["municipality", "code", "next_due_on", "case_id", "active_from", "active_until"]


def upgrade() -> None:
    with op.batch_alter_table("worklist_attention") as batch_op:
        batch_op.add_column(sa.Column("municipality", sa.String(3), nullable=True))
        batch_op.add_column(sa.Column("next_due_on", sa.Date(), nullable=True, comment="the worklist row's"))
    # Each existing item once per worklist row of its case; then the items without their worklist row go. (An item
    # always has one: the worklist rows and the items are written together.)
    op.execute(
        "INSERT INTO worklist_attention "
        "(case_id, code, rule, active_from, active_until, due_date, municipality, next_due_on) "
        "SELECT a.case_id, a.code, a.rule, a.active_from, a.active_until, a.due_date, w.municipality, w.next_due_on "
        "FROM worklist_attention a JOIN worklist w ON w.case_id = a.case_id WHERE a.municipality IS NULL"
    )
    op.execute("DELETE FROM worklist_attention WHERE municipality IS NULL")
    with op.batch_alter_table("worklist_attention") as batch_op:
        batch_op.alter_column("municipality", existing_type=sa.String(3), nullable=False)
        batch_op.alter_column(
            "next_due_on", existing_type=sa.Date(), nullable=False, existing_comment="the worklist row's"
        )
        batch_op.drop_index("ix_worklist_attention_code")
        batch_op.create_index("ix_worklist_attention_due", DUE_INDEX)


def downgrade() -> None:
    # Back to one row per item: keep the copy of the case's first municipality.
    op.execute(
        "DELETE FROM worklist_attention WHERE municipality > "
        "(SELECT min(w.municipality) FROM worklist w WHERE w.case_id = worklist_attention.case_id)"
    )
    with op.batch_alter_table("worklist_attention") as batch_op:
        batch_op.drop_index("ix_worklist_attention_due")
        batch_op.create_index("ix_worklist_attention_code", ["code", "case_id", "active_from"])
        batch_op.drop_column("next_due_on")
        batch_op.drop_column("municipality")
