"""CPU per upstream call in the broker's own client stack, against a loopback server that costs next to nothing.

Every live read makes one upstream call and every create nine, so the client's cost per call is a large part of
both. This measures it apart from the broker's other work: a raw asyncio server in another process (uvloop where
installed, as uvicorn[standard] runs the broker) answers every request with a fixed 200 and a ~1.5 KB JSON body, and
this process makes N calls through each layer of the stack, reporting the client's CPU (process time) per call:

- ``fetch``: ``LetAsylClient.fetch_area_content``, what a live read makes: the call policy (deadline, breaker,
  metrics, span), the request through ``create_http_client``'s client and transport, and the answer's checks;
- ``client``: ``http.post(path, json=body)`` on the same client, without the call policy;
- ``transport``: the client's transport alone, given a request built once (what httpx costs above it is
  ``client`` - ``transport``).

Each layer is measured sequentially (one call at a time) and concurrently (``--concurrency`` calls at once, as a
loaded broker makes them), through each transport: ``http1`` (the broker's own, ``Http1Transport``), ``httpcore``
(httpx's default) and ``aiohttp`` (httpx-aiohttp, what the broker used before; only if installed in the venv:
``.venv/bin/pip install httpx-aiohttp``, never a dependency), so the figures compare in one run. ``--profile
"http1 fetch"`` runs that layer under cProfile instead and prints the top functions by their own time.

    .venv/bin/python bench/bench_upstream_client.py [--calls 5000] [--concurrency 20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import json
import pstats
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable

import httpx

from dfdg_broker.domain.areas import DataArea
from dfdg_broker.letasyl.client import LetAsylClient
from dfdg_broker.upstream import CallPolicy, create_breakers, create_http_client

BODY = json.dumps(
    {"area": "cv", "entries": [{"id": n, "text": "x" * 40, "date": "2026-11-23"} for n in range(20)]}
).encode()
ANSWER = (
    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: %d\r\n"
    b"date: Thu, 26 Nov 2026 06:00:00 GMT\r\nserver: loopback\r\n\r\n" % len(BODY)
) + BODY


def _event_loop_policy() -> None:
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


# ---------------------------------------------------------------- the server (a child process)


class _Answering(asyncio.Protocol):
    """Answers each request (head, then ``Content-Length`` bytes of body) with ``ANSWER``; keeps the connection."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            length = 0
            for line in self.buffer[:end].split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    length = int(line[15:])
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            self.transport.write(ANSWER)  # type: ignore[attr-defined]


def serve(port: int) -> None:
    _event_loop_policy()

    async def main() -> None:
        server = await asyncio.get_running_loop().create_server(_Answering, "127.0.0.1", port)
        print("ready", flush=True)
        async with server:
            await server.serve_forever()

    asyncio.run(main())


# ---------------------------------------------------------------- the client (this process)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _measure(make_call: Callable[[], Awaitable[object]], calls: int, concurrency: int) -> float:
    """µs of this process's CPU per call."""

    async def worker(count: int) -> None:
        for _ in range(count):
            await make_call()

    started = time.process_time()
    if concurrency == 1:
        await worker(calls)
    else:
        await asyncio.gather(*(worker(calls // concurrency) for _ in range(concurrency)))
    return (time.process_time() - started) / calls * 1e6


def _transports() -> dict[str, Callable[[], httpx.AsyncBaseTransport | None]]:
    """The production transport (None: ``create_http_client``'s own), and for comparison httpx's own (httpcore) and
    aiohttp under httpx (httpx-aiohttp, what the broker used before; measured only where it is installed: it is no
    dependency of the broker any more)."""
    transports: dict[str, Callable[[], httpx.AsyncBaseTransport | None]] = {
        "http1": lambda: None,
        "httpcore": lambda: httpx.AsyncHTTPTransport(limits=httpx.Limits(max_connections=20)),
    }
    try:
        import httpx_aiohttp  # type: ignore[import-not-found,unused-ignore]  # optional

        transports["aiohttp"] = lambda: httpx_aiohttp.AiohttpTransport(limits=httpx.Limits(max_connections=20))
    except ImportError:
        print("httpx-aiohttp is not installed: not measured")
    return transports


async def run(base: str, calls: int, concurrency: int, rounds: int, profile: str | None, only: str | None) -> None:
    breakers = await create_breakers(5, 30.0)
    body = {"cpr": "0101901234", "receiving_municipality": "101"}
    path = "/letasyl/v1/data-areas/cv"
    layers: dict[str, Callable[[], Awaitable[object]]] = {}
    clients: list[httpx.AsyncClient] = []
    for name, make_transport in _transports().items():
        if only and name != only:
            continue
        http = create_http_client(base, make_transport(), max_connections=20)
        clients.append(http)
        letasyl = LetAsylClient(http, CallPolicy(8.0, 3, breakers["letasyl"]))
        transport = http._transport  # the layer under the client is what is measured
        prepared = http.build_request("POST", path, json=body)

        async def through_transport(
            transport: httpx.AsyncBaseTransport = transport, prepared: httpx.Request = prepared
        ) -> object:
            response = await transport.handle_async_request(prepared)
            await response.aread()
            return response

        def fetch(letasyl: LetAsylClient = letasyl) -> Awaitable[object]:
            return letasyl.fetch_area_content("0101901234", "101", DataArea.CV)

        def post(http: httpx.AsyncClient = http) -> Awaitable[object]:
            return http.post(path, json=body)

        layers[f"{name} fetch"], layers[f"{name} client"], layers[f"{name} transport"] = fetch, post, through_transport
    try:
        for make_call in layers.values():  # warm up: connections open, caches filled
            await _measure(make_call, 200, concurrency)
        if profile:
            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            await _measure(layers[profile], calls, concurrency)
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(40)
            return
        results: dict[str, list[float]] = {f"{name} {mode}": [] for name in layers for mode in ("seq", "conc")}
        for _ in range(rounds):
            for name, make_call in layers.items():
                results[f"{name} seq"].append(await _measure(make_call, calls, 1))
                results[f"{name} conc"].append(await _measure(make_call, calls, concurrency))
        for label, figures in results.items():
            figures.sort()
            print(
                f"{label:24} {figures[len(figures) // 2]:7.1f} µs/call  (min {figures[0]:.1f}, max {figures[-1]:.1f})"
            )
    finally:
        for http in clients:
            await http.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", help='a layer to profile instead, e.g. "http1 fetch" (with --only http1)')
    parser.add_argument("--only", choices=("http1", "httpcore", "aiohttp"), help="one transport only")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    port = _free_port()
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port)], stdout=subprocess.PIPE)  # noqa: S603
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == b"ready"
        _event_loop_policy()
        asyncio.run(run(f"http://127.0.0.1:{port}", args.calls, args.concurrency, args.rounds, args.profile, args.only))
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
