"""The committed OpenAPI documents are what the code serves: a vendor's generated client never drifts."""

from __future__ import annotations

import json
import re
from functools import cache

import pytest

from dfdg_broker.cli import openapi_documents, render_openapi
from tests.conftest import OPENAPI_DIR

documents = cache(openapi_documents)
"""Generated once per session: each document takes a while to build, and no test changes one."""

DOCUMENTS = ["broker.json", "mock-upstream.json", "letasyl.json", "jobnet.json", "cpr-register.json"]


@pytest.mark.parametrize("name", DOCUMENTS)
def test_committed_openapi_document_matches_the_code(name):
    committed = (OPENAPI_DIR / name).read_text(encoding="utf-8")
    assert committed == render_openapi(documents()[name]), (
        f"openapi/{name} is out of date: run `make openapi` and commit the result"
    )


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_error_response_is_documented_as_a_problem_document_only(name):
    """Errors are sent only as application/problem+json, so a generated client must not be offered anything else."""
    document = documents()[name]
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if status == "default" or status.startswith(("4", "5")):
                    assert list(response.get("content", {})) == ["application/problem+json"], (method, path, status)


def test_operation_ids_are_stable_and_readable():
    document = documents()["broker.json"]
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", i) for i in ids), ids
    assert "create_contact_group" in ids


def test_request_fields_name_their_rules():
    schema = documents()["broker.json"]["components"]["schemas"]["ContactGroupCreate"]
    rules = {name: prop.get("x-rule") for name, prop in schema["properties"].items()}
    assert rules["handover_date"] == "C4" and rules["contact_group"] == "C3" and rules["cv_update_deadline"] == "C6"


def test_examples_use_only_the_synthetic_demo_cpr_number():
    from dfdg_broker.mock.fixtures import load_personas

    synthetic = {p.cpr for p in load_personas()}
    text = json.dumps(documents()["broker.json"])
    for candidate in re.findall(r"(?<!\d)\d{10}(?!\d)", text):
        assert candidate in synthetic, f"{candidate} looks like a CPR number and is not a demo persona's"


def test_a_field_name_marked_with_two_rules_is_refused_at_start_up():
    from pydantic import BaseModel, Field

    from dfdg_broker.app import _field_rules

    class First(BaseModel):
        municipality: str = Field(json_schema_extra={"x-rule": "C2"})

    class Second(BaseModel):
        municipality: str = Field(json_schema_extra={"x-rule": "F2"})

    assert _field_rules(First, First) == {"municipality": "C2"}
    with pytest.raises(ValueError, match="municipality"):
        _field_rules(First, Second)


def test_each_model_has_one_schema_so_generated_clients_get_plain_names():
    schemas = documents()["broker.json"]["components"]["schemas"]
    assert "JobnetCv" in schemas
    assert not [name for name in schemas if name.endswith(("-Input", "-Output"))]
