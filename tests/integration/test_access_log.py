"""The access log (issue 11): every read or change of a case's personal data leaves one row, committed before
anything is sent; if the row cannot be written, the request fails and nothing is sent or changed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select, text

from dfdg_broker.db.models import CaseConversationRow
from dfdg_broker.db.session import create_engine
from dfdg_broker.errors import Unauthenticated
from tests.conftest import TODAY
from tests.helpers import access_log_rows, create_body, create_case, days


async def _ddl(database_url: str, statement: str) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def _case(client, auth, persona) -> dict:
    return await create_case(client, auth, persona("complete-adult"), TODAY + days(10))


async def test_a_case_read_writes_one_row_naming_who_what_why(client, auth, persona, database_url):
    case = await _case(client, auth, persona)
    before = len(await access_log_rows(database_url))
    response = await client.get(
        f"/v1/contact-groups/{case['id']}",
        headers=auth("101") | {"X-Purpose": "Opfølgning § 5".encode(), "X-Correlation-ID": "corr-0001"},
    )
    assert response.status_code == 200
    rows = await access_log_rows(database_url)
    assert len(rows) == before + 1
    row = rows[-1]
    assert (row.case_id, row.operation, row.outcome, row.status) == (case["id"], "read-case", "ok", 200)
    assert (row.municipality, row.subject) == ("101", "test")
    assert row.client_id and row.purpose == "Opfølgning § 5"
    assert row.correlation_id == "corr-0001"


async def test_a_read_whose_row_cannot_be_written_fails_and_sends_nothing(
    client, auth, persona, clock, database_url, access_log_broken_later
):
    case = await _case(client, auth, persona)
    clock.set(TODAY + days(11))  # DA1 frozen: the cached hot path is covered too
    cv = f"/v1/contact-groups/{case['id']}/data-areas/cv"
    assert (await client.get(cv, headers=auth("101"))).status_code == 200
    async with access_log_broken_later():
        for path in (f"/v1/contact-groups/{case['id']}", cv, cv):
            response = await client.get(path, headers=auth("101"))
            assert response.status_code == 503, path
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["code"] == "access_log_unavailable"
            assert "handover_date" not in response.text and "provenance" not in response.text
    assert (await client.get(cv, headers=auth("101"))).status_code == 200, "the log back, reads work again"


async def test_a_change_whose_row_cannot_be_written_is_rolled_back(
    client, auth, persona, database_url, access_log_broken_later
):
    case = await _case(client, auth, persona)
    async with access_log_broken_later():
        response = await client.post(
            f"/v1/contact-groups/{case['id']}/conversations",
            json={"held_on": TODAY.isoformat(), "kind": "visitation"},
            headers=auth("101"),
        )
        assert response.status_code == 503, response.text
        assert response.json()["code"] == "access_log_unavailable"
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            held = await connection.scalar(select(func.count()).select_from(CaseConversationRow))
    finally:
        await engine.dispose()
    assert held == 0, "the conversation was stored without its access-log row"


async def test_concurrent_reads_share_a_commit_and_each_has_its_row(app, client, auth, persona, database_url):
    from dfdg_broker.audit.dependencies import ACCESS_LOG_WRITER

    case = await _case(client, auth, persona)
    writer = ACCESS_LOG_WRITER.get(app)
    before_rows, before_batches = len(await access_log_rows(database_url)), writer.batches
    responses = await asyncio.gather(
        *(client.get(f"/v1/contact-groups/{case['id']}", headers=auth("101")) for _ in range(12))
    )
    assert all(r.status_code == 200 for r in responses)
    assert len(await access_log_rows(database_url)) == before_rows + 12
    assert writer.batches - before_batches < 12, "some rows were committed together"


async def _replayed_create(client, auth, persona, key: str, purpose: str) -> tuple[dict, object]:
    body = create_body(persona("complete-adult"), TODAY + days(10))
    headers = auth("101") | {"Idempotency-Key": key, "X-Purpose": purpose}
    first = await client.post("/v1/contact-groups", json=body, headers=headers)
    assert first.status_code == 201, first.text
    return first.json(), lambda: client.post("/v1/contact-groups", json=body, headers=headers)


async def test_a_replayed_answer_is_logged_as_a_replay_of_its_change(client, auth, persona):
    """A replay sends the stored answer again (a create's holds the person's data): it is a disclosure, so it has
    its row, naming the change it replays."""
    case, again = await _replayed_create(client, auth, persona, '"replay-logged"', "Oprettelse efter timeout")
    replay = await again()
    assert (replay.status_code, replay.headers["idempotent-replayed"]) == (201, "true")
    page = await _log(client, auth, case["id"])
    seen = [(i["operation"], i["detail"], i["outcome"], i["status"], i["purpose"]) for i in page["items"]]
    assert seen == [
        ("replay", "create-case", "ok", 201, "Oprettelse efter timeout"),
        ("create-case", None, "ok", 201, "Oprettelse efter timeout"),
    ]


async def test_a_replay_whose_row_cannot_be_written_sends_nothing(client, auth, persona, access_log_broken_later):
    case, again = await _replayed_create(client, auth, persona, '"replay-unlogged"', "Oprettelse")
    async with access_log_broken_later():
        refused = await again()
    assert refused.status_code == 503, refused.text
    assert refused.json()["code"] == "access_log_unavailable"
    assert case["id"] not in refused.text and "idempotent-replayed" not in refused.headers
    replay = await again()
    assert (replay.status_code, replay.json()["id"]) == (201, case["id"]), "the log back, the replay is sent"


async def test_a_replay_with_an_invalid_purpose_is_refused_and_not_sent(client, auth, persona):
    case, _ = await _replayed_create(client, auth, persona, '"replay-purpose"', "Oprettelse")
    body = create_body(persona("complete-adult"), TODAY + days(10))
    headers = auth("101") | {"Idempotency-Key": '"replay-purpose"', "X-Purpose": "x" * 201}
    refused = await client.post("/v1/contact-groups", json=body, headers=headers)
    assert (refused.status_code, refused.json()["code"]) == (422, "purpose_invalid")
    assert case["id"] not in refused.text


@pytest.fixture
def access_log_broken_later(database_url):
    """``async with access_log_broken_later():`` breaks the access log for the block only (after the set-up)."""
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def broken() -> AsyncIterator[None]:
        await _ddl(database_url, "ALTER TABLE access_log RENAME TO access_log_away")
        try:
            yield
        finally:
            await _ddl(database_url, "ALTER TABLE access_log_away RENAME TO access_log")

    return broken


async def _log(client, auth, case_id: str, municipality: str = "101", **params) -> dict:
    response = await client.get(f"/v1/contact-groups/{case_id}/access-log", params=params, headers=auth(municipality))
    assert response.status_code == 200, response.text
    return response.json()


async def test_the_access_log_lists_exactly_the_reads_made_newest_first(client, auth, persona):
    case = await _case(client, auth, persona)
    base = f"/v1/contact-groups/{case['id']}"
    assert (await client.get(base, headers=auth("101"))).status_code == 200
    assert (await client.get(f"{base}/data-areas/cv", headers=auth("101"))).status_code == 200
    assert (await client.get(f"{base}/history", headers=auth("101"))).status_code == 200
    assert (await client.get(base, headers=auth("751"))).status_code == 404  # a stranger tries

    page = await _log(client, auth, case["id"])
    seen = [(i["operation"], i["detail"], i["municipality"], i["outcome"], i["status"]) for i in page["items"]]
    assert seen == [
        ("read-case", None, "751", "denied", 404),
        ("read-history", None, "101", "ok", 200),
        ("read-area", "cv", "101", "ok", 200),
        ("read-case", None, "101", "ok", 200),
        ("create-case", None, "101", "ok", 201),
    ]
    assert page["order"] == "newest_first" and page["next_cursor"] is None
    assert {i["purpose"] for i in page["items"]} == {"scope cases:read", "scope cases:write"}
    again = await _log(client, auth, case["id"])
    assert [i["operation"] for i in again["items"][:2]] == ["read-access-log", "read-case"], "reading it is logged"


async def test_only_the_case_municipalities_may_read_its_access_log_and_others_learn_nothing(
    client, auth, persona, identity, settings
):
    case = await _case(client, auth, persona)
    stranger = await client.get(f"/v1/contact-groups/{case['id']}/access-log", headers=auth("751"))
    nobody = await client.get("/v1/contact-groups/cg_doesnotexist/access-log", headers=auth("751"))
    assert stranger.status_code == nobody.status_code == 404
    same = ("type", "title", "status", "code", "detail")
    assert {k: stranger.json().get(k) for k in same} == {k: nobody.json().get(k) for k in same}
    token = identity.issue(settings.oidc_issuer, "101", scopes=["cases:read", "cases:write"])
    no_scope = await client.get(
        f"/v1/contact-groups/{case['id']}/access-log", headers={"Authorization": f"Bearer {token}"}
    )
    assert (no_scope.status_code, no_scope.json()["code"]) == (403, "insufficient_scope")


async def test_the_access_log_pages_with_an_opaque_cursor(client, auth, persona):
    case = await _case(client, auth, persona)
    for _ in range(4):
        assert (await client.get(f"/v1/contact-groups/{case['id']}", headers=auth("101"))).status_code == 200
    full = await _log(client, auth, case["id"], limit=50)
    wanted = [(i["operation"], i["at"], i["correlation_id"]) for i in full["items"]]
    collected, cursor, pages = [], None, 0
    while True:
        page = await _log(client, auth, case["id"], limit=2, **({"cursor": cursor} if cursor else {}))
        collected += [(i["operation"], i["at"], i["correlation_id"]) for i in page["items"]]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
        assert case["id"] not in cursor and not cursor.isdigit()
    assert pages == 3
    # The reads of the log itself came after ``full`` (newest first, so they are at the front): the rest is equal.
    assert [c for c in collected if c[0] != "read-access-log"] == [w for w in wanted if w[0] != "read-access-log"]
    for bad in ("not-a-cursor", "YWwxOmFiYw", "MTIz"):
        response = await client.get(
            f"/v1/contact-groups/{case['id']}/access-log", params={"cursor": bad}, headers=auth("101")
        )
        assert (response.status_code, response.json()["code"]) == (422, "access_log_cursor_invalid"), bad


@pytest.mark.parametrize(
    "purpose",
    ["x" * 201, "tab\tinside", "bell\x07", "   "],
    ids=["too long", "tab", "control character", "blank"],
)
async def test_an_invalid_purpose_is_refused_and_nothing_is_read_or_logged(
    client, auth, persona, database_url, purpose
):
    case = await _case(client, auth, persona)
    before = len(await access_log_rows(database_url))
    response = await client.get(f"/v1/contact-groups/{case['id']}", headers=auth("101") | {"X-Purpose": purpose})
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "purpose_invalid"
    assert "handover_date" not in response.text
    assert len(await access_log_rows(database_url)) == before


@pytest.mark.parametrize("area", [None, "cv"], ids=["case read", "data-area read"])
async def test_a_purpose_past_the_headers_maximum_is_refused_as_before_and_nothing_is_logged(
    client, auth, persona, database_url, area
):
    """The reads that run past FastAPI's solver (audit.direct_reads) hand such a request to FastAPI's own handler:
    its validation error (422), whatever the token, as before."""
    case = await _case(client, auth, persona)
    before = len(await access_log_rows(database_url))
    path = f"/v1/contact-groups/{case['id']}" + (f"/data-areas/{area}" if area else "")
    for headers in (auth("101"), {}):
        response = await client.get(path, headers=headers | {"X-Purpose": "x" * 801})
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert "handover_date" not in response.text
    assert len(await access_log_rows(database_url)) == before


async def test_a_dependency_override_still_applies_to_the_reads_that_run_past_fastapis_solver(
    app, client, auth, persona, database_url
):
    case = await _case(client, auth, persona)
    read = next(r for r in app.routes if getattr(r, "name", "") == "get_contact_group")
    logged_read = read.dependant.dependencies[0].call

    async def refuse() -> None:
        raise Unauthenticated("overridden")

    app.dependency_overrides[logged_read] = refuse
    try:
        response = await client.get(f"/v1/contact-groups/{case['id']}", headers=auth("101"))
    finally:
        app.dependency_overrides.clear()
    assert response.status_code == 401 and "overridden" in response.text


async def test_a_purpose_of_200_characters_is_kept_as_sent(client, auth, persona, database_url):
    case = await _case(client, auth, persona)
    purpose = "Opf" + "ø" * 196 + "!"
    response = await client.get(
        f"/v1/contact-groups/{case['id']}", headers=auth("101") | {"X-Purpose": purpose.encode()}
    )
    assert response.status_code == 200
    assert (await access_log_rows(database_url))[-1].purpose == purpose


async def test_a_search_by_cpr_logs_one_row_per_case_found_and_never_the_cpr(client, auth, persona, database_url):
    p = persona("complete-adult")
    case = await create_case(client, auth, p, TODAY + days(10))
    before = len(await access_log_rows(database_url))
    response = await client.post("/v1/contact-groups/search", json={"cpr": p.cpr}, headers=auth("101"))
    assert response.status_code == 200 and len(response.json()) == 1
    rows = (await access_log_rows(database_url))[before:]
    assert [(r.case_id, r.operation) for r in rows] == [(case["id"], "search-cpr")]
    nothing = await client.post("/v1/contact-groups/search", json={"cpr": p.cpr}, headers=auth("751"))
    assert nothing.json() == [] and len(await access_log_rows(database_url)) == before + 1, "no case found: no row"
    for row in await access_log_rows(database_url):
        assert p.cpr not in " ".join(str(v) for v in row)


async def test_the_worklist_logs_one_row_per_case_listed(client, auth, persona, database_url):
    case = await _case(client, auth, persona)
    before = len(await access_log_rows(database_url))
    response = await client.get("/v1/contact-groups", headers=auth("101"))
    assert response.status_code == 200 and [i["id"] for i in response.json()["items"]] == [case["id"]]
    rows = (await access_log_rows(database_url))[before:]
    assert [(r.case_id, r.operation, r.outcome) for r in rows] == [(case["id"], "list-worklist", "ok")]
    assert (await client.get("/v1/contact-groups", headers=auth("751"))).json()["items"] == []
    assert len(await access_log_rows(database_url)) == before + 1, "an empty page names no case: no row"


async def test_a_refused_change_is_logged_as_denied_and_changes_nothing(client, auth, persona, database_url):
    case = await _case(client, auth, persona)
    response = await client.post(
        f"/v1/contact-groups/{case['id']}/conversations",
        json={"held_on": TODAY.isoformat(), "kind": "visitation"},
        headers=auth("751"),
    )
    assert response.status_code == 404
    row = (await access_log_rows(database_url))[-1]
    assert (row.case_id, row.operation, row.municipality, row.outcome, row.status) == (
        case["id"],
        "record-conversation",
        "751",
        "denied",
        404,
    )
    assert row.purpose == "scope cases:write"


async def test_an_erasure_is_logged_in_its_own_transaction_and_the_rows_outlive_the_case(
    client, auth, persona, database_url
):
    case = await _case(client, auth, persona)
    assert (await client.get(f"/v1/contact-groups/{case['id']}", headers=auth("101"))).status_code == 200
    assert (await client.delete(f"/v1/contact-groups/{case['id']}", headers=auth("101"))).status_code == 204
    rows = [r for r in await access_log_rows(database_url) if r.case_id == case["id"]]
    assert [(r.operation, r.outcome, r.status) for r in rows] == [
        ("create-case", "ok", 201),
        ("read-case", "ok", 200),
        ("erase-case", "ok", 204),
    ]
    gone = await client.get(f"/v1/contact-groups/{case['id']}/access-log", headers=auth("101"))
    assert gone.status_code == 404, "the API serves the log of existing cases; the export has the erased ones"
