"""The HTTP surface as a vendor meets it: bearer tokens, problem details, correlation IDs, and no CPR number in
any response, log line or URL."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import jwt
import pytest

from dfdg_broker.cli import openapi_documents
from tests.conftest import TODAY
from tests.helpers import create_body, create_case, days


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Basic dXNlcjpwYXNz",
        "Bearer",
        "Bearer not-a-jwt",
        "Bearer " + jwt.encode({"municipality": "101"}, key="", algorithm="none"),
    ],
)
async def test_requests_without_a_valid_bearer_token_are_401(client, header):
    headers = {"Authorization": header} if header else {}
    response = await client.get("/v1/contact-groups/cg_any", headers=headers)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["code"] == "unauthenticated"


def _operations(*, case_scoped: bool) -> list[tuple[str, str]]:
    paths = openapi_documents()["broker.json"]["paths"]
    return [
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith("/v1/") and ("{case_id}" in path) == case_scoped
        for method in operations
    ]


_BODIES: dict[tuple[str, str], Any] = {
    # valid bodies, so that the case look-up (C2) is what answers, not the body's validation
    ("POST", "/v1/contact-groups/{case_id}/pdf-requests"): {"person_id": "70000000", "areas": ["other"]},
    ("PUT", "/v1/contact-groups/{case_id}/jobnet-cv"): {},
    ("PATCH", "/v1/contact-groups/{case_id}"): {"not_learning_danish": True},
    ("POST", "/v1/contact-groups/{case_id}/conversations"): {"held_on": "2026-11-20", "kind": "visitation"},
}
_PARAMETERS = {
    "attachment_id": "att-1",
    "request_id": "pdf_1",
    "unit": "school",
    "code": "hand_over_jobnet_login_codes",
}


def _url(path: str, case_id: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: case_id if m[1] == "case_id" else _PARAMETERS[m[1]], path)


@pytest.mark.parametrize(("method", "path"), _operations(case_scoped=True) + _operations(case_scoped=False))
async def test_every_v1_route_needs_a_bearer_token(client, method, path):
    response = await client.request(method, _url(path, "cg_any"), json=_BODIES.get((method, path)))
    assert response.status_code == 401, response.text


async def test_C2_every_case_route_is_closed_to_a_municipality_outside_the_case(client, auth, persona):
    """C2 holds for every route under a case, present and future: another municipality learns nothing, not even
    that the case exists."""
    case = await create_case(client, auth, persona("complete-adult"), TODAY + days(10))
    assert case["receiving_municipality"]["code"] == case["jobcenter_municipality"]["code"] == "101"
    for method, path in _operations(case_scoped=True):
        response = await client.request(
            method, _url(path, case["id"]), json=_BODIES.get((method, path)), headers=auth("751")
        )
        assert (response.status_code, response.json()["code"]) == (404, "contact_group_not_found"), (method, path)


async def test_expired_or_foreign_tokens_are_401(client, settings, identity):
    expired = identity.issue(settings.oidc_issuer, "101", issued_at=time.time() - 7200)
    foreign = jwt.encode(
        {"municipality": "101", "sub": "x", "iss": "x", "aud": "x", "exp": 9999999999}, "k" * 40, "HS256"
    )
    for token in (expired, foreign):
        response = await client.get("/v1/contact-groups/cg_any", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401


async def test_problem_details_carry_code_correlation_id_and_instance(client, auth):
    response = await client.get(
        "/v1/contact-groups/cg_missing", headers=auth("101") | {"X-Correlation-ID": "vendor-trace-0001"}
    )
    body = response.json()
    assert response.headers["x-correlation-id"] == "vendor-trace-0001"
    assert body["correlation_id"] == "vendor-trace-0001"
    assert body["instance"] == "/v1/contact-groups/cg_missing"
    assert body["type"].endswith("/contact_group_not_found")
    assert set(body) >= {"type", "title", "status", "code"}


async def test_a_malformed_correlation_id_is_replaced_not_echoed(client, auth):
    response = await client.get("/v1/contact-groups/x", headers=auth("101") | {"X-Correlation-ID": "<script>"})
    assert response.headers["x-correlation-id"] != "<script>"
    assert len(response.headers["x-correlation-id"]) == 32


@pytest.mark.parametrize(
    ("content", "content_type"),
    [(b"{not json", "application/json"), (b"[]", "application/json"), (b"cpr=1204882211", "text/plain")],
)
async def test_malformed_bodies_are_422_problems_never_500(client, auth, content, content_type):
    response = await client.post(
        "/v1/contact-groups", content=content, headers=auth("101") | {"Content-Type": content_type}
    )
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "request_invalid"
    assert "1204882211" not in response.text


async def test_validation_problems_never_echo_the_submitted_values(client, auth, persona):
    p = persona("complete-adult")
    body = create_body(p, TODAY, contact_group=99, unexpected_field="x")
    response = await client.post("/v1/contact-groups", json=body, headers=auth("101"))
    assert response.status_code == 422
    assert p.cpr not in response.text
    assert {i["field"] for i in response.json()["invalid_params"]} == {
        "body.contact_group",
        "body.unexpected_field",
    }


async def test_unknown_routes_and_methods_are_problems(client, auth):
    response = await client.get("/v1/nothing-here", headers=auth("101"))
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    response = await client.delete("/v1/contact-groups", headers=auth("101"))
    assert response.status_code == 405 and response.json()["code"] == "method_not_allowed"


async def test_no_cpr_number_in_any_log_line(client, auth, persona, caplog, upstream):
    caplog.set_level(logging.DEBUG)
    p = persona("complete-adult")
    case = await create_case(client, auth, p, TODAY + days(10))
    await client.get(f"/v1/contact-groups/{case['id']}/data-areas/cv", headers=auth("101"))
    await client.post("/v1/contact-groups", json=create_body(p, TODAY + days(10)), headers=auth("101"))  # 409
    upstream.down = True
    await client.get(f"/v1/contact-groups/{case['id']}/data-areas/cv", headers=auth("101"))  # stale
    await client.post("/v1/contact-groups", json=create_body(persona("employed"), TODAY), headers=auth("630"))  # 503
    assert caplog.records, "the service should log something"
    for record in caplog.records:
        line = record.getMessage() + " " + str(record.__dict__)
        assert p.cpr not in line, f"CPR number in log line: {record.name}"
        assert persona("employed").cpr not in line


async def test_no_route_takes_a_cpr_number_in_the_url(app):
    for path in app.openapi()["paths"]:
        assert "cpr" not in path.lower()


async def test_readiness_reports_the_database_and_schema(client):
    response = await client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] | {"database": "ok", "schema": "ok"} == response.json()["checks"]
