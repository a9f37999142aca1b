"""Robustness through the HTTP surface: concurrent creates, and any combination of dates answering with a rule,
never a 500."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from dfdg_broker import app_state
from dfdg_broker.cases.dependencies import CREATE_SLOTS
from dfdg_broker.db.models import CaseRow, SnapshotRow, WorklistRow
from dfdg_broker.domain.areas import DataArea
from dfdg_broker.letasyl.client import LetAsylClient
from tests.conftest import TODAY
from tests.helpers import create_body

RULE_CODES = {
    "early_takeover_after_handover": "C5",
    "cv_deadline_too_late": "C6",
    "cv_deadline_before_cv_date": "C6",
}


async def test_C2_two_concurrent_creates_make_exactly_one_case(app, client, auth, persona):
    body = create_body(persona("complete-adult"), TODAY + timedelta(days=10))
    responses = await asyncio.gather(
        *(client.post("/v1/contact-groups", json=body, headers=auth("101")) for _ in range(3))
    )
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [201, 409, 409], [r.text for r in responses]
    created = next(r.json()["id"] for r in responses if r.status_code == 201)
    assert all(r.json()["existing_id"] == created for r in responses if r.status_code == 409)
    # The losers' batches stopped on the lookups' unique key wrote nothing (not even their case rows, which come
    # first): one case, its four snapshots, its one worklist row.
    async with app_state.SESSIONS.get(app)() as session:
        counts = [
            await session.scalar(select(func.count()).select_from(t)) for t in (CaseRow, SnapshotRow, WorklistRow)
        ]
    assert counts == [1, len(DataArea), 1]


offsets = st.one_of(st.none(), st.integers(min_value=-90, max_value=90))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(early_cv=offsets, early_contract=offsets, deadline=offsets)
async def test_C5_C6_any_date_combination_is_created_or_refused_with_its_rule(
    client, auth, persona, early_cv, early_contract, deadline
):
    handover = TODAY + timedelta(days=7)

    def day(offset: int | None) -> date | None:
        return None if offset is None else handover + timedelta(days=offset)

    body = create_body(
        persona("complete-adult"),
        handover,
        early_takeover_cv=day(early_cv),
        early_takeover_contract=day(early_contract),
        cv_update_deadline=day(deadline),
    )
    response = await client.post("/v1/contact-groups", json=body, headers=auth("101"))
    expected_ok = (
        (early_cv is None or early_cv <= 0)
        and (early_contract is None or early_contract <= 0)
        and (deadline is None or (min(early_cv or 0, 0) <= deadline <= 60))
    )
    if expected_ok:
        assert response.status_code in (201, 409), response.text  # 409: an earlier example created it
    else:
        assert response.status_code == 422, response.text
        problem = response.json()
        assert RULE_CODES[problem["code"]] == problem["rule"]


@pytest.mark.parametrize("slots", [1, 3])
async def test_creates_beyond_the_concurrent_creates_wait_their_turn(app, client, auth, persona, monkeypatch, slots):
    CREATE_SLOTS.put(app, asyncio.Semaphore(slots))  # what DFDG_CONCURRENT_CREATES sets at start-up (default 4)
    running, most = 0, 0
    full = asyncio.Event()
    find_person = LetAsylClient.find_person

    async def counted(self, cpr, receiving_municipality):  # type: ignore[no-untyped-def]
        nonlocal running, most
        running += 1
        most = max(most, running)
        if running == slots:
            full.set()
        try:
            # Every slot taken before any create goes on (a loaded machine may start them late), then a moment for
            # a create beyond the slots to get in if nothing stops it.
            await asyncio.wait_for(full.wait(), 10)
            await asyncio.sleep(0.05)
            return await find_person(self, cpr, receiving_municipality)
        finally:
            running -= 1

    monkeypatch.setattr(LetAsylClient, "find_person", counted)
    people = [persona(key) for key in ("complete-adult", "employed", "parent-with-linked-children")]
    responses = await asyncio.gather(
        *(
            client.post(
                "/v1/contact-groups",
                json=create_body(p, TODAY + timedelta(days=10)),
                headers=auth(p.person.receiving_municipality),
            )
            for p in people
        )
    )
    assert [r.status_code for r in responses] == [201] * len(people), [r.text for r in responses]
    assert most == slots
