"""The outbound call policy, with respx isolating the upstream: retries only for idempotent requests, one overall
deadline, and every unusable answer turned into one UpstreamFailure."""

from __future__ import annotations

import asyncio
import hashlib

import httpx
import pytest
import respx

from dfdg_broker.domain.areas import DataArea
from dfdg_broker.jobnet.client import JobnetClient
from dfdg_broker.letasyl.client import LetAsylClient
from dfdg_broker.letasyl.schemas import Attachment
from dfdg_broker.upstream import CallPolicy, UpstreamFailure, call, create_http_client

BASE = "http://upstream.test"
CPR = "1204882211"  # synthetic (demo persona complete-adult)
FAST = CallPolicy(deadline_seconds=2.0, attempts=3)


@pytest.fixture
async def http():
    # respx stands in for httpx's own transport (httpcore); the production transport (``Http1Transport``) is tested
    # on loopback in test_upstream_transport.py.
    async with create_http_client(BASE, httpx.AsyncHTTPTransport()) as client:
        yield client


@respx.mock
async def test_idempotent_lookup_is_retried_after_a_5xx(http):
    route = respx.post(f"{BASE}/letasyl/v1/data-areas/cv").mock(
        side_effect=[httpx.Response(503), httpx.Response(200, json={"professional_profile": "Bager"})]
    )
    area = await LetAsylClient(http, FAST).fetch_area(CPR, "101", DataArea.CV)
    assert area.professional_profile == "Bager"  # type: ignore[attr-defined]
    assert route.call_count == 2


@respx.mock
async def test_gives_up_after_the_configured_attempts(http):
    route = respx.post(f"{BASE}/letasyl/v1/person-lookups").mock(return_value=httpx.Response(500))
    with pytest.raises(UpstreamFailure) as failure:
        await LetAsylClient(http, FAST).find_person(CPR, "101")
    assert route.call_count == 3
    assert failure.value.system == "letasyl"


@respx.mock
@pytest.mark.parametrize("attempts", [1, 2])
async def test_a_retry_sequence_counts_its_first_attempt(http, attempts):
    route = respx.post(f"{BASE}/letasyl/v1/person-lookups").mock(return_value=httpx.Response(503))
    with pytest.raises(UpstreamFailure):
        await LetAsylClient(http, CallPolicy(deadline_seconds=2.0, attempts=attempts)).find_person(CPR, "101")
    assert route.call_count == attempts


@respx.mock
async def test_non_idempotent_profile_creation_is_not_retried_after_a_5xx(http):
    respx.post(f"{BASE}/jobnet/v1/profile-lookups").mock(return_value=httpx.Response(404))
    create = respx.post(f"{BASE}/jobnet/v1/profiles").mock(return_value=httpx.Response(500))
    with pytest.raises(UpstreamFailure):
        await JobnetClient(http, FAST).ensure_profile(CPR, "A", "B")
    assert create.call_count == 1, "a create that may have reached Jobnet must not be sent twice"


@respx.mock
async def test_non_idempotent_request_is_retried_when_it_never_connected(http):
    respx.post(f"{BASE}/jobnet/v1/profile-lookups").mock(return_value=httpx.Response(404))
    create = respx.post(f"{BASE}/jobnet/v1/profiles").mock(
        side_effect=[httpx.ConnectError("refused"), httpx.Response(201, json={"cv_number": 5000001})]
    )
    assert await JobnetClient(http, FAST).ensure_profile(CPR, "A", "B") == (5000001, True)
    assert create.call_count == 2


@respx.mock
async def test_C7_profile_created_concurrently_elsewhere_is_looked_up(http):
    respx.post(f"{BASE}/jobnet/v1/profile-lookups").mock(
        side_effect=[httpx.Response(404), httpx.Response(200, json={"cv_number": 4100099})]
    )
    respx.post(f"{BASE}/jobnet/v1/profiles").mock(return_value=httpx.Response(409))
    assert await JobnetClient(http, FAST).ensure_profile(CPR, "A", "B") == (4100099, False)


