"""The cases feature's dependencies: its service, and the case summary it shows but does not compute.

The summary (``summary``) depends on cases, PDF requests and distribution; cases must not import it back. So cases
declares what it needs (``CaseSummary``) and a key for the factory, and ``app.py`` plugs the summary feature's
factory in at start-up (``CASE_SUMMARY``): the arrow points from summary to cases only.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Annotated, Protocol

from fastapi import Depends, Request

from dfdg_broker import app_state
from dfdg_broker.app_state import StateKey
from dfdg_broker.audit.dependencies import FUNCTION_EXIT_STACK
from dfdg_broker.cases.answer_cache import LiveAnswerCache
from dfdg_broker.cases.frozen_cache import FrozenAreaCache
from dfdg_broker.cases.read_cache import CaseReadCache, SerialisedCaseRead
from dfdg_broker.cases.records import Attention, Case
from dfdg_broker.cases.repository import AreaReadRepository, CaseRepository
from dfdg_broker.cases.service import CaseService, FrozenAreaReads
from dfdg_broker.clock import Clock
from dfdg_broker.db.unit_of_work import UnitOfWork
from dfdg_broker.deps import ClockDep, UnitOfWorkDep, UpstreamDep
from dfdg_broker.domain.access import BindingCooperations
from dfdg_broker.jobnet.client import JobnetClient
from dfdg_broker.letasyl.client import LetAsylClient


class CaseSummary(Protocol):
    async def attention(self, case: Case) -> list[Attention]:
        """What on the case needs a human, from what the broker holds (the operator is not asked)."""
        ...


class CaseReader(Protocol):
    async def read(self, caller_municipality: str, case_id: str) -> SerialisedCaseRead:
        """The case (C2: ``CaseNotFound`` unless the caller may see it) and its summary, read together, in no unit
        of work, for one day (``as_of``), as the answer's bytes."""
        ...


CASE_READER: StateKey[CaseReader] = StateKey("case_reader")
"""Set by the lifespan with ``summary.service.CaseReader`` (on connections of its own): the arrow points from
summary to cases."""


CaseSummaryFactory = Callable[[CaseService, UnitOfWork, Clock], CaseSummary]
CASE_SUMMARY: StateKey[CaseSummaryFactory] = StateKey("case_summary")
CASE_READ_CACHE: StateKey[CaseReadCache | None] = StateKey("case_read_cache")
"""The process's cache of serialised case read answers (None: turned off by settings)."""
FROZEN_CACHE: StateKey[FrozenAreaCache | None] = StateKey("frozen_cache")
"""The process's cache of serialised frozen data-area responses (None: turned off by settings)."""
LIVE_ANSWERS: StateKey[LiveAnswerCache | None] = StateKey("live_answers")
"""The process's cache of the operator's last answer per case and area, as validated (None: turned off)."""
AREA_READS: StateKey[AreaReadRepository] = StateKey("area_reads")
"""Set by the lifespan: the read phase of data-area reads and CV drafts, on connections of its own (``db.driver``)."""
FROZEN_READS: StateKey[FrozenAreaReads] = StateKey("frozen_reads")
"""Set by the lifespan: the cache with its check, on connections of its own (``db.driver``)."""
COOPERATIONS: StateKey[BindingCooperations] = StateKey("binding_cooperations")
"""The binding cooperations the broker knows (C2), read once at start-up."""
CREATE_SLOTS: StateKey[asyncio.Semaphore] = StateKey("create_slots")
"""``DFDG_CONCURRENT_CREATES``: the creates this process runs at once (``create_slot``)."""


async def create_slot(request: Request) -> None:
    """Held by a create from before its unit of work opens until it has committed: the creates beyond
    ``CREATE_SLOTS`` wait here, first come first served, instead of sharing the CPU with the running ones (each
    then taking as long as all of them).

    Released by an exit callback on the route's ``scope="function"`` stack (pushed first: run last, after the
    commit) rather than as a generator dependency: FastAPI enters a generator through two context managers and a
    shielded cancel scope, on every create (issue 14); a release has nothing to shield."""
    slots = CREATE_SLOTS.of(request)
    await slots.acquire()
    request.scope[FUNCTION_EXIT_STACK].callback(slots.release)


async def get_case_service(request: Request, uow: UnitOfWorkDep, upstream: UpstreamDep, clock: ClockDep) -> CaseService:
    return CaseService(
        CaseRepository.of(uow),  # its session made only if a query needs one (a live read most often does not)
        uow,
        LetAsylClient(upstream.letasyl.http, upstream.letasyl.policy),
        JobnetClient(upstream.jobnet.http, upstream.jobnet.policy),
        clock,
        app_state.PROTECTION.of(request),
        cooperations=COOPERATIONS.of(request),
        area_reads=AREA_READS.of(request),
        answers=LIVE_ANSWERS.of(request),
    )


CaseServiceDep = Annotated[CaseService, Depends(get_case_service)]


@asynccontextmanager
async def case_service_scope(request: Request) -> AsyncIterator[tuple[CaseService, UnitOfWork]]:
    """``CaseServiceDep`` with its unit of work, for a route that needs them on one path only (a data area the
    frozen cache cannot serve): opened here, committed when the block ends (rolled back on an exception), as the
    dependencies would be, so that the common path opens no session at all."""
    async with UnitOfWork.scope(app_state.SESSIONS.of(request)) as uow:
        clock = app_state.CLOCK.of(request)
        yield await get_case_service(request, uow, app_state.UPSTREAM.of(request), clock), uow


async def get_case_summary(request: Request, cases: CaseServiceDep, uow: UnitOfWorkDep, clock: ClockDep) -> CaseSummary:
    return CASE_SUMMARY.of(request)(cases, uow, clock)


CaseSummaryDep = Annotated[CaseSummary, Depends(get_case_summary)]


class CaseListener(Protocol):
    async def case_changed(self, case: Case, summary: list[Attention] | None = None) -> None:
        """Called in the write phase after a case was created or changed (the worklist keeps its projection);
        ``summary``: the case summary, when the caller computed it already."""
        ...


CaseListenerFactory = Callable[[Request, CaseService, UnitOfWork, Clock], CaseListener]
CASE_LISTENER: StateKey[CaseListenerFactory] = StateKey("case_listener")
"""Filled by ``app.py`` with ``lifecycle.dependencies.case_listener``: the arrow points from lifecycle to cases."""


async def notify_case_changed(request: Request, cases: CaseService, uow: UnitOfWork, clock: Clock, case: Case) -> None:
    """For a route that learns only while running that its case changed (a DA3/DA4 read that brought new content,
    a receipt): the listener is built only then, so the common path pays nothing. The caller holds the write
    phase."""
    await CASE_LISTENER.of(request)(request, cases, uow, clock).case_changed(case)
