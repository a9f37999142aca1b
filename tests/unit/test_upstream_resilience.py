"""Issue 12, the broker's call policy with respx isolating the upstream: the upstream's Retry-After, the circuit
breaker (open, fail fast, one half-open probe), permanent refusals and answers that must never be stored."""

from __future__ import annotations

import asyncio
import hashlib
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
import respx

from dfdg_broker.domain.areas import DataArea
from dfdg_broker.jobnet.client import JobnetClient
from dfdg_broker.jobnet.cv import JobnetCv
from dfdg_broker.letasyl.client import LetAsylClient
from dfdg_broker.upstream import (
    BreakerState,
    CallPolicy,
    UpstreamFailure,
    UpstreamRefusal,
    create_breakers,
    create_http_client,
    retry_after_seconds,
)

BASE = "http://upstream.test"
CPR = "1204882211"  # synthetic (demo persona complete-adult)
AREA = f"{BASE}/letasyl/v1/data-areas/cv"


@pytest.fixture
async def http():
    # respx stands in for httpx's own transport (httpcore); the production transport (``Http1Transport``) is tested
    # on loopback in test_upstream_transport.py.
    async with create_http_client(BASE, httpx.AsyncHTTPTransport()) as client:
        yield client


async def _breaker_policy(failures: int = 2, cooldown: float = 0.3, deadline: float = 2.0) -> CallPolicy:
    breakers = await create_breakers(failures, cooldown)
    return CallPolicy(deadline_seconds=deadline, attempts=1, breaker=breakers["letasyl"])


def test_retry_after_in_seconds_or_as_an_http_date():
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    assert retry_after_seconds(httpx.Response(503, headers={"Retry-After": "12"})) == 12
    later = format_datetime(now + timedelta(seconds=90), usegmt=True)
    assert retry_after_seconds(httpx.Response(503, headers={"Retry-After": later}), now=now) == 90
    assert retry_after_seconds(httpx.Response(503, headers={"Retry-After": "soon"})) is None
    assert retry_after_seconds(httpx.Response(503)) is None


@respx.mock
async def test_a_retry_waits_what_the_upstream_asks_in_retry_after(http):
    route = respx.post(AREA).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "1"}),
            httpx.Response(200, json={"professional_profile": "Bager"}),
        ]
    )
    started = time.perf_counter()
    await LetAsylClient(http, CallPolicy(deadline_seconds=3, attempts=3)).fetch_area(CPR, "101", DataArea.CV)
    assert route.call_count == 2 and time.perf_counter() - started >= 1.0


@respx.mock
async def test_a_retry_after_beyond_the_deadline_gives_up_at_once_and_passes_the_figure_on(http):
    route = respx.post(AREA).mock(return_value=httpx.Response(503, headers={"Retry-After": "120"}))
    started = time.perf_counter()
    with pytest.raises(UpstreamFailure) as failure:
        await LetAsylClient(http, CallPolicy(deadline_seconds=3, attempts=3)).fetch_area(CPR, "101", DataArea.CV)
    assert route.call_count == 1 and time.perf_counter() - started < 2.0  # not the 3 s deadline, nor 120 s
    assert failure.value.retry_after_seconds == 120


@respx.mock
async def test_breaker_opens_after_n_failures_then_fails_fast_with_the_remaining_cool_down(http):
    policy = await _breaker_policy(failures=2, cooldown=30)
    route = respx.post(AREA).mock(return_value=httpx.Response(500))
    client = LetAsylClient(http, policy)
    for _ in range(2):
        with pytest.raises(UpstreamFailure):
            await client.fetch_area(CPR, "101", DataArea.CV)
    assert policy.breaker is not None and policy.breaker.state is BreakerState.OPEN
    started = time.perf_counter()
    for _ in range(20):
        with pytest.raises(UpstreamFailure) as failure:
            await client.fetch_area(CPR, "101", DataArea.CV)
        assert failure.value.reason_code == "circuit_open"
    assert time.perf_counter() - started < 2.0  # nothing waited for the 30 s cool-down
    assert route.call_count == 2, "an open circuit does not call the upstream"
    assert 28 < failure.value.retry_after_seconds <= 30


