"""P1, the PDF route: forwarded to the operator, due 14 days later, status by the clock, delivery stored and served.
Through the HTTP surface, with the real database and the real mock operator."""

from __future__ import annotations

import hashlib

from dfdg_broker.mock import pdf_route as pdf_route_mock
from dfdg_broker.mock.pdf_route import render_document
from tests.conftest import TODAY
from tests.helpers import create_case, days, upstream_calls

PERSONA = "pdf-route-attachments"


async def _case(client, auth, persona):
    p = persona(PERSONA)
    return p, await create_case(client, auth, p, TODAY + days(10))


async def _request(client, auth, case, municipality, **body):
    payload = {"person_id": body.pop("person_id"), "areas": body.pop("areas", ["other", "attachments"])}
    return await client.post(f"/v1/contact-groups/{case['id']}/pdf-requests", json=payload, headers=auth(municipality))


async def _list(client, auth, case, municipality):
    response = await client.get(f"/v1/contact-groups/{case['id']}/pdf-requests", headers=auth(municipality))
    assert response.status_code == 200, response.text
    return response.json()


async def _deliver(mock_client, mock_state, delivered_on):
    (request_id,) = mock_state.pdf_requests
    response = await mock_client.post(
        f"/admin/pdf-requests/{request_id}/deliveries", json={"delivered_on": delivered_on.isoformat()}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def test_P1_request_is_forwarded_to_the_operator_and_due_14_days_later(client, auth, persona, mock_state):
    p, case = await _case(client, auth, persona)
    municipality = p.person.receiving_municipality

    response = await _request(client, auth, case, municipality, person_id=p.person.person_id)

    assert response.status_code == 201, response.text
    created = response.json()
    assert created["due_date"] == (TODAY + days(14)).isoformat()
    assert created["status"] == "requested" and created["delivered_on"] is None
    assert created["areas"] == ["other", "attachments"]
    assert response.headers["location"].endswith(created["id"])
    (forwarded,) = upstream_calls(mock_state, "letasyl.request_pdf")
    assert forwarded.person_id == p.person.person_id and forwarded.status == 201
    (held,) = mock_state.pdf_requests.values()
    assert held.requesting_municipality == municipality
    listed = await _list(client, auth, case, municipality)
    assert [r["id"] for r in listed["requests"]] == [created["id"]]


async def test_P1_status_is_requested_until_the_due_date_and_overdue_after_it(client, auth, persona, clock):
    p, case = await _case(client, auth, persona)
    municipality = p.person.receiving_municipality
    created = (await _request(client, auth, case, municipality, person_id=p.person.person_id)).json()

    clock.set(TODAY + days(14))
    assert (await _list(client, auth, case, municipality))["requests"][0]["status"] == "requested"
    clock.set(TODAY + days(15))
    overdue = (await _list(client, auth, case, municipality))["requests"][0]
    assert overdue["status"] == "overdue" and overdue["due_date"] == created["due_date"]


async def test_P1_delivery_is_collected_verified_stored_and_served(
    client, auth, persona, mock_state, mock_client, clock, upstream
):
    p, case = await _case(client, auth, persona)
    municipality = p.person.receiving_municipality
    await _request(client, auth, case, municipality, person_id=p.person.person_id)
    await _deliver(mock_client, mock_state, TODAY + days(3))
    clock.set(TODAY + days(4))

    (delivered,) = (await _list(client, auth, case, municipality))["requests"]

    assert delivered["status"] == "delivered" and delivered["delivered_late"] is False
    assert delivered["delivered_on"] == (TODAY + days(3)).isoformat()
    assert {a["attachment_id"] for a in delivered["attachments"]} == {a.attachment_id for a in p.attachments}
    upstream.down = True  # everything below is served from what the broker stored
    document = await client.get(delivered["document"]["href"], headers=auth(municipality))
    assert document.status_code == 200 and document.headers["content-type"] == "application/pdf"
    assert document.content == render_document(p, ["other", "attachments"])
    assert hashlib.sha256(document.content).hexdigest() == delivered["document"]["sha256"]
    for attachment in delivered["attachments"]:
        download = await client.get(attachment["href"], headers=auth(municipality))
        assert download.status_code == 200
        assert download.content.startswith(b"%PDF")
        assert hashlib.sha256(download.content).hexdigest() == attachment["sha256"]
        assert len(download.content) == attachment["size_bytes"]
    assert (await _list(client, auth, case, municipality))["operator_checked"] is True  # nothing left to ask


async def test_P1_a_late_delivery_still_says_it_was_late(client, auth, persona, mock_state, mock_client, clock):
    p, case = await _case(client, auth, persona)
    municipality = p.person.receiving_municipality
    await _request(client, auth, case, municipality, person_id=p.person.person_id)
    await _deliver(mock_client, mock_state, TODAY + days(16))
    clock.set(TODAY + days(20))

    (delivered,) = (await _list(client, auth, case, municipality))["requests"]

    assert delivered["status"] == "delivered" and delivered["delivered_late"] is True


async def test_P1_a_corrupted_delivery_is_not_stored(client, auth, persona, mock_state, mock_client, monkeypatch):
    p, case = await _case(client, auth, persona)
    municipality = p.person.receiving_municipality
    await _request(client, auth, case, municipality, person_id=p.person.person_id)
    await _deliver(mock_client, mock_state, TODAY)
    real_view = pdf_route_mock._view

    def lying_view(state, record):  # the operator lists a checksum its bytes do not have
        view = real_view(state, record)
        if view.document is None:
            return view
        return view.model_copy(update={"document": view.document.model_copy(update={"sha256": "0" * 64})})

    monkeypatch.setattr(pdf_route_mock, "_view", lying_view)

    listed = await _list(client, auth, case, municipality)

    assert listed["operator_checked"] is False
    assert listed["requests"][0]["status"] == "requested" and listed["requests"][0]["document"] is None
    monkeypatch.undo()  # the operator's listing is right again: the next read collects the delivery
    assert (await _list(client, auth, case, municipality))["requests"][0]["status"] == "delivered"


async def test_P1_person_id_not_the_case_citizens_is_refused_and_nothing_is_forwarded_or_stored(
    client, auth, persona, mock_state
):
    p, case = await _case(client, auth, persona)
    municipality = p.person.receiving_municipality
    someone_else = persona("complete-adult").person.person_id

    response = await _request(client, auth, case, municipality, person_id=someone_else)

    assert response.status_code == 422, response.text
    problem = response.json()
    assert (problem["rule"], problem["code"], problem["field"]) == (
        "P1",
        "person_id_not_case_citizen",
        "body.person_id",
    )
    assert someone_else not in problem["detail"]
    assert upstream_calls(mock_state, "letasyl.request_pdf") == [] and mock_state.pdf_requests == {}
    assert (await _list(client, auth, case, municipality))["requests"] == []


async def test_P1_only_other_and_attachments_can_be_requested(client, auth, persona, mock_state):
    p, case = await _case(client, auth, persona)
    municipality = p.person.receiving_municipality
    for areas in (["cv"], ["other", "integration-contract"], []):
        response = await _request(client, auth, case, municipality, person_id=p.person.person_id, areas=areas)
        assert response.status_code == 422, response.text
        assert response.json()["rule"] == "P1" and response.json()["field"] == "body.areas"
    assert mock_state.pdf_requests == {}


async def test_P1_operator_down_answers_503_and_stores_nothing(client, auth, persona, mock_state, upstream):
    p, case = await _case(client, auth, persona)
    municipality = p.person.receiving_municipality
    upstream.down = True

    response = await _request(client, auth, case, municipality, person_id=p.person.person_id)

    assert response.status_code == 503 and int(response.headers["retry-after"]) > 0
    upstream.down = False
    assert (await _list(client, auth, case, municipality))["requests"] == []


async def test_P1_another_municipality_sees_no_case(client, auth, persona):
    p, case = await _case(client, auth, persona)
    response = await _request(client, auth, case, "101", person_id=p.person.person_id)
    assert response.status_code == 404 and response.json()["code"] == "contact_group_not_found"


async def test_P1_document_of_an_undelivered_request_is_409(client, auth, persona):
    p, case = await _case(client, auth, persona)
    municipality = p.person.receiving_municipality
    created = (await _request(client, auth, case, municipality, person_id=p.person.person_id)).json()
    response = await client.get(
        f"/v1/contact-groups/{case['id']}/pdf-requests/{created['id']}/document", headers=auth(municipality)
    )
    assert response.status_code == 409 and response.json()["code"] == "pdf_not_delivered_yet"


async def test_P1_operator_down_while_listing_serves_what_is_held_and_says_so(client, auth, persona, clock, upstream):
    p, case = await _case(client, auth, persona)
    municipality = p.person.receiving_municipality
    await _request(client, auth, case, municipality, person_id=p.person.person_id)
    upstream.down = True
    clock.set(TODAY + days(15))

    listed = await _list(client, auth, case, municipality)

    assert listed["operator_checked"] is False
    assert listed["requests"][0]["status"] == "overdue"
