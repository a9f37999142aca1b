"""P1 with a misbehaving operator (issue 12): each request's delivery is collected on its own, so one stuck or
failing request neither delays nor blocks the others; a request the operator no longer knows is marked lost and
shown to the caseworker."""

from __future__ import annotations

import time

import pytest

from dfdg_broker.settings import Environment, Settings
from tests.conftest import TODAY
from tests.helpers import create_case, days, set_upstream_deadline

PERSONA = "pdf-route-attachments"
DEADLINE = 1.0


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        environment=Environment.TEST,
        database_url=database_url,
        upstream_base_url="http://upstream.test",
        upstream_attempts=2,
        upstream_call_deadline_seconds=5,  # the scene; the tests then shorten it (set_upstream_deadline)
        upstream_breaker_failures=1000,
        fixed_today=None,
    )


async def _three_requests(client, auth, persona, mock_state) -> tuple[dict, str, list[str]]:
    p = persona(PERSONA)
    municipality = p.person.receiving_municipality
    case = await create_case(client, auth, p, TODAY + days(10))
    for areas in (["other"], ["attachments"], ["other", "attachments"]):  # three requests, not one asked thrice
        response = await client.post(
            f"/v1/contact-groups/{case['id']}/pdf-requests",
            json={"person_id": p.person.person_id, "areas": areas},
            headers=auth(municipality),
        )
        assert response.status_code == 201, response.text
    return case, municipality, list(mock_state.pdf_requests)


async def _list(client, auth, case, municipality) -> dict:
    response = await client.get(f"/v1/contact-groups/{case['id']}/pdf-requests", headers=auth(municipality))
    assert response.status_code == 200, response.text
    return response.json()


async def test_P1_one_stuck_pdf_request_does_not_block_the_others(app, client, auth, persona, mock_state, mock_client):
    case, municipality, operator_ids = await _three_requests(client, auth, persona, mock_state)
    for request_id in operator_ids:
        delivered = await mock_client.post(
            f"/admin/pdf-requests/{request_id}/deliveries", json={"delivered_on": TODAY.isoformat()}
        )
        assert delivered.status_code == 200
    set_upstream_deadline(app, DEADLINE)
    # Side by side: three documents the operator hangs on cost one deadline, not three.
    await mock_client.post(
        "/admin/faults",
        json={"system": "letasyl", "operation": "letasyl.download_pdf_document", "kind": "hang"},
    )
    started = time.perf_counter()
    body = await _list(client, auth, case, municipality)
    assert time.perf_counter() - started < 2.75 * DEADLINE  # one after the other they would take 3
    assert body["operator_checked"] is False and {r["status"] for r in body["requests"]} == {"requested"}
    await mock_client.delete("/admin/faults")
    # Independently: the operator hangs on one request's status; the other two deliveries are collected.
    await mock_client.post(
        "/admin/faults",
        json={"system": "letasyl", "operation": "letasyl.get_pdf_request", "kind": "hang", "times": 1},
    )
    body = await _list(client, auth, case, municipality)
    statuses = [r["status"] for r in body["requests"]]
    assert statuses.count("delivered") == 2 and body["operator_checked"] is False, statuses
    body = await _list(client, auth, case, municipality)
    assert [r["status"] for r in body["requests"]] == ["delivered"] * 3 and body["operator_checked"] is True


async def test_P1_a_request_the_operator_no_longer_knows_is_lost_with_a_finding(
    client, auth, persona, mock_state, mock_client
):
    case, municipality, operator_ids = await _three_requests(client, auth, persona, mock_state)
    forgotten = mock_state.pdf_requests.pop(operator_ids[1])
    await mock_client.post(
        f"/admin/pdf-requests/{operator_ids[2]}/deliveries", json={"delivered_on": TODAY.isoformat()}
    )
    body = await _list(client, auth, case, municipality)
    assert sorted(r["status"] for r in body["requests"]) == ["delivered", "lost", "requested"]
    assert body["operator_checked"] is True
    summary = (await client.get(f"/v1/contact-groups/{case['id']}", headers=auth(municipality))).json()
    lost = [a for a in summary["attention"] if a["code"] == "pdf_request_lost"]
    assert len(lost) == 1 and lost[0]["rule"] == "P1" and lost[0]["href"].endswith("/pdf-requests")
    calls = len([e for e in mock_state.journal if e.operation == "letasyl.get_pdf_request"])
    await _list(client, auth, case, municipality)
    after = len([e for e in mock_state.journal if e.operation == "letasyl.get_pdf_request"])
    assert after == calls + 1, "a lost request is not asked for again; only the open one is"
    assert forgotten.request_id == operator_ids[1]
