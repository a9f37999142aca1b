"""The broker's development routes (`/dev/clock`, time travel) do not exist at all in production: every method
answers 404 as for any unknown path, the OpenAPI document does not name them, and the clock is the plain one."""

from __future__ import annotations

import pytest

from dfdg_broker import app_state
from dfdg_broker.clock import MovableClock
from dfdg_broker.settings import Environment, Settings
from tests.helpers import PRODUCTION_DATA_KEYS, PRODUCTION_LOOKUP_KEYS


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment=Environment.PRODUCTION,
        database_url=database_url,
        upstream_base_url="https://upstream.test",
        oidc_issuer="https://upstream.test/idp",
        data_keys=PRODUCTION_DATA_KEYS,
        cpr_lookup_keys=PRODUCTION_LOOKUP_KEYS,
        api_docs=True,  # so that /openapi.json answers and can be searched
    )


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/dev/clock"), ("PUT", "/dev/clock"), ("DELETE", "/dev/clock"), ("POST", "/dev/clock/moves")],
)
async def test_the_time_travel_routes_are_404_in_production(client, method: str, path: str) -> None:
    response = await client.request(method, path, json={"days": 1})
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_time_travel_routes_are_not_in_the_production_openapi(app, client) -> None:
    document = (await client.get("/openapi.json")).json()
    assert not [path for path in document["paths"] if path.startswith("/dev")]
    assert "Development (absent in production)" not in {tag["name"] for tag in document.get("tags", [])}
    assert not isinstance(app_state.CLOCK.get(app), MovableClock), "nothing in production can move the clock"
