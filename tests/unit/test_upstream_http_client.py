"""The upstream HTTP client keeps no cookies (one pooled client serves every caseworker), merges request paths
with the base URL as httpx does, remembering the merge, and hands no more requests to the connection pool than it
has connections, each until its answer is read."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from dfdg_broker import correlation
from dfdg_broker.upstream import UpstreamHttpClient, create_http_client


class _EmptyBody(httpx.AsyncByteStream):
    """A body to be read, as a real transport's is (``httpx.Response(200)`` arrives read and closed already)."""

    async def __aiter__(self):  # type: ignore[no-untyped-def]
        return
        yield b""


def _recording(headers: dict[str, str] | None = None) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, headers=headers, stream=_EmptyBody())

    return httpx.MockTransport(handle), seen


async def test_a_cookie_an_upstream_sets_is_not_sent_back_on_later_requests():
    transport, seen = _recording({"Set-Cookie": "session=caseworker-a; Path=/"})
    async with create_http_client("http://upstream.test", transport) as http:
        await http.post("/letasyl/v1/person-lookups", json={})
        await http.post("/letasyl/v1/person-lookups", json={})
        assert not http.cookies
    assert [request.headers.get("Cookie") for request in seen] == [None, None]


async def test_cookies_cannot_be_given_to_an_upstream_client():
    async with create_http_client("http://upstream.test", httpx.MockTransport(lambda _: httpx.Response(200))) as http:
        with pytest.raises(TypeError):
            http.cookies = {"session": "x"}  # type: ignore[misc]


@pytest.mark.parametrize(
    ("base", "path", "expected"),
    [
        ("http://upstream.test", "/letasyl/v1/data-areas/cv", "http://upstream.test/letasyl/v1/data-areas/cv"),
        ("https://gw.test/asyl/", "/letasyl/v1/data-areas/cv", "https://gw.test/asyl/letasyl/v1/data-areas/cv"),
        ("https://gw.test/asyl", "jobnet/v1/cvs/A%2FB", "https://gw.test/asyl/jobnet/v1/cvs/A%2FB"),
        ("https://gw.test/asyl", "https://other.test/x", "https://other.test/x"),
    ],
)
async def test_paths_are_merged_with_the_base_url_as_httpx_merges_them(base: str, path: str, expected: str):
    transport, seen = _recording()
    async with create_http_client(base, transport) as http, httpx.AsyncClient(base_url=base) as plain:
        assert plain.build_request("GET", path).url == httpx.URL(expected)
        for _ in range(2):  # the second time from memory
            await http.get(path)
            await http.get(httpx.URL(path))
    assert [str(request.url) for request in seen] == [expected] * 4


async def test_query_parameters_are_kept_apart_from_the_remembered_path():
    transport, seen = _recording()
    async with create_http_client("http://upstream.test", transport) as http:
        await http.get("/x", params={"page": "1"})
        await http.get("/x", params={"page": "2"})
        await http.get("/x")
    assert [str(request.url) for request in seen] == [
        "http://upstream.test/x?page=1",
        "http://upstream.test/x?page=2",
        "http://upstream.test/x",
    ]


async def test_only_so_many_paths_are_remembered():
    transport, _ = _recording()
    async with create_http_client("http://upstream.test", transport) as http:
        for number in range(UpstreamHttpClient.REMEMBERED_PATHS + 10):
            await http.get(f"/jobnet/v1/cvs/{number}")
        assert isinstance(http, UpstreamHttpClient)
        assert http._merge_path.cache_info().currsize == UpstreamHttpClient.REMEMBERED_PATHS


class _SlowBody(httpx.AsyncByteStream):
    """A body that takes a moment to arrive; ``open`` counts the requests whose body is not yet read and closed."""

    open = 0

    async def __aiter__(self):  # type: ignore[no-untyped-def]
        await asyncio.sleep(0.01)
        yield b"{}"

    async def aclose(self) -> None:
        _SlowBody.open -= 1


