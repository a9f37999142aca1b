"""Retention (issue 11): `dfdg-broker purge` erases the cases whose last activity is more than
DFDG_CASE_RETENTION_DAYS ago, each as an erasure with the reason `retention`; idempotent, batched, and `--dry-run`
changes nothing. Days are moved with the injected clock (its `now` is noon of the pinned day)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, datetime, time
from typing import Any

import pytest
from sqlalchemy import select

from dfdg_broker.app import protection_from
from dfdg_broker.db.models import CaseErasureRow
from dfdg_broker.db.session import create_engine, create_sessionmaker
from dfdg_broker.erasure.purge import PurgeReport, purge
from tests.conftest import TODAY
from tests.helpers import create_case, days
from tests.sidefx import row_counts

RETENTION = 30

Purge = Callable[..., Coroutine[Any, Any, PurgeReport]]


@pytest.fixture
async def run_purge(database_url, clock, settings) -> AsyncIterator[tuple[Purge, Any]]:
    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine, protection_from(settings))

    async def run(*, dry_run: bool = False, batch: int = 200) -> PurgeReport:
        tuned = settings.model_copy(update={"case_retention_days": RETENTION, "purge_batch_size": batch})
        return await purge(sessions, clock, tuned, dry_run=dry_run)

    try:
        yield run, sessions
    finally:
        await engine.dispose()


async def _erasures(sessions) -> list[CaseErasureRow]:
    async with sessions() as session:
        return list((await session.scalars(select(CaseErasureRow).order_by(CaseErasureRow.case_id))).all())


def noon(day) -> datetime:
    return datetime.combine(day, time(12), tzinfo=UTC)


async def test_a_case_is_erased_the_day_after_its_retention_runs_out_counted_from_its_last_activity(
    client, auth, persona, clock, run_purge, database_url
):
    run, sessions = run_purge
    idle = await create_case(client, auth, persona("complete-adult"), TODAY + days(10))
    active = await create_case(client, auth, persona("igu-candidate"), TODAY + days(10))
    municipality = active["receiving_municipality"]["code"]
    clock.set(TODAY + days(5))
    receipt = await client.post(
        f"/v1/contact-groups/{active['id']}/distribution/jobcenter/receipts",
        json={"note": "ok"},
        headers=auth(municipality),
    )
    assert receipt.status_code == 201, receipt.text

    clock.set(TODAY + days(RETENTION))  # both just inside: exactly the retention since the last activity
    assert (await run()).cases == 0
    clock.set(TODAY + days(RETENTION + 1))  # the idle case just outside, the active one inside (its receipt)
    assert (await run()).cases == 1
    assert (await client.get(f"/v1/contact-groups/{idle['id']}", headers=auth("101"))).status_code == 404
    assert (await client.get(f"/v1/contact-groups/{active['id']}", headers=auth(municipality))).status_code == 200
    clock.set(TODAY + days(5 + RETENTION))
    assert (await run()).cases == 0
    clock.set(TODAY + days(5 + RETENTION + 1))
    assert (await run()).cases == 1

    by_case = {row.case_id: row for row in await _erasures(sessions)}
    assert set(by_case) == {idle["id"], active["id"]}
    assert {row.reason for row in by_case.values()} == {"retention"}
    assert by_case[idle["id"]].last_activity_at == noon(TODAY)
    assert by_case[active["id"]].last_activity_at == noon(TODAY + days(5)), "the receipt was the last activity"
    assert by_case[active["id"]].erased_by_municipality is None and by_case[active["id"]].erased_by_subject is None
    counts = await row_counts(database_url)
    assert {table for table, n in counts.items() if n} == {"case_erasures"}


async def test_a_dry_run_changes_nothing_and_a_second_run_finds_nothing(
    client, auth, persona, clock, run_purge, database_url
):
    run, _sessions = run_purge
    await create_case(client, auth, persona("complete-adult"), TODAY + days(10))
    clock.set(TODAY + days(RETENTION + 1))
    rows = await row_counts(database_url)

    dry = await run(dry_run=True)

    assert (dry.cases, dry.dry_run) == (1, True) and "would erase 1 case(s)" in dry.summary()
    assert await row_counts(database_url) == rows
    first, second = await run(), await run()
    assert (first.cases, second.cases) == (1, 0)
    after = await row_counts(database_url)
    assert after["cases"] == 0 and after["case_erasures"] == 1
    assert await row_counts(database_url) == after


async def test_the_purge_erases_in_batches_one_transaction_each(client, auth, persona, clock, run_purge):
    run, sessions = run_purge
    for key in ("complete-adult", "igu-candidate", "courses-and-certificates"):
        await create_case(client, auth, persona(key), TODAY + days(10))
    clock.set(TODAY + days(RETENTION + 1))

    report = await run(batch=2)

    assert (report.cases, report.batches) == (3, 2)
    assert len(await _erasures(sessions)) == 3
