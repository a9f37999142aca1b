"""Cross-cutting FastAPI dependencies, as ``Annotated`` aliases: settings, clock, the caller, the unit of work and
its session, the upstream. A feature's own services are wired in its ``dependencies.py``. All ``async def``: a
plain ``def`` dependency is run in the threadpool on every request."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from dfdg_broker import app_state
from dfdg_broker.auth import Caller, verify_token
from dfdg_broker.clock import Clock
from dfdg_broker.db.unit_of_work import UnitOfWork
from dfdg_broker.errors import Unauthenticated
from dfdg_broker.logging_setup import annotate_request
from dfdg_broker.settings import Settings
from dfdg_broker.upstream import Upstream

_bearer = HTTPBearer(auto_error=False, description="A signed JWT naming the calling municipality.")


async def get_settings(request: Request) -> Settings:
    return app_state.SETTINGS.of(request)


async def get_unit_of_work(request: Request) -> AsyncIterator[UnitOfWork]:
    """Commits once when the endpoint returns, before the response is sent (``scope="function"``); the phases
    in between are the services' (see ``db.unit_of_work``)."""
    async with UnitOfWork.scope(app_state.SESSIONS.of(request)) as uow:
        yield uow


async def get_clock(request: Request) -> Clock:
    return app_state.CLOCK.of(request)


async def get_upstream(request: Request) -> Upstream:
    return app_state.UPSTREAM.of(request)


SettingsDep = Annotated[Settings, Depends(get_settings)]
UnitOfWorkDep = Annotated[UnitOfWork, Depends(get_unit_of_work, scope="function")]
ClockDep = Annotated[Clock, Depends(get_clock)]
UpstreamDep = Annotated[Upstream, Depends(get_upstream)]


async def get_session(uow: UnitOfWorkDep) -> AsyncSession:
    """The unit of work's session, for a repository."""
    return uow.session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def get_caller(
    settings: SettingsDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise Unauthenticated()
    caller = verify_token(settings, credentials.credentials)
    annotate_request(municipality=caller.municipality, subject=caller.subject)  # for the request's log line
    return caller


CallerDep = Annotated[Caller, Depends(get_caller)]
