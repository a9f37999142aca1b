"""Chaos suite (issue 12): every fault kind the mock can inject × every upstream operation the broker uses, set
through the mock's fault API, each driven through the broker's HTTP surface with the real database.

For every combination: no 5xx other than a designed 503 with ``Retry-After``; no request longer than the configured
deadline (plus a margin for the shared machine); no half-written rows (a failed create leaves no case, a failed
submit no submission, a failed PDF request no request, a failed delivery no delivery); and a live read that could
not use the operator's answer serves the held snapshot flagged stale. Bounded: a short deadline, one case per
operation, the kinds in a loop.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select, update

from dfdg_broker.db.models import AttachmentBlobRow, CaseRow, JobnetCvSubmissionRow, PdfRequestRow, SnapshotRow
from dfdg_broker.settings import Environment, Settings
from tests.conftest import TODAY
from tests.helpers import create_body, create_case, days, set_upstream_deadline

DEADLINE = 1.0
MARGIN = 3.5
"""A request may wait out one deadline; the margin covers the database and a loaded 2-core machine. With CI's two
suites side by side, a request whose upstream call gave up after exactly 1 s was seen to take 3.25 s in all (alone:
1.01 s), so 1.5 s was too tight. The bound still catches what it is for: a call that waits out the suite's 5 s
scene-setting deadline instead of DEADLINE takes at least 5 s. That retries stay within the deadline is pinned by
tests/unit/test_upstream_calls.py::test_the_whole_call_is_bounded_by_the_deadline, without a machine in the way."""

KINDS: list[dict[str, Any]] = [
    {"kind": "status", "status": 500},
    {"kind": "status", "status": 503, "retry_after_seconds": 5},
    {"kind": "status", "status": 429, "retry_after_seconds": 1},
    {"kind": "status", "status": 404},
    {"kind": "status", "status": 400},
    {"kind": "delay", "delay_ms": 30, "delay_max_ms": 60},
    {"kind": "reset"},
    {"kind": "hang"},
    {"kind": "malformed_json"},
    {"kind": "truncated_body"},
    {"kind": "wrong_content_type"},
    {"kind": "bad_checksum"},
]


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        environment=Environment.TEST,
        database_url=database_url,
        upstream_base_url="http://upstream.test",
        upstream_attempts=2,
        upstream_call_deadline_seconds=5,  # for setting the scene; the faults meet DEADLINE (set_upstream_deadline)
        upstream_breaker_failures=1000,  # the breaker has its own tests; here every call must meet the fault
        citizen_facts_cache_size=0,  # a cached register entry would hide the register's faults from the draft
        fixed_today=None,
    )


@dataclass
class World:
    client: httpx.AsyncClient
    mock_client: httpx.AsyncClient
    mock_state: Any
    app: Any
    auth: Callable[[str], dict[str, str]]
    persona: Callable[[str], Any]
    case: dict[str, Any] = field(default_factory=dict)
    held: dict[str, Any] = field(default_factory=dict)
    cv: dict[str, Any] = field(default_factory=dict)
    kind: str = ""
    uploads: int = 0
    """the fault kind in force: every kind but ``delay`` leaves the broker without a usable answer"""

    @property
    def spoiled(self) -> bool:
        return self.kind != "delay"

    async def count(self, model: Any, **where: Any) -> int:
        async with self.app.state.sessions() as session:
            query = select(func.count()).select_from(model)
            for column, value in where.items():
                query = query.where(getattr(model, column) == value)
            return int(await session.scalar(query) or 0)

    async def drop_cases(self) -> None:
        async with self.app.state.sessions() as session, session.begin():
            await session.execute(delete(CaseRow))

    async def drop_blob(self, attachment_id: str) -> None:
        """Forget a document's bytes, so that the next read of the listing downloads it again."""
        async with self.app.state.sessions() as session, session.begin():
            await session.execute(delete(AttachmentBlobRow).where(AttachmentBlobRow.attachment_id == attachment_id))

    async def reopen_pdf_requests(self) -> None:
        """Undo a collected delivery (or a request marked lost), so that the next read asks the operator again."""
        async with self.app.state.sessions() as session, session.begin():
            ids = list(await session.scalars(select(PdfRequestRow.id).where(PdfRequestRow.delivered_on.is_not(None))))
            await session.execute(
                update(PdfRequestRow).values(delivered_on=None, stored_at=None, delivery=None, lost_on=None)
            )
            for request_id in ids:
                await session.execute(
                    delete(AttachmentBlobRow).where(AttachmentBlobRow.attachment_id == f"{request_id}.pdf")
                )


