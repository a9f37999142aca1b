"""Idempotency-Key on every request that changes something (draft-ietf-httpapi-idempotency-key-header).

The reported double effect: the same Idempotency-Key twice made two PDF requests and two receipts.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.conftest import TODAY
from tests.helpers import create_body, create_case, days
from tests.sidefx import broker_document, row_counts

HANDOVER = TODAY + days(10)
PDF_PERSONA = "pdf-route-attachments"


def key() -> dict[str, str]:
    return {"Idempotency-Key": f'"{uuid.uuid4()}"'}


async def _pdf_case(client, auth, persona):
    p = persona(PDF_PERSONA)
    return p, await create_case(client, auth, p, HANDOVER)


async def test_the_same_key_twice_makes_one_pdf_request_and_replays_the_answer(client, auth, persona, mock_state):
    p, case = await _pdf_case(client, auth, persona)
    headers = auth(p.person.receiving_municipality) | key()
    url = f"/v1/contact-groups/{case['id']}/pdf-requests"
    body = {"person_id": p.person.person_id, "areas": ["other"]}
    first = await client.post(url, json=body, headers=headers)
    second = await client.post(url, json=body, headers=headers)
    assert first.status_code == second.status_code == 201, second.text
    assert second.json() == first.json()
    assert second.headers["location"] == first.headers["location"]
    assert second.headers["idempotent-replayed"] == "true" and "idempotent-replayed" not in first.headers
    assert len(mock_state.pdf_requests) == 1, "the operator got one request"
    listed = await client.get(url, headers=auth(p.person.receiving_municipality))
    assert len(listed.json()["requests"]) == 1


async def test_the_same_key_twice_records_one_receipt(client, auth, persona, database_url):
    p = persona("complete-adult")
    case = await create_case(client, auth, p, HANDOVER)
    url = f"/v1/contact-groups/{case['id']}/distribution/jobcenter/receipts"
    headers = auth("101") | key()
    first = await client.post(url, json={"note": "modtaget"}, headers=headers)
    before = await row_counts(database_url)
    second = await client.post(url, json={"note": "modtaget"}, headers=headers)
    assert first.status_code == second.status_code == 201, second.text
    assert second.json() == first.json()
    assert await row_counts(database_url) == before


async def test_the_same_key_twice_creates_one_case(client, auth, persona, mock_state):
    body = create_body(persona("complete-adult"), HANDOVER)
    headers = auth("101") | key()
    first = await client.post("/v1/contact-groups", json=body, headers=headers)
    calls = len(mock_state.journal)
    second = await client.post("/v1/contact-groups", json=body, headers=headers)
    assert (first.status_code, second.status_code) == (201, 201), "a replay, not a 409"
    assert second.json()["id"] == first.json()["id"]
    assert len(mock_state.journal) == calls, "the replay asked no upstream"
    without_key = await client.post("/v1/contact-groups", json=body, headers=auth("101"))
    assert without_key.status_code == 409, "without a key the second create is the usual conflict"


async def test_the_same_key_with_another_body_is_422(client, auth, persona):
    p = persona("complete-adult")
    case = await create_case(client, auth, p, HANDOVER)
    url = f"/v1/contact-groups/{case['id']}/distribution/jobcenter/receipts"
    headers = auth("101") | key()
    assert (await client.post(url, json={"note": "a"}, headers=headers)).status_code == 201
    reused = await client.post(url, json={"note": "b"}, headers=headers)
    assert reused.status_code == 422
    assert reused.json()["code"] == "idempotency_key_reused"


async def test_keys_belong_to_the_municipality_that_sent_them(client, auth, persona):
    """Another municipality's key is not a replay of this one's answer (no data crosses municipalities)."""
    shared = key()
    a = await client.post(
        "/v1/contact-groups", json=create_body(persona("complete-adult"), HANDOVER), headers=auth("101") | shared
    )
    b_body = create_body(persona("placeholders-everywhere"), HANDOVER)
    b = await client.post("/v1/contact-groups", json=b_body, headers=auth("751") | shared)
    assert (a.status_code, b.status_code) == (201, 201)
    assert a.json()["id"] != b.json()["id"]


async def test_a_key_in_flight_is_409(client, auth, persona, upstream, mock_app):
    """While the first request waits on the operator, the same key again gets 409 with Retry-After."""
    p, case = await _pdf_case(client, auth, persona)
    headers = auth(p.person.receiving_municipality) | key()
    url = f"/v1/contact-groups/{case['id']}/pdf-requests"
    body = {"person_id": p.person.person_id, "areas": ["other"]}
    gate, waiting = asyncio.Event(), asyncio.Event()
    inner = upstream.handle_async_request

    async def slow(request):
        if request.url.path.endswith("pdf-requests"):
            waiting.set()
            await gate.wait()
        return await inner(request)

    upstream.handle_async_request = slow  # type: ignore[method-assign]
    first = asyncio.create_task(client.post(url, json=body, headers=headers))
    # The first request holds the key only once it waits on the operator: a second one sent earlier could claim the
    # key itself and then wait on the gate, which nothing would open (it happened on a loaded machine).
    await asyncio.wait_for(waiting.wait(), timeout=30)
    for _ in range(200):
        await asyncio.sleep(0.01)
        second = await client.post(url, json=body, headers=headers)
        if second.status_code == 409:
            break
    gate.set()
    assert (await first).status_code == 201
    assert second.status_code == 409 and second.json()["code"] == "idempotency_key_in_flight"
    assert second.headers["retry-after"] == "1"
    replay = await client.post(url, json=body, headers=headers)
    assert replay.status_code == 201 and replay.headers["idempotent-replayed"] == "true"


async def test_a_server_error_is_not_remembered(client, auth, persona, upstream):
    p, case = await _pdf_case(client, auth, persona)
    headers = auth(p.person.receiving_municipality) | key()
    url = f"/v1/contact-groups/{case['id']}/pdf-requests"
    body = {"person_id": p.person.person_id, "areas": ["other"]}
    upstream.down = True
    failed = await client.post(url, json=body, headers=headers)
    upstream.down = False
    assert failed.status_code == 503
    retried = await client.post(url, json=body, headers=headers)
    assert retried.status_code == 201 and "idempotent-replayed" not in retried.headers


@pytest.mark.parametrize("bad", ["", " ", "x" * 300, "ключ"])
async def test_a_malformed_key_is_refused(client, auth, persona, bad):
    response = await client.post(
        "/v1/contact-groups",
        json=create_body(persona("complete-adult"), HANDOVER),
        headers=auth("101") | {"Idempotency-Key": bad.encode("utf-8")},
    )
    assert response.status_code in (400, 422)


def test_every_write_operation_documents_the_idempotency_key():
    document = broker_document()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            scopes = {s for r in operation.get("security", []) for v in r.values() for s in v}
            if "cases:write" in scopes:
                names = [p["name"] for p in operation.get("parameters", []) if p["in"] == "header"]
                assert "Idempotency-Key" in names, (method, path)
