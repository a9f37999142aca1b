"""G1 snapshots are stored on change only, and that holds under concurrency: racing identical reads after one
upstream change add exactly one row, on SQLite and on PostgreSQL (the unique key on case, area and sequence)."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy import select

from dfdg_broker.db.models import SnapshotRow
from tests.conftest import TODAY
from tests.helpers import create_case, days

ROUNDS = 20
CONCURRENT_READS = 50


async def _rows(app, case_id: str, area: str) -> list[tuple[int, str]]:
    async with app.state.sessions() as session:
        result = await session.execute(
            select(SnapshotRow.seq, SnapshotRow.content_sha256)
            .where(SnapshotRow.case_id == case_id, SnapshotRow.area == area)
            .order_by(SnapshotRow.seq)
        )
        return [(seq, sha) for seq, sha in result]


async def test_G1_concurrent_unchanged_reads_after_one_upstream_change_add_exactly_one_snapshot(
    client, auth, persona, app, mock_state
):
    p = persona("complete-adult")
    case = await create_case(client, auth, p, TODAY + days(10))
    path = f"/v1/contact-groups/{case['id']}/data-areas/cv"
    started = time.perf_counter()
    for round_ in range(1, ROUNDS + 1):
        current = mock_state.personas[p.person.person_id]
        changed = current.cv.model_copy(update={"professional_profile": f"version {round_}"})
        mock_state.put_persona(current.model_copy(update={"cv": changed}))
        responses = await asyncio.gather(*(client.get(path, headers=auth("101")) for _ in range(CONCURRENT_READS)))
        assert {r.status_code for r in responses} == {200}, [r.text for r in responses if r.status_code != 200][:3]
        assert {r.json()["data"]["professional_profile"] for r in responses} == {f"version {round_}"}
        rows = await _rows(app, case["id"], "cv")
        assert len(rows) == 1 + round_, f"round {round_}: {len(rows)} rows"
    elapsed = time.perf_counter() - started
    rows = await _rows(app, case["id"], "cv")
    assert [seq for seq, _ in rows] == list(range(1, ROUNDS + 2))
    assert len({sha for _, sha in rows}) == ROUNDS + 1, "each row is a different content"
    print(f"{ROUNDS}x{CONCURRENT_READS} concurrent reads: {elapsed:.1f}s")  # the rows are the point, not the time


async def test_G1_concurrent_first_reads_on_a_new_day_add_one_snapshot(client, auth, persona, app, clock):
    p = persona("complete-adult")
    case = await create_case(client, auth, p, TODAY + days(10))
    clock.set(TODAY + days(1))
    path = f"/v1/contact-groups/{case['id']}/data-areas/integration-contract"
    responses = await asyncio.gather(*(client.get(path, headers=auth("101")) for _ in range(CONCURRENT_READS)))
    assert {r.status_code for r in responses} == {200}
    assert len(await _rows(app, case["id"], "integration-contract")) == 2
