"""HTTP-level protections that hold for every route: security headers, and the OAuth2 scheme in OpenAPI.

- Every response: ``X-Content-Type-Options: nosniff``, ``X-Frame-Options: DENY``, ``Referrer-Policy: no-referrer``,
  ``Cross-Origin-Resource-Policy: same-origin``, a ``Content-Security-Policy`` that allows nothing (except on the
  documentation pages, which load their own scripts), and in production ``Strict-Transport-Security``.
- Every ``/v1`` response carries personal data or may: ``Cache-Control: no-store`` (no proxy or browser keeps a
  copy), unless the route set its own.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from dfdg_broker.auth import SCOPE_DESCRIPTIONS
from dfdg_broker.errors import PROBLEM_MEDIA_TYPE, PROBLEM_SCHEMA_REF

PERSONAL_DATA_PREFIX = "/v1/"
DOCS_PATHS = ("/docs", "/redoc")
OAUTH2_SCHEME = "OAuth2"

_BASE_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-resource-policy", b"same-origin"),
)
_CSP = (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")
_HSTS = (b"strict-transport-security", b"max-age=31536000; includeSubDomains")
_NO_STORE = (b"cache-control", b"no-store")


class SecurityHeaders:
    """The headers above, for one request's response (``edge.EdgeMiddleware`` adds them to every response)."""

    def __init__(self, *, hsts: bool) -> None:
        self.hsts = hsts

    def add(self, path: str, headers: list[tuple[bytes, bytes]]) -> None:
        """Add to a response's ``headers`` those it does not set itself."""
        present = {name.lower() for name, _ in headers}
        headers.extend(h for h in _BASE_HEADERS if h[0] not in present)
        if not path.startswith(DOCS_PATHS) and _CSP[0] not in present:
            headers.append(_CSP)
        if self.hsts and _HSTS[0] not in present:
            headers.append(_HSTS)
        if path.startswith(PERSONAL_DATA_PREFIX) and _NO_STORE[0] not in present:
            headers.append(_NO_STORE)


def install_openapi_security(app: FastAPI, *, token_url: str, extra_responses: dict[int | str, dict[str, Any]]) -> None:
    """Declares the OAuth2 client-credentials scheme (with the scopes) beside the bearer scheme, and copies each
    operation's required scopes onto it, so that the Authorize button in /docs can fetch a token and generated
    clients know which scope each operation needs. ``extra_responses`` are added to every secured operation
    (e.g. 403 insufficient_scope, 413, 429), so routes added later document them too."""

    build = app.openapi
    done: list[bool] = []

    def openapi() -> dict[str, Any]:
        document = build()
        if done:
            return document
        schemes = document.setdefault("components", {}).setdefault("securitySchemes", {})
        schemes[OAUTH2_SCHEME] = {
            "type": "oauth2",
            "description": "OAuth2 client credentials at the identity provider; the token names the municipality "
            "and carries the scopes.",
            "flows": {
                "clientCredentials": {
                    "tokenUrl": token_url,
                    "scopes": {str(k): v for k, v in SCOPE_DESCRIPTIONS.items()},
                }
            },
        }
        for path_item in document.get("paths", {}).values():
            for operation in path_item.values():
                _secure(operation, extra_responses)
        done.append(True)
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _secure(operation: dict[str, Any], extra_responses: dict[int | str, dict[str, Any]]) -> None:
    requirements: list[dict[str, list[str]]] = operation.get("security") or []
    if not requirements:
        return
    scopes = sorted({s for requirement in requirements for scopes in requirement.values() for s in scopes})
    operation["security"] = [{OAUTH2_SCHEME: scopes}, {"BearerToken": scopes}]
    responses = operation.setdefault("responses", {})
    for status, response in extra_responses.items():
        responses.setdefault(
            str(status),
            {
                "description": response["description"],
                "content": {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": PROBLEM_SCHEMA_REF}}},
            },
        )


def required_scopes(operation: dict[str, Any]) -> list[str]:
    """The scopes an OpenAPI operation declares (what the generated authorization test reads)."""
    for requirement in operation.get("security") or []:
        if OAUTH2_SCHEME in requirement:
            return list(requirement[OAUTH2_SCHEME])
    return []
