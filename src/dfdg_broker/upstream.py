"""How the broker calls an upstream system: one overall deadline per call (retries included), retries only for
idempotent requests, the correlation ID on every request, and one error type for "it did not answer"."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import httpx
from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from dfdg_broker import correlation

T = TypeVar("T")


class UpstreamFailure(Exception):
    """The upstream did not give a usable answer (down, timed out, 5xx, or broke its contract)."""

    def __init__(self, system: str, reason: str) -> None:
        super().__init__(f"{system}: {reason}")
        self.system = system
        self.reason = reason


class _Retryable(Exception):
    """An answer worth asking again for (5xx, 429, transport error)."""


@dataclass(frozen=True, slots=True)
class CallPolicy:
    deadline_seconds: float = 8.0
    attempts: int = 3


@dataclass(frozen=True, slots=True)
class Upstream:
    """What every upstream client is built from: the one pooled HTTP client and the call policy."""

    http: httpx.AsyncClient
    policy: CallPolicy


async def call(
    system: str, policy: CallPolicy, send: Callable[[], Awaitable[httpx.Response]], *, idempotent: bool
) -> httpx.Response:
    """Send, retrying transient failures of idempotent requests, all within ``policy.deadline_seconds``.

    Returns any response below 500 (the caller interprets 4xx); raises ``UpstreamFailure`` otherwise.
    A non-idempotent request is retried only when it provably never reached the server (connect errors).
    """

    async def attempt() -> httpx.Response:
        try:
            response = await send()
        except httpx.ConnectError as exc:
            raise _Retryable(f"connect error: {type(exc).__name__}") from exc
        except httpx.TransportError as exc:
            if idempotent:
                raise _Retryable(f"transport error: {type(exc).__name__}") from exc
            raise UpstreamFailure(system, f"transport error: {type(exc).__name__}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            if idempotent:
                raise _Retryable(f"status {response.status_code}")
            raise UpstreamFailure(system, f"status {response.status_code}")
        return response

    retrying = AsyncRetrying(
        stop=stop_after_attempt(policy.attempts),
        wait=wait_exponential_jitter(multiplier=0.1, max=1.0, jitter=0.1),
        retry=retry_if_exception_type(_Retryable),
        reraise=True,
    )
    try:
        async with asyncio.timeout(policy.deadline_seconds):
            async for attempt_ctx in retrying:
                with attempt_ctx:
                    return await attempt()
    except _Retryable as exc:
        raise UpstreamFailure(system, str(exc)) from exc
    except TimeoutError as exc:
        raise UpstreamFailure(system, f"no answer within {policy.deadline_seconds:g}s") from exc
    raise AssertionError("unreachable")  # pragma: no cover - AsyncRetrying either returns or raises


def correlation_headers() -> dict[str, str]:
    correlation_id = correlation.current()
    return {correlation.HEADER: correlation_id} if correlation_id else {}


def create_http_client(
    base_url: str, transport: httpx.AsyncBaseTransport | None = None, *, max_connections: int = 20
) -> httpx.AsyncClient:
    """The one pooled client for all upstream calls; per-phase timeouts here, the overall deadline in ``call``.

    Every connection it may open is kept alive for reuse (a smaller keep-alive limit closes and reopens connections
    under load), and no more requests than connections are handed to the pool at once (``BoundedTransport``)."""

    async def add_correlation_id(request: httpx.Request) -> None:
        request.headers.update(correlation_headers())

    limits = httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections)
    inner = transport or httpx.AsyncHTTPTransport(limits=limits)
    return httpx.AsyncClient(
        base_url=base_url,
        transport=BoundedTransport(inner, max_connections),
        timeout=httpx.Timeout(5.0, connect=2.0),
        event_hooks={"request": [add_correlation_id]},
    )


class BoundedTransport(httpx.AsyncBaseTransport):
    """At most ``limit`` requests in the connection pool at once, the rest wait here (in the call's deadline).

    httpcore's pool re-examines every connection for every waiting request whenever a request enters or leaves it,
    so a deep queue in the pool costs time quadratic in its depth (40 % of the broker's CPU under 50 concurrent
    creates). Waiting on a semaphore costs nothing. A request leaves when its response body is closed."""

    def __init__(self, inner: httpx.AsyncBaseTransport, limit: int) -> None:
        self._inner = inner
        self._slots = asyncio.Semaphore(limit)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await self._slots.acquire()
        try:
            response = await self._inner.handle_async_request(request)
        except BaseException:
            self._slots.release()
            raise
        response.stream = _ReleasingStream(response.stream, self._slots)
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class _ReleasingStream(httpx.AsyncByteStream):
    def __init__(self, stream: httpx.SyncByteStream | httpx.AsyncByteStream, slots: asyncio.Semaphore) -> None:
        assert isinstance(stream, httpx.AsyncByteStream)
        self._stream = stream
        self._slots: asyncio.Semaphore | None = slots

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            if self._slots is not None:
                self._slots.release()
                self._slots = None
