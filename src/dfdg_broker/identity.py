"""Tokens from an OpenID Connect identity provider, verified with its published keys (JWKS).

- Discovery: ``{issuer}/.well-known/openid-configuration`` names the ``jwks_uri`` (or ``DFDG_OIDC_JWKS_URL`` does);
  the document's ``issuer`` must equal the configured one.
- Keys: the key set is parsed with PyJWT (``PyJWKSet``) and held for ``DFDG_OIDC_JWKS_CACHE_SECONDS``; a token
  whose ``kid`` is not in the set refreshes it once (a key rotation), at most once per
  ``JWKS_MIN_REFRESH_SECONDS`` so that tokens with random ``kid`` values cannot make the broker hammer the provider.
  Why not ``PyJWKClient``: it fetches with blocking ``urllib`` (it would stall the event loop) and cannot use the
  broker's own HTTP client (timeouts, the test transport). The parsing and the key objects are PyJWT's.
- Claims: asymmetric algorithms only (RS256/ES256 by default; ``none`` and HS* never), ``iss``, ``aud``, ``exp``,
  ``nbf`` with a small leeway, ``iat`` required and ``exp - iat`` at most the maximum lifetime; the municipality
  from ``DFDG_OIDC_MUNICIPALITY_CLAIM`` (a 3-digit code, or a CVR number mapped through a table).
"""

from __future__ import annotations

import asyncio
import csv
import io
import logging
import time
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import jwt

from dfdg_broker.auth import Caller, caller_municipality, parse_scopes
from dfdg_broker.errors import ProblemError, Unauthenticated
from dfdg_broker.settings import MunicipalityClaimFormat, Settings

log = logging.getLogger(__name__)

JWKS_MIN_REFRESH_SECONDS = 10.0
FETCH_TIMEOUT_SECONDS = 5.0


class IdentityProviderUnavailable(ProblemError):
    """The keys could not be fetched and none are held: no token can be checked now."""

    status = 503
    code = "identity_provider_unavailable"
    title = "The identity provider's keys could not be fetched; try again shortly"

    def __init__(self, detail: str | None = None) -> None:
        super().__init__(detail, headers={"Retry-After": "10"})


