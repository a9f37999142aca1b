"""The mock upstream as OpenID Connect identity provider: discovery, the key set (JWKS) and a client-credentials
token endpoint, so that `make run`, the tests and a municipality's own integration tests get tokens the broker
verifies exactly as in production.

Clients: ``kommune-<code>`` for each official municipality code (e.g. ``kommune-101``), all with the client secret
``MOCK_CLIENT_SECRET``. A token carries ``municipality`` (the code), ``cvr`` (the municipality's CVR number),
``client_id``, ``scope`` and lives ``TOKEN_LIFETIME_SECONDS``. The keys (one RSA, one EC P-256) are made once per
process: they are test keys, never a real provider's.
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from dfdg_broker.auth import ALL_SCOPES, MUNICIPALITY_CLAIM, SCOPE_DESCRIPTIONS
from dfdg_broker.domain.municipalities import is_municipality
from dfdg_broker.identity import load_cvr_table

IDP_PREFIX = "/idp"
MOCK_CLIENT_SECRET = "mock-client-secret"  # noqa: S105 - the mock's published test secret
CLIENT_PREFIX = "kommune-"
TOKEN_LIFETIME_SECONDS = 900
AUDIENCE = "dfdg-broker"


@dataclass(frozen=True, slots=True)
class SigningKey:
    kid: str
    alg: str
    private_key: Any

    def public_jwk(self) -> dict[str, Any]:
        jwk: dict[str, Any] = jwt.get_algorithm_by_name(self.alg).to_jwk(self.private_key.public_key(), as_dict=True)
        return {**jwk, "kid": self.kid, "alg": self.alg, "use": "sig"}


class MockIdentityProvider:
    """Signs tokens with its keys; ``issue`` is what the token endpoint does (tests call it directly too)."""

    def __init__(self, keys: Iterable[SigningKey]) -> None:
        self.keys = {key.alg: key for key in keys}
        self._cvr_by_code = {code: cvr for cvr, code in load_cvr_table().items()}

    def jwks(self) -> dict[str, Any]:
        return {"keys": [key.public_jwk() for key in self.keys.values()]}

    def issue(
        self,
        issuer: str,
        municipality: str,
        *,
        scopes: Iterable[str] = ALL_SCOPES,
        subject: str | None = None,
        lifetime_seconds: int = TOKEN_LIFETIME_SECONDS,
        alg: str = "ES256",
        audience: str = AUDIENCE,
        issued_at: float | None = None,
        extra: dict[str, Any] | None = None,
    ) -> str:
        now = int(issued_at if issued_at is not None else time.time())
        client_id = CLIENT_PREFIX + municipality
        claims: dict[str, Any] = {
            "iss": issuer,
            "aud": audience,
            "sub": subject or client_id,
            "client_id": client_id,
            MUNICIPALITY_CLAIM: municipality,
            "cvr": self._cvr_by_code.get(municipality),
            "scope": " ".join(sorted(scopes)),
            "iat": now,
            "nbf": now,
            "exp": now + lifetime_seconds,
            "jti": secrets.token_urlsafe(12),
            **(extra or {}),
        }
        key = self.keys[alg]
        return jwt.encode(claims, key.private_key, algorithm=alg, headers={"kid": key.kid})


@cache
def default_identity_provider() -> MockIdentityProvider:
    """One key pair per algorithm per process (an RSA key takes tens of milliseconds to make)."""
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    return MockIdentityProvider([SigningKey(_kid("rsa"), "RS256", rsa_key), SigningKey(_kid("ec"), "ES256", ec_key)])


def _kid(kind: str) -> str:
    return f"mock-{kind}-" + base64.urlsafe_b64encode(secrets.token_bytes(6)).decode()


def issuer_of(request: Request) -> str:
    """The issuer is where the mock answers, as the caller sees it (http://127.0.0.1:8001/idp in `make run`)."""
    return str(request.base_url).rstrip("/") + IDP_PREFIX


router = APIRouter(prefix=IDP_PREFIX, tags=["Identity provider (mock)"])


@router.get("/.well-known/openid-configuration", name="idp.discovery")
async def discovery(request: Request) -> dict[str, Any]:
    """OpenID Connect discovery (the fields a client-credentials resource server needs)."""
    issuer = issuer_of(request)
    return {
        "issuer": issuer,
        "jwks_uri": issuer + "/jwks",
        "token_endpoint": issuer + "/token",
        "grant_types_supported": ["client_credentials"],
        "token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
        "scopes_supported": sorted(ALL_SCOPES),
        "id_token_signing_alg_values_supported": ["ES256", "RS256"],
        "claims_supported": ["sub", "client_id", MUNICIPALITY_CLAIM, "cvr", "scope"],
    }


@router.get("/jwks", name="idp.jwks")
async def jwks(request: Request) -> dict[str, Any]:
    provider: MockIdentityProvider = request.app.state.identity
    return provider.jwks()


@router.post(
    "/token",
    name="idp.token",
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["grant_type"],
                        "properties": {
                            "grant_type": {"type": "string", "enum": ["client_credentials"]},
                            "client_id": {"type": "string", "examples": ["kommune-101"]},
                            "client_secret": {"type": "string", "examples": [MOCK_CLIENT_SECRET]},
                            "scope": {"type": "string", "description": "space-separated; default: all"},
                        },
                    }
                }
            },
        }
    },
)
async def token(request: Request) -> JSONResponse:
    """OAuth2 client credentials (RFC 6749 §4.4): ``client_id`` ``kommune-<code>``, the mock's client secret
    (in the form or as HTTP Basic), an optional ``scope``. Errors as RFC 6749 §5.2."""
    body = await request.body()
    if len(body) > 4096:
        return _oauth_error("invalid_request", "the form is too large")
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    client_id, client_secret = _client_credentials(request, form)
    if form.get("grant_type") != "client_credentials":
        return _oauth_error("unsupported_grant_type", "only client_credentials is supported")
    municipality = client_id.removeprefix(CLIENT_PREFIX) if client_id.startswith(CLIENT_PREFIX) else ""
    if not is_municipality(municipality) or not secrets.compare_digest(client_secret, MOCK_CLIENT_SECRET):
        return _oauth_error("invalid_client", "unknown client or wrong secret", status=401)
    requested = frozenset(form.get("scope", "").split()) or ALL_SCOPES
    if not requested <= ALL_SCOPES:
        return _oauth_error("invalid_scope", "known scopes: " + " ".join(sorted(SCOPE_DESCRIPTIONS)))
    provider: MockIdentityProvider = request.app.state.identity
    access_token = provider.issue(issuer_of(request), municipality, scopes=requested)
    return JSONResponse(
        {
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": TOKEN_LIFETIME_SECONDS,
            "scope": " ".join(sorted(requested)),
        },
        headers={"Cache-Control": "no-store"},
    )


def _client_credentials(request: Request, form: dict[str, str]) -> tuple[str, str]:
    authorization = request.headers.get("authorization", "")
    if authorization.lower().startswith("basic "):
        try:
            user, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return "", ""
        return user, password
    return form.get("client_id", ""), form.get("client_secret", "")


def _oauth_error(error: str, description: str, *, status: int = 400) -> JSONResponse:
    return JSONResponse(
        {"error": error, "error_description": description}, status_code=status, headers={"Cache-Control": "no-store"}
    )
