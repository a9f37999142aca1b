"""Production sign-in: tokens from the identity provider, verified with its published keys (JWKS).

The broker runs as in production here (``DFDG_ENVIRONMENT=production``, an https issuer), against the mock upstream
playing the identity provider. Each test names what an attacker or a misconfigured client would try.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from fastapi import FastAPI

from dfdg_broker.app import create_app
from dfdg_broker.mock.identity import MOCK_CLIENT_SECRET, MockIdentityProvider, SigningKey, default_identity_provider
from dfdg_broker.settings import DEVELOPMENT_JWT_SECRET, Environment, MunicipalityClaimFormat, Settings
from tests.conftest import TODAY, SwitchableTransport
from tests.helpers import PRODUCTION_DATA_KEYS, PRODUCTION_LOOKUP_KEYS, create_body, days, running

ISSUER = "https://upstream.test/idp"
STRONG_KEY = "a-production-cpr-lookup-key-0123456789abcdef"


@pytest.fixture
def identity() -> MockIdentityProvider:
    """A provider of this test's own (its keys can be rotated without touching other tests)."""
    provider = default_identity_provider()
    return MockIdentityProvider(provider.keys.values())


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment=Environment.PRODUCTION,
        database_url=database_url,
        upstream_base_url="https://upstream.test",
        oidc_issuer=ISSUER,
        data_keys=PRODUCTION_DATA_KEYS,
        cpr_lookup_keys=PRODUCTION_LOOKUP_KEYS,
        upstream_attempts=2,
    )


@pytest.fixture
def upstream(mock_app: FastAPI) -> SwitchableTransport:
    return SwitchableTransport(mock_app)


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="https://broker.test") as c:
        yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def unsigned(claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


async def status_of(client: httpx.AsyncClient, token: str) -> int:
    return (await client.get("/v1/follow-up-policies", headers=bearer(token))).status_code


# ---------------------------------------------------------------- accepted


@pytest.mark.parametrize("alg", ["ES256", "RS256"])
async def test_a_token_from_the_identity_provider_is_accepted(client, identity, alg):
    assert await status_of(client, identity.issue(ISSUER, "101", alg=alg)) == 200


async def test_the_token_endpoint_issues_tokens_the_broker_accepts(client, mock_client):
    granted = await mock_client.post(
        "https://upstream.test/idp/token",
        data={"grant_type": "client_credentials", "scope": "cases:read"},
        auth=("kommune-751", MOCK_CLIENT_SECRET),
    )
    assert granted.status_code == 200, granted.text
    body = granted.json()
    assert (body["token_type"], body["scope"]) == ("Bearer", "cases:read")
    assert await status_of(client, body["access_token"]) == 200


GOOD_CLIENT = {"grant_type": "client_credentials", "client_id": "kommune-751", "client_secret": MOCK_CLIENT_SECRET}


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({**GOOD_CLIENT, "client_secret": "wrong"}, "invalid_client"),
        ({**GOOD_CLIENT, "client_id": "kommune-999"}, "invalid_client"),
        ({**GOOD_CLIENT, "grant_type": "password"}, "unsupported_grant_type"),
        ({**GOOD_CLIENT, "scope": "admin"}, "invalid_scope"),
    ],
)
async def test_the_token_endpoint_refuses_as_rfc_6749_says(mock_client, form, error):
    response = await mock_client.post("https://upstream.test/idp/token", data=form)
    assert response.status_code in (400, 401)
    assert response.json()["error"] == error


async def test_a_rotated_key_is_fetched_on_its_first_unknown_kid(client, identity, monkeypatch):
    from dfdg_broker import identity as identity_module

    monkeypatch.setattr(identity_module, "JWKS_MIN_REFRESH_SECONDS", 0)  # the start-up fetch was just now
    assert await status_of(client, identity.issue(ISSUER, "101")) == 200
    new_key = SigningKey("rotated-ec", "ES256", ec.generate_private_key(ec.SECP256R1()))
    identity.keys["ES256"] = new_key
    assert await status_of(client, identity.issue(ISSUER, "101")) == 200, "a new kid refreshes the key set"


async def test_an_unknown_kid_refreshes_at_most_once_per_interval(client, identity, app, monkeypatch):
    """Random kid values must not make the broker hammer the provider."""
    from dfdg_broker import identity as identity_module
    from dfdg_broker.auth import AUTHENTICATOR

    keys = AUTHENTICATOR.get(app)._oidc.keys  # type: ignore[union-attr]
    fetches = []
    original = keys._refresh

    async def counted() -> None:
        fetches.append(1)
        await original()

    monkeypatch.setattr(keys, "_refresh", counted)
    monkeypatch.setattr(identity_module, "JWKS_MIN_REFRESH_SECONDS", 3600)
    stranger = ec.generate_private_key(ec.SECP256R1())
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": "dfdg-broker", "sub": "x", "municipality": "101", "iat": now, "exp": now + 60}
    for n in range(5):
        token = jwt.encode(claims, stranger, algorithm="ES256", headers={"kid": f"random-{n}"})
        assert await status_of(client, token) == 401
    assert len(fetches) <= 1


# ---------------------------------------------------------------- refused: forged, foreign, stale