async def test_no_more_requests_than_connections_are_in_the_pool_at_once_each_until_its_body_is_read():
    peak = 0

    async def handle(request: httpx.Request) -> httpx.Response:
        nonlocal peak
        _SlowBody.open += 1
        peak = max(peak, _SlowBody.open)
        await asyncio.sleep(0.01)
        return httpx.Response(200, stream=_SlowBody())

    async with create_http_client("http://upstream.test", httpx.MockTransport(handle), max_connections=3) as http:
        answers = await asyncio.gather(*(http.get("/x") for _ in range(12)))
    assert [answer.json() for answer in answers] == [{}] * 12
    assert peak == 3
    assert _SlowBody.open == 0


async def test_an_answer_that_arrives_read_gives_its_connection_slot_back():
    transport = httpx.MockTransport(lambda _: httpx.Response(200, json={}))
    async with create_http_client("http://upstream.test", transport, max_connections=2) as http:
        async with asyncio.timeout(2):
            for _ in range(5):
                assert (await http.get("/x")).json() == {}


class _BrokenBody(httpx.AsyncByteStream):
    async def __aiter__(self):  # type: ignore[no-untyped-def]
        raise httpx.ReadError("the connection broke off")
        yield b""


async def test_a_body_that_breaks_off_is_a_transport_error_and_gives_its_connection_slot_back():
    transport = httpx.MockTransport(lambda _: httpx.Response(200, stream=_BrokenBody()))
    async with create_http_client("http://upstream.test", transport, max_connections=1) as http:
        async with asyncio.timeout(2):
            for _ in range(2):
                with pytest.raises(httpx.ReadError):
                    await http.get("/x")


@pytest.mark.parametrize("base", ["http://upstream.test", "https://gw.test:8443/asyl/"])
@pytest.mark.parametrize(
    ("method", "path", "arguments"),
    [
        ("POST", "/letasyl/v1/person-lookups", {"json": {"cpr": "0101901234", "name": "Åse Ærø", "n": [1, None]}}),
        ("post", "letasyl/v1/pdf-requests", {}),
        ("GET", "/jobnet/v1/cvs/12", {}),
        ("PUT", "/jobnet/v1/cvs/12", {"json": {"cv": {}}}),
        ("DELETE", "/x", {}),
        ("GET", "https://other.test/x", {}),
        ("GET", "/x", {"params": {"page": "2"}}),
        ("POST", "/x", {"content": b"raw", "headers": {"X-A": "1"}}),
        ("POST", "/x", {"json": {"a": 1}, "timeout": 1.0}),
    ],
)
async def test_requests_are_built_exactly_as_httpx_builds_them(base: str, method: str, path: str, arguments: dict):
    """The short way for the requests the clients make (a path and a JSON body or none) and httpx's own way for
    anything else give the same request: method, URL, headers in order, body bytes, timeouts."""
    headers = {"Authorization": "Bearer t0ken"}
    async with (
        create_http_client(base, httpx.MockTransport(lambda _: httpx.Response(200)), bearer_token="t0ken") as http,
        httpx.AsyncClient(base_url=base, headers=headers, timeout=httpx.Timeout(5.0, connect=2.0, pool=None)) as plain,
    ):
        for _ in range(2):  # the second time with the path remembered
            ours, theirs = http.build_request(method, path, **arguments), plain.build_request(method, path, **arguments)
            assert (ours.method, ours.url, ours.headers.raw, ours.content, ours.extensions) == (
                theirs.method,
                theirs.url,
                theirs.headers.raw,
                theirs.content,
                theirs.extensions,
            )


async def test_the_correlation_id_goes_with_every_request():
    transport, seen = _recording()
    token = correlation.bind("corr-id-0123456789")
    try:
        async with create_http_client("http://upstream.test", transport) as http:
            await http.post("/x", json={})
            await http.get("/y", headers={"X-Correlation-ID": "an-older-one"})
    finally:
        correlation.unbind(token)
    assert [request.headers.get_list("X-Correlation-ID") for request in seen] == [["corr-id-0123456789"]] * 2
