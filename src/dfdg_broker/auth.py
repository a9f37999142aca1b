"""Who is calling: a bearer token, verified, turned into a ``Caller`` (municipality, subject, client, scopes).

Two verification paths, chosen once at start-up from the settings:

- **Production (and `make run`, the tests):** tokens from an OpenID Connect identity provider, verified with its
  published keys (``identity.OidcVerifier``): asymmetric algorithms only, ``iss``/``aud``/``exp``/``nbf`` checked,
  a maximum lifetime, the municipality from a configurable claim. In development the mock upstream plays the
  identity provider, so the path is the same one production uses.
- **Development HS256** (``DFDG_JWT_SECRET`` set, never in production): a shared secret, for quick local calls.
  The settings refuse it when ``DFDG_ENVIRONMENT=production``.

The algorithm list is fixed in code, never taken from the token's header.
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

import jwt
from cachetools import LRUCache

from dfdg_broker.app_state import StateKey
from dfdg_broker.domain.municipalities import is_municipality
from dfdg_broker.errors import Unauthenticated
from dfdg_broker.settings import Settings

DEV_ALGORITHM = "HS256"
MUNICIPALITY_CLAIM = "municipality"


class Scope(StrEnum):
    """What a token allows (OAuth2 scopes; the exact strings are shared with every feature)."""

    CASES_READ = "cases:read"
    CASES_WRITE = "cases:write"
    """create, update, submit a CV, request a PDF, record a receipt"""
    ACCESS_LOG_READ = "access-log:read"


ALL_SCOPES = frozenset(Scope)
SCOPE_DESCRIPTIONS = {
    Scope.CASES_READ: "Read the municipality's cases, their data areas and documents",
    Scope.CASES_WRITE: "Create and change cases: create, update, submit the Jobnet CV, PDF requests, receipts",
    Scope.ACCESS_LOG_READ: "Read the access log of the municipality's cases",
}


@dataclass(frozen=True, slots=True)
class Caller:
    municipality: str = ""
    subject: str = ""
    client_id: str = ""
    scopes: frozenset[str] = field(default_factory=frozenset)

    def missing(self, required: Iterable[str]) -> list[str]:
        """The required scopes this caller's token does not carry."""
        return [scope for scope in required if scope not in self.scopes]


class TokenVerifier(Protocol):
    async def verify(self, token: str) -> Caller: ...


def parse_scopes(value: Any) -> frozenset[str]:
    """``scope`` is a space-separated string (RFC 8693 §4.2); some providers send a list (``scp``)."""
    if isinstance(value, str):
        return frozenset(value.split())
    if isinstance(value, list | tuple):
        return frozenset(str(v) for v in value)
    return frozenset()


def caller_municipality(code: object) -> str:
    municipality = str(code) if isinstance(code, str | int) else ""
    if not is_municipality(municipality):
        raise Unauthenticated("The token does not name an official municipality code.")
    return municipality


# ---------------------------------------------------------------- development HS256 (refused in production)


def issue_token(
    settings: Settings,
    municipality: str,
    *,
    subject: str = "dev",
    ttl: timedelta | None = None,
    scopes: Iterable[str] = ALL_SCOPES,
    client_id: str | None = None,
) -> str:
    """A development HS256 token for ``municipality`` (``dfdg-broker token --local``, tests of this path)."""
    secret = settings.jwt_secret
    if secret is None:
        raise ValueError("DFDG_JWT_SECRET is not set: development HS256 tokens are off")
    now = datetime.now(UTC)
    claims = {
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "sub": subject,
        "client_id": client_id or f"dev-{municipality}",
        MUNICIPALITY_CLAIM: municipality,
        "scope": " ".join(sorted(scopes)),
        "iat": now,
        "exp": now + (ttl or timedelta(seconds=settings.jwt_dev_token_ttl_seconds)),
    }
    return jwt.encode(claims, secret.get_secret_value(), algorithm=DEV_ALGORITHM)


