"""The production transport (``Http1Transport`` under httpx's API) on loopback: it reuses its connections, and it
names the failures the call policy tells apart as httpx does (a connection never made may be retried even for a
POST; a server that hung up after the request may have acted on it)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from dfdg_broker.cpr_register.client import CprRegisterClient
from dfdg_broker.settings import Settings
from dfdg_broker.upstream import CallPolicy, UpstreamFailure, call, create_http_client, create_upstreams

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


async def _answer_ok(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    while True:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")), 0
        )
        await reader.readexactly(length)
        writer.write(OK)
        await writer.drain()


async def _hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.close()


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[tuple[str, list[int]]]]]:
    """Starts a server on loopback with a handler; returns its base URL and the list of connections it accepted."""
    servers: list[asyncio.Server] = []

    async def start(handler: Handler) -> tuple[str, list[int]]:
        connections: list[int] = []

        async def counted(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            connections.append(1)
            try:
                await handler(reader, writer)
            except (asyncio.IncompleteReadError, ConnectionError):
                pass
            finally:
                writer.close()

        server = await asyncio.start_server(counted, "127.0.0.1", 0)
        servers.append(server)
        return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", connections

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_connections_are_kept_alive_and_reused(serve):
    base, connections = await serve(_answer_ok)
    async with create_http_client(base) as http:
        for _ in range(5):
            assert (await http.post("/x", json={"cpr": "x"})).json() == {}
    assert len(connections) == 1


async def test_a_cookie_an_upstream_sets_is_never_sent_back(serve):
    cookie_headers: list[list[bytes]] = []

    async def set_a_cookie(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.split(b"\r\n")
            cookie_headers.append([line for line in lines if line.lower().startswith(b"cookie:")])
            length = next((int(line.split(b":")[1]) for line in lines if line.lower().startswith(b"content-length")), 0)
            await reader.readexactly(length)
            writer.write(OK.replace(b"\r\n\r\n", b"\r\nSet-Cookie: session=caseworker-a; Path=/\r\n\r\n"))
            await writer.drain()

    base, _ = await serve(set_a_cookie)
    # By name, not by address: cookie jars refuse cookies from a bare IP address, which would hide the problem.
    async with create_http_client(base.replace("127.0.0.1", "localhost")) as http:
        for _ in range(2):
            await http.post("/x", json={})
    assert cookie_headers == [[], []]


async def test_a_connection_never_made_is_a_connect_error_so_even_a_post_is_tried_again():
    async with create_http_client(f"http://127.0.0.1:{_closed_port()}") as http:
        with pytest.raises(httpx.ConnectError):
            await http.post("/x", json={})
        sent: list[int] = []

        async def send() -> httpx.Response:
            sent.append(1)
            return await http.post("/x", json={})

        with pytest.raises(UpstreamFailure, match="connect error"):
            await call("jobnet", CallPolicy(deadline_seconds=5, attempts=2), send, idempotent=False)
    assert len(sent) == 2


async def test_a_server_that_hangs_up_after_the_request_is_not_asked_again_for_a_post(serve):
    base, connections = await serve(_hang_up)
    async with create_http_client(base) as http:
        with pytest.raises(httpx.TransportError) as raised:
            await http.post("/x", json={})
        assert not isinstance(raised.value, (httpx.ConnectError, httpx.ConnectTimeout))
        with pytest.raises(UpstreamFailure, match="transport error"):
            await call(
                "jobnet",
                CallPolicy(deadline_seconds=5, attempts=3),
                lambda: http.post("/x", json={}),
                idempotent=False,
            )
    assert len(connections) == 2  # the first request, and the call's one attempt


async def test_a_request_waits_for_a_free_connection_as_long_as_the_call_allows_not_only_the_read_timeout(serve):
    async def slow_ok(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            await reader.readuntil(b"\r\n\r\n")
            await reader.readexactly(2)
            await asyncio.sleep(0.4)
            writer.write(OK)
            await writer.drain()

    base, connections = await serve(slow_ok)
    async with create_http_client(base, read_timeout=1.0, max_connections=1) as http:
        answers = await asyncio.gather(*(http.post("/x", json={}) for _ in range(4)))  # the last waits ~1.2 s
    assert [answer.json() for answer in answers] == [{}] * 4
    assert len(connections) == 1


async def test_an_answer_over_the_configured_size_fails_the_call_like_a_broken_answer(serve):
    async def huge(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length")
                ),
                0,
            )
            await reader.readexactly(length)
            writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 70000\r\n\r\n")
            writer.write(b" " * 70000)
            await writer.drain()

    base, connections = await serve(huge)
    upstreams = await create_upstreams(
        Settings(upstream_base_url=base, upstream_max_answer_bytes=65536, upstream_attempts=2)
    )
    try:
        with pytest.raises(UpstreamFailure, match="transport error: RemoteProtocolError"):
            await CprRegisterClient(upstreams.cpr.http, upstreams.cpr.policy).lookup("1204882211")  # synthetic
    finally:
        await upstreams.aclose()
    assert len(connections) == 2  # each attempt's connection closed after the cut-off
