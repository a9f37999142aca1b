"""Issue 12, mock item 4: strict contract mode (the default). The upstream routes refuse unknown fields, malformed
CPR numbers and schema breaks with a 400 problem, as a real service would; a setting and an admin switch relax it.
And every answer of the mock matches its own OpenAPI document, for every operation it has."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from dfdg_broker.mock.app import create_mock_app
from dfdg_broker.mock.state import MockState
from dfdg_broker.settings import Settings
from tests.contract.mock_openapi import ResponseCheck, operations
from tests.contract.test_mock_upstream import assert_problem, by_key, lookup, new_persona

NOT_A_CPR = "3113901234"  # ten digits, but no 31 November: malformed
CPR_ROUTES = [
    "/letasyl/v1/person-lookups",
    "/letasyl/v1/data-areas/cv",
    "/jobnet/v1/profile-lookups",
    "/jobnet/v1/profiles",
    "/cpr/v1/person-lookups",
]


def _body(path: str, persona: Any, **changes: Any) -> dict[str, Any]:
    if path.startswith("/letasyl"):
        body: dict[str, Any] = lookup(persona)
    elif path == "/jobnet/v1/profiles":
        body = {"cpr": persona.cpr, "first_name": "Hamid", "last_name": "Yusuf"}
    else:
        body = {"cpr": persona.cpr}
    return body | changes


@pytest.mark.parametrize("path", CPR_ROUTES)
async def test_a_malformed_cpr_number_is_a_400_problem_that_does_not_echo_it(mock_client, mock_state, path) -> None:
    response = await mock_client.post(path, json=_body(path, by_key(mock_state, "complete-adult"), cpr=NOT_A_CPR))
    body = assert_problem(response, 400, "cpr_malformed")
    assert body["field"] == "body.cpr" and NOT_A_CPR not in response.text


@pytest.mark.parametrize("path", CPR_ROUTES)
async def test_an_unknown_field_is_a_400_problem_naming_it(mock_client, mock_state, path) -> None:
    persona = by_key(mock_state, "no-jobnet-profile-minimal")
    response = await mock_client.post(path, json=_body(path, persona, municipality_code="101"))
    body = assert_problem(response, 400, "unknown_fields")
    assert body["field"] == "body.municipality_code"


async def test_a_nested_unknown_field_and_a_schema_break_are_400_problems(mock_client, mock_state) -> None:
    adult = by_key(mock_state, "complete-adult")
    cv = {"cv": {"hobbies": ["chess"]}, "submitted_by_municipality": "101"}
    response = await mock_client.put(f"/jobnet/v1/cvs/{adult.jobnet_cv_number}", json=cv)
    assert assert_problem(response, 400)["field"] == "body.cv.hobbies"  # the CV schema itself forbids extras

    request = {"person_id": adult.person.person_id, "areas": ["cv"], "requesting_municipality": "101"}
    body = assert_problem(await mock_client.post("/letasyl/v1/pdf-requests", json=request), 400, "request_invalid")
    assert body["field"] == "body.areas.0" and body["invalid_params"][0]["field"] == "body.areas.0"
    assert (await mock_client.post("/letasyl/v1/person-lookups", content=b"{not json")).status_code == 400
    assert mock_state.pdf_requests == {}


async def test_a_cpr_number_without_modulus_11_is_a_cpr_number(mock_client, mock_state) -> None:
    persona = by_key(mock_state, "cpr-1-january-no-modulus-11")
    response = await mock_client.post("/letasyl/v1/person-lookups", json=lookup(persona))
    assert response.status_code == 200


async def test_the_admin_switch_relaxes_the_contract_until_reset(mock_client, mock_state) -> None:
    adult = by_key(mock_state, "complete-adult")
    assert (await mock_client.get("/admin/contract-mode")).json() == {"strict": True}

    relaxed = await mock_client.put("/admin/contract-mode", json={"strict": False})
    assert relaxed.json() == {"strict": False}

    tolerated = await mock_client.post("/letasyl/v1/person-lookups", json=lookup(adult) | {"extra": 1})
    assert tolerated.status_code == 200, "an unknown field is dropped"
    unknown = await mock_client.post("/cpr/v1/person-lookups", json={"cpr": NOT_A_CPR})
    assert_problem(unknown, 404)
    assert_problem(await mock_client.post("/cpr/v1/person-lookups", json={"cpr": "12"}), 422, "request_invalid")

    assert (await mock_client.post("/admin/reset")).status_code == 204
    assert (await mock_client.get("/admin/contract-mode")).json() == {"strict": True}
    refused = await mock_client.post("/letasyl/v1/person-lookups", json=lookup(adult) | {"extra": 1})
    assert_problem(refused, 400, "unknown_fields")


async def test_the_setting_relaxes_the_contract_from_the_start() -> None:
    app = create_mock_app(settings=Settings(_env_file=None, environment="test", mock_strict_contract=False))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock.test") as mock:
        assert (await mock.get("/admin/contract-mode")).json() == {"strict": False}
        assert (await mock.post("/admin/reset")).status_code == 204
        assert (await mock.get("/admin/contract-mode")).json() == {"strict": False}, "reset: the configured mode"


async def test_the_admin_switch_refuses_a_body_that_is_not_a_mode(mock_client) -> None:
    assert_problem(await mock_client.put("/admin/contract-mode", json={"strict": "yes please"}), 422)
    assert_problem(await mock_client.put("/admin/contract-mode", json={"strict": True, "loose": 1}), 422)


# ---------------------------------------------------------------- every operation answers as its OpenAPI says


async def test_every_mock_operation_answers_what_the_mock_openapi_says(
    mock_client: httpx.AsyncClient, mock_responses: ResponseCheck, mock_state: MockState
) -> None:
    """One call of every operation in openapi/mock-upstream.json, each answer checked (the conftest's client);
    a new route fails this test until it is called here."""
    m = mock_client
    adult = by_key(mock_state, "complete-adult")
    parent = by_key(mock_state, "parent-with-linked-children")
    newcomer = by_key(mock_state, "no-jobnet-profile-minimal")
    pid = adult.person.person_id
    attachment = next(p for p in mock_state.personas.values() if p.attachments)

    assert (await m.get("/healthz")).status_code == 200
    for path in (
        "person-lookups",
        *(f"data-areas/{a}" for a in ("cv", "integration-contract", "other", "attachments")),
    ):
        assert (await m.post(f"/letasyl/v1/{path}", json=lookup(attachment))).status_code == 200
    first = attachment.attachments[0].attachment_id
    download = f"/letasyl/v1/persons/{attachment.person.person_id}/attachments/{first}"
    assert (await m.get(download)).status_code == 200
    pdf = {
        "person_id": attachment.person.person_id,
        "areas": ["other", "attachments"],
        "requesting_municipality": "101",
    }
    request_id = (await m.post("/letasyl/v1/pdf-requests", json=pdf)).json()["request_id"]
    assert (await m.get("/admin/pdf-requests")).status_code == 200
    delivery = await m.post(f"/admin/pdf-requests/{request_id}/deliveries", json={"delivered_on": "2026-11-30"})
    assert delivery.status_code == 200
    assert (await m.get(f"/letasyl/v1/pdf-requests/{request_id}")).status_code == 200
    assert (await m.get(f"/letasyl/v1/pdf-requests/{request_id}/document")).status_code == 200
    assert (await m.get(f"/letasyl/v1/pdf-requests/{request_id}/attachments/{first}")).status_code == 200

    assert (await m.post("/jobnet/v1/profile-lookups", json={"cpr": adult.cpr})).status_code == 200
    created = await m.post("/jobnet/v1/profiles", json={"cpr": newcomer.cpr, "first_name": "H", "last_name": "Y"})
    cv_number = created.json()["cv_number"]
    cv = {"cv": {}, "submitted_by_municipality": "101", "submission_key": "k-1"}
    assert (await m.put(f"/jobnet/v1/cvs/{cv_number}", json=cv)).status_code == 200
    assert (await m.get(f"/jobnet/v1/cvs/{cv_number}")).status_code == 200
    assert (await m.get("/admin/jobnet/cvs")).status_code == 200
    assert (await m.get(f"/admin/jobnet/cvs/{cv_number}")).status_code == 200
    assert (await m.get("/admin/jobnet/profiles")).status_code == 200
    assert (await m.post("/cpr/v1/person-lookups", json={"cpr": adult.cpr})).status_code == 200

    assert (await m.get("/admin/personas")).status_code == 200
    assert (await m.get(f"/admin/personas/{pid}")).status_code == 200
    assert (await m.put("/admin/personas/79999903", json=new_persona(mock_state, "79999903", "0707900123"))).is_success
    for area, body in (("cv", {}), ("integration-contract", {}), ("other", {}), ("attachments", [])):
        assert (await m.put(f"/admin/personas/{pid}/data-areas/{area}", json=body)).status_code == 200
    children = [c.model_dump(mode="json") for c in parent.other.linked_children]
    link = f"/admin/personas/{parent.person.person_id}/children-link"
    assert (await m.put(link, json={"children": children})).status_code == 200
    assert (await m.delete(link)).status_code == 200

    assert (await m.get("/admin/journal?limit=5")).status_code == 200
    assert (await m.get("/admin/journal/count?system=letasyl")).status_code == 200
    assert (await m.delete("/admin/journal")).status_code == 204

    fault = await m.post("/admin/faults", json={"system": "cpr", "kind": "status", "status": 503, "times": 1})
    assert (await m.get("/admin/faults")).status_code == 200
    assert (await m.delete(f"/admin/faults/{fault.json()['id']}")).status_code == 204
    assert (await m.delete("/admin/faults")).status_code == 204
    assert (await m.get("/admin/contract-mode")).status_code == 200
    assert (await m.put("/admin/contract-mode", json={"strict": True})).status_code == 200

    assert (await m.get("/admin/clock")).status_code == 200
    assert (await m.put("/admin/clock", json={"today": "2027-03-01"})).status_code == 200
    assert (await m.post("/admin/clock/moves", json={"days": 1})).status_code == 200
    assert (await m.delete("/admin/clock")).status_code == 200
    assert (await m.get("/idp/.well-known/openid-configuration")).status_code == 200
    assert (await m.get("/idp/jwks")).status_code == 200
    form = {"grant_type": "client_credentials", "client_id": "kommune-101", "client_secret": "mock-client-secret"}
    assert (await m.post("/idp/token", data=form)).status_code == 200
    assert (await m.post("/admin/reset?keep=added")).status_code == 204

    assert mock_responses.violations == []
    assert operations() - mock_responses.checked == set(), "operations not called here (add them)"
