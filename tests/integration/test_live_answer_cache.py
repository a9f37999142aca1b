"""Live reads reuse the validation, dump and digest of an operator answer byte for byte equal to the case's last one
(issue 14, ``cases.answer_cache``): the operator is still asked on every read (G1), a changed answer is a miss whose
new content is served and stored, and erasure forgets the case's answers."""

from __future__ import annotations

from sqlalchemy import func, select

from dfdg_broker.cases.answer_cache import KnownAnswer, LiveAnswerCache
from dfdg_broker.cases.dependencies import LIVE_ANSWERS
from dfdg_broker.cases.schemas import AREA_RESPONSE_MODELS, AreaResponse
from dfdg_broker.db.models import SnapshotRow
from dfdg_broker.domain.areas import DataArea
from dfdg_broker.letasyl.schemas import WireModel
from tests.conftest import TODAY
from tests.helpers import change_profile, create_case, days, upstream_calls


def _cache(app) -> LiveAnswerCache:
    cache = LIVE_ANSWERS.get(app)
    assert cache is not None
    return cache


async def _read(client, auth, case, area="cv"):
    response = await client.get(f"/v1/contact-groups/{case['id']}/data-areas/{area}", headers=auth("101"))
    assert response.status_code == 200, response.text
    return response.json()


async def _snapshot_rows(app, case_id: str) -> int:
    async with app.state.sessions() as session:
        return await session.scalar(
            select(func.count()).where(SnapshotRow.case_id == case_id, SnapshotRow.area == "cv")
        )


async def test_G1_an_unchanged_answer_is_reused_and_served_as_a_fresh_validation_would_serve_it(
    app, client, auth, persona, mock_state
):
    case = await create_case(client, auth, persona("complete-adult"), TODAY + days(10))
    first = await _read(client, auth, case)  # a miss: validated, kept
    assert _cache(app).holds(case["id"], DataArea.CV)
    hits, asked = _cache(app).hits, len(upstream_calls(mock_state, "letasyl.area.cv"))

    second = await _read(client, auth, case)

    assert _cache(app).hits == hits + 1, "the same bytes: reused"
    assert len(upstream_calls(mock_state, "letasyl.area.cv")) == asked + 1, "still asked"
    _cache(app).discard(case["id"])
    computed = await _read(client, auth, case)
    assert first == second == computed
    assert await _snapshot_rows(app, case["id"]) == 1, "unchanged on the same day: no new row"


async def test_G1_a_changed_answer_is_a_miss_served_and_stored_with_its_new_content(
    app, client, auth, persona, mock_client
):
    p = persona("complete-adult")
    case = await create_case(client, auth, p, TODAY + days(10))
    await _read(client, auth, case)
    await _read(client, auth, case)  # reused now
    misses = _cache(app).misses

    await change_profile(mock_client, p.person.person_id, "a changed profile")
    changed = await _read(client, auth, case)

    assert _cache(app).misses == misses + 1
    assert changed["data"]["professional_profile"] == "a changed profile"
    assert await _snapshot_rows(app, case["id"]) == 2, "the change is stored"
    again = await _read(client, auth, case)  # the changed answer is the one kept now
    assert again["data"] == changed["data"] and await _snapshot_rows(app, case["id"]) == 2


async def test_erasure_forgets_the_cases_answers(app, client, auth, persona):
    case = await create_case(client, auth, persona("complete-adult"), TODAY + days(10))
    await _read(client, auth, case)
    assert _cache(app).holds(case["id"], DataArea.CV)

    assert (await client.delete(f"/v1/contact-groups/{case['id']}", headers=auth("101"))).status_code == 204

    assert not _cache(app).holds(case["id"], DataArea.CV)


def test_a_hit_needs_the_same_bytes_and_the_same_digest_key():
    cache = LiveAnswerCache(max_bytes=1024)
    key = object()
    known = KnownAnswer(WireModel(), {}, "digest", key, b"{}")
    cache.put("c1", DataArea.CV, b'{"a":1}', known)

    assert cache.get("c1", DataArea.CV, b'{"a":1}', key) is known
    assert cache.get("c1", DataArea.CV, b'{"a":2}', key) is None, "other bytes"
    assert cache.get("c1", DataArea.CV, b'{"a":1}', object()) is None, "another digest key (rotated)"
    assert cache.get("c1", DataArea.OTHER, b'{"a":1}', key) is None, "another area"
    assert cache.get("c2", DataArea.CV, b'{"a":1}', key) is None, "another case"


def test_the_cache_is_bounded_by_size():
    cache = LiveAnswerCache(max_bytes=450)
    for i in range(10):
        cache.put(f"c{i}", DataArea.CV, b"x" * 50, KnownAnswer(WireModel(), {}, "d", None, b"{}"))
    assert len(cache) == 2, "200 bytes counted per entry: two fit"
    cache.put("big", DataArea.CV, b"x" * 200, KnownAnswer(WireModel(), {}, "d", None, b"{}"))
    assert not cache.holds("big", DataArea.CV)


async def test_a_live_reads_body_is_byte_for_byte_what_pydantic_writes_for_its_response(app, client, auth, persona):
    """The answer's JSON, dumped once, is put into the response as its ``data``: the same bytes as the whole response
    dumped at once."""
    case = await create_case(client, auth, persona("complete-adult"), TODAY + days(10))
    for area in ("cv", "attachments"):
        for _ in range(2):  # a miss, then a hit
            response = await client.get(f"/v1/contact-groups/{case['id']}/data-areas/{area}", headers=auth("101"))
            assert response.status_code == 200, response.text
            model = AreaResponse[AREA_RESPONSE_MODELS[DataArea(area)]]  # type: ignore[misc]
            assert model.model_validate_json(response.content).model_dump_json(by_alias=True).encode() == (
                response.content
            )
