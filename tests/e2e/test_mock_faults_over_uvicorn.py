"""The mock's faults behind a real server (uvicorn on a free loopback port), as a vendor's client meets them: a reset
or truncated answer is a transport error, a hang ends when the client gives up and leaves the server serving."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from dfdg_broker.http_coalescing import CoalescingHttpToolsProtocol
from dfdg_broker.mock.app import create_mock_app
from tests.helpers import uvicorn_on_loopback

CPR = "1204882211"  # synthetic (demo persona complete-adult)


@pytest.fixture(params=["auto", CoalescingHttpToolsProtocol], ids=["uvicorn", "coalescing"])
async def mock_url(request: pytest.FixtureRequest) -> AsyncIterator[str]:
    """Behind uvicorn as it comes, and with its writes coalesced (as the bench's mock runs)."""
    async with uvicorn_on_loopback(create_mock_app(), http=request.param) as port:
        yield f"http://127.0.0.1:{port}"


async def test_reset_truncated_and_hang_behind_uvicorn(mock_url):
    async with httpx.AsyncClient(base_url=mock_url, timeout=10.0) as client:
        lookup = {"cpr": CPR}
        for kind in ("reset", "truncated_body"):
            fault = await client.post("/admin/faults", json={"system": "cpr", "kind": kind, "times": 1})
            assert fault.status_code == 201
            with pytest.raises(httpx.TransportError):
                await client.post("/cpr/v1/person-lookups", json=lookup)
        await client.post("/admin/faults", json={"system": "cpr", "kind": "hang", "times": 1})
        with pytest.raises(httpx.ReadTimeout):
            await client.post("/cpr/v1/person-lookups", json=lookup, timeout=httpx.Timeout(10.0, read=0.5))
        answered = await client.post("/cpr/v1/person-lookups", json=lookup)
        assert answered.status_code == 200, "the server serves on"
        journal = (await client.get("/admin/journal", params={"system": "cpr"})).json()
        assert journal, "faulted calls are journaled too"
