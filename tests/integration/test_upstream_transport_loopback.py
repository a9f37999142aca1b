"""The production transport (``Http1Transport`` under httpx's API, ``create_http_client``) against the real mock
upstream behind uvicorn on loopback, with the mock's fault injection: what the suite's in-process ``ASGITransport``
never exercises. A retried 5xx, a hang cut off by the call's deadline, a reset, a truncated body, a wrong media type
and a streamed download verified against its checksum."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn

from dfdg_broker.domain.areas import DataArea
from dfdg_broker.jobnet.client import JobnetClient
from dfdg_broker.letasyl.client import LetAsylClient
from dfdg_broker.letasyl.schemas import AttachmentsArea
from dfdg_broker.mock.app import create_mock_app
from dfdg_broker.mock.state import MockState
from dfdg_broker.upstream import CallPolicy, UpstreamFailure, create_http_client

CPR, MUNICIPALITY = "1204882211", "101"  # synthetic: the demo persona complete-adult
POLICY = CallPolicy(deadline_seconds=5, attempts=3)


@pytest.fixture(scope="module")
async def mock_url() -> AsyncIterator[str]:
    server = uvicorn.Server(
        uvicorn.Config(
            create_mock_app(MockState.with_demo_fixtures()),
            host="127.0.0.1",
            port=0,
            log_config=None,
            lifespan="off",
        )
    )
    serving = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):
        while not server.started:  # noqa: ASYNC110 - uvicorn offers no event to wait on
            await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        await serving


@pytest.fixture
async def http(mock_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with create_http_client(mock_url) as client:
        yield client
        await client.delete("/admin/faults")


async def _fault(http: httpx.AsyncClient, **spec: object) -> None:
    response = await http.post("/admin/faults", json=spec)
    assert response.status_code == 201, response.text


async def _calls(http: httpx.AsyncClient, operation: str) -> int:
    return int((await http.get("/admin/journal/count", params={"operation": operation})).json()["count"])


async def test_a_5xx_is_asked_again_and_the_second_answer_used(http):
    before = await _calls(http, "letasyl.area.cv")
    await _fault(http, system="letasyl", operation="letasyl.area.cv", kind="status", status=503, times=1)
    area = await LetAsylClient(http, POLICY).fetch_area(CPR, MUNICIPALITY, DataArea.CV)
    assert area.model_dump()
    assert await _calls(http, "letasyl.area.cv") - before == 2


async def test_a_hanging_upstream_is_given_up_at_the_call_deadline(http):
    await _fault(http, system="letasyl", operation="letasyl.area.cv", kind="hang", hang_seconds=30)
    started = time.perf_counter()
    with pytest.raises(UpstreamFailure, match="no answer within 1s"):
        await LetAsylClient(http, CallPolicy(deadline_seconds=1, attempts=3)).fetch_area(CPR, MUNICIPALITY, DataArea.CV)
    assert time.perf_counter() - started < 3.5  # the deadline bounds the call, whatever the per-phase timeouts


async def test_a_reset_is_retried_for_a_read_and_never_for_a_post_that_may_have_acted(http):
    await _fault(http, system="letasyl", operation="letasyl.area.cv", kind="reset", times=1)
    assert await LetAsylClient(http, POLICY).fetch_area(CPR, MUNICIPALITY, DataArea.CV)
    before = await _calls(http, "jobnet.create_profile")
    await _fault(http, system="jobnet", operation="jobnet.create_profile", kind="reset", times=1)
    with pytest.raises(UpstreamFailure, match="transport error"):
        await JobnetClient(http, POLICY).create_profile("0101901234", "Test", "Person")
    assert await _calls(http, "jobnet.create_profile") - before == 1


async def test_a_truncated_body_is_a_transport_error_and_asked_again(http):
    before = await _calls(http, "letasyl.area.other")
    await _fault(http, system="letasyl", operation="letasyl.area.other", kind="truncated_body", times=1)
    assert await LetAsylClient(http, POLICY).fetch_area(CPR, MUNICIPALITY, DataArea.OTHER)
    assert await _calls(http, "letasyl.area.other") - before == 2


async def test_a_page_that_is_not_json_breaks_the_contract(http):
    await _fault(http, system="letasyl", operation="letasyl.area.cv", kind="wrong_content_type", times=1)
    with pytest.raises(UpstreamFailure) as failure:
        await LetAsylClient(http, POLICY).fetch_area(CPR, MUNICIPALITY, DataArea.CV)
    assert failure.value.reason_code == "upstream_contract_violation"


async def test_a_document_is_downloaded_whole_and_checked_against_its_listed_sha256(http):
    letasyl = LetAsylClient(http, POLICY)
    listing = await letasyl.fetch_area(CPR, MUNICIPALITY, DataArea.ATTACHMENTS)
    assert isinstance(listing, AttachmentsArea) and listing.attachments
    attachment = listing.attachments[0]
    content = await letasyl.download_attachment("70000101", attachment)
    assert hashlib.sha256(content).hexdigest() == attachment.sha256 and len(content) == attachment.size_bytes
    await _fault(http, system="letasyl", operation="letasyl.download_attachment", kind="bad_checksum", times=1)
    with pytest.raises(UpstreamFailure) as failure:
        await letasyl.download_attachment("70000101", attachment)
    assert failure.value.reason_code == "upstream_contract_violation"
