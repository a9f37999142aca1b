"""Issue 12, mock item 5: the mock's clock (Jobnet receipts, PDF deliveries) is pinned and moved over the admin API;
reset releases it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import httpx
import pytest

from dfdg_broker.mock.state import MockState
from tests.contract.test_mock_upstream import assert_problem, by_key


async def _receipt(mock: httpx.AsyncClient, state: MockState) -> dict:
    adult = by_key(state, "complete-adult")
    body = {"cv": {}, "submitted_by_municipality": "101"}
    response = await mock.put(f"/jobnet/v1/cvs/{adult.jobnet_cv_number}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


async def _delivered_on(mock: httpx.AsyncClient, state: MockState) -> str:
    adult = by_key(state, "complete-adult")
    asked = {"person_id": adult.person.person_id, "areas": ["other"], "requesting_municipality": "101"}
    request_id = (await mock.post("/letasyl/v1/pdf-requests", json=asked)).json()["request_id"]
    delivered = await mock.post(f"/admin/pdf-requests/{request_id}/deliveries", json={})
    assert delivered.status_code == 200, delivered.text
    return str(delivered.json()["delivered_on"])


async def test_a_pinned_clock_stands_still_in_receipts_and_deliveries(mock_client, mock_state) -> None:
    pinned = await mock_client.put("/admin/clock", json={"now": "2027-03-01T23:30:00+00:00"})
    assert pinned.json() == {
        "now": "2027-03-01T23:30:00Z",
        "today": "2027-03-02",  # 00:30 in Copenhagen: the Danish day
        "pinned": True,
        "offset_seconds": 0.0,
    }

    assert (await _receipt(mock_client, mock_state))["received_at"] == "2027-03-01T23:30:00Z"
    assert (await _receipt(mock_client, mock_state))["received_at"] == "2027-03-01T23:30:00Z", "time stands still"
    assert await _delivered_on(mock_client, mock_state) == "2027-03-02"


async def test_moving_the_clock_moves_receipts_and_deliveries(mock_client, mock_state) -> None:
    await mock_client.put("/admin/clock", json={"today": "2027-03-01"})
    moved = await mock_client.post("/admin/clock/moves", json={"days": 14, "hours": 1})
    assert moved.json()["now"] == "2027-03-15T13:00:00Z" and moved.json()["today"] == "2027-03-15"

    assert (await _receipt(mock_client, mock_state))["received_at"] == "2027-03-15T13:00:00Z"
    assert await _delivered_on(mock_client, mock_state) == "2027-03-15"


async def test_a_running_clock_moves_by_an_offset_and_release_returns_to_real_time(mock_client, mock_state) -> None:
    moved = (await mock_client.post("/admin/clock/moves", json={"days": 30})).json()
    assert moved["pinned"] is False and moved["offset_seconds"] == 30 * 86_400
    received = datetime.fromisoformat((await _receipt(mock_client, mock_state))["received_at"])
    assert abs(received - (datetime.now(UTC) + timedelta(days=30))) < timedelta(minutes=1)

    released = (await mock_client.delete("/admin/clock")).json()
    assert released["offset_seconds"] == 0 and released["pinned"] is False
    assert abs(datetime.fromisoformat(released["now"]) - datetime.now(UTC)) < timedelta(minutes=1)


async def test_reset_releases_the_clock(mock_client, mock_state) -> None:
    await mock_client.put("/admin/clock", json={"today": "2030-01-01"})
    assert (await mock_client.post("/admin/reset")).status_code == 204
    state = (await mock_client.get("/admin/clock")).json()
    assert state["pinned"] is False and state["offset_seconds"] == 0
    assert date.fromisoformat(state["today"]) != date(2030, 1, 1)


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("PUT", "/admin/clock", {}, 422),
        ("PUT", "/admin/clock", {"today": "2027-03-01", "now": "2027-03-01T09:00:00Z"}, 422),
        ("PUT", "/admin/clock", {"now": "2027-03-01T09:00:00"}, 422),  # no UTC offset: which 09:00?
        ("PUT", "/admin/clock", {"today": "2150-01-01"}, 422),
        ("POST", "/admin/clock/moves", {"days": 100_000}, 422),
        ("POST", "/admin/clock/moves", {"weeks": 2}, 422),
    ],
)
async def test_a_clock_request_out_of_range_or_shape_is_a_422_problem(mock_client, method, path, body, status) -> None:
    assert_problem(await mock_client.request(method, path, json=body), status)
    assert (await mock_client.get("/admin/clock")).json()["pinned"] is False, "nothing changed"
