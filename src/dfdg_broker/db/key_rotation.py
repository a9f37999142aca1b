"""``dfdg-broker keys rotate``: move every sealed value to the current data key and every case's CPR lookup to the
current lookup key, while the service runs.

Each batch is its own short transaction (a few hundred rows, row locks only), so readers and writers wait at most a
batch. A value is rewritten only if it still holds what the batch read (a concurrent writer wins), and the work is
defined by the data, not by a position: a run that stops anywhere is continued by running it again, and a run with
nothing left to do changes nothing.

The steps of a key change (README, "Keys"): add the new key to the ring everywhere and make it current; run
``keys rotate``; remove the old key from the ring everywhere; run ``keys rotate`` again, which deletes the lookup
hashes made under keys no longer in the ring.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Table, and_, delete, exists, func, select, tuple_, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import aliased

from dfdg_broker.db.models import Base, CaseLookupRow, CaseRow
from dfdg_broker.db.sealed import CASE_CPR, SEALED_COLUMNS, SNAPSHOT_DATA, SealedColumn
from dfdg_broker.db.session import WRITE_TRANSACTION, protection_of
from dfdg_broker.protection import UnreadableValue


@dataclass
class RotationReport:
    resealed: dict[str, int] = field(default_factory=dict)
    lookups_added: int = 0
    lookups_removed: int = 0
    unreadable: list[str] = field(default_factory=list)

    def summary(self) -> str:
        sealed = ", ".join(f"{name} {count}" for name, count in self.resealed.items() if count) or "nothing"
        return (
            f"keys rotate: re-sealed {sealed}; lookups added {self.lookups_added}, removed {self.lookups_removed}; "
            f"{len(self.unreadable)} value(s) unreadable"
        )


async def rotate_keys(
    sessions: async_sessionmaker[AsyncSession], batch_size: int, progress: Callable[[str], None] = lambda _: None
) -> RotationReport:
    report = RotationReport()
    for column in SEALED_COLUMNS:
        report.resealed[f"{column.table}.{column.column}"] = await _reseal(
            sessions, column, batch_size, report, progress
        )
    await _rehash_lookups(sessions, batch_size, report, progress)
    return report


async def _reseal(
    sessions: async_sessionmaker[AsyncSession],
    column: SealedColumn,
    batch_size: int,
    report: RotationReport,
    progress: Callable[[str], None],
) -> int:
    table: Table = Base.metadata.tables[column.table]
    key = list(table.primary_key.columns)
    value = table.c[column.column]
    names = dict.fromkeys([c.name for c in key] + list(column.row_key))
    done, after = 0, None
    while True:
        async with sessions() as session:
            await session.connection(execution_options={WRITE_TRANSACTION: True})
            protection = protection_of(session)
            prefix = protection.current_header
            query = select(*(table.c[n] for n in names), value).where(
                value.is_not(None), func.substr(value, 1, len(prefix)) != prefix
            )
            if after is not None:
                query = query.where(tuple_(*key) > tuple_(*after))
            rows = (await session.execute(query.order_by(*key).limit(batch_size))).all()
            if not rows:
                return done
            for row in rows:
                values = dict(zip(names, row[:-1], strict=True))
                where = column.at(*(values[n] for n in column.row_key))
                try:
                    plaintext = protection.open(row[-1], where)
                except UnreadableValue as exc:
                    report.unreadable.append(str(exc))
                    continue
                changes: dict[str, Any] = {column.column: protection.seal(plaintext, where)}
                if column is SNAPSHOT_DATA:  # its content digest is keyed by the data key too
                    changes["content_sha256"] = protection.content_digest(json.loads(plaintext))
                same_row = and_(*(c == values[c.name] for c in key), value == row[-1])
                result = await session.execute(update(table).where(same_row).values(**changes))
                done += int(getattr(result, "rowcount", 0) or 0)
            await session.commit()
            after = tuple(rows[-1][: len(key)])  # the primary key's columns come first
        progress(f"{column.table}.{column.column}: {done} re-sealed")


async def _rehash_lookups(
    sessions: async_sessionmaker[AsyncSession],
    batch_size: int,
    report: RotationReport,
    progress: Callable[[str], None],
) -> None:
    after = ""
    while True:
        async with sessions() as session:
            await session.connection(execution_options={WRITE_TRANSACTION: True})
            protection = protection_of(session)
            current = protection.lookup.current_id
            has_current = exists().where(CaseLookupRow.case_id == CaseRow.id, CaseLookupRow.key_id == current)
            rows = (
                await session.execute(
                    select(CaseRow.id, CaseRow.cpr, CaseRow.receiving_municipality)
                    .where(CaseRow.id > after, ~has_current)
                    .order_by(CaseRow.id)
                    .limit(batch_size)
                )
            ).all()
            if not rows:
                break
            added = []
            for case_id, sealed_cpr, receiving in rows:
                try:
                    cpr = protection.open_text(sealed_cpr, CASE_CPR.at(case_id))
                except UnreadableValue as exc:
                    report.unreadable.append(str(exc))
                    continue
                lookup = protection.cpr_lookups(cpr)[current]
                added.append(
                    {"key_id": current, "lookup": lookup, "receiving_municipality": receiving, "case_id": case_id}
                )
            if added:
                dialect = session.get_bind().dialect.name
                insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
                # A conflict means another case of the same citizen and municipality already holds the hash: a
                # duplicate made before lookups were versioned. It is reported, never merged silently.
                result = await session.execute(insert(CaseLookupRow).values(added).on_conflict_do_nothing())
                stored = int(getattr(result, "rowcount", 0) or 0)
                if stored < len(added):
                    report.unreadable.append(f"{len(added) - stored} case(s) share a citizen with another case")
                report.lookups_added += stored
            await session.commit()
            after = rows[-1][0]
        progress(f"case_lookups: {report.lookups_added} added under {current!r}")
    await _remove_retired_lookups(sessions, batch_size, report, progress)


async def _remove_retired_lookups(
    sessions: async_sessionmaker[AsyncSession],
    batch_size: int,
    report: RotationReport,
    progress: Callable[[str], None],
) -> None:
    """Hashes under a key no longer in the ring: nobody can find a case with them, and anyone holding that retired
    key could test CPR numbers against them. Removed only where the case has its hash under the current key."""
    while True:
        async with sessions() as session:
            await session.connection(execution_options={WRITE_TRANSACTION: True})
            ring = protection_of(session).lookup
            held = aliased(CaseLookupRow)
            retired = (
                select(CaseLookupRow.key_id, CaseLookupRow.lookup, CaseLookupRow.receiving_municipality)
                .where(
                    CaseLookupRow.key_id.not_in(list(ring.keys)),
                    exists().where(held.case_id == CaseLookupRow.case_id, held.key_id == ring.current_id),
                )
                .limit(batch_size)
            )
            rows = (await session.execute(retired)).all()
            if not rows:
                return
            key = tuple_(CaseLookupRow.key_id, CaseLookupRow.lookup, CaseLookupRow.receiving_municipality)
            await session.execute(delete(CaseLookupRow).where(key.in_([tuple(row) for row in rows])))
            await session.commit()
            report.lookups_removed += len(rows)
        progress(f"case_lookups: {report.lookups_removed} removed (keys no longer in the ring)")
