"""Limits: what one request may make the broker do. Each test is the attack reported in issue 10, or its kin.

A request that would block the event loop is run under a CPU deadline (SIGALRM), so a regression fails the test in
seconds instead of freezing the suite.
"""

from __future__ import annotations

import contextlib
import json
import re
import signal
from collections.abc import Iterator

import pytest

from tests.conftest import TODAY
from tests.helpers import create_body, create_case, days
from tests.sidefx import broker_document

HANDOVER = TODAY + days(10)


@contextlib.contextmanager
def cpu_deadline(seconds: float) -> Iterator[None]:
    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"the request took more than {seconds} s of the event loop")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code, body
    return body


# ---------------------------------------------------------------- numbers parsed without unbounded work


@pytest.mark.parametrize("figure", ["1e10000000", 1e308, "9" * 5000, "1e-10000000", "NaN", "Infinity", -1])
async def test_workload_figures_are_bounded_before_any_arithmetic(client, auth, figure):
    """The reported freeze: "1e10000000" full-time persons made the service compute a 10-million-digit number."""
    with cpu_deadline(10):
        response = await client.post(
            "/v1/workload", json={"full_time_persons": {"sickness-benefit": figure}}, headers=auth("101")
        )
    problem = _problem(response, 422, "request_invalid")
    assert problem["field"].startswith("body.full_time_persons")


async def test_a_huge_json_integer_is_refused_quickly(client, auth):
    body = '{"full_time_persons": {"sickness-benefit": ' + "9" * 100_000 + "}}"
    with cpu_deadline(10):
        response = await client.post(
            "/v1/workload", content=body, headers=auth("101") | {"Content-Type": "application/json"}
        )
    assert response.status_code in (400, 422), "a body the JSON parser refuses is a 400 problem"
    assert response.headers["content-type"].startswith("application/problem+json")


# ---------------------------------------------------------------- body size and field lengths


async def test_a_body_over_the_limit_is_refused_before_it_is_read(client, auth, persona, mock_state):
    """The reported 20 MB CV field: refused at the door (413), nothing stored, nothing sent to Jobnet."""
    cv = {"professional_profile": "x" * (2 * 1024 * 1024)}
    with cpu_deadline(15):
        response = await client.put("/v1/contact-groups/cg_any/jobnet-cv", json=cv, headers=auth("101"))
    problem = _problem(response, 413, "request_too_large")
    assert problem["limit"] == 1024 * 1024
    assert mock_state.journal == []


async def test_a_body_without_content_length_is_counted_as_it_streams(client, auth):
    async def chunks():
        for _ in range(40):
            yield b" " * 65536

    response = await client.post(
        "/v1/workload", content=chunks(), headers=auth("101") | {"Content-Type": "application/json"}
    )
    _problem(response, 413, "request_too_large")


async def test_a_long_free_text_field_is_refused_with_its_name(client, auth, persona):
    case = await create_case(client, auth, persona("complete-adult"), HANDOVER)
    response = await client.put(
        f"/v1/contact-groups/{case['id']}/jobnet-cv",
        json={"professional_profile": "x" * 50_000},
        headers=auth("101"),
    )
    problem = _problem(response, 422, "request_invalid")
    assert problem["field"] == "body.professional_profile"


async def test_twenty_thousand_job_titles_are_refused_without_blocking(client, auth, persona):
    """The reported event-loop stall: 20,000 job titles went through the fuzzy matcher one by one."""
    case = await create_case(client, auth, persona("complete-adult"), HANDOVER)
    cv = {"jobs_wanted": [{"title": f"Titel {n}"} for n in range(20_000)]}
    with cpu_deadline(10):
        response = await client.put(f"/v1/contact-groups/{case['id']}/jobnet-cv", json=cv, headers=auth("101"))
    problem = _problem(response, 422, "request_invalid")
    assert problem["field"] == "body.jobs_wanted"