@respx.mock
async def test_a_success_resets_the_failures_counted_so_far_and_the_count_starts_again(http):
    policy = await _breaker_policy(failures=3, cooldown=30)
    assert policy.breaker is not None
    client = LetAsylClient(http, policy)
    route = respx.post(AREA).mock(return_value=httpx.Response(500))
    for expected in (1, 2):
        with pytest.raises(UpstreamFailure):
            await client.fetch_area(CPR, "101", DataArea.CV)
        assert policy.breaker.consecutive_failures == expected
    route.mock(return_value=httpx.Response(200, json={"jobs_wanted": "not a list"}))
    with pytest.raises(UpstreamFailure):  # a contract violation: the call itself succeeded
        await client.fetch_area(CPR, "101", DataArea.CV)
    assert policy.breaker.consecutive_failures == 0
    assert policy.breaker.state is BreakerState.CLOSED
    route.mock(return_value=httpx.Response(500))
    for _ in range(2):  # two failures after the reset: still closed (three in a row open it)
        with pytest.raises(UpstreamFailure):
            await client.fetch_area(CPR, "101", DataArea.CV)
    assert policy.breaker.state is BreakerState.CLOSED
    with pytest.raises(UpstreamFailure):
        await client.fetch_area(CPR, "101", DataArea.CV)
    assert policy.breaker.state is BreakerState.OPEN


@respx.mock
async def test_breaker_half_open_lets_one_probe_through_and_closes_on_its_success(http):
    policy = await _breaker_policy(failures=1, cooldown=0.2)
    answers = iter([httpx.Response(500)])
    gate = asyncio.Event()

    async def upstream(request):
        answer = next(answers, None)
        if answer is not None:
            return answer
        await gate.wait()
        return httpx.Response(200, json={})

    route = respx.post(AREA).mock(side_effect=upstream)
    client = LetAsylClient(http, policy)
    with pytest.raises(UpstreamFailure):
        await client.fetch_area(CPR, "101", DataArea.CV)
    await asyncio.sleep(0.25)
    assert policy.breaker is not None and policy.breaker.state is BreakerState.HALF_OPEN
    probe = asyncio.create_task(client.fetch_area(CPR, "101", DataArea.CV))
    await asyncio.sleep(0.05)
    with pytest.raises(UpstreamFailure) as other:
        await client.fetch_area(CPR, "101", DataArea.CV)
    assert other.value.reason_code == "circuit_open", "only one probe at a time"
    gate.set()
    await probe
    assert policy.breaker.state is BreakerState.CLOSED and route.call_count == 2


@respx.mock
async def test_a_failed_probe_opens_the_circuit_again(http):
    policy = await _breaker_policy(failures=1, cooldown=0.2)
    respx.post(AREA).mock(return_value=httpx.Response(502))
    client = LetAsylClient(http, policy)
    with pytest.raises(UpstreamFailure):
        await client.fetch_area(CPR, "101", DataArea.CV)
    await asyncio.sleep(0.25)
    with pytest.raises(UpstreamFailure) as probe:
        await client.fetch_area(CPR, "101", DataArea.CV)
    assert probe.value.reason_code == "unavailable"
    assert policy.breaker is not None and policy.breaker.state is BreakerState.OPEN


@respx.mock
async def test_a_hung_upstream_counts_as_a_failure(http):
    policy = await _breaker_policy(failures=1, cooldown=30, deadline=0.2)

    async def hang(request):
        await asyncio.sleep(10)

    respx.post(AREA).mock(side_effect=hang)
    with pytest.raises(UpstreamFailure, match="no answer within"):
        await LetAsylClient(http, policy).fetch_area(CPR, "101", DataArea.CV)
    assert policy.breaker is not None and policy.breaker.state is BreakerState.OPEN


@respx.mock
async def test_contract_violations_do_not_open_the_circuit(http):
    policy = await _breaker_policy(failures=1, cooldown=30)
    respx.post(AREA).mock(return_value=httpx.Response(200, json={"jobs_wanted": "not a list"}))
    for _ in range(3):
        with pytest.raises(UpstreamFailure) as failure:
            await LetAsylClient(http, policy).fetch_area(CPR, "101", DataArea.CV)
        assert failure.value.reason_code == "upstream_contract_violation"
    assert policy.breaker is not None and policy.breaker.state is BreakerState.CLOSED


@respx.mock
@pytest.mark.parametrize(
    ("status", "body", "reason", "upstream_code"),
    [
        (404, {"code": "profile_unknown", "title": "No such CV number"}, "jobnet_profile_unknown", "profile_unknown"),
        (400, {"code": "cv_invalid", "detail": "free text with 1204882211"}, "refused_by_upstream", "cv_invalid"),
        (403, {"code": "Not A Code!"}, "refused_by_upstream", None),
    ],
)
async def test_permanent_refusals_are_not_retried_and_say_what_was_refused(http, status, body, reason, upstream_code):
    route = respx.put(f"{BASE}/jobnet/v1/cvs/4100001").mock(return_value=httpx.Response(status, json=body))
    cv = JobnetCv.model_validate({"consent": False, "searchable": False})
    with pytest.raises(UpstreamRefusal) as refusal:
        await JobnetClient(http, CallPolicy(deadline_seconds=2, attempts=3)).put_cv(4100001, cv, "101")
    assert route.call_count == 1
    assert (refusal.value.status, refusal.value.reason_code, refusal.value.upstream_code) == (
        status,
        reason,
        upstream_code,
    )
    assert CPR not in str(refusal.value)


