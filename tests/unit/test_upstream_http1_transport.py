"""The broker's own HTTP/1.1 transport (``Http1Transport``, under httpx's API) against raw servers on loopback: how
answers are framed (Content-Length, chunked, up to the close, HEAD, 1xx, 204/304, HTTP/1.0), when a connection is
reused and when not (Connection: close, keep-alive expiry, a failure, a cancelled request), the pool's limit, the
per-phase timeouts (connect, read, write, pool), a reused connection the server dropped (tried again only for an
idempotent method), and requests it refuses to send. TLS is exercised by test_upstream_mtls.py, the failures the
call policy tells apart by test_upstream_transport.py."""

from __future__ import annotations

import asyncio
import gzip
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import httpx
import pytest

from dfdg_broker.upstream_transport import Http1Transport

OK_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"


@dataclass
class Seen:
    """What the server saw: one entry per connection, the requests (head, body) read on it, and whether it closed."""

    connections: list[list[tuple[bytes, bytes]]] = field(default_factory=list)
    closed_by_client: list[bool] = field(default_factory=list)
    open_now: int = 0
    open_peak: int = 0


class Close(bytes):
    """A reply after which the server closes the connection."""


Answer = Callable[[bytes, bytes, int], Awaitable[bytes | None]]
"""(head, body, request number on the connection) -> bytes to write (None: close without answering; ``Close``:
write, then close)."""


async def _read_request(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.lower().split(b"\r\n")
    length = next((int(line.split(b":")[1]) for line in lines if line.startswith(b"content-length:")), None)
    if length is not None:
        return head, await reader.readexactly(length)
    if b"transfer-encoding: chunked" in lines:
        body = b""
        while size := int((await reader.readuntil(b"\r\n")).strip(), 16):
            body += (await reader.readexactly(size + 2))[:-2]
        await reader.readuntil(b"\r\n")
        return head, body
    return head, b""


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Answer], Awaitable[tuple[str, Seen]]]]:
    servers: list[asyncio.Server] = []

    async def start(answer: Answer) -> tuple[str, Seen]:
        seen = Seen()

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            requests: list[tuple[bytes, bytes]] = []
            seen.connections.append(requests)
            index = len(seen.closed_by_client)
            seen.closed_by_client.append(False)
            seen.open_now += 1
            seen.open_peak = max(seen.open_peak, seen.open_now)
            try:
                while True:
                    try:
                        head, body = await _read_request(reader)
                    except asyncio.IncompleteReadError as exc:
                        seen.closed_by_client[index] = not exc.partial
                        return
                    requests.append((head, body))
                    reply = await answer(head, body, len(requests))
                    if reply is None:
                        return
                    writer.write(reply)
                    await writer.drain()
                    if isinstance(reply, Close):
                        return
            except ConnectionError:
                pass
            finally:
                seen.open_now -= 1
                writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        servers.append(server)
        return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", seen

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


def _ok(body: bytes = b"{}", extra: bytes = b"") -> bytes:
    return OK_HEAD + extra + b"Content-Length: %d\r\n\r\n" % len(body) + body


async def _always_ok(head: bytes, body: bytes, number: int) -> bytes:
    return _ok()


async def _client(base: str, **limits: float | int | None) -> httpx.AsyncClient:
    transport = Http1Transport(limits=httpx.Limits(**limits))  # type: ignore[arg-type]
    return httpx.AsyncClient(base_url=base, transport=transport, timeout=httpx.Timeout(2.0))


async def test_a_chunked_answer_is_read_whole(serve):
    async def chunked(head: bytes, body: bytes, number: int) -> bytes:
        return OK_HEAD + b'Transfer-Encoding: chunked\r\n\r\n3\r\n{"a\r\n5\r\n": 1}\r\n0\r\n\r\n'

    base, seen = await serve(chunked)
    async with await _client(base) as http:
        for _ in range(2):
            assert (await http.get("/x")).json() == {"a": 1}
    assert len(seen.connections) == 1


