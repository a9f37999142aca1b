"""The upstream HTTP client keeps no cookies (one pooled client serves every caseworker), merges request paths
with the base URL, builds requests and sends them as httpx does (its short ways give what httpx's own give, and
anything they do not cover takes httpx's), and hands no more requests to the connection pool than it has
connections, each until its answer is read."""

from __future__ import annotations

import asyncio
from typing import Any

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


@pytest.mark.parametrize(
    "base", ["http://upstream.test", "https://gw.test:8443/asyl/", "http://gw.test/a%20b", "http://u:p@gw.test/x/"]
)
@pytest.mark.parametrize(
    "path",
    [
        "/letasyl/v1/persons/p-0001/attachments/att.pdf",  # plain: the short way
        "/jobnet/v1/cvs/12",
        "/a/~b_c-d.e",
        "/a/./b",  # dot segments, an empty one, a trailing slash, quoting, a query: httpx's way
        "/a/../b",
        "/a//b",
        "/a/",
        "/a b/ø",
        "/a%2Fb",
        "/a?x=1",
        "a/b",
        "//other.test/x",
        "http://other.test/x",
    ],
)
async def test_a_path_is_merged_with_the_base_url_exactly_as_httpx_merges_it(base: str, path: str):
    async with create_http_client(base, httpx.MockTransport(lambda _: httpx.Response(200))) as http:
        ours, theirs = http._merge_url(path), httpx.AsyncClient._merge_url(http, path)
    assert ours._uri_reference == theirs._uri_reference
    assert (str(ours), ours.raw_path, ours.netloc) == (str(theirs), theirs.raw_path, theirs.netloc)


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
            assert ours.headers._list == theirs.headers._list and ours.headers.encoding == theirs.headers.encoding
            assert vars(ours).keys() == vars(theirs).keys() and type(ours.stream) is type(theirs.stream)
            assert [chunk async for chunk in ours.stream] == [chunk async for chunk in theirs.stream]


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


def _answering(request: httpx.Request) -> httpx.Response:
    """Answers that exercise what send does with a response: a streamed body, a redirect, a non-ASCII header."""
    if request.url.path == "/moved":
        return httpx.Response(302, headers={"Location": "/elsewhere"}, stream=_EmptyBody())
    body = b'{"a": "\\u00e6"}'
    return httpx.Response(
        200, headers=[("Content-Type", "application/json"), ("X-Note", b"caf\xe9")], stream=httpx.ByteStream(body)
    )


def _client(transport: httpx.AsyncBaseTransport, **options: Any) -> UpstreamHttpClient:
    """The client itself, without create_http_client's BoundedTransport (which reads every body first)."""
    return UpstreamHttpClient(base_url="http://upstream.test", transport=transport, **options)


@pytest.fixture
def httpx_layers(monkeypatch: pytest.MonkeyPatch) -> list[httpx.Request]:
    """The requests that went through httpx's own send (its authentication layer)."""
    seen: list[httpx.Request] = []
    original = httpx.AsyncClient._send_handling_auth

    async def spy(self: httpx.AsyncClient, request: httpx.Request, **kwargs: Any) -> httpx.Response:
        seen.append(request)
        return await original(self, request, **kwargs)

    monkeypatch.setattr(httpx.AsyncClient, "_send_handling_auth", spy)
    return seen


@pytest.mark.parametrize("bounded", [True, False])
@pytest.mark.parametrize("path", ["/x", "/moved"])
async def test_the_short_send_answers_exactly_as_httpx_send(path: str, bounded: bool, httpx_layers: list):
    """Status, headers, body, request, encoding, the redirect offered (not followed), history, and the state of the
    response, through the short way and through httpx's own send on the same client."""
    transport = httpx.MockTransport(_answering)
    async with create_http_client("http://upstream.test", transport) if bounded else _client(transport) as http:
        ours_request, theirs_request = http.build_request("GET", path), http.build_request("GET", path)
        ours = await http.send(ours_request)
        assert not httpx_layers
        theirs = await httpx.AsyncClient.send(http, theirs_request)
        assert httpx_layers == [theirs_request]

    def described(response: httpx.Response) -> tuple:
        following = response.next_request
        return (
            response.status_code,
            response.reason_phrase,
            response.http_version,
            response.headers._list,
            response.headers.encoding,
            response.content,
            response.json() if response.status_code == 200 else None,
            response.default_encoding,
            response.history,
            response.extensions,
            response.is_closed,
            response.is_stream_consumed,
            hasattr(response, "_elapsed"),
            None if following is None else (following.method, following.url, following.headers._list),
        )

    assert ours.request is ours_request and theirs.request is theirs_request
    assert described(ours) == described(theirs)


async def test_what_the_short_send_does_not_cover_takes_httpx_send(httpx_layers: list):
    async def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"authorization": request.headers.get("Authorization")})

    transport = httpx.MockTransport(answer)
    async with _client(transport) as http:
        assert (await http.get("/x", auth=("a", "b"))).json() == {"authorization": "Basic YTpi"}
        await http.get("/x", follow_redirects=True)
        async with http.stream("GET", "/x") as streamed:
            await streamed.aread()
        await http.get("http://a:b@upstream.test/x")
        assert len(httpx_layers) == 4
    async with _client(transport, auth=("a", "b")) as http:
        assert (await http.get("/x")).json() == {"authorization": "Basic YTpi"}
    async with _client(transport, follow_redirects=True) as http:
        await http.get("/x")
    assert len(httpx_layers) == 6


async def test_the_short_send_runs_the_event_hooks_in_order_and_closes_an_answer_a_hook_refuses():
    calls: list[str] = []
    answers: list[httpx.Response] = []

    async def on_request(request: httpx.Request) -> None:
        calls.append(f"request {request.url.path}")

    async def on_response(response: httpx.Response) -> None:
        calls.append(f"response {response.status_code}")
        answers.append(response)
        if response.request.url.path == "/refused":
            raise ValueError("refused")

    hooks = {"request": [on_request], "response": [on_response]}
    async with _client(httpx.MockTransport(_answering), event_hooks=hooks) as http:
        await http.get("/x")
        refused = http.build_request("GET", "/refused")
        with pytest.raises(ValueError, match="refused"):
            await http.send(refused)
    assert calls == ["request /x", "response 200", "request /refused", "response 200"]
    assert answers[-1].is_closed


async def test_the_short_send_names_the_request_in_a_transport_error_and_refuses_once_closed():
    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused")

    http = _client(httpx.MockTransport(fail))
    request = http.build_request("GET", "/x")
    with pytest.raises(httpx.ConnectError) as caught:
        await http.send(request)
    assert caught.value.request is request
    await http.aclose()
    with pytest.raises(RuntimeError, match="closed"):
        await http.get("/x")


@pytest.mark.parametrize(
    "given",
    [None, {"X-Correlation-ID": "an-older-one"}, [("x-correlation-id", "a"), ("X-A", "1"), ("X-Correlation-ID", "b")]],
)
async def test_the_correlation_id_is_set_as_httpx_sets_a_header(given: Any):
    """Appended when the request has none, else in place of the first, the others dropped: ``headers[name] = id``."""
    transport, seen = _recording()
    token = correlation.bind("corr-id-0123456789")
    try:
        async with create_http_client("http://upstream.test", transport) as http:
            await http.post("/x", json={}, headers=given)
            expected = http.build_request("POST", "/x", json={}, headers=given)
    finally:
        correlation.unbind(token)
    expected.headers["X-Correlation-ID"] = "corr-id-0123456789"
    assert seen[0].headers._list == expected.headers._list
