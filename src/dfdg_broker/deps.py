"""FastAPI dependencies, as ``Annotated`` aliases: the session (one transaction per request), the clock, the
caller, the services. All ``async def``: a plain ``def`` dependency is run in the threadpool on every request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from dfdg_broker.auth import Caller, verify_token
from dfdg_broker.cases.repository import CaseRepository
from dfdg_broker.cases.service import CaseService
from dfdg_broker.clock import Clock
from dfdg_broker.db.session import session_scope
from dfdg_broker.distribution.repository import DistributionRepository
from dfdg_broker.errors import Unauthenticated
from dfdg_broker.jobnet.client import JobnetClient
from dfdg_broker.letasyl.client import LetAsylClient
from dfdg_broker.logging_setup import annotate_request
from dfdg_broker.pdf_requests.repository import PdfRequestRepository
from dfdg_broker.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="A signed JWT naming the calling municipality.")


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
    settings: SettingsDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated()
    caller = verify_token(settings, credentials.credentials)
    annotate_request(municipality=caller.municipality, subject=caller.subject)  # for the request's log line
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]


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
    )


CaseServiceDep = Annotated[CaseService, Depends(get_case_service)]
