"""The create run past FastAPI's solver (cases.direct_create, issue 14) answers, stores and logs what FastAPI's own
handler does: every request it does not take on is FastAPI's, and the body it parses from the bytes is the body
FastAPI would have validated."""

from __future__ import annotations

import json
from typing import Any

import pytest
from fastapi.routing import APIRoute
from pydantic import TypeAdapter, ValidationError

from dfdg_broker.cases.direct_create import _DirectCreate
from dfdg_broker.cases.schemas import ContactGroupCreate
from tests.conftest import TODAY
from tests.helpers import access_log_rows, create_body, days

HANDOVER = TODAY + days(10)
BASE = {"cpr": "0101010101", "receiving_municipality": "101", "contact_group": 27, "handover_date": "2026-12-01"}
ODD_VALUES: list[Any] = [
    *("27", 27, 27.0, 27.5, 2.7e1, -0.0, 1.5e300, True, False, None, [], {}, "abc", "２７", "027", "1e1", 17, "17"),
    *("2026-12-01", "2026-12-01T00:00:00", "2026-12-01T00:00:00Z", "20261201", "2026-12-1", 1796083200, 1796083200.0),
    *("1796083200", "0101010101", "010101-0101", 101, "101", " 101", "101\n", "Infinity"),
]
FIELDS = [
    "cpr",
    "receiving_municipality",
    "jobcenter_municipality",
    "contact_group",
    "handover_date",
    "early_takeover_cv",
    "cv_update_deadline",
    "special_procedure_ref",
]
ODD_DOCUMENTS = [
    b'{"cpr":"0101010101","receiving_municipality":"101","contact_group":27,"handover_date":"2026-12-01","cpr":"1"}',
    b'{"cpr":"0101010101","receiving_municipality":"101","contact_group":NaN,"handover_date":"2026-12-01"}',
    b'{"cpr":"0101010101","receiving_municipality":"101","contact_group":27,"handover_date":"2026-12-01"} x',
    b'{"cpr":"0101010101","receiving_municipality":"101","contact_group":27,"handover_date":"2026-12-01"}\n \t',
    b'\xef\xbb\xbf{"cpr":"0101010101","receiving_municipality":"101","contact_group":27,"handover_date":"2026-12-01"}',
    b'{"cpr":"0101010101\x01","receiving_municipality":"101","contact_group":27,"handover_date":"2026-12-01"}',
    b'{"cpr":"010101010\xff","receiving_municipality":"101","contact_group":27,"handover_date":"2026-12-01"}',
    b'{"cpr":"010101010\\u00e9","receiving_municipality":"101","contact_group":27,"handover_date":"2026-12-01"}',
    b'{"cpr":"0101010101","receiving_municipality":"101","contact_group":270e-1,"handover_date":"2026-12-01"}',
    b'{"cpr":"0101010101","receiving_municipality":"101","contact_group":27,"handover_date":"2026-12-01"',
    b"",
    b"[]",
    b"null",
]


def _fastapis(raw: bytes) -> ContactGroupCreate | None:
    """What FastAPI makes of a JSON body: ``json.loads``, then the model validated from the Python objects."""
    try:
        return TypeAdapter(ContactGroupCreate).validate_python(json.loads(raw), from_attributes=True)
    except (ValueError, ValidationError):  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        return None


def _direct(raw: bytes) -> ContactGroupCreate | None:
    try:
        return ContactGroupCreate.model_validate_json(raw)
    except ValidationError:
        return None


def _documents() -> list[bytes]:
    odd = []
    for field in FIELDS:
        for value in ODD_VALUES:
            odd.append(json.dumps(BASE | {field: value}).encode())
    return odd + ODD_DOCUMENTS


@pytest.mark.parametrize("raw", _documents())
def test_a_body_parsed_from_the_bytes_is_one_fastapi_accepts_with_the_same_values(raw):
    """What the direct path refuses goes to FastAPI (its 422); what it accepts, FastAPI accepts as the same model."""
    direct = _direct(raw)
    if direct is not None:
        fastapi = _fastapis(raw)
        assert fastapi is not None, raw
        assert direct.model_dump() == fastapi.model_dump()
        assert [type(v) for v in direct.model_dump().values()] == [type(v) for v in fastapi.model_dump().values()]


def test_the_direct_and_fastapis_parse_agree_on_the_odd_documents_often_enough_to_matter():
    """The comparison above must see both outcomes (else it checks nothing)."""
    outcomes = {(_direct(raw) is None, _fastapis(raw) is None) for raw in _documents()}
    assert {(False, False), (True, True), (True, False)} <= outcomes


def _direct_create(app) -> _DirectCreate:
    (route,) = [r for r in app.routes if isinstance(r, APIRoute) and r.name == "create_contact_group"]
    direct = getattr(route.app, "__self__", None)
    assert isinstance(direct, _DirectCreate)
    return direct


