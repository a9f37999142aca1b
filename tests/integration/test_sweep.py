"""`dfdg-broker sweep`: G1 final snapshots on the takeover date, due PDF deliveries collected; idempotent."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from dfdg_broker.app import protection_from
from dfdg_broker.db.models import IdempotencyKeyRow, SnapshotRow
from dfdg_broker.db.session import create_engine, create_sessionmaker
from dfdg_broker.sweep import sweep
from dfdg_broker.upstream import create_upstreams
from tests.conftest import TODAY
from tests.helpers import create_body, create_case, days


@pytest.fixture
async def run_sweep(database_url, upstream, clock, settings) -> AsyncIterator:
    engine = create_engine(database_url)
    upstreams = await create_upstreams(settings, upstream)
    sessions = create_sessionmaker(engine, protection_from(settings))

    async def run():
        return await sweep(sessions, upstreams, clock, settings)

    try:
        yield run, sessions
    finally:
        await upstreams.aclose()
        await engine.dispose()


async def _set_profile(mock_client, person_id, text):
    persona = (await mock_client.get(f"/admin/personas/{person_id}")).json()
    response = await mock_client.put(
        f"/admin/personas/{person_id}/data-areas/cv", json=persona["cv"] | {"professional_profile": text}
    )
    assert response.status_code == 200, response.text


async def _cv_rows(sessions, case_id) -> int:
    async with sessions() as session:
        count = await session.scalar(
            select(func.count()).where(SnapshotRow.case_id == case_id, SnapshotRow.area == "cv")
        )
        return int(count or 0)


async def test_G1_sweep_takes_the_final_snapshot_on_the_takeover_date_once(
    client, auth, persona, clock, mock_client, run_sweep
):
    run, sessions = run_sweep
    p = persona("complete-adult")
    case = await create_case(client, auth, p, TODAY + days(10), early_takeover_cv=TODAY + days(2))
    await _set_profile(mock_client, p.person.person_id, "On the takeover date.")
    clock.set(TODAY + days(2))

    first = await run()
    second = await run()  # idempotent: the same day, the same content, nothing new

    assert first.final_snapshots_checked == 1 and not first.failures
    assert second.final_snapshots_checked == 1 and not second.failures
    assert await _cv_rows(sessions, case["id"]) == 2  # the create's, and the takeover day's
    await _set_profile(mock_client, p.person.person_id, "After the takeover date.")
    clock.set(TODAY + days(3))
    response = await client.get(f"/v1/contact-groups/{case['id']}/data-areas/cv", headers=auth("101"))
    assert response.json()["provenance"]["mode"] == "frozen"
    assert response.json()["data"]["professional_profile"] == "On the takeover date."


async def test_sweep_on_a_day_without_takeovers_reads_nothing(client, auth, persona, clock, run_sweep, mock_state):
    run, _sessions = run_sweep
    await create_case(client, auth, persona("complete-adult"), TODAY + days(10))
    journal_before = len(mock_state.journal)
    clock.set(TODAY + days(1))
    report = await run()
    assert report.final_snapshots_checked == 0 and report.pdf_cases_checked == 0
    assert len(mock_state.journal) == journal_before


async def test_P1_sweep_collects_a_due_pdf_delivery(client, auth, persona, mock_client, mock_state, run_sweep):
    run, _sessions = run_sweep
    p = persona("pdf-route-attachments")
    municipality = p.person.receiving_municipality
    case = await create_case(client, auth, p, TODAY + days(10))
    payload = {"person_id": p.person.person_id, "areas": ["other", "attachments"]}
    created = await client.post(
        f"/v1/contact-groups/{case['id']}/pdf-requests", json=payload, headers=auth(municipality)
    )
    assert created.status_code == 201, created.text
    (request_id,) = mock_state.pdf_requests
    delivered = await mock_client.post(
        f"/admin/pdf-requests/{request_id}/deliveries", json={"delivered_on": TODAY.isoformat()}
    )
    assert delivered.status_code == 200, delivered.text

    report = await run()
    assert report.pdf_cases_checked == 1 and not report.failures
    assert (await run()).pdf_cases_checked == 0  # nothing open any more

    document = await client.get(
        f"/v1/contact-groups/{case['id']}/pdf-requests/{created.json()['id']}/document", headers=auth(municipality)
    )
    assert document.status_code == 200 and document.content.startswith(b"%PDF")


async def _idempotency_keys(sessions) -> set[str]:
    async with sessions() as session:
        return set((await session.scalars(select(IdempotencyKeyRow.key))).all())


async def test_sweep_purges_the_idempotency_keys_past_their_expiry_and_keeps_the_others(
    client, auth, persona, clock, settings, run_sweep
):
    run, sessions = run_sweep
    old = create_body(persona("complete-adult"), TODAY + days(10))
    response = await client.post("/v1/contact-groups", json=old, headers=auth("101") | {"Idempotency-Key": "old-1"})
    assert response.status_code == 201, response.text
    assert settings.idempotency_key_ttl_seconds <= 2 * 86_400
    clock.set(TODAY + days(2))  # past the key's time to live
    new = create_body(persona("german-phone"), TODAY + days(12))
    response = await client.post("/v1/contact-groups", json=new, headers=auth("561") | {"Idempotency-Key": "new-1"})
    assert response.status_code == 201, response.text
    assert await _idempotency_keys(sessions) == {"old-1", "new-1"}

    first = await run()
    second = await run()

    assert (first.idempotency_keys_purged, second.idempotency_keys_purged) == (1, 0)
    assert await _idempotency_keys(sessions) == {"new-1"}
    assert "1 expired idempotency key(s) purged" in first.summary()
