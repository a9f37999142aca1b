"""The mock's fault and latency injection (issue 12, mock item 1), through its admin API and its upstream routes."""

from __future__ import annotations

import asyncio
import hashlib
import time

import httpx
import pytest

from dfdg_broker.mock.faults import FaultKind

PROBLEM_JSON = "application/problem+json"


def _lookup(persona) -> dict[str, str]:
    return {"cpr": persona.cpr, "receiving_municipality": persona.person.receiving_municipality}


async def _fault(mock_client, **spec) -> dict:
    response = await mock_client.post("/admin/faults", json=spec)
    assert response.status_code == 201, response.text
    return response.json()


async def _area(mock_client, persona, area="cv") -> httpx.Response:
    return await mock_client.post(f"/letasyl/v1/data-areas/{area}", json=_lookup(persona))


async def test_status_fault_answers_a_problem_with_retry_after_for_the_next_n_calls(mock_client, persona):
    p = persona("complete-adult")
    fault = await _fault(
        mock_client,
        system="letasyl",
        operation="letasyl.area.cv",
        kind="status",
        status=503,
        retry_after_seconds=7,
        times=2,
    )
    for _ in range(2):
        response = await _area(mock_client, p)
        assert response.status_code == 503
        assert response.headers["content-type"] == PROBLEM_JSON
        assert response.headers["retry-after"] == "7"
        assert response.json()["code"] == "injected_fault" and fault["id"] in response.json()["detail"]
    assert (await _area(mock_client, p)).status_code == 200, "spent after two calls"
    assert (await mock_client.get("/admin/faults")).json() == []


async def test_fault_only_for_its_operation_and_person(mock_client, persona):
    target, other = persona("complete-adult"), persona("foreign-phone")
    await _fault(
        mock_client,
        system="letasyl",
        operation="letasyl.area.cv",
        person_id=target.person.person_id,
        kind="status",
        status=500,
    )
    assert (await _area(mock_client, target)).status_code == 500
    assert (await _area(mock_client, other)).status_code == 200, "another person"
    assert (await _area(mock_client, target, "other")).status_code == 200, "another operation"
    assert (await mock_client.post("/jobnet/v1/profile-lookups", json={"cpr": target.cpr})).status_code in (200, 404)
    listed = (await mock_client.get("/admin/faults")).json()
    assert listed[0]["hits"] == 1 and listed[0]["remaining"] is None


async def test_person_fault_finds_the_person_by_path_and_by_body(mock_client, persona):
    p = persona("complete-adult")
    await _fault(mock_client, system="all", person_id=p.person.person_id, kind="status", status=502)
    attachment = p.attachments[0].attachment_id
    assert (
        await mock_client.get(f"/letasyl/v1/persons/{p.person.person_id}/attachments/{attachment}")
    ).status_code == 502
    assert (await mock_client.post("/cpr/v1/person-lookups", json={"cpr": p.cpr})).status_code == 502
    assert (await mock_client.post("/jobnet/v1/profile-lookups", json={"cpr": p.cpr})).status_code == 502


async def test_fault_for_a_time_expires(mock_client, persona):
    p = persona("complete-adult")
    await _fault(mock_client, system="letasyl", kind="status", status=503, for_seconds=0.2)
    assert (await _area(mock_client, p)).status_code == 503
    await asyncio.sleep(0.25)
    assert (await _area(mock_client, p)).status_code == 200


async def test_fixed_and_random_delay(mock_client, persona):
    p = persona("complete-adult")
    await _fault(mock_client, system="letasyl", kind="delay", delay_ms=150, times=1)
    started = time.perf_counter()
    assert (await _area(mock_client, p)).status_code == 200
    assert time.perf_counter() - started >= 0.15
    await _fault(mock_client, system="letasyl", kind="delay", delay_ms=10, delay_max_ms=60, times=5)
    for _ in range(5):
        started = time.perf_counter()
        assert (await _area(mock_client, p)).status_code == 200
        assert 0.009 <= time.perf_counter() - started < 1


async def test_reset_drops_the_connection(mock_client, persona):
    await _fault(mock_client, system="cpr", kind="reset", times=1)
    with pytest.raises(httpx.TransportError):
        await mock_client.post("/cpr/v1/person-lookups", json={"cpr": persona("complete-adult").cpr})


async def test_hang_answers_nothing_until_the_client_gives_up(mock_client, persona):
    await _fault(mock_client, system="jobnet", kind="hang")
    started = time.perf_counter()
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(0.3):
            await mock_client.post("/jobnet/v1/profile-lookups", json={"cpr": persona("complete-adult").cpr})
    assert time.perf_counter() - started < 1


