"""Issue 12, mock item 5, the broker's side: outside production its clock moves at run time (`/dev/clock`), so an
integrator walks a case through its dated rules without a restart. Here: C8 (the Jobnet login codes are due from
the day after the CV deadline) and G1 (live until the takeover date, frozen after), by moving the clock over HTTP
between requests to the same running broker."""

from __future__ import annotations

from datetime import date

from tests.conftest import TODAY
from tests.helpers import change_profile, create_case, days
from tests.integration.test_case_lifecycle import get_case, problem
from tests.integration.test_data_areas import _read

C8_TASK = "hand_over_jobnet_login_codes"


async def _clock(client, method: str, path: str = "/dev/clock", **body) -> dict:
    response = await client.request(method, path, json=body or None)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_the_clock_reads_as_the_brokers_today_until_moved(client) -> None:
    assert await _clock(client, "GET") == {
        "now": f"{TODAY.isoformat()}T12:00:00Z",
        "today": TODAY.isoformat(),
        "pinned": False,
        "offset_seconds": 0.0,
    }


async def test_C8_walked_by_moving_the_clock_without_a_restart(client, auth, persona) -> None:
    case = await create_case(client, auth, persona("complete-adult"), TODAY + days(10))
    due = date.fromisoformat(case["dates"]["cv_update_deadline"]) + days(1)
    shown, _etag = await get_case(client, auth, case["id"], "101")
    assert shown["tasks"] == [], "not due yet"

    moved = await _clock(client, "POST", "/dev/clock/moves", days=(due - TODAY).days - 1)
    assert moved["today"] == (due - days(1)).isoformat()
    shown, _etag = await get_case(client, auth, case["id"], "101")
    assert shown["tasks"] == [], "the day before it is due"

    await _clock(client, "POST", "/dev/clock/moves", days=1)
    shown, _etag = await get_case(client, auth, case["id"], "101")
    assert [t["code"] for t in shown["tasks"]] == [C8_TASK]
    done = await client.post(f"/v1/contact-groups/{case['id']}/tasks/{C8_TASK}/done", headers=auth("101"))
    assert done.status_code == 200 and done.json()["done_on"] == due.isoformat(), "recorded on the moved day"

    released = await _clock(client, "DELETE")
    assert released["today"] == TODAY.isoformat(), "back to the broker's own clock"


async def test_G1_walked_by_pinning_the_clock_without_a_restart(client, auth, persona, mock_client) -> None:
    p = persona("complete-adult")
    handover = TODAY + days(5)
    case = await create_case(client, auth, p, handover)

    await _clock(client, "PUT", today=handover.isoformat())
    await change_profile(mock_client, p.person.person_id, "on the takeover date")
    on_the_day = await _read(client, auth, case, "cv")
    assert on_the_day["provenance"]["mode"] == "live"

    await _clock(client, "PUT", now=f"{(handover + days(1)).isoformat()}T08:00:00+01:00")
    await change_profile(mock_client, p.person.person_id, "after the freeze")
    after = await _read(client, auth, case, "cv")
    assert after["provenance"]["mode"] == "frozen"
    assert after["data"]["professional_profile"] == "on the takeover date"


async def test_the_clock_refuses_to_leave_the_century_and_stays_put(client) -> None:
    problem(await client.put("/dev/clock", json={"today": "1999-12-31"}), 422, "clock_out_of_range")
    problem(await client.post("/dev/clock/moves", json={"days": 3650 * 30}), 422, "request_invalid")
    assert (await _clock(client, "GET"))["today"] == TODAY.isoformat()


def test_the_clock_routes_are_in_the_development_document(app) -> None:
    paths = app.openapi()["paths"]
    assert set(paths["/dev/clock"]) == {"get", "put", "delete"} and set(paths["/dev/clock/moves"]) == {"post"}
