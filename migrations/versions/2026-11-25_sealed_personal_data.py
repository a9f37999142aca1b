"""Personal data sealed at rest (AES-256-GCM), and CPR look-ups through a versioned key ring (issue 11).

Every value of ``db.sealed.SEALED_COLUMNS`` that is stored in clear is sealed here, in batches, under the current
key of ``DFDG_DATA_KEYS`` (the keys ``dfdg-broker migrate`` runs with; nothing is left in clear for a later step).
Each case gets its ``case_lookups`` rows under every key of ``DFDG_CPR_LOOKUP_KEYS``, computed from its CPR number, so
the old ``DFDG_CPR_LOOKUP_KEY`` and ``cases.cpr_lookup`` are no longer needed. Snapshot content hashes become keyed
(``Protection.content_digest``).

Downgrade opens everything again (the keys must still be in the rings) and recomputes ``cases.cpr_lookup`` with
``DFDG_CPR_LOOKUP_KEY`` from the environment (the old development value when unset).

Revision ID: 9c3e5a1f7d20
Revises: 5a0c3e7d9b21
Create Date: 2026-11-25
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import context, op

from dfdg_broker.db import sealed
from dfdg_broker.db.types import JsonDocument
from dfdg_broker.protection import Protection

revision: str = "9c3e5a1f7d20"
down_revision: str | None = "5a0c3e7d9b21"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
DIGEST = "HMAC-SHA-256 of the canonical JSON (Protection.content_digest): G1's change check"
OLD_DEVELOPMENT_CPR_LOOKUP_KEY = "dev-only-cpr-lookup-key"

# (column, primary key, the type it had in clear, nullable, comment of the sealed column)
COLUMNS: tuple[tuple[sealed.SealedColumn, tuple[str, ...], Any, bool, str], ...] = (
    (sealed.CASE_CPR, ("id",), sa.String(10), False, "sealed (AES-256-GCM, db.sealed.CASE_CPR)"),
    (sealed.SNAPSHOT_DATA, ("id",), JsonDocument, False, "sealed JSON (db.sealed.SNAPSHOT_DATA)"),
    (
        sealed.ATTACHMENT_CONTENT,
        ("case_id", "attachment_id", "sha256"),
        sa.LargeBinary(),
        False,
        "sealed (db.sealed.ATTACHMENT_CONTENT)",
    ),
    (sealed.PDF_DELIVERY, ("id",), JsonDocument, True, "sealed JSON (db.sealed.PDF_DELIVERY)"),
    (sealed.SUBMITTED_CV, ("id",), JsonDocument, False, "sealed JSON (db.sealed.SUBMITTED_CV)"),
    (sealed.SUBMITTED_CV_FINDINGS, ("id",), JsonDocument, False, "sealed JSON: they quote the CV"),
    (sealed.IDEMPOTENT_ANSWER, ("id",), sa.LargeBinary(), True, "sealed (db.sealed.IDEMPOTENT_ANSWER)"),
)


def _protection() -> Protection:
    given = context.config.attributes.get("protection")
    if isinstance(given, Protection):
        return given
    from dfdg_broker.settings import Settings

    settings = Settings()
    return Protection(settings.data_key_ring(), settings.cpr_lookup_key_ring())


def upgrade() -> None:
    protection = _protection()
    op.create_table(
        "case_lookups",
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("lookup", sa.String(64), nullable=False, comment="HMAC-SHA-256 of the CPR number"),
        sa.Column("receiving_municipality", sa.String(3), nullable=False),
        sa.Column("case_id", sa.String(40), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name="fk_case_lookups_case_id_cases", ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key_id", "lookup", "receiving_municipality", name="pk_case_lookups"),
    )
    op.create_index("ix_case_lookups_case_id", "case_lookups", ["case_id"])
    bind = op.get_bind()
    cases = sa.table("cases", sa.column("id"), sa.column("cpr"), sa.column("receiving_municipality"))
    lookups = sa.table(
        "case_lookups",
        sa.column("key_id"),
        sa.column("lookup"),
        sa.column("receiving_municipality"),
        sa.column("case_id"),
    )
    for rows in _batches(bind, sa.select(cases.c.id, cases.c.cpr, cases.c.receiving_municipality), cases.c.id):
        bind.execute(
            lookups.insert(),
            [
                {"key_id": key_id, "lookup": lookup, "receiving_municipality": receiving, "case_id": case_id}
                for case_id, cpr, receiving in rows
                for key_id, lookup in protection.cpr_lookups(cpr).items()
            ],
        )
    with op.batch_alter_table("cases") as batch_op:
        batch_op.drop_constraint("uq_cases_cpr_lookup_receiving", type_="unique")
        batch_op.drop_column("cpr_lookup")

    for column, key, clear_type, nullable, comment in COLUMNS:
        digest = protection.content_digest if column is sealed.SNAPSHOT_DATA else None
        _convert(
            bind, column, key, clear_type, sa.LargeBinary(), nullable, comment, _sealer(protection, column, digest)
        )
    with op.batch_alter_table("snapshots") as batch_op:
        batch_op.alter_column("content_sha256", existing_type=sa.String(64), existing_nullable=False, comment=DIGEST)


def downgrade() -> None:
    protection = _protection()
    bind = op.get_bind()
    with op.batch_alter_table("snapshots") as batch_op:
        batch_op.alter_column(
            "content_sha256",
            existing_type=sa.String(64),
            existing_nullable=False,
            comment=None,
            existing_comment=DIGEST,
        )
    for column, key, clear_type, nullable, _comment in reversed(COLUMNS):
        digest = _unkeyed_digest if column is sealed.SNAPSHOT_DATA else None
        opener = _opener(protection, column, digest)
        _convert(bind, column, key, sa.LargeBinary(), clear_type, nullable, None, opener)
    old_key = os.environ.get("DFDG_CPR_LOOKUP_KEY", OLD_DEVELOPMENT_CPR_LOOKUP_KEY).encode()
    with op.batch_alter_table("cases") as batch_op:
        batch_op.add_column(sa.Column("cpr_lookup", sa.String(64), nullable=True))
    cases = sa.table("cases", sa.column("id"), sa.column("cpr"), sa.column("cpr_lookup"))
    for rows in _batches(bind, sa.select(cases.c.id, cases.c.cpr), cases.c.id):
        for case_id, cpr in rows:
            lookup = hmac.new(old_key, cpr.encode(), hashlib.sha256).hexdigest()
            bind.execute(cases.update().where(cases.c.id == case_id).values(cpr_lookup=lookup))
    with op.batch_alter_table("cases") as batch_op:
        batch_op.alter_column("cpr_lookup", existing_type=sa.String(64), nullable=False)
        batch_op.create_unique_constraint("uq_cases_cpr_lookup_receiving", ["cpr_lookup", "receiving_municipality"])
    op.drop_index("ix_case_lookups_case_id", table_name="case_lookups")
    op.drop_table("case_lookups")


# ---------------------------------------------------------------- one column from one form to the other

Transform = Callable[[Any, tuple[Any, ...]], dict[str, Any]]
"""(stored value, row key values) -> the new column's value (``new``) and any other column to set."""


