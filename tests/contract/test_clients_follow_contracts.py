"""The broker's upstream clients send what the committed contracts allow (openapi/letasyl.json, jobnet.json,
cpr-register.json): every client call goes through a transport that checks the request (path, method, parameters,
headers, body) against the committed document before the mock answers, and the answer after.

The client and the mock share the wire models, so the mock alone would accept a client that drifted with them; the
committed documents do not move unless someone runs `make openapi` and commits the diff. Bodies are checked strictly:
a field the contract does not name is refused (the wire models would silently ignore it).
"""

from __future__ import annotations

import inspect
import json
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

import httpx
import pytest
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from dfdg_broker.cpr_register.client import CprRegisterClient
from dfdg_broker.domain.areas import DataArea
from dfdg_broker.jobnet.client import JobnetClient
from dfdg_broker.jobnet.cv import JobnetCv, JobWanted
from dfdg_broker.letasyl.client import LetAsylClient, area_from_content
from dfdg_broker.letasyl.schemas import Attachment, AttachmentsArea, PdfRequestCreate
from dfdg_broker.mock.app import create_mock_app
from dfdg_broker.mock.contracts import UPSTREAMS
from dfdg_broker.mock.fixtures import Persona
from dfdg_broker.mock.state import MockState
from dfdg_broker.upstream import CallPolicy, create_http_client
from tests.conftest import OPENAPI_DIR

CLIENTS = (LetAsylClient, JobnetClient, CprRegisterClient)
CONFIG = Config(extra_media_type_deserializers={"application/problem+json": json.loads})


def _strict(node: Any) -> Any:
    """Object schemas that list their properties allow no others (unless the schema says otherwise)."""
    if isinstance(node, dict):
        strict = {key: _strict(value) for key, value in node.items()}
        if "properties" in strict and "additionalProperties" not in strict:
            strict["additionalProperties"] = False
        return strict
    if isinstance(node, list):
        return [_strict(value) for value in node]
    return node


@cache
def _committed_contracts() -> dict[str, OpenAPI]:
    """Path prefix -> the committed contract of that upstream system, as it is in git (never regenerated here)."""
    return {
        prefix: OpenAPI.from_dict(_strict(json.loads((OPENAPI_DIR / name).read_text(encoding="utf-8"))), config=CONFIG)
        for name, (_, prefix) in UPSTREAMS.items()
    }


class _Request:
    """An httpx request as openapi-core reads one."""

    def __init__(self, request: httpx.Request) -> None:
        self._request = request
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(request.url.params.multi_items())),
            header=Headers(list(request.headers.items())),
            cookie=ImmutableMultiDict(),
        )

    @property
    def host_url(self) -> str:
        return f"{self._request.url.scheme}://{self._request.url.netloc.decode()}"

    @property
    def path(self) -> str:
        return self._request.url.path

    @property
    def method(self) -> str:
        return self._request.method.lower()

    @property
    def body(self) -> bytes | None:
        return self._request.content or None

    @property
    def content_type(self) -> str:
        return self._request.headers.get("content-type", "")


@dataclass
class _Response:
    status_code: int
    headers: Headers
    data: bytes

    @property
    def content_type(self) -> str:
        return str(self.headers.get("content-type", ""))


