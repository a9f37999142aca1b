"""In the contract tests every answer of the mock is checked against its own committed OpenAPI document."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from tests.contract.mock_openapi import ResponseCheck


@pytest.fixture
def mock_responses(mock_app: FastAPI) -> ResponseCheck:
    return ResponseCheck(mock_app)


@pytest.fixture
async def mock_client(mock_responses: ResponseCheck) -> AsyncIterator[httpx.AsyncClient]:
    """The conftest's mock client, with each answer checked against openapi/mock-upstream.json: a test fails at
    teardown when one broke it."""
    async with httpx.AsyncClient(transport=mock_responses, base_url="http://mock.test") as client:
        yield client
    assert mock_responses.violations == [], "\n".join(mock_responses.violations)
