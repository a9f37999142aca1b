"""The request examples of the mock's OpenAPI document (its /docs) work: every body example of every operation is
sent to the mock and accepted, every query example is valid, every admin operation with a body has one, and the
only CPR numbers in them are synthetic."""

from __future__ import annotations

import json
import re
from typing import Any

import httpx
import pytest

from dfdg_broker.mock import examples
from dfdg_broker.mock.fixtures import load_personas
from tests.conftest import OPENAPI_DIR

DOCUMENT = json.loads((OPENAPI_DIR / "mock-upstream.json").read_text(encoding="utf-8"))
PATH_VALUES = {"person_id": examples.ADULT_ID, "cv_number": "4100001", "attachment_id": "att-70000101-1"}


def _body_examples() -> list[tuple[str, str, str, Any]]:
    """Named examples of the media type, else the examples of the body's schema."""
    found = []
    schemas = DOCUMENT["components"]["schemas"]
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            named = {name: example["value"] for name, example in content.get("examples", {}).items()}
            ref = content.get("schema", {}).get("$ref", "")
            schema_examples = schemas.get(ref.rsplit("/", 1)[-1], {}).get("examples", []) if ref else []
            named = named or {f"schema example {i}": value for i, value in enumerate(schema_examples)}
            found += [(method.upper(), path, name, value) for name, value in named.items()]
    return found


BODY_EXAMPLES = _body_examples()


def test_every_admin_operation_with_a_json_body_has_an_example() -> None:
    with_body = {
        (method.upper(), path)
        for path, item in DOCUMENT["paths"].items()
        for method, operation in item.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    }
    with_example = {(method, path) for method, path, _name, _value in BODY_EXAMPLES}
    assert with_body - with_example == set()


async def _path(mock: httpx.AsyncClient, path: str) -> str:
    if "{request_id}" in path:
        asked = {"person_id": examples.ADULT_ID, "areas": ["other"], "requesting_municipality": "101"}
        path = path.replace(
            "{request_id}", (await mock.post("/letasyl/v1/pdf-requests", json=asked)).json()["request_id"]
        )
    if "children-link" in path:
        path = path.replace("{person_id}", examples.PARENT_ID)
    return re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES[m.group(1)], path)


@pytest.mark.parametrize(("method", "path", "name", "value"), BODY_EXAMPLES, ids=lambda v: str(v)[:40])
async def test_each_body_example_is_accepted_by_the_mock(mock_client, method, path, name, value) -> None:
    if path == "/admin/personas/{person_id}":
        path = path.replace("{person_id}", value["person"]["person_id"])
    response = await mock_client.request(method, await _path(mock_client, path), json=value)
    assert response.is_success, f"{method} {path} example {name!r}: {response.status_code} {response.text}"


async def test_each_query_example_is_valid(mock_client) -> None:
    checked = 0
    for path, item in DOCUMENT["paths"].items():
        for method, operation in item.items():
            for parameter in operation.get("parameters", []):
                for example in parameter.get("examples", {}).values():
                    params = {parameter["name"]: example["value"]}
                    response = await mock_client.request(method.upper(), await _path(mock_client, path), params=params)
                    assert response.status_code in (200, 204, 409), (path, params, response.text)  # 409: expect
                    checked += 1
    assert checked >= 6


def test_the_examples_carry_no_cpr_number_but_synthetic_ones() -> None:
    synthetic = {p.cpr for p in load_personas()} | {examples.NEW_PERSONA_CPR}
    for candidate in re.findall(r"(?<!\d)\d{10}(?!\d)", json.dumps(DOCUMENT)):
        assert candidate in synthetic, f"{candidate} looks like a CPR number and is not a synthetic one"
