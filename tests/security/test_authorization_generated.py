"""The authorization test that cannot miss a route: generated from the OpenAPI document, so every operation any
feature adds is covered the day it appears.

Every secured operation × {no token, expired, wrong audience, wrong issuer, ``alg: none``, HS256 forged with the
development secret, a token without the operation's scope, a municipality outside the case} must be refused as
designed (401, 403, or 404 for a case the caller may not see) and change nothing: the broker's row counts and the
mock upstream's journal are the same afterwards. The broker runs as in production.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI

from dfdg_broker.auth import ALL_SCOPES
from dfdg_broker.security import required_scopes
from dfdg_broker.settings import DEVELOPMENT_JWT_SECRET, Environment, Settings
from tests.conftest import TODAY, SwitchableTransport
from tests.helpers import PRODUCTION_DATA_KEYS, PRODUCTION_LOOKUP_KEYS, create_body, create_case, days
from tests.sidefx import broker_document, journal_size, row_counts

ISSUER = "https://upstream.test/idp"
OWNER, STRANGER = "101", "751"
DOCUMENT = broker_document()
OPERATIONS = [
    (method.upper(), path, operation)
    for path, item in DOCUMENT["paths"].items()
    for method, operation in item.items()
    if path.startswith("/v1/")
]
PATH_VALUES = {"unit": "jobcenter"}


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment=Environment.PRODUCTION,
        database_url=database_url,
        upstream_base_url="https://upstream.test",
        oidc_issuer=ISSUER,
        data_keys=PRODUCTION_DATA_KEYS,
        cpr_lookup_keys=PRODUCTION_LOOKUP_KEYS,
        upstream_attempts=2,
    )


@pytest.fixture
def upstream(mock_app: FastAPI) -> SwitchableTransport:
    return SwitchableTransport(mock_app)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://broker.test") as c:
        yield c


def _unsigned(claims: dict[str, Any]) -> str:
    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def _request_body(operation: dict[str, Any], persona) -> tuple[str, bytes] | None:
    """A body that passes the schema, so that a refusal is the authorization's doing: the schema's example (or an
    empty object), in the operation's own media type."""
    content = operation.get("requestBody", {}).get("content", {})
    if not content:
        return None
    media_type, body = next(iter(content.items()))
    if operation["operationId"] == "create_contact_group":
        return media_type, json.dumps(create_body(persona("complete-adult"), TODAY + days(10))).encode()
    schema = body["schema"]
    if "$ref" in schema:
        schema = DOCUMENT["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    examples = schema.get("examples") or [{}]
    return media_type, json.dumps(examples[0]).encode()


def _url(path: str, case_id: str) -> str:
    return re.sub(
        r"\{(\w+)\}", lambda m: case_id if m.group(1) == "case_id" else PATH_VALUES.get(m.group(1), "x1"), path
    )


def test_every_v1_operation_is_secured_and_declares_a_scope():
    assert OPERATIONS, "the OpenAPI document lists no /v1 operation"
    unscoped = [f"{m} {p}" for m, p, op in OPERATIONS if not required_scopes(op)]
    assert not unscoped, "every /v1 operation must ask for a scope (ReadCaller / WriteCaller / AccessLogCaller)"
    unknown = {s for _, _, op in OPERATIONS for s in required_scopes(op)} - set(ALL_SCOPES)
    assert not unknown


async def test_every_operation_refuses_every_bad_caller_and_changes_nothing(
    client, identity, persona, mock_state, database_url
):
    """One case, every operation (one test, so the suite pays for one case; each failure names its route)."""

    def owner(municipality: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {identity.issue(ISSUER, municipality)}"}

    case = await create_case(client, owner, persona("complete-adult"), TODAY + days(10))
    rows, calls = await row_counts(database_url), journal_size(mock_state)
    failures: list[str] = []
    for method, path, operation in OPERATIONS:
        failures += await _refusals(client, identity, persona, case["id"], method, path, operation)
    assert not failures, "\n".join(failures)
    assert await row_counts(database_url) == rows, "a refused request wrote to the database"
    assert journal_size(mock_state) == calls, "a refused request reached an upstream system"


async def _refusals(client, identity, persona, case_id, method, path, operation) -> list[str]:
    url = _url(path, case_id)
    body = _request_body(operation, persona)
    needed = required_scopes(operation)
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": "dfdg-broker", "sub": "x", "municipality": OWNER, "iat": now, "exp": now + 300}
    variants: dict[str, tuple[str | None, int, str]] = {
        "no token": (None, 401, "unauthenticated"),
        "expired": (identity.issue(ISSUER, OWNER, issued_at=now - 7200), 401, "unauthenticated"),
        "wrong audience": (identity.issue(ISSUER, OWNER, audience="another-service"), 401, "unauthenticated"),
        "wrong issuer": (identity.issue("https://evil.test/idp", OWNER), 401, "unauthenticated"),
        "alg none": (_unsigned(claims), 401, "unauthenticated"),
        "HS256 with the dev secret": (jwt.encode(claims, DEVELOPMENT_JWT_SECRET, "HS256"), 401, "unauthenticated"),
        "missing scope": (
            identity.issue(ISSUER, OWNER, scopes=sorted(set(ALL_SCOPES) - set(needed))),
            403,
            "insufficient_scope",
        ),
    }
    if "{case_id}" in path:
        variants["stranger municipality"] = (identity.issue(ISSUER, STRANGER), 404, "contact_group_not_found")
    elif operation["operationId"] == "create_contact_group":
        variants["stranger municipality"] = (identity.issue(ISSUER, STRANGER), 403, "caller_not_party_to_case")
    failures = []
    for name, (token, status, code) in variants.items():
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if body is not None:
            headers |= {"Content-Type": body[0], "If-Match": "*"}
        response = await client.request(method, url, content=body[1] if body else None, headers=headers)
        problem = response.json() if response.headers.get("content-type", "").startswith("application/") else {}
        if (response.status_code, problem.get("code")) != (status, code) or not response.headers[
            "content-type"
        ].startswith("application/problem+json"):
            failures.append(f"{method} {path} [{name}]: {response.status_code} {response.text[:200]}")
    return failures