class ContractCheck(httpx.AsyncBaseTransport):
    """Checks each request against the committed contract of the system it is for, then lets the mock answer."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self._inner = inner
        self._contracts = _committed_contracts()
        self.violations: list[str] = []
        self.checked: list[tuple[str, str]] = []

    def _contract(self, path: str) -> OpenAPI | None:
        return next((c for prefix, c in self._contracts.items() if path.startswith(prefix)), None)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        call = f"{request.method} {request.url.path}"
        contract = self._contract(request.url.path)
        if contract is None:
            self.violations.append(f"{call}: no upstream contract covers this path")
            return httpx.Response(599, request=request)
        wrapped = _Request(request)
        try:
            contract.validate_request(wrapped)
        except Exception as exc:  # openapi-core's errors name the rule broken; the cause holds the detail
            self.violations.append(f"{call}: request breaks the contract: {exc!r}, {exc.__cause__!r}")
            return httpx.Response(599, request=request)
        response = await self._inner.handle_async_request(request)
        content = await response.aread()
        try:
            contract.validate_response(
                wrapped, _Response(response.status_code, Headers(response.headers.items()), content)
            )
        except Exception as exc:
            self.violations.append(f"{call}: answer breaks the contract: {exc!r}, {exc.__cause__!r}")
        self.checked.append((request.method, request.url.path))
        return httpx.Response(response.status_code, headers=response.headers, content=content, request=request)


@pytest.fixture
def check() -> ContractCheck:
    return ContractCheck(httpx.ASGITransport(app=create_mock_app(MockState.with_demo_fixtures())))


@pytest.fixture
async def http(check: ContractCheck) -> AsyncIterator[httpx.AsyncClient]:
    async with create_http_client("http://upstream.test", transport=check) as client:
        yield client


def _personas() -> Iterator[Persona]:
    return iter(MockState.with_demo_fixtures().personas.values())


POLICY = CallPolicy(deadline_seconds=10, attempts=1)


async def test_letasyl_client_sends_what_the_letasyl_contract_allows(check: ContractCheck, http: httpx.AsyncClient):
    letasyl = LetAsylClient(http, POLICY)
    persona = next(p for p in _personas() if p.attachments)
    cpr, municipality = persona.cpr, persona.person.receiving_municipality

    assert await letasyl.find_person(cpr, municipality) == persona.person
    assert await letasyl.find_person("0101011234", municipality) is None
    areas = {area: await letasyl.fetch_area(cpr, municipality, area) for area in DataArea}
    content = await letasyl.fetch_area_content(cpr, municipality, DataArea.CV)
    assert area_from_content(DataArea.CV, content) == areas[DataArea.CV]
    attachments = areas[DataArea.ATTACHMENTS]
    assert isinstance(attachments, AttachmentsArea) and attachments.attachments
    first: Attachment = attachments.attachments[0]
    assert (await letasyl.download_attachment(persona.person.person_id, first))[:5] == b"%PDF-"

    asked = PdfRequestCreate(
        person_id=persona.person.person_id,
        areas=["other", "attachments"],
        requesting_municipality=municipality,
        client_reference="dfdg-0123456789abcdef",
    )
    requested = await letasyl.request_pdf(asked)
    assert requested is not None and requested.status == "requested"
    assert await letasyl.request_pdf(asked) == requested, "the same key: the request made then (200)"
    async with httpx.AsyncClient(transport=check._inner, base_url="http://upstream.test") as admin:
        delivery = f"/admin/pdf-requests/{requested.request_id}/deliveries"
        (await admin.post(delivery, json={"delivered_on": "2026-11-30"})).raise_for_status()
    delivered = await letasyl.pdf_request(requested.request_id)
    assert delivered.status == "delivered" and delivered.document is not None and delivered.attachments
    assert (await letasyl.download_pdf_document(requested.request_id, delivered.document))[:5] == b"%PDF-"
    pdf_attachment = await letasyl.download_pdf_attachment(requested.request_id, delivered.attachments[0])
    assert pdf_attachment[:5] == b"%PDF-"

    assert check.violations == []
    assert len(check.checked) == 2 + len(DataArea) + 1 + 1 + 2 + 1 + 2


async def test_jobnet_client_sends_what_the_jobnet_contract_allows(check: ContractCheck, http: httpx.AsyncClient):
    jobnet = JobnetClient(http, POLICY)
    newcomer = next(p for p in _personas() if p.jobnet_cv_number is None)
    first, last = newcomer.cpr_register.first_name, newcomer.cpr_register.last_name

    assert await jobnet.find_profile(newcomer.cpr) is None
    cv_number, created = await jobnet.ensure_profile(newcomer.cpr, first, last)
    assert created
    assert await jobnet.create_profile(newcomer.cpr, first, last) is None  # 409: it exists now
    assert await jobnet.find_profile(newcomer.cpr) == cv_number
    cv = JobnetCv(
        jobs_wanted=[JobWanted(title="Elektriker", occupation_code="7411")], professional_profile="Elektriker."
    )
    assert await jobnet.cv_receipt(cv_number) is None
    receipt = await jobnet.put_cv(cv_number, cv, "101", submission_key="dfdg-0123456789abcdef")
    assert receipt.cv_number == cv_number and receipt.status
    held = await jobnet.cv_receipt(cv_number)
    assert held is not None and held.submission_key == "dfdg-0123456789abcdef"

    assert check.violations == []
    assert [method for method, _ in check.checked] == ["POST", "POST", "POST", "POST", "POST", "GET", "PUT", "GET"]


async def test_cpr_register_client_sends_what_the_cpr_register_contract_allows(
    check: ContractCheck, http: httpx.AsyncClient
):
    register = CprRegisterClient(http, POLICY)
    persona = next(_personas())

    entry = await register.lookup(persona.cpr)
    assert entry is not None and entry.last_name == persona.cpr_register.last_name
    assert await register.lookup("0101011234") is None

    assert check.violations == []
    assert len(check.checked) == 2


EXERCISED = {
    LetAsylClient: {
        "find_person",
        "fetch_area",
        "fetch_area_content",
        "download_attachment",
        "request_pdf",
        "pdf_request",
        "download_pdf_document",
        "download_pdf_attachment",
    },
    JobnetClient: {"find_profile", "create_profile", "ensure_profile", "put_cv", "cv_receipt"},
    CprRegisterClient: {"lookup"},
}


@pytest.mark.parametrize("client", CLIENTS, ids=lambda c: c.__name__)
def test_every_upstream_call_a_client_can_make_is_checked_above(client: type) -> None:
    """A new client method must be added to the tests above (and its route to the contract, `make openapi`)."""
    calls = {name for name, member in inspect.getmembers(client) if inspect.iscoroutinefunction(member)}
    assert {name for name in calls if not name.startswith("_")} == EXERCISED[client]


@pytest.mark.parametrize(
    ("method", "path", "body", "broken"),
    [
        (
            "POST",
            "/jobnet/v1/profiles",
            {"cpr": "1204882211", "first_name": "A", "lastname": "B"},
            "InvalidRequestBody",
        ),
        ("POST", "/jobnet/v1/profile-lookups", {"cpr": "1204882211", "municipality": "101"}, "InvalidRequestBody"),
        (
            "POST",
            "/letasyl/v1/person-lookups",
            {"cpr": "1204882211", "receiving_municipality": "1"},
            "InvalidRequestBody",
        ),
        ("POST", "/jobnet/v1/profile-lookups", b"cpr=1204882211", "MediaTypeNotFound"),
        ("GET", "/letasyl/v1/person-lookups", None, "OperationNotFound"),
        ("POST", "/cpr/v2/person-lookups", {"cpr": "1204882211"}, "PathNotFound"),
        ("POST", "/elsewhere/v1/x", {}, "no upstream contract"),
    ],
)
async def test_contract_check_refuses_what_the_contract_does_not_allow(
    check: ContractCheck, http: httpx.AsyncClient, method: str, path: str, body: Any, broken: str
):
    """The check itself: a misspelled or extra field, a wrong value, content type, method or path is a violation."""
    if isinstance(body, bytes):
        form = {"content-type": "application/x-www-form-urlencoded"}
        response = await http.request(method, path, content=body, headers=form)
    else:
        response = await http.request(method, path, json=body)
    assert response.status_code == 599
    assert len(check.violations) == 1 and check.checked == []
    assert broken in check.violations[0], check.violations
