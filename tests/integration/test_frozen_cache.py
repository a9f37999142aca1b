"""G1 frozen reads served from the in-process cache of serialised responses (issue 14): the same bytes as the
ordinary path, with access (C2), the frozen check and the stored snapshot checked on every read."""

from __future__ import annotations

from sqlalchemy import delete, update

from dfdg_broker.cases.dependencies import FROZEN_CACHE
from dfdg_broker.cases.frozen_cache import FrozenAreaCache, FrozenEntry
from dfdg_broker.db.models import CaseRow, SnapshotRow
from dfdg_broker.db.session import create_engine
from dfdg_broker.domain.areas import DataArea
from tests.conftest import TODAY
from tests.helpers import create_case, days


def _cache(app) -> FrozenAreaCache:
    cache = FROZEN_CACHE.get(app)
    assert cache is not None
    return cache


async def _frozen_case(client, auth, persona, clock, mock_client=None):
    p = persona("complete-adult")
    handover = TODAY + days(2)
    case = await create_case(client, auth, p, handover)
    clock.set(handover + days(1))
    return case


async def _execute(database_url, statement) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(statement)
    finally:
        await engine.dispose()


async def test_G1_cached_frozen_read_is_byte_for_byte_the_uncached_one(app, client, auth, persona, clock):
    case = await _frozen_case(client, auth, persona, clock)
    path = f"/v1/contact-groups/{case['id']}/data-areas/cv"
    first = await client.get(path, headers=auth("101"))
    hits = _cache(app).hits
    second = await client.get(path, headers=auth("101"))
    assert first.status_code == second.status_code == 200
    assert _cache(app).hits == hits + 1, "the second read is served from the cache"
    assert second.content == first.content
    assert second.headers["content-type"] == "application/json"
    body = second.json()
    assert body["provenance"]["mode"] == "frozen" and body["provenance"]["retrieved_at"] is None


async def test_G1_a_frozen_read_that_asked_the_operator_is_not_cached_with_its_retrieved_at(
    app, client, auth, persona, clock, database_url
):
    p = persona("complete-adult")
    handover = TODAY - days(10)  # created after its takeover date: the first read after it takes a final snapshot
    case = await create_case(client, auth, p, handover)
    await _execute(database_url, delete(SnapshotRow).where(SnapshotRow.case_id == case["id"]))
    path = f"/v1/contact-groups/{case['id']}/data-areas/cv"
    first = (await client.get(path, headers=auth("101"))).json()
    assert first["provenance"]["retrieved_at"] is not None
    second = (await client.get(path, headers=auth("101"))).json()
    assert second["provenance"]["retrieved_at"] is None, "later reads come from the database, then the cache"
    third = (await client.get(path, headers=auth("101"))).json()
    assert third == second and _cache(app).hits >= 1


async def test_C2_a_cached_frozen_area_is_as_invisible_to_a_stranger_as_an_uncached_one(client, auth, persona, clock):
    case = await _frozen_case(client, auth, persona, clock)
    path = f"/v1/contact-groups/{case['id']}/data-areas/cv"
    assert (await client.get(path, headers=auth("101"))).status_code == 200
    stranger = await client.get(path, headers=auth("751"))
    unknown = await client.get("/v1/contact-groups/cg_unknown/data-areas/cv", headers=auth("751"))
    assert stranger.status_code == unknown.status_code == 404
    assert stranger.json()["code"] == unknown.json()["code"]


async def test_G1_cache_entry_is_not_served_once_its_snapshot_is_gone(
    app, client, auth, persona, clock, database_url, upstream
):
    case = await _frozen_case(client, auth, persona, clock)
    path = f"/v1/contact-groups/{case['id']}/data-areas/cv"
    assert (await client.get(path, headers=auth("101"))).status_code == 200
    await _execute(database_url, delete(SnapshotRow).where(SnapshotRow.case_id == case["id"]))
    upstream.down = True  # nothing held and no operator: the ordinary path's 503, not the cached bytes
    response = await client.get(path, headers=auth("101"))
    assert response.status_code == 503
    assert len(_cache(app)) == 0


async def test_G1_cache_entry_is_not_served_when_the_case_is_no_longer_frozen(
    client, auth, persona, clock, database_url
):
    case = await _frozen_case(client, auth, persona, clock)
    path = f"/v1/contact-groups/{case['id']}/data-areas/cv"
    assert (await client.get(path, headers=auth("101"))).json()["provenance"]["mode"] == "frozen"
    later = TODAY + days(40)
    await _execute(database_url, update(CaseRow).where(CaseRow.id == case["id"]).values(handover_date=later))
    body = (await client.get(path, headers=auth("101"))).json()
    assert body["provenance"]["mode"] == "live"


async def test_G1_DA3_is_never_served_from_the_cache_its_children_link_follows_the_clock(
    app, client, auth, persona, clock
):
    case = await _frozen_case(client, auth, persona, clock)
    path = f"/v1/contact-groups/{case['id']}/data-areas/other"
    for _ in range(2):
        assert (await client.get(path, headers=auth("101"))).status_code == 200
    assert all(area is not DataArea.OTHER for _case_id, area in _cache(app).cached_keys())


def test_frozen_cache_is_bounded_by_size_least_recently_used_first() -> None:
    cache = FrozenAreaCache(max_bytes=250)
    entry = FrozenEntry(TODAY, TODAY, "0" * 64, b"x" * 100)
    cache.put("a", DataArea.CV, entry)
    cache.put("b", DataArea.CV, entry)
    assert cache.get("a", DataArea.CV) is entry  # a is now the most recently used
    cache.put("c", DataArea.CV, entry)
    assert cache.size_bytes == 200 and len(cache) == 2
    assert cache.get("b", DataArea.CV) is None, "the least recently used entry went first"
    assert cache.get("a", DataArea.CV) is entry and cache.get("c", DataArea.CV) is entry
    cache.put("d", DataArea.CV, FrozenEntry(TODAY, TODAY, "0" * 64, b"x" * 300))
    assert cache.get("d", DataArea.CV) is None, "an entry larger than the whole cache is not kept"
    cache.discard("a")
    assert cache.size_bytes == 100 and len(cache) == 1