async def _both(app, client, monkeypatch, *, fastapis: dict[str, Any] | None = None, **request: Any) -> Any:
    """The request answered by the create route, then (``fastapis``: another request, else the same) by FastAPI's own
    handler: a dependency override, of something the create does not use, hands every create to it. Returns the two
    answers and, for each, whether FastAPI's handler answered it (the direct path hands it what it does not take on)."""
    direct_create = _direct_create(app)
    handed: list[int] = []
    fastapi_app = direct_create.fastapi_app

    async def counted(scope: Any, receive: Any, send: Any) -> None:
        handed.append(1)
        await fastapi_app(scope, receive, send)

    monkeypatch.setattr(direct_create, "fastapi_app", counted)
    direct = await client.post("/v1/contact-groups", **request)
    direct_handed = bool(handed)

    def _unused() -> None: ...

    app.dependency_overrides[_unused] = _unused
    try:
        fastapi = await client.post("/v1/contact-groups", **(fastapis or request))
    finally:
        app.dependency_overrides.clear()
    assert len(handed) == direct_handed + 1, "the overridden request was FastAPI's"
    return direct, fastapi, direct_handed


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"", "application/json"),
        (b"[]", "application/json"),
        (b"null", "application/json"),
        (b'{"cpr": 1}', "application/json"),
        (b'{"cpr": "0101010101", "contact_group": 99, "extra": 1}', "application/json"),
        (json.dumps(BASE | {"handover_date": "soon"}).encode(), "application/json"),
        (json.dumps(BASE | {"receiving_municipality": "10"}).encode(), "application/json"),
        (b"\xef\xbb\xbf" + json.dumps(BASE).encode(), "application/json"),
        (b"cpr=1204882211", "text/plain"),
    ],
)
async def test_a_bad_body_gets_fastapis_answer(app, client, auth, monkeypatch, content, content_type):
    headers = auth("101") | {"Content-Type": content_type, "X-Correlation-ID": "direct-create-0001"}
    direct, fastapi, handed = await _both(app, client, monkeypatch, content=content, headers=headers)
    assert handed, "a body the direct path does not take on is FastAPI's"
    assert direct.status_code == fastapi.status_code == 422
    assert direct.content == fastapi.content
    assert direct.headers.raw == fastapi.headers.raw


@pytest.mark.parametrize(
    ("token", "headers", "fastapis_own"),
    [
        (False, {}, False),  # no token: 401
        (False, {"Authorization": "Bearer not-a-token"}, False),
        (True, {"X-Purpose": "x" * 1000}, True),  # longer than the header's maximum: FastAPI's own 422
        (True, {"X-Purpose": "line\u0001break"}, False),  # 422 purpose_invalid, checked by the access record
    ],
)
async def test_a_refused_caller_or_purpose_gets_the_same_answer(
    app, client, auth, persona, monkeypatch, token, headers, fastapis_own
):
    p = persona("complete-adult")
    sent = (auth("101") if token else {}) | headers | {"X-Correlation-ID": "direct-create-0002"}
    direct, fastapi, handed = await _both(app, client, monkeypatch, json=create_body(p, HANDOVER), headers=sent)
    assert handed is fastapis_own
    assert direct.status_code == fastapi.status_code
    assert direct.status_code in {401, 422}
    assert direct.content == fastapi.content
    assert direct.headers.raw == fastapi.headers.raw


def _without_the_case(answer: Any) -> tuple[Any, list[bytes]]:
    """The answer's JSON with the values that name the case or the person blanked, and its header names in order
    (their values name the case too)."""
    body = answer.json()
    return {key: (type(value).__name__, key) for key, value in body.items()}, [name for name, _ in answer.headers.raw]


async def test_a_create_answers_and_logs_as_fastapis_does(app, client, auth, persona, monkeypatch, database_url):
    """Two adults, one created by the direct path and one by FastAPI's handler: the same status, the same fields of
    the same types, the same headers in the same order and the same access-log row."""
    first, second = persona("complete-adult"), persona("foreign-phone")
    direct, fastapi, handed = await _both(
        app,
        client,
        monkeypatch,
        json=create_body(first, HANDOVER),
        headers=auth(first.person.receiving_municipality),
        fastapis={"json": create_body(second, HANDOVER), "headers": auth(second.person.receiving_municipality)},
    )
    assert not handed, "the direct path created the first case itself"
    assert direct.status_code == fastapi.status_code == 201, (direct.text, fastapi.text)
    assert _without_the_case(direct) == _without_the_case(fastapi)
    for answer in (direct, fastapi):
        assert answer.headers["location"] == f"/v1/contact-groups/{answer.json()['id']}"
        assert answer.headers["etag"]
    logged = {
        r.case_id: (r.operation, r.outcome, r.status, r.purpose)
        for r in await access_log_rows(database_url)
        if r.case_id in (direct.json()["id"], fastapi.json()["id"])
    }
    assert (
        logged[direct.json()["id"]] == logged[fastapi.json()["id"]] == ("create-case", "ok", 201, "scope cases:write")
    )