def load_cvr_table(path: Path | None = None) -> dict[str, str]:
    """CVR number -> municipality code: the shipped table (``data/municipality_cvr.csv``), or a deployment's."""
    if path is None:
        text = resources.files("dfdg_broker.data").joinpath("municipality_cvr.csv").read_text(encoding="utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    table: dict[str, str] = {}
    reader = csv.DictReader(io.StringIO(text))
    for row in reader:
        cvr, code = (row.get("cvr") or "").strip(), (row.get("code") or "").strip()
        if not (len(cvr) == 8 and cvr.isdigit()):
            raise ValueError(f"{path or 'municipality_cvr.csv'}, line {reader.line_num}: {cvr!r} is not a CVR number")
        table[cvr] = caller_municipality(code) if code else ""
    return table


class JwksKeys:
    """The provider's signing keys by ``kid``, fetched lazily, cached, refreshed on an unknown ``kid``."""

    def __init__(self, http: httpx.AsyncClient, *, issuer: str, jwks_url: str | None, cache_seconds: float) -> None:
        self._http = http
        self._issuer = issuer
        self._jwks_url = jwks_url
        self._cache_seconds = cache_seconds
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at = float("-inf")
        self._last_attempt = float("-inf")
        self._lock = asyncio.Lock()

    async def key(self, kid: str) -> jwt.PyJWK:
        key = self._keys.get(kid)
        if key is not None and time.monotonic() - self._fetched_at < self._cache_seconds:
            return key
        async with self._lock:
            key = self._keys.get(kid)
            now = time.monotonic()
            stale = now - self._fetched_at >= self._cache_seconds
            may_ask = now - self._last_attempt >= JWKS_MIN_REFRESH_SECONDS
            if (key is None or stale) and (may_ask or not self._keys):
                try:
                    await self._refresh()
                except IdentityProviderUnavailable:
                    if key is None:
                        raise
                    # The provider is down: the keys held stay good until it answers again.
                key = self._keys.get(kid)
        if key is None:
            raise Unauthenticated("The token is signed with a key the identity provider does not publish.")
        return key

    async def prefetch(self) -> None:
        """At start-up, best effort: a provider that is down then is asked again on the first request."""
        try:
            async with self._lock:
                await self._refresh()
        except IdentityProviderUnavailable:
            log.warning("identity provider keys not fetched at start-up; will retry on the first request")

    async def _refresh(self) -> None:
        self._last_attempt = time.monotonic()
        try:
            url = self._jwks_url or await self._discover()
            response = await self._http.get(url, timeout=FETCH_TIMEOUT_SECONDS)
            response.raise_for_status()
            key_set = jwt.PyJWKSet.from_dict(response.json())
        except (httpx.HTTPError, ValueError, jwt.PyJWKSetError) as exc:
            log.warning("identity provider keys could not be fetched: %s", type(exc).__name__)
            raise IdentityProviderUnavailable("The identity provider's keys could not be fetched.") from None
        self._keys = {k.key_id: k for k in key_set.keys if k.key_id and k.public_key_use in (None, "sig")}
        self._fetched_at = time.monotonic()

    async def _discover(self) -> str:
        response = await self._http.get(
            self._issuer.rstrip("/") + "/.well-known/openid-configuration", timeout=FETCH_TIMEOUT_SECONDS
        )
        response.raise_for_status()
        document = response.json()
        if document.get("issuer") != self._issuer:
            raise ValueError("discovery document names another issuer")
        jwks_uri = document.get("jwks_uri")
        if not isinstance(jwks_uri, str):
            raise ValueError("discovery document has no jwks_uri")
        self._jwks_url = jwks_uri
        return jwks_uri


class OidcVerifier:
    def __init__(self, settings: Settings, http: httpx.AsyncClient, cvr_table: dict[str, str] | None = None) -> None:
        assert settings.oidc_issuer is not None
        self._settings = settings
        self._issuer = settings.oidc_issuer
        self._algorithms = list(settings.oidc_algorithms)
        self._cvr_table = cvr_table or {}
        self.keys = JwksKeys(
            http,
            issuer=settings.oidc_issuer,
            jwks_url=settings.oidc_jwks_url,
            cache_seconds=settings.oidc_jwks_cache_seconds,
        )

    async def verify(self, token: str) -> Caller:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.InvalidTokenError:
            raise Unauthenticated("The token is not a JWT.") from None
        alg, kid = header.get("alg"), header.get("kid")
        if alg not in self._algorithms:
            raise Unauthenticated(f"The token's algorithm is not accepted (accepted: {', '.join(self._algorithms)}).")
        if not isinstance(kid, str):
            raise Unauthenticated("The token names no signing key (kid).")
        key = await self.keys.key(kid)
        claims = self._decode(token, key)
        return Caller(
            municipality=self._municipality(claims),
            subject=str(claims.get("sub") or ""),
            client_id=str(claims.get(self._settings.oidc_client_id_claim) or claims.get("azp") or ""),
            scopes=parse_scopes(claims.get(self._settings.oidc_scope_claim)),
        )

    def _decode(self, token: str, key: jwt.PyJWK) -> dict[str, Any]:
        settings = self._settings
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=self._algorithms,
                audience=settings.oidc_audience,
                issuer=self._issuer,
                leeway=settings.oidc_leeway_seconds,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("The token has expired.") from None
        except jwt.ImmatureSignatureError:
            raise Unauthenticated("The token is not valid yet.") from None
        except jwt.InvalidAudienceError:
            raise Unauthenticated("The token is meant for another audience.") from None
        except jwt.InvalidIssuerError:
            raise Unauthenticated("The token comes from another issuer.") from None
        except jwt.InvalidTokenError:
            raise Unauthenticated("The token is not valid for this service.") from None
        starts = claims.get("nbf", claims["iat"])
        longest = settings.oidc_max_token_lifetime_seconds
        if not isinstance(starts, int | float) or claims["exp"] - starts > longest:
            raise Unauthenticated(f"The token lives longer than {longest} seconds; ask for a shorter one.")
        return claims

    def _municipality(self, claims: dict[str, Any]) -> str:
        value = claims.get(self._settings.oidc_municipality_claim)
        if self._settings.oidc_municipality_claim_format is MunicipalityClaimFormat.CVR:
            code = self._cvr_table.get(str(value)) if isinstance(value, str | int) else None
            if not code:
                raise Unauthenticated("The token's CVR number is not a municipality's.")
            return code
        return caller_municipality(value)


async def fetch_client_credentials_token(
    http: httpx.AsyncClient, issuer: str, client_id: str, client_secret: str, scopes: list[str] | None = None
) -> str:
    """An access token by OAuth2 client credentials at the issuer's token endpoint (found by discovery): what
    `dfdg-broker token` and the demo seed do, and what a municipality's case system does."""
    discovery = await http.get(issuer.rstrip("/") + "/.well-known/openid-configuration", timeout=FETCH_TIMEOUT_SECONDS)
    discovery.raise_for_status()
    form = {"grant_type": "client_credentials"}
    if scopes:
        form["scope"] = " ".join(scopes)
    response = await http.post(
        discovery.json()["token_endpoint"],
        data=form,
        auth=(client_id, client_secret),
        timeout=FETCH_TIMEOUT_SECONDS,
    )
    if response.status_code != 200:
        raise ValueError(f"the identity provider refused: {response.status_code} {response.text[:200]}")
    token: str = response.json()["access_token"]
    return token