def _convert(
    bind: sa.Connection,
    column: sealed.SealedColumn,
    key: tuple[str, ...],
    from_type: Any,
    to_type: Any,
    nullable: bool,
    comment: str | None,
    transform: Transform,
) -> None:
    """Add ``<column>_new`` of ``to_type``, fill it from the column in batches, drop the column, rename."""
    name, new = column.column, f"{column.column}_new"
    with op.batch_alter_table(column.table) as batch_op:
        batch_op.add_column(sa.Column(new, to_type, nullable=True))
    names = dict.fromkeys((*key, *column.row_key))
    table = sa.table(
        column.table,
        *(sa.column(n) for n in names),
        sa.column(name, from_type),
        sa.column(new, to_type),
        sa.column("content_sha256"),
    )
    query = sa.select(*(table.c[n] for n in names), table.c[name]).where(table.c[name].is_not(None))
    for rows in _batches(bind, query, *(table.c[n] for n in key)):
        for row in rows:
            values = dict(zip(names, row[:-1], strict=True))
            changes = transform(row[-1], tuple(values[n] for n in column.row_key))
            changes[new] = changes.pop("new")
            condition = sa.and_(*(table.c[n] == values[n] for n in key))
            bind.execute(table.update().where(condition).values(**changes))
    with op.batch_alter_table(column.table) as batch_op:
        batch_op.drop_column(name)
        batch_op.alter_column(new, new_column_name=name, existing_type=to_type, nullable=nullable, comment=comment)


def _batches(bind: sa.Connection, query: sa.Select[Any], *order: Any) -> Any:
    offset = 0
    while rows := bind.execute(query.order_by(*order).limit(BATCH).offset(offset)).all():
        yield rows
        offset += BATCH


def _sealer(protection: Protection, column: sealed.SealedColumn, digest: Callable[[Any], str] | None) -> Transform:
    def seal(value: Any, row: tuple[Any, ...]) -> dict[str, Any]:
        where = column.at(*row)
        if column.json:
            changes: dict[str, Any] = {"new": protection.seal_json(value, where)}
            if digest is not None:
                changes["content_sha256"] = digest(value)
            return changes
        plain = value.encode() if isinstance(value, str) else bytes(value)
        return {"new": protection.seal(plain, where)}

    return seal


def _opener(protection: Protection, column: sealed.SealedColumn, digest: Callable[[Any], str] | None) -> Transform:
    def open_(value: Any, row: tuple[Any, ...]) -> dict[str, Any]:
        where = column.at(*row)
        if column.json:
            document = protection.open_json(bytes(value), where)
            changes: dict[str, Any] = {"new": document}
            if digest is not None:
                changes["content_sha256"] = digest(document)
            return changes
        plain = protection.open(bytes(value), where)
        return {"new": plain.decode() if column is sealed.CASE_CPR else plain}

    return open_


def _unkeyed_digest(document: Any) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode()).hexdigest()
