"""Every answer of the mock checked against the mock's own committed OpenAPI document (openapi/mock-upstream.json).

``ResponseCheck`` is an httpx transport in front of the mock app: it lets each request through unchecked (tests send
broken ones on purpose) and checks the answer (status listed, content type, body schema, strict: no field the
document does not name) for the operation the request matched. Answers shaped by an injected fault are not checked
(breaking the contract is what a fault is for), nor requests that match no operation (404s by design).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache

import httpx
from fastapi import FastAPI
from openapi_core import OpenAPI
from openapi_core.templating.paths.exceptions import PathError
from openapi_core.templating.paths.finders import APICallPathFinder
from werkzeug.datastructures import Headers

from tests.conftest import OPENAPI_DIR
from tests.contract.test_clients_follow_contracts import CONFIG, _Request, _Response, _strict

MOCK_DOCUMENT = "mock-upstream.json"


@cache
def mock_contract() -> OpenAPI:
    return OpenAPI.from_dict(
        _strict(json.loads((OPENAPI_DIR / MOCK_DOCUMENT).read_text(encoding="utf-8"))), config=CONFIG
    )


def operations() -> set[tuple[str, str]]:
    """(METHOD, path template) of every operation in the committed document."""
    document = json.loads((OPENAPI_DIR / MOCK_DOCUMENT).read_text(encoding="utf-8"))
    return {(method.upper(), path) for path, item in document["paths"].items() for method in item}


@dataclass
class ResponseCheck(httpx.AsyncBaseTransport):
    app: FastAPI
    violations: list[str] = field(default_factory=list)
    checked: set[tuple[str, str]] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._inner = httpx.ASGITransport(app=self.app)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        faulted = bool(self.app.state.faults) and not request.url.path.startswith("/admin/")
        response = await self._inner.handle_async_request(request)
        content = await response.aread()
        if not faulted:
            self._check(request, response, content)
        return httpx.Response(response.status_code, headers=response.headers, content=content, request=request)

    def _check(self, request: httpx.Request, response: httpx.Response, content: bytes) -> None:
        contract = mock_contract()
        wrapped = _Request(request)
        call = f"{request.method} {request.url.path} -> {response.status_code}"
        try:
            found = APICallPathFinder(contract.spec).find(
                request.method.lower(), str(request.url.copy_with(query=None))
            )
        except PathError:  # no such path, or not with this method: no operation to check against
            if response.status_code not in (404, 405):
                self.violations.append(f"{call}: answered, but the document has no such operation")
            return
        try:
            contract.validate_response(
                wrapped, _Response(response.status_code, Headers(response.headers.items()), content)
            )
        except Exception as exc:  # openapi-core's errors name the rule broken; the cause holds the detail
            self.violations.append(f"{call}: answer breaks the mock's OpenAPI: {exc!r}, {exc.__cause__!r}")
            return
        self.checked.add((request.method, found.path_result.pattern))
