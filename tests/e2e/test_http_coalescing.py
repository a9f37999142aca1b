"""Issue 14: ``CoalescingHttpToolsProtocol`` sends an answer's head and body in one write, and changes nothing else:
the same bytes in the same order, a closing connection's answer complete, a streamed answer's parts all there."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from starlette.types import Receive, Scope, Send

from dfdg_broker.http_coalescing import CoalescingHttpToolsProtocol
from tests.helpers import uvicorn_on_loopback

BODY = b'{"answer": "' + b"x" * 2000 + b'"}'


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] != "http":
        return
    if scope["path"] == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        for part in (b"one ", b"two ", b"three"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
            await asyncio.sleep(0.01)
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": BODY})


@pytest.fixture
async def port() -> AsyncIterator[int]:
    async with uvicorn_on_loopback(app, http=CoalescingHttpToolsProtocol) as free:
        yield free


async def _exchange(port: int, request: bytes, *, first_only: bool = False) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        if first_only:
            return await asyncio.wait_for(reader.read(65536), 5)
        return await asyncio.wait_for(reader.read(), 5)  # until the server closes
    finally:
        writer.close()


async def test_head_and_body_arrive_together(port) -> None:
    for _ in range(3):  # keep-alive: each answer in one piece
        first = await _exchange(port, b"GET / HTTP/1.1\r\nhost: t\r\n\r\n", first_only=True)
        head, _, body = first.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200") and body == BODY


async def test_a_closing_connection_gets_the_whole_answer(port) -> None:
    answer = await _exchange(port, b"GET / HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert b"connection: close" in head.lower() and body == BODY


async def test_a_streamed_answer_arrives_whole_and_in_order(port) -> None:
    answer = await _exchange(port, b"GET /stream HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n")
    head, _, chunked = answer.partition(b"\r\n\r\n")
    assert b"transfer-encoding: chunked" in head.lower()
    assert chunked == b"4\r\none \r\n4\r\ntwo \r\n5\r\nthree\r\n0\r\n\r\n"


class _RecordingTransport:
    """Records what reaches the socket's transport, call by call."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True


async def test_the_writes_of_one_loop_iteration_reach_the_socket_as_one() -> None:
    """What the loopback tests above cannot tell apart (two writes often arrive together anyway): uvicorn's head and
    body writes, made one after the other, are one write on the real transport, in order; the next iteration's
    write is a write of its own; a close writes what is kept first."""
    from dfdg_broker.http_coalescing import CoalescingTransport

    inner = _RecordingTransport()
    transport = CoalescingTransport(inner, asyncio.get_running_loop())  # type: ignore[arg-type]
    transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
    transport.write(b"body")
    assert inner.writes == []  # kept until the end of this iteration
    await asyncio.sleep(0)
    assert inner.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody"]
    transport.write(b"next")
    transport.close()
    assert inner.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody", b"next"] and inner.closed
