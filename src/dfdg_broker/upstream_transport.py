"""The transport under the broker's upstream clients: HTTP/1.1 on asyncio's own connections, parsed by httptools
(llhttp, the parser uvicorn[standard] runs the broker's own server on), under httpx's API.

Why not aiohttp under httpx (httpx-aiohttp, which this replaced): each call went through two full client stacks,
aiohttp's request and response objects under httpx's, about 100 us of CPU a call on top of httpx's own; every live
read makes one call and every create nine (issue 14). Here a call is a request head written in one piece and an
answer parsed in C: a fifth of that.

What it does, as httpx's own transport does it:

- A pool per transport: at most ``max_connections`` connections open at once (a request waits for one within the
  pool timeout), at most ``max_keepalive_connections`` kept for reuse, each closed once idle for ``keepalive_expiry``;
  the most recently used one is reused first (its server has not timed it out).
- Timeouts per phase: ``connect`` bounds opening a connection (the TLS handshake included), ``read`` each wait for
  the next bytes of an answer, ``write`` each wait for a request body to drain, ``pool`` the wait for a connection.
- Bodies with ``Content-Length`` or chunked, either way (a request body httpx could not size is sent chunked), and an
  answer delimited by the server closing the connection. ``Connection: close`` from either side: not reused.
- https with the client's TLS context (``verify``: a context, or True for httpx's default one).
- A kept-alive connection the server closed just as a request went out is tried once more on a new connection,
  for the methods HTTP calls idempotent only (GET, HEAD, PUT, DELETE, OPTIONS, TRACE) and only when not a byte of an
  answer came back, as aiohttp and browsers do. Anything else is the call policy's to retry.
- Failures as httpx names them: ``ConnectError`` (never reached the server: safe to send again), ``ConnectTimeout``,
  ``ReadTimeout``, ``WriteTimeout``, ``PoolTimeout``, ``ReadError`` (a reset), ``RemoteProtocolError`` (the server
  hung up mid-answer, or sent something that is not HTTP/1.1), ``LocalProtocolError``, ``UnsupportedProtocol``.
- An answer larger than ``max_answer_bytes`` (by its ``Content-Length``, or as it arrives) is cut off: a
  ``RemoteProtocolError``, and the connection is closed, so a misbehaving upstream cannot fill the memory.
- No cookies, no redirects, no decompression: those are httpx's, above the transport (and ``UpstreamHttpClient``
  keeps no cookies).
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterable
from typing import Any

import httptools
import httpx

IDEMPOTENT_METHODS = frozenset({b"GET", b"HEAD", b"PUT", b"DELETE", b"OPTIONS", b"TRACE"})
_DEFAULT_PORTS = {b"http": 80, b"https": 443}
_Origin = tuple[bytes, bytes, int]


class _Disconnected(httpx.RemoteProtocolError):
    """The server closed the connection before a byte of the answer arrived (maybe before the request did)."""


class _Answer:
    """What the parser collected for one request."""

    __slots__ = ("ascii", "body", "encoded", "headers", "keep_alive", "reason", "status", "version")

    def __init__(self) -> None:
        self.status = 0
        self.reason = b""
        self.version = b"HTTP/1.1"
        self.headers: list[tuple[bytes, bytes, bytes]] = []  # name, lower-case name, value: as httpx.Headers
        self.body: list[bytes] = []
        self.keep_alive = False
        self.encoded = False  # a Content-Encoding (gzip...) for httpx to decode
        self.ascii = True  # every header name and value


class _Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: one request at a time, its answer collected by httptools' callbacks."""

    def __init__(self, loop: asyncio.AbstractEventLoop, max_answer_bytes: int) -> None:
        self.loop = self._loop = loop
        self._transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._answer = _Answer()
        self._waiter: asyncio.Future[None] | None = None
        self._headers_done = False
        self._received = False  # a byte of the current answer
        self._head_only = False  # the answer to HEAD: no body whatever its headers say
        self._last_data = 0.0
        self._read_timeout = 5.0
        self._timer: asyncio.TimerHandle | None = None  # _check_read's, left running between requests
        self._timer_due = 0.0
        self._drained: asyncio.Future[None] | None = None
        self._max_answer_bytes = max_answer_bytes
        self._body_bytes = 0
        self.lost = False
        self.idle_since = 0.0

    # ---------------------------------------------------------------- asyncio's callbacks

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        if self._waiter is None or self._waiter.done():  # bytes nobody asked for: the connection is unusable
            self.close()
            return
        self._received = True
        self._last_data = self._loop.time()
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(httpx.RemoteProtocolError("the server switched protocols"))
        except httptools.HttpParserError as exc:
            self._fail(httpx.RemoteProtocolError(f"not an HTTP/1.1 answer: {exc}"))

    def eof_received(self) -> bool:
        return False  # close the connection: an answer delimited by the close is complete (connection_lost)

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self._timer is not None:  # kept for the next request, which will not come: the loop lets go of us now
            self._timer.cancel()
            self._timer = None
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)  # the sender sees ``lost`` and raises WriteError
        if self._waiter is None or self._waiter.done():
            return
        if self._headers_done and exc is None and self._delimited_by_close():
            self._answer.keep_alive = False
            self._waiter.set_result(None)
        elif not self._received:
            self._fail(_Disconnected("the server closed the connection without answering"))
        elif isinstance(exc, OSError):
            self._fail(httpx.ReadError(f"the connection broke off: {type(exc).__name__}"))
        else:
            self._fail(httpx.RemoteProtocolError("the server closed the connection in the middle of its answer"))

    def pause_writing(self) -> None:
        self._drained = self._loop.create_future()

    def resume_writing(self) -> None:
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)
        self._drained = None

    # ---------------------------------------------------------------- httptools' callbacks

    def on_status(self, status: bytes) -> None:
        self._answer.reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        key = name.lower()
        self._answer.headers.append((name, key, value))
        if not (name.isascii() and value.isascii()):
            self._answer.ascii = False
        if key == b"content-encoding":
            self._answer.encoded = True
        elif key == b"content-length" and value.strip().isdigit() and int(value) > self._max_answer_bytes:
            self._too_large()  # refused before a byte of the body is read

    def on_headers_complete(self) -> None:
        answer = self._answer
        answer.status = self._parser.get_status_code()
        if self._parser.get_http_version() == "1.0":  # known here: an answer delimited by the close never completes
            answer.version = b"HTTP/1.0"
        self._headers_done = True
        if self._head_only and answer.status >= 200:
            answer.keep_alive = False  # llhttp would wait for the body the headers announce: do not reuse
            self._finish()

    def on_body(self, body: bytes) -> None:
        if self._head_only or self._waiter is None or self._waiter.done():
            return
        self._body_bytes += len(body)
        if self._body_bytes > self._max_answer_bytes:
            self._too_large()
            return
        self._answer.body.append(body)

    def on_message_complete(self) -> None:
        answer = self._answer
        if 100 <= answer.status < 200:  # informational (103 Early Hints...): the answer follows
            self._answer, self._headers_done = _Answer(), False
            return
        answer.keep_alive = self._parser.should_keep_alive()
        self._finish()

    # ---------------------------------------------------------------- the exchange

    @property
    def usable(self) -> bool:
        return not self.lost and self._transport is not None and not self._transport.is_closing()

    async def exchange(
        self, head: bytes, body: bytes | AsyncIterable[bytes], *, chunked: bool, head_only: bool, timeouts: Any
    ) -> _Answer:
        """Send one request and return its whole answer (raises httpx's errors; the caller closes on failure)."""
        assert self._transport is not None
        if not self.usable:  # lost while idle or right after it opened: a write would vanish, the wait never end
            raise _Disconnected("the server closed the connection before the request was sent")
        self._answer = _Answer()
        self._headers_done = self._received = False
        self._body_bytes = 0
        self._head_only = head_only
        waiter = self._waiter = self._loop.create_future()
        self._read_timeout = timeouts.get("read") or 0.0
        try:
            if isinstance(body, bytes):
                self._transport.write(head + body if len(body) < 65536 else head)
                if len(body) >= 65536:
                    self._transport.write(body)
                if self._drained is not None:  # more than the socket took: the write timeout bounds the rest
                    await self._wait_drained(timeouts.get("write"))
            else:
                self._transport.write(head)
                await self._send_stream(body, chunked=chunked, write_timeout=timeouts.get("write"))
            if self._read_timeout:
                self._last_data = self._loop.time()
                self._watch_reading(self._last_data + self._read_timeout)
            await waiter
        finally:
            self._waiter = None
            if waiter.done() and not waiter.cancelled():
                waiter.exception()  # retrieved: a failure while sending leaves no "never retrieved" warning
        return self._answer

    async def _send_stream(self, body: AsyncIterable[bytes], *, chunked: bool, write_timeout: float | None) -> None:
        assert self._transport is not None
        async for chunk in body:
            if not chunk:
                continue
            self._transport.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
            if self._drained is not None:
                await self._wait_drained(write_timeout)
            if self.lost:
                raise httpx.WriteError("the connection closed while the request body was sent")
        if chunked:
            self._transport.write(b"0\r\n\r\n")

    async def _wait_drained(self, write_timeout: float | None) -> None:
        """Until the socket takes the request's bytes written so far (``resume_writing``), within the write
        timeout; a connection lost meanwhile is a ``WriteError``."""
        assert self._drained is not None
        try:
            async with asyncio.timeout(write_timeout):
                await asyncio.shield(self._drained)
        except TimeoutError:
            raise httpx.WriteTimeout("the server took no more of the request body") from None
        if self.lost:
            raise httpx.WriteError("the connection closed while the request body was sent")

    def _watch_reading(self, due: float) -> None:
        """``_check_read`` at ``due`` at the latest. A timer still running from an earlier request on the connection
        serves if it is due no later (when it comes, it looks again at the current request's progress): a timer
        made and cancelled per request cost a tenth of what the transport costs a call."""
        if self._timer is not None:
            if self._timer_due <= due:
                return
            self._timer.cancel()
        self._timer = self._loop.call_at(due, self._check_read)
        self._timer_due = due

    def _check_read(self) -> None:
        self._timer = None
        if self._waiter is None or self._waiter.done() or not self._read_timeout:
            return  # idle, or a request without a read timeout: the timer stops
        due = self._last_data + self._read_timeout
        if self._loop.time() >= due:
            self._fail(httpx.ReadTimeout(f"no bytes of the answer within {self._read_timeout:g}s"))
        else:
            self._watch_reading(due)

    def _delimited_by_close(self) -> bool:
        """An answer with neither ``Content-Length`` nor chunked ``Transfer-Encoding``: its body ends at the close."""
        if self._answer.status in (204, 304):
            return True
        names = {key for _, key, _ in self._answer.headers}
        return b"content-length" not in names and b"transfer-encoding" not in names

    def _too_large(self) -> None:
        self._fail(httpx.RemoteProtocolError(f"the answer is larger than {self._max_answer_bytes} bytes"))

    def _finish(self) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(None)

    def _fail(self, exc: Exception) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc)
        self.close()

    def close(self) -> None:
        self.lost = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._transport is not None:
            self._transport.close()


