"""The cases table loses its indexes on the receiving and the jobcenter municipality (issue 14: a create's write).

No query reads cases by municipality: a caller's cases are listed from the worklist (``ix_worklist_due``, one row
per municipality that sees the case), a citizen's from the lookups (their primary key). Every create still updated
both indexes: two more b-trees, two more pages written to SQLite's WAL at each commit, two more index entries on
PostgreSQL.

Revision ID: 3e9d1b7c4a26
Revises: 1c7f4b2e8a95
Create Date: 2026-11-26
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "3e9d1b7c4a26"
down_revision: str | None = "1c7f4b2e8a95"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_cases_jobcenter_municipality": ["jobcenter_municipality"],
    "ix_cases_receiving_municipality": ["receiving_municipality"],
}


def upgrade() -> None:
    # Plain index statements: both databases drop an index in place (no batch copy of the table).
    for name in INDEXES:
        op.drop_index(name, table_name="cases")


def downgrade() -> None:
    for name, columns in INDEXES.items():
        op.create_index(name, "cases", columns)
