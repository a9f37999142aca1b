"""Rate limits per municipality and per route class: the reported 900 requests/s from one caller got no 429."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from dfdg_broker.settings import Settings
from tests.conftest import TODAY
from tests.helpers import create_body, days


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"rate_limit_read": "5/minute", "rate_limit_write": "2/minute"})


async def test_a_municipality_past_its_read_limit_gets_429_with_retry_after(client, auth):
    answers = [(await client.get("/v1/follow-up-policies", headers=auth("101"))) for _ in range(6)]
    assert [r.status_code for r in answers] == [200] * 5 + [429]
    refused = answers[-1]
    problem = refused.json()
    assert (problem["code"], problem["route_class"]) == ("rate_limited", "read")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["content-type"].startswith("application/problem+json")


async def test_limits_are_per_municipality_and_per_route_class(client, auth, persona):
    for _ in range(5):
        await client.get("/v1/follow-up-policies", headers=auth("101"))
    assert (await client.get("/v1/follow-up-policies", headers=auth("101"))).status_code == 429
    assert (await client.get("/v1/follow-up-policies", headers=auth("751"))).status_code == 200, "751 has its own"
    body = create_body(persona("complete-adult"), TODAY + days(10))
    created = await client.post("/v1/contact-groups", json=body, headers=auth("101"))
    assert created.status_code == 201, "writes have their own window"


async def test_the_write_limit_counts_writes(client, auth, persona):
    body = create_body(persona("complete-adult"), TODAY + days(10))
    statuses = [(await client.post("/v1/contact-groups", json=body, headers=auth("101"))).status_code for _ in range(3)]
    assert statuses == [201, 409, 429]


async def test_a_read_counts_once_though_its_access_log_and_its_route_both_ask_for_the_caller(client, auth, persona):
    body = create_body(persona("complete-adult"), TODAY + days(10))
    case_id = (await client.post("/v1/contact-groups", json=body, headers=auth("101"))).json()["id"]
    statuses = [(await client.get(f"/v1/contact-groups/{case_id}", headers=auth("101"))).status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]


async def test_an_unauthenticated_request_is_refused_before_it_counts(client, auth):
    for _ in range(10):
        assert (await client.get("/v1/follow-up-policies")).status_code == 401
    assert (await client.get("/v1/follow-up-policies", headers=auth("101"))).status_code == 200


def test_a_malformed_limit_stops_the_start_up():
    with pytest.raises(ValidationError, match="DFDG_RATE_LIMIT_READ is not a rate limit"):
        Settings(_env_file=None, environment="test", rate_limit_read="lots")  # type: ignore[call-arg]
