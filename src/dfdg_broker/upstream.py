"""How the broker calls an upstream system (LetAsyl, Jobnet, the CPR register): one overall deadline per call
(retries included), retries only for idempotent requests and within the upstream's own ``Retry-After``, a circuit
breaker per upstream, the correlation ID on every request, and one error type for "it did not answer".

The breaker is purgatory's (asyncio-native, typed, maintained): after ``failures`` failed calls in a row the
upstream is not called for ``cooldown_seconds``; then one probe goes through (half-open) while the other calls
still fail fast, and its outcome closes or re-opens the circuit. A failed call is one whose whole retry sequence
ended without an answer below 500 (or 429); an answer that breaks the contract is the client's to judge and does not
count: one person's odd data must not cut every caseworker off.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from enum import StrEnum
from json import JSONEncoder
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
import httpx._client as _httpx_client
from purgatory import AsyncCircuitBreakerFactory
from purgatory.domain.model import ClosedState, OpenedState
from pydantic import BaseModel, ValidationError
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from dfdg_broker import correlation, metrics, tracing
from dfdg_broker.upstream_transport import Http1Transport, headers_from_items

if TYPE_CHECKING:
    from purgatory.service._async.circuitbreaker import AsyncCircuitBreaker

    from dfdg_broker.settings import Settings, UpstreamSettings

SYSTEMS = ("letasyl", "jobnet", "cpr")
M = TypeVar("M", bound=BaseModel)
log = logging.getLogger(__name__)


class UpstreamFailure(Exception):
    """The upstream did not give a usable answer (down, timed out, 5xx, circuit open, or broke its contract).

    ``retry_after_seconds``: when it is worth asking again, if known (the upstream's ``Retry-After``, or what is
    left of the breaker's cool-down). ``reason_code`` is a fixed vocabulary for ``stale_reason`` and metrics."""

    def __init__(
        self, system: str, reason: str, *, retry_after_seconds: float | None = None, reason_code: str = "unavailable"
    ) -> None:
        super().__init__(f"{system}: {reason}")
        self.system = system
        self.reason = reason
        self.retry_after_seconds = retry_after_seconds
        self.reason_code = reason_code


class UpstreamRefusal(UpstreamFailure):
    """A permanent refusal (4xx other than 429): asking again will not help, so it is no 503 with Retry-After.

    ``upstream_code``: the upstream's own problem ``code``, if it sent a well-formed one."""

    def __init__(self, system: str, status: int, *, reason_code: str, upstream_code: str | None = None) -> None:
        super().__init__(system, f"refused with status {status}", reason_code=reason_code)
        self.status = status
        self.upstream_code = upstream_code


_PROBLEM_CODE = re.compile(r"^[a-z0-9_]{1,60}$")


def refusal(system: str, response: httpx.Response, *, reason_code: str = "refused_by_upstream") -> UpstreamRefusal:
    """The permanent 4xx ``response`` as an ``UpstreamRefusal``, keeping the upstream's problem code if it is one of
    ours to repeat (a short snake_case word; free text is not echoed: it may hold personal data)."""
    code: str | None = None
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("code"), str) and _PROBLEM_CODE.match(body["code"]):
        code = body["code"]
    return UpstreamRefusal(system, response.status_code, reason_code=reason_code, upstream_code=code)


def contract_violation(system: str, what: str) -> UpstreamFailure:
    """An answer the broker must not store or serve: logged (with the correlation ID, by the log format) and turned
    into a failure whose ``reason_code`` names it, so a read serves the held snapshot with that ``stale_reason``."""
    log.warning("%s broke its contract: %s", system, what)
    return UpstreamFailure(system, f"answer breaks the contract: {what}", reason_code="upstream_contract_violation")


def json_content(system: str, response: httpx.Response) -> bytes:
    """The body, JSON (by media type) without NUL characters (no database stores them), not yet validated."""
    content_type = response.headers.get("content-type", "")
    if not content_type.startswith("application/") or "json" not in content_type:
        raise contract_violation(system, f"media type {content_type[:60]!r} instead of JSON")
    if b"\\u0000" in response.content:
        raise contract_violation(system, "a NUL character in a value")
    return response.content