def designed(response: httpx.Response, elapsed: float, label: str) -> None:
    assert response.status_code < 500 or (
        response.status_code == 503 and int(response.headers.get("Retry-After", "0")) >= 1
    ), f"{label}: {response.status_code} {response.text[:300]}"
    assert response.headers.get("content-type", "").startswith(("application/json", "application/problem+json")), label
    assert elapsed <= DEADLINE + MARGIN, f"{label}: took {elapsed:.2f}s"


async def timed(call: Awaitable[httpx.Response]) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = await call
    return response, time.perf_counter() - started


Flow = Callable[[World, str], Awaitable[None]]


# ---------------------------------------------------------------- flows: one broker request that uses the operation


async def create_flow(world: World, label: str, key: str = "no-jobnet-profile-minimal") -> None:
    """POST /v1/contact-groups: either the whole case is stored (201) or nothing is."""
    p = world.persona(key)
    body = create_body(p, TODAY + days(10))
    headers = world.auth(p.person.receiving_municipality)
    response, elapsed = await timed(world.client.post("/v1/contact-groups", json=body, headers=headers))
    designed(response, elapsed, label)
    cases = await world.count(CaseRow)
    assert not (world.spoiled and response.status_code == 201), f"{label}: created without a usable answer"
    if response.status_code == 201:
        case_id = response.json()["id"]
        assert cases == 1 and await world.count(SnapshotRow, case_id=case_id) == 4, label
    else:
        assert cases == 0 and await world.count(SnapshotRow) == 0, f"{label}: half-written create"
    await world.drop_cases()
    if p.jobnet_cv_number is None:
        world.mock_state.jobnet_profiles.pop(p.cpr, None)  # so that the next create asks Jobnet to create it again


def live_read_flow(area: str) -> Flow:
    async def flow(world: World, label: str) -> None:
        """A live area read: fresh data, or the held snapshot flagged stale (never a 5xx, with a snapshot held)."""
        case = world.case
        held = world.held[area]
        path = f"/v1/contact-groups/{case['id']}/data-areas/{area}"
        response, elapsed = await timed(world.client.get(path, headers=world.auth("101")))
        designed(response, elapsed, label)
        assert response.status_code == 200, f"{label}: a live read with a snapshot held must answer"
        provenance = response.json()["provenance"]
        assert provenance["stale"] is world.spoiled, f"{label}: stale must be flagged exactly when it is"
        if world.spoiled:
            assert response.json()["data"] == held and provenance["stale_reason"], label
        else:
            assert provenance["stale_reason"] is None, label

    return flow


async def pdf_create_flow(world: World, label: str) -> None:
    case, p = world.case, world.persona("complete-adult")
    before = await world.count(PdfRequestRow)
    response, elapsed = await timed(
        world.client.post(
            f"/v1/contact-groups/{case['id']}/pdf-requests",
            json={"person_id": p.person.person_id, "areas": ["other", "attachments"]},
            headers=world.auth("101"),
        )
    )
    designed(response, elapsed, label)
    assert await world.count(PdfRequestRow) == before + (1 if response.status_code == 201 else 0), label


async def pdf_list_flow(world: World, label: str) -> None:
    """GET …/pdf-requests collects deliveries: a failed collection leaves the request open, nothing half-stored."""
    case = world.case
    response, elapsed = await timed(
        world.client.get(f"/v1/contact-groups/{case['id']}/pdf-requests", headers=world.auth("101"))
    )
    designed(response, elapsed, label)
    assert response.status_code == 200, label
    body = response.json()
    for request in body["requests"]:
        if request["status"] == "delivered":
            document = await world.client.get(
                f"/v1/contact-groups/{case['id']}/pdf-requests/{request['id']}/document", headers=world.auth("101")
            )
            assert document.status_code == 200, f"{label}: delivered but its bytes are missing"
    if not body["operator_checked"]:
        assert all(r["status"] != "delivered" for r in body["requests"]), label
    await world.reopen_pdf_requests()


async def draft_flow(world: World, label: str) -> None:
    case = world.case
    response, elapsed = await timed(
        world.client.post(f"/v1/contact-groups/{case['id']}/jobnet-cv/draft", headers=world.auth("101"))
    )
    designed(response, elapsed, label)


async def submit_flow(world: World, label: str) -> None:
    case = world.case
    before = await world.count(JobnetCvSubmissionRow)
    # A new CV each time: the same one again is not sent at all when Jobnet already holds it (see test_reconcile)
    world.uploads += 1
    cv = world.cv | {"professional_profile": f"{world.cv['professional_profile']} ({world.uploads})"}
    response, elapsed = await timed(
        world.client.put(f"/v1/contact-groups/{case['id']}/jobnet-cv", json=cv, headers=world.auth("101"))
    )
    designed(response, elapsed, label)
    added = await world.count(JobnetCvSubmissionRow) - before
    assert added in ((0, 1) if response.status_code == 200 else (0,)), f"{label}: {added} rows"


