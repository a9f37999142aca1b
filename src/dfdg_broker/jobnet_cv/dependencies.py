"""The Jobnet CV feature's dependencies, and the reference data it keeps in ``app.state`` (loaded once, at start-up)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, Request

from dfdg_broker import app_state
from dfdg_broker.app_state import StateKey
from dfdg_broker.cases.dependencies import CaseServiceDep, case_service_scope
from dfdg_broker.cases.service import CaseService
from dfdg_broker.clock import Clock
from dfdg_broker.cpr_register.client import CprRegisterClient
from dfdg_broker.db.unit_of_work import UnitOfWork
from dfdg_broker.deps import ClockDep, UnitOfWorkDep, UpstreamDep
from dfdg_broker.jobnet.classification import Classification
from dfdg_broker.jobnet.client import JobnetClient
from dfdg_broker.jobnet_cv.facts_cache import CitizenFactsCache
from dfdg_broker.jobnet_cv.repository import JobnetCvRepository
from dfdg_broker.jobnet_cv.service import JobnetCvService
from dfdg_broker.letasyl.client import LetAsylClient
from dfdg_broker.upstream import Upstreams

CLASSIFICATION: StateKey[Classification] = StateKey("classification")
"""N9: the occupation and qualification lists (``jobnet.classification.load_classification``)."""
CV_PLACEHOLDERS: StateKey[frozenset[str]] = StateKey("cv_placeholders")
"""N1: the texts that mark a placeholder (``jobnet.text_rules.placeholder_set``)."""
CITIZEN_FACTS: StateKey[CitizenFactsCache] = StateKey("citizen_facts")
"""N13, N15: the register's and the operator's facts about a case's citizen, once per case and day."""


async def get_jobnet_cv_service(
    request: Request, uow: UnitOfWorkDep, upstream: UpstreamDep, clock: ClockDep, cases: CaseServiceDep
) -> JobnetCvService:
    return _jobnet_cv_service(request, uow, upstream, clock, cases)


JobnetCvServiceDep = Annotated[JobnetCvService, Depends(get_jobnet_cv_service)]


@asynccontextmanager
async def jobnet_cv_service_scope(request: Request) -> AsyncIterator[JobnetCvService]:
    """``JobnetCvServiceDep`` with its unit of work, for the draft: opened here, committed when the block ends (rolled
    back on an exception), as the dependencies would be. A draft is polled; the five dependencies behind
    ``JobnetCvServiceDep`` cost FastAPI more to solve than a frozen DA1's draft costs the database."""
    async with case_service_scope(request) as (cases, uow):
        yield _jobnet_cv_service(request, uow, app_state.UPSTREAM.of(request), app_state.CLOCK.of(request), cases)


def _jobnet_cv_service(
    request: Request, uow: UnitOfWork, upstream: Upstreams, clock: Clock, cases: CaseService
) -> JobnetCvService:
    return JobnetCvService(
        cases,
        uow,
        JobnetCvRepository(uow.session),
        LetAsylClient(upstream.letasyl.http, upstream.letasyl.policy),
        CprRegisterClient(upstream.cpr.http, upstream.cpr.policy),
        JobnetClient(upstream.jobnet.http, upstream.jobnet.policy),
        clock,
        CLASSIFICATION.of(request),
        CV_PLACEHOLDERS.of(request),
        CITIZEN_FACTS.of(request),
    )
