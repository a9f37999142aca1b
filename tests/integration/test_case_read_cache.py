"""Case reads served from the in-process cache of serialised answers (issue 14): the same bytes as a computed answer,
for the stored row and the day they were computed from only; access (C2) checked on every read."""

from __future__ import annotations

from sqlalchemy import delete, update

from dfdg_broker.cases.dependencies import CASE_READ_CACHE
from dfdg_broker.cases.read_cache import CaseReadCache
from dfdg_broker.db.models import CaseRow
from dfdg_broker.db.session import create_engine
from tests.conftest import TODAY
from tests.helpers import LINKED_CHILD, create_case, days


def _cache(app) -> CaseReadCache:
    cache = CASE_READ_CACHE.get(app)
    assert cache is not None
    return cache


async def _read(client, auth, case_id: str, municipality: str = "101"):
    response = await client.get(f"/v1/contact-groups/{case_id}", headers=auth(municipality))
    assert response.status_code == 200, response.text
    return response


async def test_a_cached_case_read_is_byte_for_byte_the_computed_one(app, client, auth, persona):
    case = await create_case(client, auth, persona("complete-adult"), TODAY + days(10))
    first = await _read(client, auth, case["id"])
    hits = _cache(app).hits

    second = await _read(client, auth, case["id"])
    assert _cache(app).hits == hits + 1, "the second read is served from the cache"
    _cache(app).discard(case["id"])
    computed = await _read(client, auth, case["id"])

    assert first.content == second.content == computed.content
    assert first.headers["etag"] == second.headers["etag"] == computed.headers["etag"]
    assert second.headers["content-type"] == "application/json"
    assert second.json()["id"] == case["id"] and second.json()["as_of"] == TODAY.isoformat()


async def test_a_change_through_the_api_shows_on_the_next_read(app, client, auth, persona):
    case = await create_case(client, auth, persona("complete-adult"), TODAY + days(10))
    before = await _read(client, auth, case["id"])
    await _read(client, auth, case["id"])  # cached now

    patched = await client.patch(
        f"/v1/contact-groups/{case['id']}",
        json={"not_learning_danish": True},
        headers=auth("101") | {"Content-Type": "application/merge-patch+json", "If-Match": before.headers["etag"]},
    )
    assert patched.status_code == 200, patched.text
    after = await _read(client, auth, case["id"])

    assert after.json()["not_learning_danish"] is True and after.json()["revision"] == 2
    assert after.headers["etag"] != before.headers["etag"]


async def test_M3_a_new_DA3_snapshot_shows_in_the_next_summary(app, client, auth, persona, mock_client):
    p = persona("parent-children-pending")
    municipality = p.person.receiving_municipality
    case = await create_case(client, auth, p, TODAY + days(30))
    codes = {item["code"] for item in (await _read(client, auth, case["id"], municipality)).json()["attention"]}
    assert "children_link_pending" in codes
    await _read(client, auth, case["id"], municipality)  # cached now

    linked = await mock_client.put(
        f"/admin/personas/{p.person.person_id}/children-link", json={"children": [LINKED_CHILD]}
    )
    assert linked.status_code == 200, linked.text
    other = await client.get(f"/v1/contact-groups/{case['id']}/data-areas/other", headers=auth(municipality))
    assert other.status_code == 200, other.text  # a live read: it stores the new DA3 snapshot

    after = (await _read(client, auth, case["id"], municipality)).json()
    assert "children_link_pending" not in {item["code"] for item in after["attention"]}


async def test_a_change_written_by_another_process_shows_on_the_next_read(app, client, auth, persona, database_url):
    """The cache is checked against the row read on every request, not told about changes: a change written by
    another broker process (or by hand) is seen at once."""
    case = await create_case(client, auth, persona("complete-adult"), TODAY + days(10))
    await _read(client, auth, case["id"])
    await _read(client, auth, case["id"])  # cached now
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(update(CaseRow).where(CaseRow.id == case["id"]).values(contact_group=17))
    finally:
        await engine.dispose()

    after = (await _read(client, auth, case["id"])).json()

    assert after["contact_group"]["code"] == 17


async def test_the_next_day_is_computed_for_that_day(app, client, auth, persona, clock):
    case = await create_case(client, auth, persona("complete-adult"), TODAY + days(1))
    before = (await _read(client, auth, case["id"])).json()
    await _read(client, auth, case["id"])  # cached now
    clock.set(TODAY + days(2))

    after = (await _read(client, auth, case["id"])).json()

    assert (before["as_of"], after["as_of"]) == (TODAY.isoformat(), (TODAY + days(2)).isoformat())
    assert {a["mode"] for a in before["areas"] if a["area"] == "cv"} == {"live"}
    assert {a["mode"] for a in after["areas"] if a["area"] == "cv"} == {"frozen"}


async def test_C2_a_cached_case_is_as_invisible_to_a_stranger_as_an_unknown_one(app, client, auth, persona):
    case = await create_case(client, auth, persona("complete-adult"), TODAY + days(10))
    await _read(client, auth, case["id"])
    await _read(client, auth, case["id"])  # cached now

    stranger = await client.get(f"/v1/contact-groups/{case['id']}", headers=auth("751"))
    unknown = await client.get("/v1/contact-groups/cg_unknown", headers=auth("751"))

    assert stranger.status_code == unknown.status_code == 404
    assert stranger.json()["code"] == unknown.json()["code"]


async def test_erasure_forgets_the_cached_answer(app, client, auth, persona):
    case = await create_case(client, auth, persona("complete-adult"), TODAY + days(10))
    await _read(client, auth, case["id"])
    assert len(_cache(app)) == 1

    erased = await client.delete(
        f"/v1/contact-groups/{case['id']}",
        params={"reason": "data-subject-request", "legal_basis": "GDPR art. 17(1)(a)"},
        headers=auth("101"),
    )

    assert erased.status_code == 204, erased.text
    assert len(_cache(app)) == 0, "the answer (masked CPR number, person id) is not kept after the erasure"
    assert (await client.get(f"/v1/contact-groups/{case['id']}", headers=auth("101"))).status_code == 404


async def test_a_case_erased_by_another_process_is_dropped_on_the_next_read(app, client, auth, persona, database_url):
    case = await create_case(client, auth, persona("complete-adult"), TODAY + days(10))
    await _read(client, auth, case["id"])
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(delete(CaseRow).where(CaseRow.id == case["id"]))
    finally:
        await engine.dispose()

    response = await client.get(f"/v1/contact-groups/{case['id']}", headers=auth("101"))

    assert response.status_code == 404
    assert len(_cache(app)) == 0
