"""FastAPI dependencies, as ``Annotated`` aliases: the session (one transaction per request), the clock, the
caller, the services. All ``async def``: a plain ``def`` dependency is run in the threadpool on every request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.openapi.models import OAuthFlowClientCredentials, OAuthFlows
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer, OAuth2, SecurityScopes
from sqlalchemy.ext.asyncio import AsyncSession

from dfdg_broker.auth import SCOPE_DESCRIPTIONS, Authenticator, Caller, Scope
from dfdg_broker.cases.repository import CaseRepository
from dfdg_broker.cases.service import CaseService
from dfdg_broker.clock import Clock
from dfdg_broker.db.session import session_scope
from dfdg_broker.distribution.repository import DistributionRepository
from dfdg_broker.errors import InsufficientScope, Unauthenticated
from dfdg_broker.jobnet.client import JobnetClient
from dfdg_broker.letasyl.client import LetAsylClient
from dfdg_broker.pdf_requests.repository import PdfRequestRepository
from dfdg_broker.settings import Settings

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="BearerToken",
    description="An access token from the identity provider (a signed JWT naming the calling municipality and its "
    "scopes). In development: `dfdg-broker token --municipality 101`.",
)

# Declares the client-credentials flow and, per operation, the scopes it needs (the token URL is the deployment's:
# ``security.install_openapi_security`` fills it in).
_oauth2 = OAuth2(
    flows=OAuthFlows(
        clientCredentials=OAuthFlowClientCredentials(
            tokenUrl="/token", scopes={str(k): v for k, v in SCOPE_DESCRIPTIONS.items()}
        )
    ),
    scheme_name="OAuth2",
    auto_error=False,
)


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    """Commits once when the endpoint returns, before the response is sent (``scope="function"``)."""
    async with session_scope(request.app.state.sessions) as session:
        yield session


async def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session, scope="function")]
ClockDep = Annotated[Clock, Depends(get_clock)]


async def get_caller(
    request: Request,
    security_scopes: SecurityScopes,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    _declared: Annotated[str | None, Depends(_oauth2)],
) -> Caller:
    """The verified caller; 401 without a valid token, 403 when the token lacks a scope the route declares.

    The OAuth2 client-credentials scheme (with the scopes, for the OpenAPI document and the Authorize button) is
    added to every route that asks for a scope; see ``security.install_oauth2_scheme``."""
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated()
    authenticator: Authenticator = request.app.state.authenticator
    caller = await authenticator.verify(credentials.credentials)
    request.state.caller = caller  # read by the rate limiter and the access log
    missing = caller.missing(security_scopes.scopes)
    if missing:
        raise InsufficientScope(missing)
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]
"""Any valid token. Routes should ask for a scope instead (the generated authorization test insists)."""
ReadCaller = Annotated[Caller, Security(get_caller, scopes=[Scope.CASES_READ])]
WriteCaller = Annotated[Caller, Security(get_caller, scopes=[Scope.CASES_WRITE])]
AccessLogCaller = Annotated[Caller, Security(get_caller, scopes=[Scope.ACCESS_LOG_READ])]


async def get_case_service(
    request: Request, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> CaseService:
    upstream = request.app.state.upstream
    return CaseService(
        CaseRepository(session),
        LetAsylClient(upstream.http, upstream.policy),
        JobnetClient(upstream.http, upstream.policy),
        clock,
        settings.cpr_lookup_key.get_secret_value().encode(),
        PdfRequestRepository(session),
        DistributionRepository(session),
        request.app.state.cooperations,
    )


CaseServiceDep = Annotated[CaseService, Depends(get_case_service)]