def _listing(**attachment) -> dict:
    content = b"%PDF-1.4"
    entry = {
        "attachment_id": "att-1",
        "title": "Udtalelse",
        "kind": "other",
        "size_bytes": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
    }
    return {"attachments": [entry | attachment]}


@respx.mock
@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, json=_listing(attachment_id="a" * 81)),
        httpx.Response(200, json=_listing(attachment_id='att"1')),
        httpx.Response(200, json=_listing(attachment_id="att-1\r\nSet-Cookie: x=1")),
        httpx.Response(200, json=_listing(title="Udtalelse\u0000")),
        httpx.Response(200, json=_listing(media_type="application/pdf\r\nX-Evil: 1")),
        httpx.Response(200, json=_listing(concerns_person_id="7" * 41)),
        httpx.Response(200, content=b'{"attachments": []}', headers={"content-type": "text/html"}),
    ],
)
async def test_values_that_would_break_storage_are_refused_at_the_client_boundary(http, answer):
    respx.post(f"{BASE}/letasyl/v1/data-areas/attachments").mock(return_value=answer)
    with pytest.raises(UpstreamFailure) as failure:
        await LetAsylClient(http, CallPolicy()).fetch_area(CPR, "101", DataArea.ATTACHMENTS)
    assert failure.value.reason_code == "upstream_contract_violation"


async def test_per_upstream_settings_default_to_the_shared_base_url(tmp_path):
    from dfdg_broker.settings import Settings

    settings = Settings(
        upstream_base_url="http://shared.test",
        jobnet_base_url="https://jobnet.test",
        jobnet_deadline_seconds=3,
        jobnet_bearer_token="t0ken-for-jobnet",
        cpr_read_timeout_seconds=9,
    )
    assert settings.upstream("letasyl").base_url == "http://shared.test"
    assert settings.upstream("cpr").base_url == "http://shared.test"
    jobnet = settings.upstream("jobnet")
    assert (jobnet.base_url, jobnet.deadline_seconds, jobnet.bearer_token) == (
        "https://jobnet.test",
        3,
        "t0ken-for-jobnet",
    )
    assert settings.upstream("letasyl").deadline_seconds == settings.upstream_call_deadline_seconds
    assert settings.upstream("cpr").read_timeout_seconds == 9
    with pytest.raises(ValueError, match="CLIENT_CERT_FILE"):
        Settings(cpr_client_key_file=tmp_path / "key.pem")


@respx.mock
async def test_each_upstream_gets_its_own_base_url_timeouts_and_bearer_token():
    from dfdg_broker.settings import Settings
    from dfdg_broker.upstream import create_upstreams

    settings = Settings(
        upstream_base_url="http://shared.test",
        jobnet_base_url="http://jobnet.test",
        jobnet_bearer_token="t0ken-for-jobnet",
        jobnet_connect_timeout_seconds=1.5,
        jobnet_read_timeout_seconds=4,
    )
    upstreams = await create_upstreams(settings, httpx.AsyncHTTPTransport())  # what respx stands in for
    try:
        # No pool timeout: a request waits for a connection as long as the call's deadline allows.
        assert upstreams.jobnet.http.timeout == httpx.Timeout(4, connect=1.5, pool=None)
        lookup = respx.post("http://jobnet.test/jobnet/v1/profile-lookups").mock(return_value=httpx.Response(404))
        person = respx.post("http://shared.test/letasyl/v1/person-lookups").mock(return_value=httpx.Response(404))
        await JobnetClient(upstreams.jobnet.http, upstreams.jobnet.policy).find_profile(CPR)
        await LetAsylClient(upstreams.letasyl.http, upstreams.letasyl.policy).find_person(CPR, "101")
        assert lookup.calls.last.request.headers["Authorization"] == "Bearer t0ken-for-jobnet"
        assert "Authorization" not in person.calls.last.request.headers
        assert upstreams.letasyl.policy.breaker is not upstreams.jobnet.policy.breaker
    finally:
        await upstreams.aclose()
