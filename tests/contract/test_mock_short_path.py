"""Issue 14: the mock's upstream routes take a short path for the ordinary call (``mock.upstream_route``), serve
answers built once per persona (``MockState.answer``) and skip Starlette's CORS header work for requests without an
``Origin``. Each must answer exactly as FastAPI's whole way does, in strict and relaxed contract mode, and a
persona's answers must follow its changes."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi.routing import APIRoute

from dfdg_broker.mock.app import _vary_origin, cpr_register, jobnet, letasyl
from dfdg_broker.mock.state import MockState
from dfdg_broker.mock.upstream_route import ShortPath, UpstreamRoute
from tests.contract.test_mock_upstream import by_key, lookup

SHORT = {"content-type": "application/json", "x-correlation-id": "short-path-0001"}
WHOLE = {"content-type": "application/json; charset=utf-8", "x-correlation-id": "short-path-0001"}
"""The same JSON body, but a Content-Type the short path leaves to FastAPI: its answer is the reference."""

NOT_A_CPR = "3113901234"


def _calls(state: MockState) -> list[tuple[str, str, Any]]:
    adult = by_key(state, "complete-adult")
    newcomer = by_key(state, "no-jobnet-profile-minimal")
    attachment = next(p for p in state.personas.values() if p.attachments)
    good = lookup(adult)
    calls: list[tuple[str, str, Any]] = [
        ("POST", f"/letasyl/v1/{path}", body)
        for path in (
            "person-lookups",
            *(f"data-areas/{a}" for a in ("cv", "integration-contract", "other", "attachments")),
        )
        for body in (
            good,
            lookup(attachment),
            lookup(adult, "999"),  # known CPR, other municipality: 404
            good | {"extra": 1},  # strict: 400 unknown_fields; relaxed: dropped
            good | {"cpr": NOT_A_CPR},  # strict: 400 cpr_malformed; relaxed: 404
            {"cpr": adult.cpr},  # missing field: 400 / 422
            {"cpr": 12, "receiving_municipality": "101"},  # wrong type: 400 / 422
            [good],  # not an object
            None,  # JSON null
        )
    ]
    calls += [
        ("GET", f"/letasyl/v1/persons/{attachment.person.person_id}/attachments/{a.attachment_id}", None)
        for a in attachment.attachments
    ]
    calls.append(("GET", f"/letasyl/v1/persons/{attachment.person.person_id}/attachments/no-such", None))
    calls += [("POST", "/jobnet/v1/profile-lookups", {"cpr": p.cpr}) for p in (adult, newcomer)]
    calls += [("POST", "/cpr/v1/person-lookups", body) for body in ({"cpr": adult.cpr}, {"cpr": "0101011234"})]
    return calls


def _seen(response: httpx.Response) -> tuple[int, list[tuple[str, str]], bytes]:
    return response.status_code, response.headers.multi_items(), response.content


@pytest.mark.parametrize("strict", [True, False])
async def test_the_short_path_answers_as_fastapi_does(mock_client, mock_state, strict) -> None:
    await mock_client.put("/admin/contract-mode", json={"strict": strict})
    for method, path, body in _calls(mock_state):
        content = b"" if body is None and method == "GET" else httpx.Request("POST", "/", json=body).content
        short = await mock_client.request(method, path, content=content, headers=SHORT)
        whole = await mock_client.request(method, path, content=content, headers=WHOLE)
        assert _seen(short) == _seen(whole), (method, path, body)
    # Creating a Jobnet profile changes the state: two new citizens, one per way, then each again (409).
    first, second = [p for p in mock_state.personas.values() if p.cpr not in mock_state.jobnet_profiles][:2]
    for persona, headers in ((first, SHORT), (second, WHOLE)):
        body = {"cpr": persona.cpr, "first_name": "Hamid", "last_name": "Yusuf"}
        created = await mock_client.post("/jobnet/v1/profiles", json=body, headers=headers)
        assert created.status_code == 201 and created.json() == {"cv_number": mock_state.jobnet_profiles[persona.cpr]}
        again = await mock_client.post("/jobnet/v1/profiles", json=body, headers=headers)
        assert again.status_code == 409


async def test_both_ways_are_journaled_alike(mock_client, mock_state) -> None:
    adult = by_key(mock_state, "complete-adult")
    for headers in (SHORT, WHOLE):
        assert (await mock_client.post("/letasyl/v1/data-areas/cv", json=lookup(adult), headers=headers)).is_success
    short, whole = (await mock_client.get("/admin/journal?operation=letasyl.area.cv")).json()
    for entry in (short, whole):
        del entry["seq"], entry["at"]
    assert short == whole and short["person_id"] == adult.person.person_id


def test_the_routes_the_broker_calls_take_the_short_path(mock_app) -> None:
    """A dependency or parameter added to one of them would silently send it the whole way again."""
    names = {r.name for router in (letasyl, jobnet, cpr_register) for r in router.routes}
    routes = [r for r in mock_app.routes if isinstance(r, APIRoute) and r.name in names]
    assert len(routes) == len(names) and all(isinstance(r, UpstreamRoute) for r in routes)
    assert {r.name for r in routes if not isinstance(r.app, ShortPath)} == set()


async def test_an_area_answers_the_persona_as_it_is_now(mock_client, mock_state) -> None:
    adult = by_key(mock_state, "complete-adult")
    pid = adult.person.person_id

    async def profile() -> str:
        response = await mock_client.post("/letasyl/v1/data-areas/cv", json=lookup(adult), headers=SHORT)
        return str(response.json()["professional_profile"])

    original = await profile()
    changed = adult.cv.model_dump(mode="json") | {"professional_profile": "changed through the admin API"}
    assert (await mock_client.put(f"/admin/personas/{pid}/data-areas/cv", json=changed)).status_code == 200
    assert await profile() == "changed through the admin API"

    mock_state.put_persona(
        mock_state.personas[pid].model_copy(
            update={"cv": adult.cv.model_copy(update={"professional_profile": "changed in the state"})}
        )
    )
    assert await profile() == "changed in the state"

    assert (await mock_client.post("/admin/reset")).status_code == 204
    assert await profile() == original


async def test_cors_headers_are_starlettes(mock_app) -> None:
    """Without an ``Origin``: ``Vary: Origin`` only (joined into a Vary the answer has); with one, Starlette's."""
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=mock_app), base_url="http://mock.test") as mock:
        plain = await mock.get("/idp/jwks")
        assert plain.headers.get_list("vary") == ["Origin"] and "access-control-allow-origin" not in plain.headers
        browser = await mock.get("/idp/jwks", headers={"Origin": "http://broker.test"})
        assert browser.headers["access-control-allow-origin"] == "*" and browser.headers["vary"] == "Origin"
        preflight = await mock.options(
            "/idp/token", headers={"Origin": "http://broker.test", "Access-Control-Request-Method": "POST"}
        )
        assert preflight.status_code == 200 and preflight.headers["access-control-allow-origin"] == "*"


def test_vary_is_joined_as_starlette_joins_it() -> None:
    message: dict[str, Any] = {
        "type": "http.response.start",
        "headers": [(b"vary", b"Accept"), (b"content-type", b"text/plain"), (b"vary", b"Cookie")],
    }
    _vary_origin(message)
    assert message["headers"] == [(b"vary", b"Accept, Cookie, Origin"), (b"content-type", b"text/plain")]
