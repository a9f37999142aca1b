"""The mock's journal (issue 12, item 2): every upstream call with its bodies, bounded, filterable and countable, so
that an integrator's test can verify what its system asked, as WireMock's verification does."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from dfdg_broker.mock.app import create_mock_app
from dfdg_broker.mock.state import MockState
from dfdg_broker.settings import Settings


def _adult(state: MockState):
    return next(p for p in state.personas.values() if p.key == "complete-adult")


def _lookup(persona) -> dict[str, str]:
    return {"cpr": persona.cpr, "receiving_municipality": persona.person.receiving_municipality}


@pytest.fixture
async def small_journal_client() -> AsyncIterator[tuple[httpx.AsyncClient, MockState]]:
    state = MockState.with_demo_fixtures()
    app = create_mock_app(state, settings=Settings(mock_journal_size=3, mock_journal_body_bytes=64))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock.test") as client:
        yield client, state


async def test_journal_keeps_the_request_and_response_bodies(mock_client, mock_state) -> None:
    adult = _adult(mock_state)
    await mock_client.post("/letasyl/v1/data-areas/cv", json=_lookup(adult))
    [entry] = (await mock_client.get("/admin/journal", params={"operation": "letasyl.area.cv"})).json()
    assert entry["request_body"] == {
        "cpr": f"{adult.cpr[:6]}-****",  # masked, as a CPR number is everywhere outside the request itself
        "receiving_municipality": adult.person.receiving_municipality,
    }
    assert entry["response_body"] == adult.cv.model_dump(mode="json")
    assert entry["truncated"] is False


async def test_journal_notes_a_binary_answer_by_type_and_length_without_keeping_it(mock_client, mock_state) -> None:
    adult = _adult(mock_state)
    attachment = adult.attachments[0].attachment_id
    pdf = await mock_client.get(f"/letasyl/v1/persons/{adult.person.person_id}/attachments/{attachment}")
    [entry] = (await mock_client.get("/admin/journal", params={"operation": "letasyl.download_attachment"})).json()
    assert entry["response_body"] == {"omitted": "application/pdf", "bytes": len(pdf.content)}
    assert entry["request_body"] is None


async def test_journal_is_a_ring_buffer_of_the_configured_size(small_journal_client) -> None:
    client, state = small_journal_client
    adult = _adult(state)
    for _ in range(5):
        await client.post("/letasyl/v1/person-lookups", json=_lookup(adult))
    journal = (await client.get("/admin/journal")).json()
    assert [e["seq"] for e in journal] == [3, 4, 5], "the oldest calls fell out; sequence numbers are never reused"
    assert len(state.journal) == 3


async def test_journal_cuts_long_bodies_and_says_so(small_journal_client) -> None:
    client, state = small_journal_client
    await client.post("/letasyl/v1/data-areas/cv", json=_lookup(_adult(state)))
    [entry] = (await client.get("/admin/journal")).json()
    assert entry["truncated"] is True
    assert isinstance(entry["response_body"], str) and len(entry["response_body"].encode()) <= 64


async def test_journal_filters_by_system_operation_person_time_and_correlation_id(mock_client, mock_state) -> None:
    adult = _adult(mock_state)
    other = next(p for p in mock_state.personas.values() if p.key != "complete-adult")
    before = datetime.now(UTC) - timedelta(seconds=1)
    await mock_client.post(
        "/letasyl/v1/person-lookups", json=_lookup(adult), headers={"X-Correlation-ID": "trace-0001"}
    )
    await mock_client.post("/letasyl/v1/person-lookups", json=_lookup(other))
    await mock_client.post("/cpr/v1/person-lookups", json={"cpr": adult.cpr})

    async def select(**params: str) -> list[int]:
        response = await mock_client.get("/admin/journal", params=params)
        assert response.status_code == 200, response.text
        return [e["seq"] for e in response.json()]

    everything = await select()
    assert len(everything) == 3
    assert len(await select(system="cpr")) == 1
    assert await select(operation="letasyl.lookup_person", person_id=adult.person.person_id) == [everything[0]]
    assert await select(correlation_id="trace-0001") == [everything[0]]
    assert await select(since=str(everything[0])) == everything[1:]
    assert await select(since_time=before.isoformat()) == everything
    assert await select(since_time=(datetime.now(UTC) + timedelta(minutes=1)).isoformat()) == []
    assert await select(limit="1") == everything[-1:]


async def test_journal_count_verifies_how_many_calls_of_an_operation_a_person_got(mock_client, mock_state) -> None:
    adult = _adult(mock_state)
    since = datetime.now(UTC) - timedelta(seconds=1)
    for _ in range(2):
        await mock_client.post("/letasyl/v1/data-areas/cv", json=_lookup(adult))
    params = {"operation": "letasyl.area.cv", "person_id": adult.person.person_id, "since_time": since.isoformat()}

    counted = await mock_client.get("/admin/journal/count", params=params)
    verified = await mock_client.get("/admin/journal/count", params=params | {"expect": "2"})
    refused = await mock_client.get("/admin/journal/count", params=params | {"expect": "1"})

    assert counted.json() == {"count": 2, "expected": None}
    assert verified.status_code == 200 and verified.json() == {"count": 2, "expected": 2}
    assert refused.status_code == 409
    assert refused.json()["code"] == "journal_verification_failed" and refused.json()["count"] == 2


async def test_journal_clear_and_reset_empty_it_and_admin_calls_are_not_journaled(mock_client, mock_state) -> None:
    await mock_client.post("/letasyl/v1/person-lookups", json=_lookup(_adult(mock_state)))
    await mock_client.get("/admin/personas")
    assert (await mock_client.get("/admin/journal/count")).json()["count"] == 1
    assert (await mock_client.delete("/admin/journal")).status_code == 204
    assert (await mock_client.get("/admin/journal")).json() == []
    await mock_client.post("/letasyl/v1/person-lookups", json=_lookup(_adult(mock_state)))
    assert (await mock_client.post("/admin/reset")).status_code == 204
    assert mock_state.journal == []


@pytest.mark.parametrize("params", [{"since": "-1"}, {"limit": "10001"}, {"operation": "x" * 101}])
async def test_journal_query_limits_answer_a_problem(mock_client, params) -> None:
    response = await mock_client.get("/admin/journal", params=params)
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