async def test_an_answer_without_length_ends_where_the_server_closes_and_the_connection_is_not_reused(serve):
    async def until_close(head: bytes, body: bytes, number: int) -> bytes:
        return Close(OK_HEAD + b"\r\n" + b'{"all": "of it"}')

    base, seen = await serve(until_close)
    async with await _client(base) as http:
        for _ in range(2):
            assert (await http.get("/x")).json() == {"all": "of it"}
    assert len(seen.connections) == 2


async def test_connection_close_from_either_side_is_honoured(serve):
    async def closing(head: bytes, body: bytes, number: int) -> bytes:
        return _ok(extra=b"Connection: close\r\n")

    base, seen = await serve(closing)
    async with await _client(base) as http:
        await http.get("/x")
        await http.get("/x")
    assert len(seen.connections) == 2

    base, seen = await serve(_always_ok)
    async with await _client(base) as http:
        await http.get("/x", headers={"Connection": "close"})
        await http.get("/x")
    assert len(seen.connections) == 2
    assert seen.closed_by_client[0]


async def test_connections_are_kept_alive_and_reused_until_idle_for_the_keepalive_expiry(serve):
    base, seen = await serve(_always_ok)
    async with await _client(base, keepalive_expiry=0.2) as http:
        await asyncio.gather(http.get("/x"), http.get("/x"))
        await http.get("/x")
        assert len(seen.connections) == 2
        await asyncio.sleep(0.5)
        assert seen.closed_by_client == [True, True]  # closed while idle, not only when next needed
        await http.get("/x")
    assert len(seen.connections) == 3


async def test_no_more_connections_than_the_limit_and_no_more_kept_than_the_keepalive_limit(serve):
    async def slow(head: bytes, body: bytes, number: int) -> bytes:
        await asyncio.sleep(0.02)
        return _ok()

    base, seen = await serve(slow)
    async with await _client(base, max_connections=3, max_keepalive_connections=1) as http:
        answers = await asyncio.gather(*(http.get("/x") for _ in range(12)))
        assert [answer.status_code for answer in answers] == [200] * 12
        assert seen.open_peak == 3
        await asyncio.sleep(0.05)
        assert seen.open_now == 1


async def test_waiting_for_a_connection_longer_than_the_pool_timeout_is_a_pool_timeout(serve):
    async def slow(head: bytes, body: bytes, number: int) -> bytes:
        await asyncio.sleep(0.5)
        return _ok()

    base, _ = await serve(slow)
    transport = Http1Transport(limits=httpx.Limits(max_connections=1))
    async with httpx.AsyncClient(base_url=base, transport=transport, timeout=httpx.Timeout(2.0, pool=0.1)) as http:
        first = asyncio.create_task(http.get("/x"))
        await asyncio.sleep(0.05)
        with pytest.raises(httpx.PoolTimeout):
            await http.get("/x")
        assert (await first).status_code == 200


async def test_a_server_that_says_nothing_is_a_read_timeout_and_its_connection_is_dropped(serve):
    async def silent_once(head: bytes, body: bytes, number: int) -> bytes:
        if len(seen.connections) == 1:
            await asyncio.sleep(1)
        return _ok()

    base, seen = await serve(silent_once)
    async with httpx.AsyncClient(
        base_url=base, transport=Http1Transport(), timeout=httpx.Timeout(2.0, read=0.1)
    ) as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.get("/x")
        assert (await http.get("/x")).status_code == 200
    assert len(seen.connections) == 2