class Http1Transport(httpx.AsyncBaseTransport):
    """HTTP/1.1 to any number of origins over pooled, kept-alive connections (see the module's docstring)."""

    def __init__(
        self,
        *,
        limits: httpx.Limits | None = None,
        verify: ssl.SSLContext | bool = True,
        max_answer_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        limits = limits or httpx.Limits()
        self._max_answer_bytes = max_answer_bytes
        self._max_connections = limits.max_connections or 2**31
        self._max_idle = (
            self._max_connections if limits.max_keepalive_connections is None else limits.max_keepalive_connections
        )
        self._expiry = limits.keepalive_expiry
        self._verify = verify
        self._ssl_context: ssl.SSLContext | None = None
        self._slots = asyncio.Semaphore(self._max_connections)
        self._idle: dict[_Origin, list[_Connection]] = {}
        self._idle_count = 0
        self._open = 0
        self._pruning: asyncio.TimerHandle | None = None
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        scheme = url.raw_scheme
        if scheme not in _DEFAULT_PORTS:
            raise httpx.UnsupportedProtocol(f"no {scheme.decode(errors='replace')!r} upstreams: http or https")
        if not url.raw_host:
            raise httpx.UnsupportedProtocol("a request URL without a host")
        origin = (scheme, url.raw_host, url.port or _DEFAULT_PORTS[scheme])
        timeouts = request.extensions.get("timeout") or {}
        method = request.method.encode("ascii") if isinstance(request.method, str) else request.method
        body: bytes | AsyncIterable[bytes]
        try:
            body = request.content
            chunked = False
        except httpx.RequestNotRead:
            stream = request.stream
            assert isinstance(stream, AsyncIterable)
            body = stream
            chunked = request.headers.get("transfer-encoding", "").lower() == "chunked"
        head, asks_to_close = _head(method, url.raw_path, request.headers._list)
        head_only = method == b"HEAD"
        if self._closed:
            raise RuntimeError("the transport is closed")
        slots = self._slots
        if slots._value > 0 and not slots._waiters:  # a connection free and nobody waiting: what acquire() would
            slots._value -= 1  # do at once, without its coroutine and locked()'s scan (asyncio.Semaphore's fields)
        else:
            await self._acquire_slot(timeouts.get("pool"))
        try:
            connection = self._reusable(origin)
            # A reused connection the server closed as the request went out: once more on a new one, if it is safe.
            retry = connection is not None and method in IDEMPOTENT_METHODS and isinstance(body, bytes)
            while True:
                if connection is None:
                    connection = await self._connect(origin, timeouts.get("connect"), request)
                try:
                    answer = await connection.exchange(
                        head, body, chunked=chunked, head_only=head_only, timeouts=timeouts
                    )
                except _Disconnected as exc:
                    self._discard(connection)
                    if not retry:  # as httpx names it (the call policy and its logs see httpx's names only)
                        raise httpx.RemoteProtocolError(str(exc)) from None
                    connection, retry = None, False
                    continue
                except BaseException:
                    self._discard(connection)
                    raise
                break
            if answer.keep_alive and not asks_to_close and not self._closed and connection.usable:
                self._keep(origin, connection)
            else:
                self._discard(connection)
        finally:
            self._slots.release()
        content = b"".join(answer.body)
        response = httpx.Response(
            answer.status,
            headers=headers_from_items(answer.headers),
            stream=httpx.ByteStream(content),
            extensions={"http_version": answer.version, "reason_phrase": answer.reason},
        )
        if not answer.encoded:
            # The body is here whole and needs no decoding: httpx's read() would take it through its decoder
            # pipeline of async generators (a tenth of a call's CPU) to the same bytes. What read() stores is
            # stored, so that read() returns it; the stream stays unread, whole, for anything that iterates it.
            response._content = content
        if answer.ascii:
            response.headers.encoding = "ascii"  # what httpx would find out by decoding every name and value
        return response

    async def aclose(self) -> None:
        self._closed = True
        if self._pruning is not None:
            self._pruning.cancel()
            self._pruning = None
        for connections in self._idle.values():
            for connection in connections:
                connection.close()
        self._open -= self._idle_count
        self._idle.clear()
        self._idle_count = 0

    # ---------------------------------------------------------------- the pool

    async def _acquire_slot(self, pool_timeout: float | None) -> None:
        if not self._slots.locked():
            await self._slots.acquire()
            return
        try:
            async with asyncio.timeout(pool_timeout):
                await self._slots.acquire()
        except TimeoutError:
            raise httpx.PoolTimeout(f"no connection free within {pool_timeout:g}s") from None

    def _reusable(self, origin: _Origin) -> _Connection | None:
        """The most recently used idle connection to ``origin`` that is still open and not expired."""
        connections = self._idle.get(origin)
        if not connections:
            return None
        now = connections[-1].loop.time()  # the loop the pool runs on (asyncio.get_running_loop(): a getpid on 3.11)
        while connections:
            connection = connections.pop()
            self._idle_count -= 1
            if connection.usable and (self._expiry is None or now - connection.idle_since < self._expiry):
                return connection
            self._discard(connection)
        return None

    async def _connect(self, origin: _Origin, connect_timeout: float | None, request: httpx.Request) -> _Connection:
        if self._open >= self._max_connections:
            self._close_oldest_idle()
        scheme, host, port = origin
        loop = asyncio.get_running_loop()
        context = self._tls() if scheme == b"https" else None
        server_hostname = (request.extensions.get("sni_hostname") or host.decode("ascii")) if context else None
        self._open += 1
        try:
            async with asyncio.timeout(connect_timeout):
                _, connection = await loop.create_connection(
                    lambda: _Connection(loop, self._max_answer_bytes),
                    host.decode("ascii"),
                    port,
                    ssl=context,
                    server_hostname=server_hostname,
                )
        except TimeoutError:
            self._open -= 1
            raise httpx.ConnectTimeout(f"no connection within {connect_timeout:g}s") from None
        except (OSError, ssl.SSLError) as exc:
            self._open -= 1
            raise httpx.ConnectError(f"could not connect: {type(exc).__name__}: {exc}") from exc
        except BaseException:
            self._open -= 1
            raise
        return connection

    def _tls(self) -> ssl.SSLContext:
        if self._ssl_context is None:
            self._ssl_context = (
                self._verify if isinstance(self._verify, ssl.SSLContext) else httpx.create_ssl_context(self._verify)
            )
        return self._ssl_context

    def _keep(self, origin: _Origin, connection: _Connection) -> None:
        if self._idle_count >= self._max_idle:
            self._discard(connection)
            return
        loop = connection.loop
        connection.idle_since = loop.time()
        self._idle.setdefault(origin, []).append(connection)
        self._idle_count += 1
        if self._pruning is None and self._expiry is not None:
            self._pruning = loop.call_later(self._expiry, self._prune)

    def _discard(self, connection: _Connection) -> None:
        connection.close()
        self._open -= 1

    def _close_oldest_idle(self) -> None:
        oldest = min(
            ((connections[0].idle_since, origin) for origin, connections in self._idle.items() if connections),
            default=None,
        )
        if oldest is not None:
            self._discard(self._idle[oldest[1]].pop(0))
            self._idle_count -= 1

    def _prune(self) -> None:
        """Close the connections idle for ``keepalive_expiry``; come back while any are left."""
        self._pruning = None
        assert self._expiry is not None
        loop = asyncio.get_running_loop()
        now = loop.time()
        next_due: float | None = None
        for connections in self._idle.values():
            while connections and (now - connections[0].idle_since >= self._expiry or not connections[0].usable):
                self._discard(connections.pop(0))
                self._idle_count -= 1
            if connections:
                due = connections[0].idle_since + self._expiry
                next_due = due if next_due is None else min(next_due, due)
        if next_due is not None:
            self._pruning = loop.call_at(next_due, self._prune)


def _head(method: bytes, target: bytes, headers: list[tuple[bytes, bytes, bytes]]) -> tuple[bytes, bool]:
    """The request line and headers (``httpx.Headers``' items: name, lower-case name, value), and whether they ask
    for the connection to be closed after the answer. A CR, LF or NUL inside a name or value (a forged extra header)
    is refused."""
    head = b"\r\n".join(
        [b"%s %s HTTP/1.1" % (method, target), *[b"%s: %s" % (name, value) for name, _, value in headers]]
    )
    breaks = len(headers)
    if head.count(b"\n") != breaks or head.count(b"\r") != breaks or b"\0" in head:
        raise httpx.LocalProtocolError("a request line or header holds a line break or NUL")
    asks_to_close = False
    if b"connection" in [key for _, key, _ in headers]:
        for _, key, value in headers:
            if key == b"connection":
                asks_to_close = b"close" in value.lower()
    return head + b"\r\n\r\n", asks_to_close


def headers_from_items(fields: list[tuple[bytes, bytes, bytes]]) -> httpx.Headers:
    """``fields`` (name, lower-case name, value; all bytes) as ``httpx.Headers`` holds them: what
    ``httpx.Headers([(name, value), ...])`` makes of them, without normalising and encoding each name and value again
    (a tenth of a call's CPU: headers are built twice a call, the request's and the answer's). It checks nothing: a
    request's CR, LF or NUL is refused by ``_head`` as it is written, an answer's by httptools as it is parsed."""
    headers = httpx.Headers.__new__(httpx.Headers)
    headers._list = fields
    headers._encoding = None
    return headers
