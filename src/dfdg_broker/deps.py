"""Cross-cutting FastAPI dependencies, as ``Annotated`` aliases: settings, clock, the caller, the unit of work and
its session, the upstream. A feature's own services are wired in its ``dependencies.py``. All ``async def``: a
plain ``def`` dependency is run in the threadpool on every request."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, Header, Request, Security
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security import SecurityScopes
from fastapi.security.base import SecurityBase
from fastapi.security.utils import get_authorization_scheme_param
from sqlalchemy.ext.asyncio import AsyncSession

from dfdg_broker import app_state, idempotency
from dfdg_broker.auth import AUTHENTICATOR, Caller, Scope
from dfdg_broker.clock import Clock
from dfdg_broker.db.unit_of_work import UnitOfWork
from dfdg_broker.errors import InsufficientScope, Unauthenticated
from dfdg_broker.logging_setup import annotate_request
from dfdg_broker.rate_limits import RATE_LIMITS
from dfdg_broker.settings import Settings
from dfdg_broker.upstream import Upstreams

BEARER_SCHEME = "BearerToken"
"""The scheme's name in the OpenAPI documents (``security.install_openapi_security`` adds the OAuth2 one beside it
and copies each operation's scopes onto both)."""


async def get_settings(request: Request) -> Settings:
    return app_state.SETTINGS.of(request)


async def get_unit_of_work(request: Request) -> AsyncIterator[UnitOfWork]:
    """Commits once when the endpoint returns, before the response is sent (``scope="function"``); the phases
    in between are the services' (see ``db.unit_of_work``)."""
    async with UnitOfWork.scope(app_state.SESSIONS.of(request)) as uow:
        yield uow


async def get_clock(request: Request) -> Clock:
    return app_state.CLOCK.of(request)


async def get_upstream(request: Request) -> Upstreams:
    return app_state.UPSTREAM.of(request)


SettingsDep = Annotated[Settings, Depends(get_settings)]
UnitOfWorkDep = Annotated[UnitOfWork, Depends(get_unit_of_work, scope="function")]
ClockDep = Annotated[Clock, Depends(get_clock)]
UpstreamDep = Annotated[Upstreams, Depends(get_upstream)]


async def get_session(uow: UnitOfWorkDep) -> AsyncSession:
    """The unit of work's session, for a repository."""
    return uow.session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


class CallerScheme(SecurityBase):
    """The verified caller, as a security scheme: FastAPI documents the bearer scheme and the route's scopes from
    it, and it reads and verifies the token itself. One dependency instead of a chain (the caller, on a bearer
    scheme and an OAuth2 declaration): each dependency FastAPI solves costs every request more than verifying a
    remembered token does (issue 14)."""

    def __init__(self) -> None:
        self.model = HTTPBearerModel(
            description="An access token from the identity provider (a signed JWT naming the calling municipality "
            "and its scopes). In development: `dfdg-broker token --municipality 101`."
        )
        self.scheme_name = BEARER_SCHEME

    async def __call__(self, request: Request, security_scopes: SecurityScopes) -> Caller:
        """401 without a valid token, 403 when the token lacks a scope the route declares, 429 past the
        municipality's rate limit for the route's class (write for cases:write, else read)."""
        return await verified_caller(request, security_scopes.scopes)


_VERIFIED_CALLER = "dfdg.caller"
"""The request's verified caller, in its ASGI scope."""


async def verified_caller(request: Request, scopes: Sequence[str]) -> Caller:
    """The caller, holding ``scopes`` (else 403). The token is verified, and the request counted against its rate
    limit, once per request, by the first dependency that asks (a read's access log, then the route); each checks
    its own scopes."""
    return await caller_with(request, scopes, request.headers.get("Authorization"))


async def caller_with(request: Request, scopes: Sequence[str], authorization: str | None) -> Caller:
    """``verified_caller``, given the request's ``Authorization`` header (for a route that read it already)."""
    caller: Caller | None = request.scope.get(_VERIFIED_CALLER)
    if caller is None:
        scheme, token = get_authorization_scheme_param(authorization)
        if scheme.lower() != "bearer" or not token:
            raise Unauthenticated()
        caller = await AUTHENTICATOR.of(request).verify(token)
        annotate_request(municipality=caller.municipality, subject=caller.subject)  # for the request's log line
        _check_scopes(caller, scopes)
        route_class = "write" if Scope.CASES_WRITE in scopes else "read"
        await RATE_LIMITS.of(request).check(route_class, caller.municipality)
        request.scope[_VERIFIED_CALLER] = caller
        return caller
    _check_scopes(caller, scopes)
    return caller


def _check_scopes(caller: Caller, scopes: Sequence[str]) -> None:
    missing = caller.missing(scopes)
    if missing:
        raise InsufficientScope(missing)


get_caller = CallerScheme()
"""The dependency: ``Security(get_caller, scopes=[...])`` (or the aliases below)."""

CallerDep = Annotated[Caller, Depends(get_caller)]
"""Any valid token. Routes ask for a scope instead (the generated authorization test insists)."""
ReadCaller = Annotated[Caller, Security(get_caller, scopes=[Scope.CASES_READ])]
"""``cases:read``: reading cases, and computations that change nothing."""


async def get_writer(
    request: Request,
    caller: Annotated[Caller, Security(get_caller, scopes=[Scope.CASES_WRITE])],
    idempotency_key: Annotated[
        str | None,
        Header(
            alias=idempotency.HEADER,
            max_length=idempotency.MAX_KEY_LENGTH + 2,
            description="Optional: a unique key per request (a UUID). Sent again with the same request, it replays "
            "the first answer (`Idempotent-Replayed: true`) instead of doing the work twice; with another request: "
            "422; while the first is running: 409. Kept 24 hours.",
        ),
    ] = None,
) -> Caller:
    """A caller with ``cases:write``; an ``Idempotency-Key`` is claimed here, before the route runs."""
    if idempotency_key is not None:
        settings = app_state.SETTINGS.of(request)
        try:
            claimed = await idempotency.claim(
                request,
                app_state.SESSIONS.of(request),
                idempotency.IdempotencyPolicy(
                    timedelta(seconds=settings.idempotency_key_ttl_seconds),
                    timedelta(seconds=settings.idempotency_in_flight_seconds),
                ),
                caller.municipality,
                idempotency_key,
                app_state.CLOCK.of(request).now(),  # the clock the sweep purges expired keys by
                # A DELETE erases its case: its (empty) answer must not name the case it erased.
                case_id=request.path_params.get("case_id") if request.method != "DELETE" else None,
            )
        except idempotency.IdempotentReplay as replay:
            replay.caller = caller  # whom the replay's access-log row names
            raise
        request.state.idempotency_claim = claimed
    return caller


WriteCaller = Annotated[Caller, Depends(get_writer)]
"""``cases:write``: create, update, submit the Jobnet CV, PDF requests, receipts; with ``Idempotency-Key``."""
AccessLogCaller = Annotated[Caller, Security(get_caller, scopes=[Scope.ACCESS_LOG_READ])]
"""``access-log:read``."""