async def download_flow(world: World, label: str) -> None:
    """A live DA4 read that must download a new document: the bytes, or the held listing flagged stale."""
    await world.drop_blob("att-chaos")
    await live_read_flow("attachments")(world, label)


def create_with(key: str) -> Flow:
    async def flow(world: World, label: str) -> None:
        await create_flow(world, label, key)

    return flow


OPERATIONS: dict[str, tuple[str, Flow]] = {
    # operation: (what the world needs first, the flow that exercises it)
    "letasyl.lookup_person": ("nothing", create_flow),
    "letasyl.area.cv": ("case", live_read_flow("cv")),
    "letasyl.area.integration-contract": ("case", live_read_flow("integration-contract")),
    "letasyl.area.other": ("case", live_read_flow("other")),
    "letasyl.area.attachments": ("nothing", create_flow),
    "letasyl.download_attachment": ("case+new-attachment", download_flow),
    "jobnet.lookup_profile": ("nothing", create_with("complete-adult")),  # has a profile: a 404 is a lie
    "jobnet.create_profile": ("nothing", create_flow),
    "letasyl.request_pdf": ("case", pdf_create_flow),
    "letasyl.get_pdf_request": ("case+pdf-request", pdf_list_flow),
    "letasyl.download_pdf_document": ("case+pdf-delivered", pdf_list_flow),
    "letasyl.download_pdf_attachment": ("case+pdf-delivered", pdf_list_flow),
    "cpr.lookup_person": ("case", draft_flow),
    "jobnet.put_cv": ("case+draft", submit_flow),
    "jobnet.get_cv": ("case+draft", submit_flow),
}


async def _prepare(world: World, needs: str) -> None:
    if needs == "nothing":
        return
    p = world.persona("complete-adult")
    world.case = await create_case(world.client, world.auth, p, TODAY + days(10), early_takeover_cv=TODAY)
    world.held = {}
    if needs == "case+new-attachment":
        extra = p.attachments[0].model_copy(update={"attachment_id": "att-chaos", "text": "Ny udtalelse"})
        world.mock_state.put_persona(p.model_copy(update={"attachments": [*p.attachments, extra]}))
        world.held["attachments"] = (
            await world.client.get(
                f"/v1/contact-groups/{world.case['id']}/data-areas/attachments", headers=world.auth("101")
            )
        ).json()["data"]
    for area in ("cv", "integration-contract", "other"):
        response = await world.client.get(
            f"/v1/contact-groups/{world.case['id']}/data-areas/{area}", headers=world.auth("101")
        )
        world.held[area] = response.json()["data"]
    if needs.startswith("case+pdf"):
        response = await world.client.post(
            f"/v1/contact-groups/{world.case['id']}/pdf-requests",
            json={"person_id": p.person.person_id, "areas": ["other", "attachments"]},
            headers=world.auth("101"),
        )
        assert response.status_code == 201, response.text
        if needs == "case+pdf-delivered":
            (request_id,) = world.mock_state.pdf_requests
            delivered = await world.mock_client.post(
                f"/admin/pdf-requests/{request_id}/deliveries", json={"delivered_on": TODAY.isoformat()}
            )
            assert delivered.status_code == 200, delivered.text
    if needs == "case+draft":
        draft = await world.client.post(
            f"/v1/contact-groups/{world.case['id']}/jobnet-cv/draft", headers=world.auth("101")
        )
        assert draft.status_code == 200, draft.text
        world.cv = draft.json()["cv"]


@pytest.mark.parametrize("operation", list(OPERATIONS))
async def test_chaos_every_fault_kind_on_every_upstream_operation(
    operation, client, mock_client, mock_state, app, auth, persona
):
    world = World(client, mock_client, mock_state, app, auth, persona)
    needs, flow = OPERATIONS[operation]
    await _prepare(world, needs)
    set_upstream_deadline(app, DEADLINE)  # the scene was set with the suite's long deadline
    system = operation.split(".")[0]
    for spec in KINDS:
        label = f"{operation} × {spec}"
        world.kind = spec["kind"]
        fault = await mock_client.post("/admin/faults", json={"system": system, "operation": operation, **spec})
        assert fault.status_code == 201, fault.text
        await flow(world, label)
        (held,) = (await mock_client.get("/admin/faults")).json()
        assert (await mock_client.delete("/admin/faults")).status_code == 204
        assert held["hits"] >= 1, f"{label}: the flow never called the operation, so the fault was not exercised"
