"""Per-upstream credentials: a client certificate for mutual TLS, checked against a real TLS server on loopback
that requires one (certificates made by trustme for the test), and a bearer token."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator

import pytest
import trustme

from dfdg_broker.cpr_register.client import CprRegisterClient
from dfdg_broker.settings import Settings
from dfdg_broker.upstream import UpstreamFailure, create_upstreams

CPR = "1204882211"  # synthetic


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
async def server(ca: trustme.CA) -> AsyncIterator[tuple[int, list[dict]]]:
    """An HTTPS server on 127.0.0.1 that refuses a client without a certificate from ``ca``; answers 404."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    ca.configure_trust(context)
    context.verify_mode = ssl.CERT_REQUIRED
    peers: list[dict] = []

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            peers.append({"cert": writer.get_extra_info("peercert"), "head": await reader.readuntil(b"\r\n\r\n")})
            writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):
            pass
        finally:
            writer.close()

    listener = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    port = listener.sockets[0].getsockname()[1]
    try:
        yield port, peers
    finally:
        listener.close()
        await listener.wait_closed()


async def _lookup(settings: Settings) -> object:
    upstreams = await create_upstreams(settings)
    try:
        return await CprRegisterClient(upstreams.cpr.http, upstreams.cpr.policy).lookup(CPR)
    finally:
        await upstreams.aclose()


async def test_the_cpr_register_is_called_with_its_client_certificate_and_token(server, ca, tmp_path):
    port, peers = server
    client_cert = ca.issue_cert("dfdg-broker.test")
    client_cert.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "client.pem"))
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    settings = Settings(
        upstream_base_url="http://127.0.0.1:9",  # the others: unused here
        cpr_base_url=f"https://127.0.0.1:{port}",
        cpr_client_cert_file=tmp_path / "client.pem",
        cpr_ca_file=tmp_path / "ca.pem",
        cpr_bearer_token="cpr-t0ken",
        cpr_deadline_seconds=5,
    )
    assert await _lookup(settings) is None  # the server's 404: no such person
    (peer,) = peers
    assert ("DNS", "dfdg-broker.test") in peer["cert"]["subjectAltName"]
    assert b"authorization: Bearer cpr-t0ken" in peer["head"].replace(b"Authorization", b"authorization")


async def test_without_its_client_certificate_the_call_fails_as_an_upstream_failure(server, ca, tmp_path):
    port, _peers = server
    ca.cert_pem.write_to_path(str(tmp_path / "ca.pem"))
    settings = Settings(
        cpr_base_url=f"https://127.0.0.1:{port}", cpr_ca_file=tmp_path / "ca.pem", cpr_deadline_seconds=2
    )
    with pytest.raises(UpstreamFailure):
        await _lookup(settings)
