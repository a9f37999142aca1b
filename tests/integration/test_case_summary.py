"""The case summary on GET /v1/contact-groups/{id}: what needs a human (P1, M3, P2, C8), from what the broker holds."""

from __future__ import annotations

from datetime import date

import pytest

from dfdg_broker import app_state
from tests.conftest import TODAY
from tests.helpers import create_case, days, sqlite_thread_hops


async def _attention(client, auth, case, municipality):
    response = await client.get(f"/v1/contact-groups/{case['id']}", headers=auth(municipality))
    assert response.status_code == 200, response.text
    return {item["code"]: item for item in response.json()["attention"]}


async def test_M3_summary_shows_the_pending_link_and_then_that_it_is_overdue(client, auth, persona, clock):
    p = persona("parent-children-pending")
    municipality = p.person.receiving_municipality
    case = await create_case(client, auth, p, TODAY + days(30))

    pending = (await _attention(client, auth, case, municipality))["children_link_pending"]
    assert pending["rule"] == "M3" and pending["due_date"] == "2026-11-30"
    assert pending["href"] == f"/v1/contact-groups/{case['id']}/data-areas/other"
    clock.set(date(2026, 12, 1))
    items = await _attention(client, auth, case, municipality)
    assert "children_link_pending" not in items
    assert items["children_link_overdue"]["due_date"] == "2026-11-30"


async def test_M3_the_summary_is_of_the_response_s_as_of_day_even_at_midnight(
    client, auth, persona, clock, monkeypatch
):
    """The attention list is "what needs a human on the as_of date": a case read reads the clock once, so that a
    midnight passing during the request cannot give a summary of one day under the as_of of the next."""
    p = persona("parent-children-pending")
    municipality = p.person.receiving_municipality
    case = await create_case(client, auth, p, TODAY + days(30))
    link_due = date(2026, 11, 30)  # M3: the link is pending on its due date, overdue from the day after
    readings = (link_due + days(n) for n in range(1000))
    monkeypatch.setattr(clock, "today", lambda: next(readings))  # a day passes between any two readings
    response = await client.get(f"/v1/contact-groups/{case['id']}", headers=auth(municipality))
    assert response.status_code == 200, response.text
    body = response.json()
    codes = {item["code"] for item in body["attention"]}
    as_of = date.fromisoformat(body["as_of"])
    assert as_of == link_due, "the first reading is the as_of one (else this test shows nothing)"
    assert ("children_link_overdue" in codes) == (as_of > link_due), (as_of, codes)
    assert ("children_link_pending" in codes) == (as_of <= link_due), (as_of, codes)


async def test_P1_summary_shows_an_overdue_pdf_request(client, auth, persona, clock):
    p = persona("pdf-route-attachments")
    municipality = p.person.receiving_municipality
    case = await create_case(client, auth, p, TODAY + days(10))
    response = await client.post(
        f"/v1/contact-groups/{case['id']}/pdf-requests",
        json={"person_id": p.person.person_id, "areas": ["other"]},
        headers=auth(municipality),
    )
    assert response.status_code == 201, response.text
    assert "pdf_request_overdue" not in await _attention(client, auth, case, municipality)

    clock.set(TODAY + days(15))
    overdue = (await _attention(client, auth, case, municipality))["pdf_request_overdue"]

    assert overdue["rule"] == "P1" and overdue["due_date"] == (TODAY + days(14)).isoformat()
    assert overdue["href"] == f"/v1/contact-groups/{case['id']}/pdf-requests"


async def test_P2_summary_shows_undistributed_documents_until_the_unit_has_them(client, auth, persona):
    p = persona("parent-with-linked-children")
    case = await create_case(client, auth, p, TODAY + days(10))

    items = await _attention(client, auth, case, "101")
    assert items["undistributed_school"]["rule"] == "P2"
    assert items["undistributed_school"]["text"].startswith("2 document(s)")
    assert (
        items["undistributed_health_visitor"]["text_da"] == "2 dokument(er) er endnu ikke modtaget af sundhedsplejen."
    )
    assert items["undistributed_health_visitor"]["href"] == f"/v1/contact-groups/{case['id']}/distribution"
    assert "undistributed_jobcenter" not in items  # DA3 parts alone do not make a document to send

    receipt = await client.post(f"/v1/contact-groups/{case['id']}/distribution/school/receipts", headers=auth("101"))
    assert receipt.status_code == 201
    assert "undistributed_school" not in await _attention(client, auth, case, "101")


async def test_C8_summary_lists_the_login_code_task_when_due(client, auth, persona, clock):
    p = persona("no-jobnet-profile-minimal")
    municipality = p.person.receiving_municipality
    case = await create_case(client, auth, p, TODAY + days(10))
    due = date.fromisoformat(case["dates"]["cv_update_deadline"]) + days(1)

    assert await _attention(client, auth, case, municipality) == {}
    clock.set(due)
    task = (await _attention(client, auth, case, municipality))["hand_over_jobnet_login_codes"]
    assert task["rule"] == "C8" and task["due_date"] == due.isoformat()
    assert "Jobnet" in task["text"] and "Jobnet" in task["text_da"]


async def test_M3_summary_is_computed_without_asking_the_operator(client, auth, persona, mock_state, upstream):
    p = persona("parent-children-overdue")
    case = await create_case(client, auth, p, TODAY + days(10))
    upstream.down = True
    items = await _attention(client, auth, case, p.person.receiving_municipality)
    assert items["children_link_overdue"]["due_date"] == "2026-10-14"


async def test_P1_summary_lists_pdf_requests_in_the_order_they_were_made(client, auth, persona, clock):
    p = persona("pdf-route-attachments")
    municipality = p.person.receiving_municipality
    case = await create_case(client, auth, p, TODAY + days(30))
    for day, areas in ((2, ["other"]), (0, ["attachments"]), (1, ["other", "attachments"])):
        clock.set(TODAY + days(day))
        response = await client.post(
            f"/v1/contact-groups/{case['id']}/pdf-requests",
            json={"person_id": p.person.person_id, "areas": areas},
            headers=auth(municipality),
        )
        assert response.status_code == 201, response.text

    clock.set(TODAY + days(20))
    response = await client.get(f"/v1/contact-groups/{case['id']}", headers=auth(municipality))
    overdue = [item["due_date"] for item in response.json()["attention"] if item["code"] == "pdf_request_overdue"]
    assert overdue == [(TODAY + days(d + 14)).isoformat() for d in (0, 1, 2)]  # by when they were requested


async def test_on_sqlite_the_case_read_runs_on_the_event_loop(app, client, auth, persona, monkeypatch):
    """Issue 14: the case read is a point read (``DriverStatement.point_read``), so SQLite runs it on the event loop
    rather than hopping to a thread and back; what it reads is the same."""
    if app_state.SESSIONS.get(app).kw["bind"].dialect.name != "sqlite":
        pytest.skip("SQLite only: asyncpg's reads are on the event loop anyway")
    p = persona("parent-children-pending")
    municipality = p.person.receiving_municipality
    case = await create_case(client, auth, p, TODAY + days(30))
    to_thread = sqlite_thread_hops(monkeypatch)

    items = await _attention(client, auth, case, municipality)

    assert items["children_link_pending"]["due_date"] == "2026-11-30"  # DA3 read, its seal opened
    assert "_fetch_one" not in to_thread, to_thread  # only the access-log row's batch goes to the writer's thread