async def test_a_token_forged_with_the_development_secret_is_refused_in_production(client):
    """The reported hole: the development HS256 secret is public, so its tokens are forgeries in production."""
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": "dfdg-broker", "sub": "x", "municipality": "101", "iat": now, "exp": now + 60}
    for issuer in (ISSUER, "dfdg-broker"):
        forged = jwt.encode({**claims, "iss": issuer}, DEVELOPMENT_JWT_SECRET, algorithm="HS256")
        response = await client.get("/v1/follow-up-policies", headers=bearer(forged))
        assert response.status_code == 401
        assert response.json()["code"] == "unauthenticated"


async def test_an_unsigned_alg_none_token_is_refused(client):
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": "dfdg-broker", "sub": "x", "municipality": "101", "iat": now, "exp": now + 60}
    assert await status_of(client, unsigned(claims)) == 401


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
async def test_hs256_signed_with_the_providers_public_key_is_refused(client, identity):
    """The classic key-confusion attack: HMAC keyed with the published RSA key."""
    public_pem = (
        identity.keys["RS256"]
        .private_key.public_key()
        .public_bytes(encoding=serialization.Encoding.PEM, format=serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": "dfdg-broker", "sub": "x", "municipality": "101", "iat": now, "exp": now + 60}
    header = {"kid": identity.keys["RS256"].kid, "alg": "HS256", "typ": "JWT"}

    def part(data: object) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    signing_input = f"{part(header)}.{part(claims)}"
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    token = signing_input + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
    assert await status_of(client, token) == 401


@pytest.mark.parametrize(
    ("overrides", "says"),
    [
        (lambda now: {"audience": "another-service"}, "another audience"),
        (lambda now: {"issued_at": now - 7200}, "expired"),
        (lambda now: {"lifetime_seconds": 86400}, "lives longer than 3600 seconds"),
        (lambda now: {"extra": {"iss": "https://evil.test/idp"}}, "another issuer"),
        (lambda now: {"extra": {"nbf": now + 600}}, "not valid yet"),
        (lambda now: {"extra": {"municipality": "999"}}, "official municipality code"),
        (lambda now: {"extra": {"municipality": None}}, "official municipality code"),
    ],
    ids=["audience", "expired", "lifetime", "issuer", "nbf", "municipality-999", "municipality-none"],
)
async def test_a_token_that_is_not_for_this_service_now_is_refused(client, identity, overrides, says):
    """Times are taken when the test runs (the suite may take longer than any offset)."""
    token = identity.issue(ISSUER, "101", **overrides(int(time.time())))
    response = await client.get("/v1/follow-up-policies", headers=bearer(token))
    assert response.status_code == 401
    assert says in response.json()["detail"]
    assert response.headers["www-authenticate"].startswith("Bearer")


async def test_a_small_clock_skew_is_tolerated(client, identity):
    token = identity.issue(ISSUER, "101", extra={"nbf": int(time.time()) + 10, "iat": int(time.time()) + 10})
    assert await status_of(client, token) == 200


async def test_a_token_signed_by_a_key_the_provider_does_not_publish_is_refused(client):
    stranger = MockIdentityProvider([SigningKey("mock-ec-x", "ES256", ec.generate_private_key(ec.SECP256R1()))])
    assert await status_of(client, stranger.issue(ISSUER, "101")) == 401


# ---------------------------------------------------------------- scopes


async def test_a_token_without_the_write_scope_cannot_create_a_case(client, identity, persona, mock_state):
    reader = identity.issue(ISSUER, "101", scopes=["cases:read"])
    body = create_body(persona("complete-adult"), TODAY + days(10))
    response = await client.post("/v1/contact-groups", json=body, headers=bearer(reader))
    assert response.status_code == 403
    problem = response.json()
    assert (problem["code"], problem["required_scopes"]) == ("insufficient_scope", ["cases:write"])
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]
    assert mock_state.journal == []
    assert await status_of(client, reader) == 200, "the read scope still reads"


# ---------------------------------------------------------------- claims mapped from the token


async def test_the_municipality_may_come_from_a_cvr_claim(database_url, upstream, identity, clock):
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        environment=Environment.PRODUCTION,
        database_url=database_url,
        upstream_base_url="https://upstream.test",
        oidc_issuer=ISSUER,
        data_keys=PRODUCTION_DATA_KEYS,
        cpr_lookup_keys=PRODUCTION_LOOKUP_KEYS,
        oidc_municipality_claim="cvr",
        oidc_municipality_claim_format=MunicipalityClaimFormat.CVR,
    )
    application = create_app(settings, clock=clock, upstream_transport=upstream)
    async with (
        running(application),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="https://broker.test") as c,
    ):
        assert await status_of(c, identity.issue(ISSUER, "751")) == 200  # cvr 55133018 -> Aarhus
        assert await status_of(c, identity.issue(ISSUER, "751", extra={"cvr": "12345678"})) == 401


# ---------------------------------------------------------------- secure defaults on the wire


async def test_production_serves_no_api_documentation(client):
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert (await client.get(path)).status_code == 404, path


async def test_personal_data_responses_are_not_cached_and_carry_security_headers(client, identity):
    response = await client.get("/v1/follow-up-policies", headers=bearer(identity.issue(ISSUER, "101")))
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["strict-transport-security"].startswith("max-age=")
    refused = await client.get("/v1/contact-groups/cg_x")
    assert refused.headers["cache-control"] == "no-store"