async def test_hang_with_a_limit_ends_in_a_gateway_timeout(mock_client, persona):
    await _fault(mock_client, system="jobnet", kind="hang", hang_seconds=0.1)
    response = await mock_client.post("/jobnet/v1/profile-lookups", json={"cpr": persona("complete-adult").cpr})
    assert response.status_code == 504


async def test_malformed_json_truncated_body_and_wrong_content_type(mock_client, persona):
    p = persona("complete-adult")
    await _fault(mock_client, system="letasyl", kind="malformed_json", times=1)
    response = await _area(mock_client, p)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    with pytest.raises(ValueError):
        response.json()
    whole = (await _area(mock_client, p)).content
    await _fault(mock_client, system="letasyl", kind="truncated_body", times=1)
    assert (await _area(mock_client, p)).content == whole[: len(whole) // 2]
    await _fault(mock_client, system="letasyl", kind="wrong_content_type", times=1)
    response = await _area(mock_client, p)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")


async def test_bad_checksum_spoils_a_document(mock_client, persona):
    p = persona("complete-adult")
    listing = (await _area(mock_client, p, "attachments")).json()["attachments"][0]
    path = f"/letasyl/v1/persons/{p.person.person_id}/attachments/{listing['attachment_id']}"
    await _fault(mock_client, system="letasyl", operation="letasyl.download_attachment", kind="bad_checksum")
    spoiled = await mock_client.get(path)
    assert spoiled.status_code == 200 and len(spoiled.content) == listing["size_bytes"]
    assert hashlib.sha256(spoiled.content).hexdigest() != listing["sha256"]


async def test_list_remove_clear_and_reset(mock_client):
    first = await _fault(mock_client, system="letasyl", kind="status")
    await _fault(mock_client, system="jobnet", kind="delay", delay_ms=1)
    assert next(f["id"] for f in (await mock_client.get("/admin/faults")).json()) == first["id"]
    assert (await mock_client.delete(f"/admin/faults/{first['id']}")).status_code == 204
    assert (await mock_client.delete(f"/admin/faults/{first['id']}")).status_code == 404
    assert len((await mock_client.get("/admin/faults")).json()) == 1
    assert (await mock_client.delete("/admin/faults")).status_code == 204
    assert (await mock_client.get("/admin/faults")).json() == []
    await _fault(mock_client, system="cpr", kind="reset")
    assert (await mock_client.post("/admin/reset")).status_code == 204
    assert (await mock_client.get("/admin/faults")).json() == []


@pytest.mark.parametrize(
    "spec",
    [
        {"system": "letasyl", "kind": "explode"},
        {"system": "ldap", "kind": "status"},
        {"system": "letasyl", "operation": "jobnet.put_cv", "kind": "status"},
        {"system": "letasyl", "kind": "delay", "delay_ms": 50, "delay_max_ms": 10},
        {"system": "letasyl", "kind": "status", "status": 200},
        {"system": "letasyl", "kind": "status", "surprise": 1},
    ],
)
async def test_a_nonsense_fault_is_refused_with_a_problem(mock_client, spec):
    response = await mock_client.post("/admin/faults", json=spec)
    assert response.status_code == 422 and response.headers["content-type"] == PROBLEM_JSON


def test_every_fault_kind_is_documented_with_an_example():
    from dfdg_broker.mock.app import create_mock_app

    document = create_mock_app().openapi()
    schema = document["components"]["schemas"]["FaultCreate"]
    assert schema["examples"], "examples for integrators"
    assert set(document["components"]["schemas"]["FaultKind"]["enum"]) == {k.value for k in FaultKind}
    assert {"/admin/faults", "/admin/faults/{fault_id}"} <= set(document["paths"])


async def test_a_faulted_call_is_journaled_under_its_operation_so_it_can_be_verified(mock_client, persona):
    p = persona("complete-adult")
    await _fault(mock_client, system="letasyl", kind="status", status=503, times=1)
    await _fault(mock_client, system="jobnet", person_id=p.person.person_id, kind="status", status=500, times=1)
    assert (await _area(mock_client, p)).status_code == 503
    assert (await mock_client.post("/jobnet/v1/profile-lookups", json={"cpr": p.cpr})).status_code == 500

    count = await mock_client.get("/admin/journal/count", params={"operation": "letasyl.area.cv", "expect": 1})
    assert count.status_code == 200, count.text
    (jobnet,) = (await mock_client.get("/admin/journal", params={"system": "jobnet"})).json()
    assert (jobnet["operation"], jobnet["person_id"], jobnet["status"]) == (
        "jobnet.lookup_profile",
        p.person.person_id,
        500,
    )