async def test_a_slow_answer_that_keeps_coming_is_no_read_timeout():
    async def dribbling(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        writer.write(OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n")
        for _ in range(5):  # 0.75 s in all, more than the read timeout; each gap well inside it (slack under load)
            await asyncio.sleep(0.15)
            writer.write(b"1\r\n \r\n")
        writer.write(b"2\r\n{}\r\n0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(dribbling, "127.0.0.1", 0)
    async with server:
        port = server.sockets[0].getsockname()[1]
        async with httpx.AsyncClient(transport=Http1Transport(), timeout=httpx.Timeout(2.0, read=0.5)) as http:
            assert (await http.get(f"http://127.0.0.1:{port}/x")).json() == {}


async def test_a_kept_alive_connection_the_server_dropped_is_tried_again_only_for_an_idempotent_method(serve):
    async def drop_every_second(head: bytes, body: bytes, number: int) -> bytes | None:
        return None if number == 2 else _ok()  # as a server timing the connection out just as the request came

    base, seen = await serve(drop_every_second)
    async with await _client(base) as http:
        await http.get("/x")
        assert (await http.get("/x")).status_code == 200  # dropped on the reused connection, sent again
        assert [len(requests) for requests in seen.connections] == [2, 1]
        with pytest.raises(httpx.RemoteProtocolError) as raised:
            await http.post("/x", json={})  # dropped the same way, but it may have been acted on: not sent again
        assert type(raised.value) is httpx.RemoteProtocolError
    assert [len(requests) for requests in seen.connections] == [2, 2]


async def test_a_request_body_httpx_cannot_size_is_sent_chunked(serve):
    bodies: list[tuple[bool, bytes]] = []

    async def record(head: bytes, body: bytes, number: int) -> bytes:
        bodies.append((b"transfer-encoding: chunked" in head.lower(), body))
        return _ok()

    async def parts() -> AsyncIterator[bytes]:
        for part in (b'{"a":', b"", b" 1}"):
            yield part

    base, _ = await serve(record)
    async with await _client(base) as http:
        await http.post("/x", content=parts())
        await http.put("/x", content=b"[1, 2]")
    assert bodies == [(True, b'{"a": 1}'), (False, b"[1, 2]")]


async def test_the_answer_to_head_has_no_body_whatever_its_length_says(serve):
    async def head_answer(head: bytes, body: bytes, number: int) -> bytes:
        return OK_HEAD + b"Content-Length: 20\r\n\r\n"

    base, _ = await serve(head_answer)
    async with await _client(base) as http:
        response = await http.head("/x")
    assert response.status_code == 200 and response.content == b""


async def test_informational_answers_before_the_answer_are_skipped(serve):
    async def early_hints(head: bytes, body: bytes, number: int) -> bytes:
        return b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + _ok(b'{"b": 2}')

    base, _ = await serve(early_hints)
    async with await _client(base) as http:
        response = await http.get("/x")
    assert response.status_code == 200 and response.json() == {"b": 2} and "link" not in response.headers


async def test_status_reason_version_and_headers_reach_httpx(serve):
    async def teapot(head: bytes, body: bytes, number: int) -> bytes:
        return b"HTTP/1.1 418 I'm a teapot\r\nX-A: 1\r\nX-A: 2\r\nContent-Length: 0\r\n\r\n"

    base, _ = await serve(teapot)
    async with await _client(base) as http:
        response = await http.get("/x")
    assert response.status_code == 418 and response.reason_phrase == "I'm a teapot"
    assert response.http_version == "HTTP/1.1" and response.headers.get_list("x-a") == ["1", "2"]


async def test_what_is_not_http_is_a_remote_protocol_error(serve):
    async def garbage(head: bytes, body: bytes, number: int) -> bytes:
        return b"SSH-2.0-OpenSSH\r\n\r\n"

    base, _ = await serve(garbage)
    async with await _client(base) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await http.get("/x")


async def test_a_header_value_with_a_line_break_is_refused_before_anything_is_sent(serve):
    base, seen = await serve(_always_ok)
    async with await _client(base) as http:
        with pytest.raises(httpx.LocalProtocolError):
            await http.get("/x", headers={"X-Note": "a\r\nAuthorization: Bearer forged"})
        assert (await http.get("/x")).status_code == 200
    assert [len(requests) for requests in seen.connections] == [1]


async def test_a_cancelled_request_drops_its_connection_and_frees_its_slot(serve):
    async def slow_once(head: bytes, body: bytes, number: int) -> bytes:
        if len(seen.connections) == 1:
            await asyncio.sleep(1)
        return _ok()

    base, seen = await serve(slow_once)
    async with await _client(base, max_connections=1) as http:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.1):
                await http.get("/x")
        async with asyncio.timeout(1):
            assert (await http.get("/x")).status_code == 200
    assert len(seen.connections) == 2


async def test_closing_the_transport_closes_its_idle_connections(serve):
    base, seen = await serve(_always_ok)
    async with await _client(base) as http:
        await http.get("/x")
    await asyncio.sleep(0.05)
    assert seen.closed_by_client == [True] and seen.open_now == 0


async def test_only_http_and_https(serve):
    async with httpx.AsyncClient(transport=Http1Transport()) as http:
        with pytest.raises(httpx.UnsupportedProtocol):
            await http.get("ftp://127.0.0.1/x")


async def test_an_encoded_answer_is_decoded_by_httpx_and_a_plain_one_can_be_streamed_too(serve):
    async def gzipped(head: bytes, body: bytes, number: int) -> bytes:
        if number == 1:
            return _ok(gzip.compress(b'{"packed": true}'), extra=b"Content-Encoding: gzip\r\n")
        return _ok(b'{"plain": true}')

    base, _ = await serve(gzipped)
    async with await _client(base) as http:
        assert (await http.get("/x")).json() == {"packed": True}
        async with http.stream("GET", "/x") as streamed:
            assert b"".join([part async for part in streamed.aiter_bytes()]) == b'{"plain": true}'


@pytest.mark.parametrize("framing", ["length", "chunked", "close"])
async def test_an_answer_over_the_size_limit_is_cut_off_as_a_protocol_error(serve, framing: str):
    limit = 64 * 1024

    answered: list[int] = []

    async def big(head: bytes, body: bytes, number: int) -> bytes:
        size = limit if not answered else limit + 1  # the limit itself is fine, one byte more is not
        answered.append(size)
        content = b"x" * size
        if framing == "length":
            return _ok(content)
        if framing == "chunked":
            return OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + b"%x\r\n%s\r\n0\r\n\r\n" % (size, content)
        return Close(OK_HEAD + b"\r\n" + content)

    base, seen = await serve(big)
    transport = Http1Transport(max_answer_bytes=limit)
    async with httpx.AsyncClient(base_url=base, transport=transport, timeout=httpx.Timeout(2.0)) as http:
        assert len((await http.get("/x")).content) == limit
        with pytest.raises(httpx.RemoteProtocolError, match="larger than 65536 bytes"):
            await http.get("/x")
    await asyncio.sleep(0.05)
    assert seen.open_now == 0  # the connection that brought it is closed, not kept


async def test_a_connection_lost_before_its_request_is_a_disconnect_not_an_endless_wait():
    """A connection whose server closed it while it lay idle (or right after it opened) fails the exchange at once,
    as a disconnect (which a reused connection tries again on a new one), instead of a write that vanishes and a
    wait for an answer that never comes."""
    from dfdg_broker.upstream_transport import _Connection, _Disconnected

    class Closing:  # asyncio's transport once closed: writes are dropped
        def is_closing(self) -> bool:
            return True

        def write(self, data: bytes) -> None:
            pass

    connection = _Connection(asyncio.get_running_loop(), max_answer_bytes=1 << 20)
    connection.connection_made(Closing())  # type: ignore[arg-type]
    with pytest.raises(_Disconnected):
        async with asyncio.timeout(1):
            await connection.exchange(b"GET / HTTP/1.1\r\n\r\n", b"", chunked=False, head_only=False, timeouts={})


async def test_a_connection_the_server_closed_keeps_no_read_timer():
    """The read timer outlives a request to serve the connection's next one; once the server has closed the
    connection there is no next one, and the timer (which holds the connection) goes at once."""
    from dfdg_broker.upstream_transport import _Connection

    class Open:
        def is_closing(self) -> bool:
            return False

        def write(self, data: bytes) -> None:
            pass

        def close(self) -> None:
            pass

    connection = _Connection(asyncio.get_running_loop(), max_answer_bytes=1 << 20)
    connection.connection_made(Open())  # type: ignore[arg-type]
    exchange = asyncio.ensure_future(
        connection.exchange(b"GET / HTTP/1.1\r\n\r\n", b"", chunked=False, head_only=False, timeouts={"read": 30.0})
    )
    await asyncio.sleep(0)
    connection.data_received(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    await asyncio.wait_for(exchange, 1)
    assert connection._timer is not None, "kept for the next request on the connection"
    connection.connection_lost(None)
    assert connection._timer is None


async def test_answer_headers_are_what_httpx_makes_of_them(serve):
    """The transport hands httpx its answer's headers ready-made (name, lower-case name, value): they must be what
    ``httpx.Headers`` builds from the same raw pairs, encoding guess included (a byte that is not ASCII)."""
    raw = [(b"X-Mixed-Case", b"1"), (b"x-mixed-case", b"2"), (b"X-Note", b"caf\xe9"), (b"Content-Length", b"0")]

    async def answer(head: bytes, body: bytes, number: int) -> bytes:
        return b"HTTP/1.1 200 OK\r\n" + b"".join(b"%s: %s\r\n" % pair for pair in raw) + b"\r\n"

    base, _ = await serve(answer)
    async with await _client(base) as http:
        response = await http.get("/x")
    expected = httpx.Headers(raw)
    assert response.headers._list == expected._list
    assert response.headers.encoding == expected.encoding == "iso-8859-1"
    assert response.headers.get_list("X-MIXED-CASE") == ["1", "2"] and response.headers["x-note"] == "café"


async def test_answer_headers_in_ascii_are_known_to_be_ascii(serve):
    base, _ = await serve(_always_ok)
    async with await _client(base) as http:
        response = await http.get("/x")
    assert response.headers._encoding == httpx.Headers(response.headers.raw).encoding == "ascii"


async def test_the_request_goes_out_as_its_head_and_body_byte_for_byte(serve):
    """Request line, then every header as httpx holds it (names as given, duplicates and order kept), then the body."""
    base, seen = await serve(_always_ok)
    async with await _client(base) as http:
        await http.post(
            "/letasyl/v1/person-lookups?x=1",
            json={"cpr": "0101901234", "name": "Åse"},
            headers=[("X-Twice", "1"), ("x-twice", "2"), ("Authorization", "Bearer t0ken")],
        )
    body = '{"cpr":"0101901234","name":"Åse"}'.encode()
    assert seen.connections == [
        [
            (
                b"POST /letasyl/v1/person-lookups?x=1 HTTP/1.1\r\nHost: "
                + base.removeprefix("http://").encode()
                + b"\r\nAccept: */*\r\nAccept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\n"
                b"User-Agent: python-httpx/" + httpx.__version__.encode() + b"\r\nX-Twice: 1\r\nx-twice: 2\r\n"
                b"Authorization: Bearer t0ken\r\nContent-Length: %d\r\nContent-Type: application/json\r\n\r\n"
                % len(body),
                body,
            )
        ]
    ]


@pytest.mark.parametrize(
    ("first_read", "then_read", "times_out"),
    [(0.3, 0.3, True), (5.0, 0.3, True), (0.3, None, False)],
)
async def test_each_request_on_a_kept_alive_connection_has_its_own_read_timeout(
    serve, first_read: float, then_read: float | None, times_out: bool
):
    """The read timeout's timer outlives a request on its connection (to serve the next): a later request still
    times out at its own read timeout (not the earlier request's), and one without a read timeout never does."""

    async def silent_from_the_third(head: bytes, body: bytes, number: int) -> bytes:
        if number >= 3:
            await asyncio.sleep(0.9)
        return _ok()

    base, seen = await serve(silent_from_the_third)
    async with httpx.AsyncClient(base_url=base, transport=Http1Transport(), timeout=httpx.Timeout(2.0)) as http:
        for _ in range(2):
            assert (await http.get("/x", timeout=httpx.Timeout(2.0, read=first_read))).status_code == 200
        await asyncio.sleep(0.2)  # idle a while: the first requests' timer is due sooner than the next request's
        loop = asyncio.get_running_loop()
        started = loop.time()
        if times_out:
            with pytest.raises(httpx.ReadTimeout):
                await http.get("/x", timeout=httpx.Timeout(2.0, read=then_read))
            # Not early (an earlier request's timer firing); not late either, or the 0.9 s answer would have come.
            assert loop.time() - started >= 0.25
        else:
            assert (await http.get("/x", timeout=httpx.Timeout(2.0, read=then_read))).status_code == 200
    assert len(seen.connections) == 1


@pytest.mark.parametrize("status", [b"204 No Content", b"304 Not Modified"])
async def test_a_204_or_304_has_no_body_and_its_connection_is_reused(serve, status: bytes):
    """RFC 9112 6.3: a 204 or 304 ends at its head, whatever its headers say; nothing after it may be read as its body
    (here the next answer on the connection, which must reach the next request)."""

    async def no_content(head: bytes, body: bytes, number: int) -> bytes:
        return b"HTTP/1.1 " + status + b'\r\nETag: "1"\r\n\r\n' if number == 1 else _ok(b'{"next": 1}')

    base, seen = await serve(no_content)
    async with await _client(base) as http:
        first = await asyncio.wait_for(http.get("/x"), 5)
        second = await asyncio.wait_for(http.get("/x"), 5)
    assert first.status_code == int(status[:3]) and first.content == b""
    assert second.json() == {"next": 1}
    assert len(seen.connections) == 1, "the connection was kept"


async def test_an_http_1_0_answer_is_read_and_its_connection_is_not_kept(serve):
    """An HTTP/1.0 server closes after each answer unless it says keep-alive: the broker reads the answer (by its
    length, or up to the close) and opens a new connection for the next request."""

    answers = [
        b"HTTP/1.0 200 OK\r\nContent-Type: application/json\r\n\r\n" + b'{"v": "1.0"}',  # up to the close
        b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}",  # by its length, and no keep-alive said
    ]

    async def old_server(head: bytes, body: bytes, number: int) -> bytes:
        return Close(answers.pop(0))

    base, seen = await serve(old_server)
    async with await _client(base) as http:
        bodies = []
        for _ in range(2):
            response = await http.get("/x")
            assert response.status_code == 200 and response.http_version == "HTTP/1.0"
            bodies.append(response.json())
    assert bodies == [{"v": "1.0"}, {}]
    assert len(seen.connections) == 2


async def test_a_101_switching_protocols_is_no_answer_the_broker_can_use(serve):
    """The broker never asks to upgrade: an upstream that switches protocols anyway fails the call as a protocol
    error (the call policy's 'upstream broken'), not a hang or an answer read from a stream that is no longer HTTP."""

    async def upgrade(head: bytes, body: bytes, number: int) -> bytes:
        return b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n\x81\x05hello"

    base, _ = await serve(upgrade)
    async with await _client(base) as http:
        with pytest.raises(httpx.RemoteProtocolError):
            await asyncio.wait_for(http.get("/x"), 5)


async def test_a_connection_that_cannot_be_made_in_time_is_a_connect_timeout():
    """A host that drops the SYN (here: a listening socket whose backlog is full) is bounded by the connect timeout."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    fillers = []
    try:
        port = listener.getsockname()[1]
        for _ in range(8):  # fill the accept queue: later SYNs are dropped, connect() never completes
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(("127.0.0.1", port))
            fillers.append(filler)
        transport = Http1Transport()
        async with httpx.AsyncClient(transport=transport, timeout=httpx.Timeout(5.0, connect=0.3)) as http:
            with pytest.raises(httpx.ConnectTimeout):
                await asyncio.wait_for(http.get(f"http://127.0.0.1:{port}/x"), 5)
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


async def test_a_server_that_reads_nothing_makes_a_large_request_a_write_timeout():
    """A request body the server never reads fills the socket buffers; the write timeout bounds the wait."""
    accepted: list[asyncio.StreamWriter] = []
    done = asyncio.Event()

    async def never_read(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)
        await done.wait()  # until the test ends, reading nothing

    server = await asyncio.start_server(never_read, "127.0.0.1", 0)
    try:
        port = server.sockets[0].getsockname()[1]
        async with httpx.AsyncClient(transport=Http1Transport(), timeout=httpx.Timeout(5.0, write=0.3)) as http:
            with pytest.raises(httpx.WriteTimeout):
                await asyncio.wait_for(http.post(f"http://127.0.0.1:{port}/x", content=b"x" * (64 << 20)), 5)
    finally:
        done.set()
        for writer in accepted:
            writer.close()
        server.close()
        await server.wait_closed()