def _bounded_pattern(pattern: str | None) -> bool:
    """An anchored pattern without open repetition (``*``, ``+``, ``{n,}``) bounds the length by itself."""
    return bool(
        pattern
        and pattern.startswith("^")
        and pattern.endswith("$")
        and not re.search(r"(?<!\\)[*+]|\{\d+,\}", pattern)
    )


def test_every_request_field_is_bounded_in_the_openapi_document():
    """Every string, list and map a client can send in a body or a query has a documented bound (maxLength,
    maxItems, maxProperties, maximum) or a closed shape (enum, format date or date-time, a bounded pattern): new request
    models included."""
    document = broker_document()
    schemas = document["components"]["schemas"]
    unbounded: list[str] = []

    def visit(schema: dict, where: str, seen: frozenset[str]) -> None:
        if "$ref" in schema:
            name = schema["$ref"].rsplit("/", 1)[-1]
            if name not in seen:
                visit(schemas[name], name, seen | {name})
            return
        for key in ("anyOf", "oneOf", "allOf"):
            options = schema.get(key, [])
            # A number that may be written as a string (a Decimal) is bounded by the number's own limits.
            bounded_number = any(o.get("type") == "number" and "maximum" in o for o in options)
            for n, option in enumerate(options):
                if not (bounded_number and option == {"type": "string"}):
                    visit(option, f"{where}|{n}", seen)
        kind = schema.get("type")
        if kind == "string" and not (
            "maxLength" in schema
            or "enum" in schema
            or "const" in schema
            or schema.get("format") in ("date", "date-time")  # closed shapes (RFC 3339), parsed or refused
            or _bounded_pattern(schema.get("pattern"))
        ):
            unbounded.append(f"{where}: string without maxLength")
        if kind == "array":
            if "maxItems" not in schema:
                unbounded.append(f"{where}: array without maxItems")
            visit(schema.get("items", {}), f"{where}[]", seen)
        if kind == "object" or "properties" in schema:
            for name, prop in schema.get("properties", {}).items():
                visit(prop, f"{where}.{name}", seen)
            extra = schema.get("additionalProperties")
            if isinstance(extra, dict):
                if "maxProperties" not in schema:
                    unbounded.append(f"{where}: map without maxProperties")
                visit(extra, f"{where}{{}}", seen)
        if kind in ("number", "integer") and not ({"maximum", "exclusiveMaximum", "enum"} & set(schema)):
            unbounded.append(f"{where}: number without maximum")

    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    continue  # bounded by the server's request-line limit, and looked up, never stored
                visit(parameter.get("schema", {}), f"{method} {path} ?{parameter['name']}", frozenset())
            for content in operation.get("requestBody", {}).get("content", {}).values():
                visit(content.get("schema", {}), f"{method} {path} body", frozenset())
    assert not unbounded, "\n".join(unbounded)


# ---------------------------------------------------------------- text and dates the databases cannot hold


@pytest.mark.parametrize(
    "field_value",
    [
        ("special_procedure_ref", "LS-2026\u0000-1"),
        ("special_procedure_ref", "\ud800LS"),
        ("handover_date", "9999-12-31"),
        ("handover_date", "2026-12-0\u00001"),
        ("early_takeover_cv", "0001-01-01"),
        ("cv_update_deadline", "9999-12-31"),
    ],
)
async def test_text_and_dates_no_database_can_hold_are_422_never_500(client, auth, persona, mock_state, field_value):
    field, value = field_value
    body = create_body(persona("complete-adult"), HANDOVER) | {field: value}
    response = await client.post(
        "/v1/contact-groups", content=json.dumps(body), headers=auth("101") | {"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_a_lone_surrogate_in_a_map_key_is_422_never_500(client, auth):
    raw = '{"full_time_persons": {"\\udc00": 3}}'
    response = await client.post(
        "/v1/workload", content=raw, headers=auth("101") | {"Content-Type": "application/json"}
    )
    assert response.status_code == 422, response.text
