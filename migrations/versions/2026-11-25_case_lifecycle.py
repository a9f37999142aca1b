"""The case over time (issue 13): changeable fields with a revision, insert-only history, situations (F3),
conversations held, tasks done (C8), the worklist projection; P2's children and youth services unit.

Revision ID: 7b1e4f2a9c60
Revises: 3c5e1d2a7b90
Create Date: 2026-11-25
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "7b1e4f2a9c60"
down_revision: str | None = "3c5e1d2a7b90"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
JSON_DOCUMENT = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
NOTHING_DUE = date(9999, 12, 31)
UNITS_BEFORE = "unit IN ('health-visitor', 'jobcenter', 'school', 'day-care')"
UNITS_AFTER = "unit IN ('health-visitor', 'jobcenter', 'school', 'day-care', 'children-and-youth-services')"


def _case_fk() -> sa.ForeignKey:
    return sa.ForeignKey("cases.id", ondelete="CASCADE")


def upgrade() -> None:
    with op.batch_alter_table("cases") as batch:
        batch.add_column(
            sa.Column(
                "revision",
                sa.Integer(),
                server_default=sa.text("1"),
                nullable=False,
                comment="ETag of the case (If-Match)",
            )
        )
        batch.add_column(
            sa.Column("visitation_date", sa.Date(), nullable=True, comment="F3: the visitation actually held")
        )
        batch.add_column(
            sa.Column(
                "joint_handover_conversation_date", sa.Date(), nullable=True, comment="C5: the joint handover talk"
            )
        )
        batch.add_column(
            sa.Column("not_learning_danish", sa.Boolean(), server_default=sa.false(), nullable=False, comment="F6")
        )
        batch.add_column(
            sa.Column(
                "covered_by_repatriation_act",
                sa.Boolean(),
                server_default=sa.true(),
                nullable=False,
                comment="F4, default on",
            )
        )
    with op.batch_alter_table("distribution_receipts") as batch:
        batch.drop_constraint(op.f("ck_distribution_receipts_unit_known"), type_="check")
        batch.create_check_constraint(op.f("ck_distribution_receipts_unit_known"), UNITS_AFTER)

    op.create_table(
        "case_changes",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(40), _case_fk(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False, comment="the case's revision this change produced"),
        sa.Column("field", sa.String(40), nullable=False),
        sa.Column("old_value", JSON_DOCUMENT, nullable=True),
        sa.Column("new_value", JSON_DOCUMENT, nullable=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_by_subject", sa.String(200), nullable=False),
        sa.Column("changed_by_client", sa.String(200), nullable=True),
        sa.Column("changed_by_municipality", sa.String(3), nullable=False),
    )
    op.create_index("ix_case_changes_case", "case_changes", ["case_id", "id"])
    op.create_table(
        "case_situations",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(40), _case_fk(), nullable=False),
        sa.Column("situation", sa.String(32), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "situation IN ('receives-benefit', 'in-work-or-education', 'other-self-supporting')",
            name="situation_known",
        ),
    )
    op.create_index("ix_case_situations_case", "case_situations", ["case_id", "since", "id"])
    op.create_table(
        "case_conversations",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(40), _case_fk(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_subject", sa.String(200), nullable=False),
        sa.Column("recorded_by_municipality", sa.String(3), nullable=False),
    )
    op.create_index("ix_case_conversations_case", "case_conversations", ["case_id", "held_on", "id"])
    op.create_table(
        "case_tasks_done",
        sa.Column("case_id", sa.String(40), _case_fk(), primary_key=True),
        sa.Column("code", sa.String(60), primary_key=True),
        sa.Column("done_on", sa.Date(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_by_subject", sa.String(200), nullable=False),
        sa.Column("done_by_municipality", sa.String(3), nullable=False),
    )
    op.create_table(
        "worklist",
        sa.Column("municipality", sa.String(3), primary_key=True),
        sa.Column("case_id", sa.String(40), _case_fk(), primary_key=True),
        sa.Column("next_due_on", sa.Date(), nullable=False, comment="9999-12-31 when nothing is due"),
        sa.Column("contact_group", sa.SmallInteger(), nullable=False),
        sa.Column("frozen_from", sa.Date(), nullable=False, comment="G1: the first day DA1 and DA2 are both frozen"),
        sa.Column("created_on", sa.Date(), nullable=False),
        sa.Column("handover_date", sa.Date(), nullable=False),
        sa.Column("person_id", sa.String(40), nullable=False),
        sa.Column("cpr_masked", sa.String(11), nullable=False, comment="birth-date part only"),
    )
    op.create_index("ix_worklist_due", "worklist", ["municipality", "next_due_on", "case_id"])
    op.create_index(
        "ix_worklist_contact_group", "worklist", ["municipality", "contact_group", "next_due_on", "case_id"]
    )
    op.create_index("ix_worklist_frozen", "worklist", ["municipality", "frozen_from", "next_due_on", "case_id"])
    op.create_index("ix_worklist_created", "worklist", ["municipality", "created_on", "next_due_on", "case_id"])
    op.create_table(
        "worklist_attention",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(40), _case_fk(), nullable=False),
        sa.Column("code", sa.String(60), nullable=False),
        sa.Column("rule", sa.String(8), nullable=False),
        sa.Column("active_from", sa.Date(), nullable=False),
        sa.Column("active_until", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
    )
    op.create_index("ix_worklist_attention_code", "worklist_attention", ["code", "case_id", "active_from"])
    op.create_index("ix_worklist_attention_case", "worklist_attention", ["case_id"])
    _backfill_worklist()


def _backfill_worklist() -> None:
    """Existing cases enter the worklist at once, sorted last (nothing due known yet): their next due date and
    attention items are computed at their next change or look-up, as for every case."""
    bind = op.get_bind()
    cases = sa.table(
        "cases",
        *(sa.column(name, sa.String()) for name in ("id", "cpr", "receiving_municipality", "jobcenter_municipality")),
        sa.column("person_id", sa.String()),
        sa.column("contact_group", sa.SmallInteger()),
        *(sa.column(name, sa.Date()) for name in ("handover_date", "early_takeover_cv", "early_takeover_contract")),
        sa.column("created_on", sa.Date()),
    )
    worklist = sa.table(
        "worklist",
        *(sa.column(name, sa.String()) for name in ("municipality", "case_id", "person_id", "cpr_masked")),
        sa.column("contact_group", sa.SmallInteger()),
        *(sa.column(name, sa.Date()) for name in ("next_due_on", "frozen_from", "created_on", "handover_date")),
    )
    rows = []
    for case in bind.execute(sa.select(cases)).mappings():
        effective = max(
            case["early_takeover_cv"] or case["handover_date"], case["early_takeover_contract"] or case["handover_date"]
        )
        cpr = str(case["cpr"] or "")
        masked = f"{cpr[:6]}-****" if len(cpr) == 10 and cpr.isdigit() else "******-****"
        for municipality in dict.fromkeys((case["receiving_municipality"], case["jobcenter_municipality"])):
            rows.append(
                {
                    "municipality": municipality,
                    "case_id": case["id"],
                    "next_due_on": NOTHING_DUE,
                    "contact_group": case["contact_group"],
                    "frozen_from": effective + timedelta(days=1),
                    "created_on": case["created_on"],
                    "handover_date": case["handover_date"],
                    "person_id": case["person_id"],
                    "cpr_masked": masked,
                }
            )
    if rows:
        op.bulk_insert(worklist, rows)


def downgrade() -> None:
    for table in (
        "worklist_attention",
        "worklist",
        "case_tasks_done",
        "case_conversations",
        "case_situations",
        "case_changes",
    ):
        op.drop_table(table)
    with op.batch_alter_table("distribution_receipts") as batch:
        batch.drop_constraint(op.f("ck_distribution_receipts_unit_known"), type_="check")
        batch.create_check_constraint(op.f("ck_distribution_receipts_unit_known"), UNITS_BEFORE)
    with op.batch_alter_table("cases") as batch:
        for column in (
            "covered_by_repatriation_act",
            "not_learning_danish",
            "joint_handover_conversation_date",
            "visitation_date",
            "revision",
        ):
            batch.drop_column(column)
