"""The mock operator's PDF route (P1) and its children-link admin routes (M3), as a contract."""

from __future__ import annotations

import hashlib

import httpx

from dfdg_broker.mock.state import MockState

PERSON = "70003401"  # pdf-route-attachments


async def _request(mock_client: httpx.AsyncClient, **overrides: object) -> httpx.Response:
    body = {"person_id": PERSON, "areas": ["other", "attachments"], "requesting_municipality": "740"} | overrides
    return await mock_client.post("/letasyl/v1/pdf-requests", json=body)


async def test_P1_mock_accepts_a_request_and_journals_it(mock_client: httpx.AsyncClient, mock_state: MockState) -> None:
    response = await _request(mock_client)

    assert response.status_code == 201, response.text
    state = response.json()
    assert state["status"] == "requested" and state["document"] is None and state["attachments"] == []
    (entry,) = [e for e in mock_state.journal if e.operation == "letasyl.request_pdf"]
    assert entry.person_id == PERSON and entry.system == "letasyl"


async def test_P1_mock_refuses_an_unknown_person_and_an_area_that_is_not_DA3_or_DA4(
    mock_client: httpx.AsyncClient, mock_state: MockState
) -> None:
    assert (await _request(mock_client, person_id="99999999")).status_code == 404
    assert (await _request(mock_client, areas=["cv"])).status_code == 400  # strict contract mode
    assert mock_state.pdf_requests == {}


async def test_P1_mock_delivery_lists_checksums_that_match_the_downloads(mock_client: httpx.AsyncClient) -> None:
    request_id = (await _request(mock_client)).json()["request_id"]
    assert (await mock_client.get(f"/letasyl/v1/pdf-requests/{request_id}/document")).status_code == 404

    delivered = await mock_client.post(
        f"/admin/pdf-requests/{request_id}/deliveries", json={"delivered_on": "2026-11-30"}
    )

    assert delivered.status_code == 200, delivered.text
    state = (await mock_client.get(f"/letasyl/v1/pdf-requests/{request_id}")).json()
    assert state["status"] == "delivered" and state["delivered_on"] == "2026-11-30"
    document = await mock_client.get(f"/letasyl/v1/pdf-requests/{request_id}/document")
    assert document.content.startswith(b"%PDF")
    assert hashlib.sha256(document.content).hexdigest() == state["document"]["sha256"]
    assert len(state["attachments"]) == 4
    for attachment in state["attachments"]:
        download = await mock_client.get(
            f"/letasyl/v1/pdf-requests/{request_id}/attachments/{attachment['attachment_id']}"
        )
        assert hashlib.sha256(download.content).hexdigest() == attachment["sha256"]
    again = await mock_client.post(f"/admin/pdf-requests/{request_id}/deliveries", json={})
    assert again.status_code == 409 and again.json()["code"] == "pdf_request_already_delivered"


async def test_P1_mock_delivery_of_DA3_only_has_no_attachments(mock_client: httpx.AsyncClient) -> None:
    request_id = (await _request(mock_client, areas=["other"])).json()["request_id"]
    await mock_client.post(f"/admin/pdf-requests/{request_id}/deliveries", json={})
    state = (await mock_client.get(f"/letasyl/v1/pdf-requests/{request_id}")).json()
    assert state["attachments"] == []
    response = await mock_client.get(f"/letasyl/v1/pdf-requests/{request_id}/attachments/att-70003401-1")
    assert response.status_code == 404


async def test_P1_mock_admin_lists_requests_and_refuses_unknown_ones(mock_client: httpx.AsyncClient) -> None:
    await _request(mock_client)
    listed = (await mock_client.get("/admin/pdf-requests")).json()
    assert [r["requesting_municipality"] for r in listed] == ["740"]
    response = await mock_client.post("/admin/pdf-requests/pdfreq-nope/deliveries", json={})
    assert response.status_code == 404 and response.json()["code"] == "pdf_request_unknown"


async def test_M3_mock_link_refuses_misspelled_child_fields(mock_client: httpx.AsyncClient) -> None:
    child = {"person_id": "1", "first_name": "A", "last_name": "B", "birth_date": "2020-01-01", "school": "x"}
    response = await mock_client.put("/admin/personas/70001601/children-link", json={"children": [child]})
    assert response.status_code == 422 and response.json()["field"] == "body.children.0.school"