class DevTokenVerifier:
    """HS256 with the shared development secret. Exists only outside production (see ``Settings``)."""

    def __init__(self, settings: Settings) -> None:
        assert settings.jwt_secret is not None
        self._secret = settings.jwt_secret.get_secret_value()
        self._settings = settings

    async def verify(self, token: str) -> Caller:
        return verify_dev_token(self._settings, token, self._secret)


def verify_dev_token(settings: Settings, token: str, secret: str) -> Caller:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[DEV_ALGORITHM],
            audience=settings.jwt_audience,
            issuer=settings.jwt_issuer,
            options={"require": ["exp", "iss", "aud", "sub", MUNICIPALITY_CLAIM]},
        )
    except jwt.ExpiredSignatureError:
        raise Unauthenticated("The token has expired.") from None
    except jwt.InvalidTokenError:
        raise Unauthenticated("The token is not valid for this service.") from None
    return Caller(
        municipality=caller_municipality(claims[MUNICIPALITY_CLAIM]),
        subject=str(claims["sub"]),
        client_id=str(claims.get("client_id") or claims["sub"]),
        scopes=parse_scopes(claims.get("scope")),
    )


class Authenticator:
    """The verifier the broker uses: the identity provider's keys, plus the HS256 path where development allows.

    A token verified once is not verified again on every request: the caller it named is remembered, keyed by the
    whole token string (so only the very same signed bytes hit), until the token's ``exp`` or for at most
    ``VERIFIED_TOKEN_SECONDS``, whichever comes first (a key withdrawn from the identity provider stops being
    honoured about as soon as the key set is fetched again). Bounded (``VERIFIED_TOKENS``, least recently used
    first). Refused tokens are never remembered: each attempt is verified and refused again."""

    def __init__(
        self, oidc: TokenVerifier | None, dev: DevTokenVerifier | None, *, now: Callable[[], float] = time.time
    ) -> None:
        self._oidc = oidc
        self._dev = dev
        self._now = now
        self._verified: LRUCache[str, tuple[Caller, float]] = LRUCache(maxsize=VERIFIED_TOKENS)

    async def verify(self, token: str) -> Caller:
        remembered = self._verified.get(token)
        now = self._now()
        if remembered is not None:
            if now < remembered[1]:
                return remembered[0]
            del self._verified[token]
        caller = await self._verify(token)
        expires = _unverified_exp(token)  # the signature and the claims were checked just now
        if expires is not None:
            self._verified[token] = (caller, min(expires, now + VERIFIED_TOKEN_SECONDS))
        return caller

    async def _verify(self, token: str) -> Caller:
        if self._dev is not None and _header_alg(token) == DEV_ALGORITHM:
            return await self._dev.verify(token)
        if self._oidc is None:
            raise Unauthenticated("The token is not valid for this service.")
        return await self._oidc.verify(token)


VERIFIED_TOKEN_SECONDS = 60.0
"""How long a verified token is trusted without verifying it again (never past its ``exp``)."""
VERIFIED_TOKENS = 10_000
"""How many verified tokens are remembered (a token is about 1 kB: about 10 MB at most)."""


def _unverified_exp(token: str) -> float | None:
    """The ``exp`` claim of a token whose signature was verified already (None: not remembered)."""
    try:
        payload = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError):
        return None
    expires = claims.get("exp") if isinstance(claims, dict) else None
    return float(expires) if isinstance(expires, int | float) and not isinstance(expires, bool) else None


def _header_alg(token: str) -> str | None:
    try:
        alg = jwt.get_unverified_header(token).get("alg")
    except jwt.InvalidTokenError:
        return None
    return alg if isinstance(alg, str) else None


AUTHENTICATOR: StateKey[Authenticator] = StateKey("authenticator")
"""Set by the lifespan (the identity provider's keys are fetched through the app's HTTP client)."""