def validate_json(system: str, content: bytes, model: type[M]) -> M:
    """``content`` (from ``json_content``) as ``model``; invalid is a contract violation."""
    try:
        return model.model_validate_json(content)
    except ValidationError as exc:
        fields = sorted({".".join(str(p) for p in error["loc"]) for error in exc.errors()})[:5]
        raise contract_violation(system, f"{exc.error_count()} invalid value(s) at {', '.join(fields)}") from None


def parse_answer(system: str, response: httpx.Response, model: type[M], *, expect: int = 200) -> M:
    """The answer as ``model`` when it has the ``expect``-ed status (``answer_content``, then ``validate_json``)."""
    return validate_json(system, answer_content(system, response, expect=expect), model)


def answer_content(system: str, response: httpx.Response, *, expect: int = 200) -> bytes:
    """The answer's JSON bytes, not yet validated, when it has the ``expect``-ed status; another 4xx is the upstream
    refusing (a problem that says what is wrong, not a retryable 503), anything else breaks the contract."""
    if response.status_code != expect:
        if 400 <= response.status_code < 500:
            raise refusal(system, response)
        raise contract_violation(system, f"unexpected status {response.status_code}")
    return json_content(system, response)


class _Retryable(Exception):
    """An answer worth asking again for (5xx, 429, transport error), with the upstream's Retry-After if it sent one."""

    def __init__(self, reason: str, retry_after_seconds: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after_seconds = retry_after_seconds


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class Breaker:
    """One upstream's circuit breaker. Read by /readyz and metrics through ``state``, ``retry_after_seconds()`` and
    ``consecutive_failures``; used by ``call`` through ``enter()`` and ``exit()`` around each call."""

    def __init__(self, system: str, circuit: AsyncCircuitBreaker, cooldown_seconds: float) -> None:
        self.system = system
        self._circuit = circuit
        self._cooldown = cooldown_seconds
        self._probe_in_flight = False

    @property
    def state(self) -> BreakerState:
        context = self._circuit.context
        if context.state == "closed":
            return BreakerState.CLOSED
        if context.state == "half-opened" or self.retry_after_seconds() == 0:
            return BreakerState.HALF_OPEN  # cooled down: the next call is the probe
        return BreakerState.OPEN

    @property
    def consecutive_failures(self) -> int:
        return self._circuit.context.failure_count or 0

    def retry_after_seconds(self) -> float | None:
        """What is left of the cool-down while open (0 once a probe may go); None when closed."""
        context = self._circuit.context
        if context.state == "closed":
            return None
        if context.state == "half-opened" or context.opened_at is None:
            return 0.0
        return max(0.0, context.opened_at + self._cooldown - time.time())

    def _open_failure(self) -> UpstreamFailure:
        remaining = self.retry_after_seconds() or 0.0
        return UpstreamFailure(
            self.system,
            f"circuit open after repeated failures (cool-down {remaining:.0f}s left)",
            retry_after_seconds=max(1.0, remaining),
            reason_code="circuit_open",
        )

    def passes(self) -> bool:
        """Whether the breaker is closed with no failure counted: then ``enter`` would let the call through as no
        probe and ``exit(None, False)`` would change nothing (purgatory's closed state does nothing on a new request,
        and on a success only resets a failure count that is already 0), so a call need not await either (two
        coroutines and purgatory's context a call, nearly every call)."""
        state = self._circuit.context._state
        # purgatory's own fields: should they ever be renamed, every call takes the full path (never a skip).
        return type(state) is ClosedState and not getattr(state, "failure_count", 1)

    async def enter(self) -> bool:
        """Before a call: fails fast while open (and while another call is the half-open probe); returns whether
        this call is the probe (for ``exit``)."""
        probe = self._circuit.context.state != "closed"
        if probe and self._probe_in_flight:
            raise self._open_failure()
        try:
            await self._circuit.__aenter__()
        except OpenedState:
            raise self._open_failure() from None
        if probe:
            self._probe_in_flight = True
        return probe

    async def exit(self, exc: BaseException | None, probe: bool) -> None:
        """After a call: counts its outcome (``exc``: the exception it ended in, None if it succeeded)."""
        try:
            if exc is None:
                await self._circuit.__aexit__(None, None, None)
            else:
                await self._circuit.__aexit__(type(exc), exc, exc.__traceback__)
        finally:
            if probe:
                self._probe_in_flight = False


async def create_breakers(failures: int, cooldown_seconds: float) -> dict[str, Breaker]:
    """One breaker per upstream system, in memory (per process: each instance judges its own view of the upstream)."""
    factory = AsyncCircuitBreakerFactory(default_threshold=failures, default_ttl=cooldown_seconds)
    await factory.initialize()
    return {system: Breaker(system, await factory.get_breaker(system), cooldown_seconds) for system in SYSTEMS}


@dataclass(frozen=True, slots=True)
class CallPolicy:
    deadline_seconds: float = 8.0
    attempts: int = 3
    breaker: Breaker | None = field(default=None, compare=False)


def retry_after_seconds(response: httpx.Response, *, now: datetime | None = None) -> float | None:
    """The ``Retry-After`` header in seconds (delta-seconds or an HTTP date), None if absent or unreadable."""
    value = response.headers.get("Retry-After")
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


async def call(
    system: str,
    policy: CallPolicy,
    send: Callable[[], Awaitable[httpx.Response]],
    *,
    idempotent: bool,
    operation: str = "unknown",
) -> httpx.Response:
    """``_call``, measured: ``dfdg_upstream_calls_total{system,operation,outcome}`` and its duration (see
    ``metrics``), in a span of its own when the request is traced. Outcomes: ok (< 400), rejected (4xx),
    short_circuited (the breaker refused), failed."""
    started = time.perf_counter()
    if not tracing.traced():
        return await _measured(system, policy, send, idempotent, operation, started, None)
    with tracing.upstream_span(system, operation) as span:
        return await _measured(system, policy, send, idempotent, operation, started, span)


async def _measured(
    system: str,
    policy: CallPolicy,
    send: Callable[[], Awaitable[httpx.Response]],
    idempotent: bool,
    operation: str,
    started: float,
    span: Any,
) -> httpx.Response:
    outcome = "failed"
    try:
        response = await _call(system, policy, send, idempotent=idempotent, operation=operation)
        outcome = "ok" if response.status_code < 400 else "rejected"
        return response
    except UpstreamFailure as failure:
        if failure.reason_code == "circuit_open":
            outcome = "short_circuited"
        raise
    finally:
        metrics.observe_upstream(system, operation, outcome, time.perf_counter() - started)
        tracing.end_upstream_span(span, outcome)


async def _call(
    system: str,
    policy: CallPolicy,
    send: Callable[[], Awaitable[httpx.Response]],
    *,
    idempotent: bool,
    operation: str = "unknown",
) -> httpx.Response:
    """Send, retrying transient failures of idempotent requests, all within ``policy.deadline_seconds``.

    Returns any response below 500 but 429 (the caller interprets 4xx); raises ``UpstreamFailure`` otherwise. A
    non-idempotent request is retried only when it provably never reached the server (connect errors). A retry
    waits at least what the upstream's ``Retry-After`` asks; if that does not fit in the deadline, the call gives
    up at once and passes the upstream's figure on. ``operation`` is a fixed name (for metrics and logs).
    """
    loop = asyncio.get_running_loop()
    ends_at = loop.time() + policy.deadline_seconds
    breaker = policy.breaker
    deadline = _Deadline(loop, ends_at)
    try:
        try:
            probe = await breaker.enter() if breaker is not None and not breaker.passes() else False
            try:
                # Nearly every call succeeds at once: tenacity's machinery (some 20 us of CPU a call, a tenth of
                # what a call costs the broker besides the network) is set up only after a failure.
                try:
                    response = await _attempt(system, send, idempotent)
                except _Retryable as failure:
                    response = await _retry(system, policy, send, idempotent, loop, ends_at, failure)
            except BaseException as exc:
                if breaker is not None:
                    await breaker.exit(exc, probe)
                raise
            if breaker is not None and (probe or not breaker.passes()):
                await breaker.exit(None, probe)
        except BaseException as exc:
            if deadline.end(exc):
                raise TimeoutError from exc
            raise
        deadline.end(None)
        return response
    except _Retryable as exc:
        raise UpstreamFailure(system, str(exc), retry_after_seconds=exc.retry_after_seconds) from exc
    except TimeoutError as exc:
        raise UpstreamFailure(system, f"no answer within {policy.deadline_seconds:g}s") from exc


class _Deadline:
    """``async with asyncio.timeout_at(when)`` around one call, as asyncio does it (the task cancelled when the time
    comes, the cancellation turned into ``TimeoutError`` unless the task was also cancelled from elsewhere), without
    its general machinery: that cost three times the timer itself, some 4 us of CPU a call (issue 14)."""

    __slots__ = ("_cancelling", "_expired", "_handle", "_task")

    def __init__(self, loop: asyncio.AbstractEventLoop, when: float) -> None:
        task = asyncio.current_task(loop)  # with the loop given: no lookup of the running loop (a getpid on 3.11)
        if task is None:
            raise RuntimeError("Timeout should be used inside a task")
        self._task = task
        self._cancelling = task.cancelling()
        self._expired = False
        self._handle = loop.call_at(when, self._expire)

    def _expire(self) -> None:
        self._task.cancel()
        self._expired = True

    def end(self, exc: BaseException | None) -> bool:
        """Stops the clock when the call ended (``exc``: how, None if it returned); True when ``exc`` is this
        deadline's cancellation, to be raised as ``TimeoutError``."""
        self._handle.cancel()
        if not self._expired:
            return False
        return self._task.uncancel() <= self._cancelling and type(exc) is asyncio.CancelledError


async def _attempt(system: str, send: Callable[[], Awaitable[httpx.Response]], idempotent: bool) -> httpx.Response:
    try:
        response = await send()
    except httpx.ConnectError as exc:
        raise _Retryable(f"connect error: {type(exc).__name__}") from exc
    except httpx.TransportError as exc:
        if idempotent:
            raise _Retryable(f"transport error: {type(exc).__name__}") from exc
        raise UpstreamFailure(system, f"transport error: {type(exc).__name__}") from exc
    if response.status_code >= 500 or response.status_code == 429:
        wait = retry_after_seconds(response) if response.status_code in (429, 503) else None
        if idempotent:
            raise _Retryable(f"status {response.status_code}", wait)
        raise UpstreamFailure(system, f"status {response.status_code}", retry_after_seconds=wait)
    return response


async def _retry(
    system: str,
    policy: CallPolicy,
    send: Callable[[], Awaitable[httpx.Response]],
    idempotent: bool,
    loop: asyncio.AbstractEventLoop,
    ends_at: float,
    first_failure: _Retryable,
) -> httpx.Response:
    """The attempts after the first failed one. The first failure is replayed as tenacity's attempt 1, so that its
    count, back-off and Retry-After rules see the whole sequence."""

    def wait(state: RetryCallState) -> float:
        return max(_BACKOFF(state), _asked_wait(state) or 0.0)

    def stop(state: RetryCallState) -> bool:
        asked = _asked_wait(state)
        return stop_after_attempt(policy.attempts)(state) or (asked is not None and loop.time() + asked >= ends_at)

    replay: _Retryable | None = first_failure
    retrying = AsyncRetrying(stop=stop, wait=wait, retry=retry_if_exception_type(_Retryable), reraise=True)
    async for attempt_ctx in retrying:
        with attempt_ctx:
            if replay is not None:
                failure, replay = replay, None
                raise failure
            return await _attempt(system, send, idempotent)
    raise AssertionError("unreachable")  # pragma: no cover - AsyncRetrying either returns or raises


_BACKOFF = wait_exponential_jitter(multiplier=0.1, max=1.0, jitter=0.1)


def _asked_wait(state: RetryCallState) -> float | None:
    exc = state.outcome.exception() if state.outcome else None
    return exc.retry_after_seconds if isinstance(exc, _Retryable) else None


def our_retry_after(failure: UpstreamFailure, default_seconds: int) -> int:
    """The ``Retry-After`` the broker gives its own caller: the upstream's or the breaker's figure if known."""
    if failure.retry_after_seconds is None:
        return default_seconds
    return max(1, math.ceil(failure.retry_after_seconds))


class UpstreamHttpClient(httpx.AsyncClient):
    """httpx's client without the per-request costs that buy nothing against an upstream (together some 40 % of a
    call's CPU in the client, issue 14):

    - No cookies. httpx keeps a cookie jar per client and runs every response through it; the upstreams
      authenticate with a bearer token and need no cookies, and one pooled client serves every caseworker, so a
      cookie an upstream set while answering for one of them must not ride along on another's requests anyway.
    - A plain path (``/letasyl/v1/persons/p-1/attachments/a-2``: letters, digits, ``-._~``, no ``.`` or ``..``
      segment, no query) is appended to the base URL's path as httpx would merge it, without parsing either URL
      again (httpx parses twice per request). Any other URL is httpx's to merge.
    - The request the clients make (a path, a JSON body or none, nothing else) is built as httpx would build it,
      header for header and byte for byte, but in one go: httpx's general path copies and re-scans the headers four
      times over (``build_request``), and normalises and encodes again every header name and value it holds already.
    - ``send`` without httpx's layers for authentication and redirects when there is neither (no auth, redirects
      not followed, the body read whole): the event hooks, the transport and what httpx does with its answer
      (``_send_single_request``), in one frame. Any other send takes httpx's own path.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._no_cookies = _NoCookies()

    @property
    def cookies(self) -> httpx.Cookies:
        return self._no_cookies

    @cookies.setter
    def cookies(self, cookies: Any) -> None:
        raise TypeError("an upstream client keeps no cookies")

    def _merge_url(self, url: httpx.URL | str) -> httpx.URL:
        if isinstance(url, str) and _PLAIN_PATH.fullmatch(url):
            base = self._base_url._uri_reference
            base_path = base.path or "/"
            if base.host and base_path.endswith("/") and base.query is None and base.fragment is None:
                # httpx: base.copy_with(raw_path=base.raw_path + path.lstrip("/")), a base path ending in "/". A
                # plain path needs no quoting and has no dot segments to remove, so the parts are base's but the path.
                merged = httpx.URL.__new__(httpx.URL)
                merged._uri_reference = type(base)(
                    base.scheme, base.userinfo, base.host, base.port, base_path + url[1:], None, None
                )
                return merged
        return super()._merge_url(url)

    def build_request(
        self,
        method: str,
        url: httpx.URL | str,
        *,
        content: Any = None,
        data: Any = None,
        files: Any = None,
        json: Any = None,
        params: Any = None,
        headers: Any = None,
        cookies: Any = None,
        timeout: Any = httpx.USE_CLIENT_DEFAULT,
        extensions: Any = None,
    ) -> httpx.Request:
        if (
            not isinstance(url, str)
            or content is not None
            or data is not None
            or files is not None
            or params is not None
            or headers is not None
            or cookies is not None
            or extensions is not None
            or timeout is not httpx.USE_CLIENT_DEFAULT
            or self.params
        ):
            return self._httpx_build_request(
                method, url, content, data, files, json, params, headers, cookies, timeout, extensions
            )
        target = self._merge_url(url)
        if not target.host:
            return self._httpx_build_request(
                method, url, content, data, files, json, params, headers, cookies, timeout, extensions
            )
        # What httpx.Request makes of (method, url, json=...) with the client's headers: Host first, a bodiless
        # POST/PUT/PATCH's "Content-Length: 0" next, the client's headers, then the JSON body's length and type.
        # The headers as httpx.Headers holds them (name, lower-case name, value), the client's already checked.
        method = method.upper()
        fields = [(b"Host", b"host", target.netloc)]
        if json is not None:
            body = _json_text(json).encode("utf-8")
            fields += self._headers._list
            fields += (
                (b"Content-Length", b"content-length", b"%d" % len(body)),
                (b"Content-Type", b"content-type", b"application/json"),
            )
        else:
            body = b""
            if method in ("POST", "PUT", "PATCH"):
                fields.append((b"Content-Length", b"content-length", b"0"))
            fields += self._headers._list
        request = httpx.Request.__new__(httpx.Request)
        request.method = method
        request.url = target
        request.headers = headers_from_items(fields)
        request.extensions = {"timeout": self.timeout.as_dict()}
        request.stream = httpx.ByteStream(body)
        request._content = body  # what request.read() stores
        return request

    def _httpx_build_request(
        self,
        method: str,
        url: httpx.URL | str,
        content: Any,
        data: Any,
        files: Any,
        json: Any,
        params: Any,
        headers: Any,
        cookies: Any,
        timeout: Any,
        extensions: Any,
    ) -> httpx.Request:
        return super().build_request(
            method,
            url,
            content=content,
            data=data,
            files=files,
            json=json,
            params=params,
            headers=headers,
            cookies=cookies,
            timeout=timeout,
            extensions=extensions,
        )

    async def send(
        self,
        request: httpx.Request,
        *,
        stream: bool = False,
        auth: Any = httpx.USE_CLIENT_DEFAULT,
        follow_redirects: Any = httpx.USE_CLIENT_DEFAULT,
    ) -> httpx.Response:
        if (
            stream
            or auth is not httpx.USE_CLIENT_DEFAULT
            or self._auth is not None
            or (self.follow_redirects if follow_redirects is httpx.USE_CLIENT_DEFAULT else follow_redirects)
            or request.url._uri_reference.userinfo
        ):
            return await super().send(request, stream=stream, auth=auth, follow_redirects=follow_redirects)
        # httpx's send, _send_handling_auth (no auth: the request as it is), _send_handling_redirects (one round:
        # a redirect is not followed but offered as next_request) and _send_single_request, in that order.
        if self._state == _httpx_client.ClientState.CLOSED:
            raise RuntimeError("Cannot send a request, as the client has been closed.")
        self._state = _httpx_client.ClientState.OPENED
        self._set_timeout(request)
        if self.max_redirects < 0:
            raise httpx.TooManyRedirects("Exceeded maximum allowed redirects.", request=request)
        for hook in self._event_hooks["request"]:
            await hook(request)
        transport = self._transport_for_url(request.url)
        started = time.perf_counter()
        if not isinstance(request.stream, httpx.AsyncByteStream):
            raise RuntimeError("Attempted to send an sync request with an AsyncClient instance.")
        try:
            response = await transport.handle_async_request(request)
        except httpx.RequestError as exc:
            exc.request = request
            raise
        assert isinstance(response.stream, httpx.AsyncByteStream)
        response.request = request
        response.stream = _httpx_client.BoundAsyncStream(response.stream, response=response, start=started)
        response.default_encoding = self._default_encoding
        if _httpx_log.isEnabledFor(logging.INFO):
            _httpx_log.info(
                'HTTP Request: %s %s "%s %d %s"',
                request.method,
                request.url,
                response.http_version,
                response.status_code,
                response.reason_phrase,
            )
        try:
            for hook in self._event_hooks["response"]:
                await hook(response)
            if response.has_redirect_location:
                response.next_request = self._build_redirect_request(request, response)
            await response.aread()
        except BaseException:
            await response.aclose()
            raise
        return response


_CORRELATION_NAME = correlation.HEADER.encode()
_CORRELATION_KEY = _CORRELATION_NAME.lower()
_PLAIN_PATH = re.compile(r"(?:/[A-Za-z0-9_~-][A-Za-z0-9._~-]*)+")
_httpx_log = logging.getLogger("httpx")
_json_text = JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode
"""httpx's ``json_dumps(json, ensure_ascii=False, separators=(",", ":"), allow_nan=False)``, with the encoder made
once (json.dumps makes one per call with these options, more than half of what a small body costs)."""


class _NoCookies(httpx.Cookies):
    """A jar that takes no cookies from responses (so it stays empty and adds no ``Cookie`` header)."""

    def extract_cookies(self, response: httpx.Response) -> None:
        return None


def create_http_client(
    base_url: str,
    transport: httpx.AsyncBaseTransport | None = None,
    *,
    connect_timeout: float = 2.0,
    read_timeout: float = 5.0,
    bearer_token: str | None = None,
    verify: ssl.SSLContext | bool = True,
    max_connections: int = 20,
    max_answer_bytes: int = 64 * 1024 * 1024,
) -> httpx.AsyncClient:
    """One pooled client per upstream; per-phase timeouts here, the overall deadline in ``call``.

    The requests go out through the broker's own HTTP/1.1 transport (``Http1Transport``, see
    ``dfdg_broker.upstream_transport``): httpx's own transport spent about 3 ms of CPU per call under load, most of it
    re-checking every pooled connection for every request, and aiohttp under httpx (httpx-aiohttp) about 100 us a
    call in the transport alone, against under 30 us. What the settings mean: at most ``max_connections``
    connections, every one kept alive for reuse (a smaller keep-alive limit closes and reopens connections under
    load) until idle for ``Limits``' keep-alive expiry (5 s); no more requests than connections are handed to the
    transport at once (the rest wait, within the call's deadline); the connect timeout bounds making a connection
    (TLS included), the read timeout each wait for the next bytes; and ``call``'s deadline bounds the whole call
    whatever the transport, by cancelling it."""

    async def add_correlation_id(request: httpx.Request) -> None:
        correlation_id = correlation.current()
        if correlation_id:
            headers = request.headers
            fields = headers._list
            if _CORRELATION_KEY in [key for _, key, _ in fields]:
                headers[correlation.HEADER] = correlation_id  # replaces it, the first in place, the others dropped
            else:  # what headers[...] = ... does then, without looking for it once more
                value = correlation_id.encode(headers._encoding or "utf-8")
                fields.append((_CORRELATION_NAME, _CORRELATION_KEY, value))
        tracing.inject_trace_context(request.headers)

    headers = {"Authorization": f"Bearer {bearer_token}"} if bearer_token else None
    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    # Http1Transport bounds its requests to its connections and reads every answer whole itself; another transport
    # (httpx's own, a test's) is bounded by BoundedTransport. Either way a request waits for a connection as long as
    # the call's deadline allows (no pool timeout of its own).
    inner = transport or Http1Transport(limits=limits, verify=verify, max_answer_bytes=max_answer_bytes)
    return UpstreamHttpClient(
        base_url=base_url,
        transport=inner if isinstance(inner, Http1Transport) else BoundedTransport(inner, max_connections),
        headers=headers,
        timeout=httpx.Timeout(read_timeout, connect=connect_timeout, pool=None),
        event_hooks={"request": [add_correlation_id]},
    )


@dataclass(frozen=True, slots=True)
class UpstreamLink:
    """What a client needs to reach one upstream: its HTTP client and its call policy (deadline, breaker)."""

    http: httpx.AsyncClient
    policy: CallPolicy


@dataclass(frozen=True, slots=True)
class Upstreams:
    letasyl: UpstreamLink
    jobnet: UpstreamLink
    cpr: UpstreamLink

    async def aclose(self) -> None:
        for link in (self.letasyl, self.jobnet, self.cpr):
            await link.http.aclose()


def _tls(config: UpstreamSettings) -> ssl.SSLContext | bool:
    """Mutual TLS when a client certificate is configured (the CA file, if given, replaces the system's)."""
    if config.client_cert_file is None and config.ca_file is None:
        return True
    context = ssl.create_default_context(cafile=str(config.ca_file) if config.ca_file else None)
    if config.client_cert_file is not None:
        context.load_cert_chain(
            str(config.client_cert_file), str(config.client_key_file) if config.client_key_file else None
        )
    return context


async def create_upstreams(settings: Settings, transport: httpx.AsyncBaseTransport | None = None) -> Upstreams:
    """The three upstream links, each from its own settings, with a breaker each (built once per process)."""
    breakers = await create_breakers(settings.upstream_breaker_failures, settings.upstream_breaker_cooldown_seconds)

    def link(system: str) -> UpstreamLink:
        config = settings.upstream(system)
        http = create_http_client(
            config.base_url,
            transport,
            connect_timeout=config.connect_timeout_seconds,
            read_timeout=config.read_timeout_seconds,
            bearer_token=config.bearer_token,
            verify=_tls(config),
            max_connections=settings.upstream_max_connections,
            max_answer_bytes=settings.upstream_max_answer_bytes,
        )
        return UpstreamLink(http, CallPolicy(config.deadline_seconds, settings.upstream_attempts, breakers[system]))

    return Upstreams(link("letasyl"), link("jobnet"), link("cpr"))


def breakers_of(upstreams: Upstreams) -> dict[str, Breaker]:
    """System name -> breaker, as ``app.state.breakers`` exposes them (for /readyz and metrics)."""
    links = {"letasyl": upstreams.letasyl, "jobnet": upstreams.jobnet, "cpr": upstreams.cpr}
    return {system: link.policy.breaker for system, link in links.items() if link.policy.breaker is not None}


class BoundedTransport(httpx.AsyncBaseTransport):
    """At most ``limit`` requests in the connection pool at once, the rest wait here (in the call's deadline).

    httpcore's pool re-examines every connection for every waiting request whenever a request enters or leaves it,
    so a deep queue in the pool costs time quadratic in its depth (40 % of the broker's CPU under 50 concurrent
    creates). Waiting on a semaphore costs nothing. A request keeps its slot until its response body is read, which
    happens here, in one go: the upstreams' answers are small JSON documents or files the clients read whole, and a
    body read here is not read again through the client's stream wrappers."""

    def __init__(self, inner: httpx.AsyncBaseTransport, limit: int) -> None:
        self._inner = inner
        self._slots = asyncio.Semaphore(limit)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        async with self._slots:
            response = await self._inner.handle_async_request(request)
            try:
                await response.aread()
            except BaseException:
                await response.aclose()
                raise
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()