@respx.mock
async def test_the_whole_call_is_bounded_by_the_deadline(http):
    async def slow(request):
        await asyncio.sleep(5)
        return httpx.Response(200, json={})

    respx.post(f"{BASE}/letasyl/v1/data-areas/cv").mock(side_effect=slow)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(UpstreamFailure, match="no answer within"):
        await LetAsylClient(http, CallPolicy(deadline_seconds=0.3, attempts=3)).fetch_area(CPR, "101", DataArea.CV)
    assert loop.time() - started < 1.5


@respx.mock
@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, content=b"<html>maintenance</html>"),
        httpx.Response(200, json={"jobs_wanted": "not a list"}),
        httpx.Response(302, headers={"Location": "/login"}),
    ],
)
async def test_an_answer_that_breaks_the_contract_is_an_upstream_failure(http, response):
    respx.post(f"{BASE}/letasyl/v1/data-areas/cv").mock(return_value=response)
    with pytest.raises(UpstreamFailure):
        await LetAsylClient(http, FAST).fetch_area(CPR, "101", DataArea.CV)


@respx.mock
async def test_DA4_attachment_whose_bytes_do_not_match_the_checksum_is_refused(http):
    content = b"%PDF-1.4 genuine"
    attachment = Attachment(
        attachment_id="a1", title="t", kind="other", size_bytes=len(content), sha256=hashlib.sha256(content).hexdigest()
    )
    respx.get(f"{BASE}/letasyl/v1/persons/70000101/attachments/a1").mock(
        side_effect=[httpx.Response(200, content=b"%PDF-1.4 tampered"), httpx.Response(200, content=content)]
    )
    client = LetAsylClient(http, FAST)
    with pytest.raises(UpstreamFailure, match="SHA-256"):
        await client.download_attachment("70000101", attachment)
    assert await client.download_attachment("70000101", attachment) == content


@respx.mock
async def test_the_cpr_number_travels_in_the_body_never_the_url(http):
    route = respx.post(f"{BASE}/letasyl/v1/person-lookups").mock(return_value=httpx.Response(404))
    await LetAsylClient(http, FAST).find_person(CPR, "101")
    request = route.calls.last.request
    assert CPR not in str(request.url)
    assert CPR.encode() in request.content


async def _hanging() -> httpx.Response:
    await asyncio.sleep(30)
    raise AssertionError("unreachable")


async def test_the_deadline_is_a_failure_of_the_call_and_leaves_the_task_uncancelled():
    """The deadline cancels the call, as asyncio.timeout_at would, and takes its cancellation back: the task goes on
    (an UpstreamFailure to handle, not a cancelled request)."""
    with pytest.raises(UpstreamFailure, match=r"no answer within 0\.05s"):
        await call("letasyl", CallPolicy(deadline_seconds=0.05, attempts=1), _hanging, idempotent=True)
    task = asyncio.current_task()
    assert task is not None and task.cancelling() == 0
    await asyncio.sleep(0)  # no cancellation left pending


async def test_a_cancellation_from_outside_stays_a_cancellation_even_at_the_deadline():
    async def cancelled_at(delay: float, deadline: float) -> None:
        task = asyncio.create_task(
            call("letasyl", CallPolicy(deadline_seconds=deadline, attempts=1), _hanging, idempotent=True)
        )
        await asyncio.sleep(delay)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    await cancelled_at(0.02, 5.0)  # long before the deadline
    await cancelled_at(0.05, 0.05)  # the deadline and the cancellation in the same moment


async def test_an_answer_within_the_deadline_leaves_no_timer_behind():
    async def quick() -> httpx.Response:
        return httpx.Response(200)

    for _ in range(5):
        assert (await call("letasyl", CallPolicy(deadline_seconds=0.05, attempts=1), quick, idempotent=True)).is_success
    await asyncio.sleep(0.1)  # past every deadline: none fires into the task
    task = asyncio.current_task()
    assert task is not None and task.cancelling() == 0
