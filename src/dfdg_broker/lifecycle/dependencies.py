"""The lifecycle feature's wiring: its service, and the case listener ``app.py`` plugs into cases."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from dfdg_broker.cases.dependencies import CASE_SUMMARY, CaseServiceDep, CaseSummaryDep
from dfdg_broker.cases.service import CaseService
from dfdg_broker.clock import Clock
from dfdg_broker.db.unit_of_work import UnitOfWork
from dfdg_broker.deps import ClockDep, UnitOfWorkDep
from dfdg_broker.followup.dependencies import POLICIES, FollowUpServiceDep
from dfdg_broker.followup.service import FollowUpService
from dfdg_broker.lifecycle.repository import WorklistRepository
from dfdg_broker.lifecycle.service import LifecycleService


async def get_lifecycle_service(
    cases: CaseServiceDep,
    summary: CaseSummaryDep,
    followup: FollowUpServiceDep,
    uow: UnitOfWorkDep,
    clock: ClockDep,
) -> LifecycleService:
    return LifecycleService(cases, summary, followup, WorklistRepository(uow.session), uow, clock)


LifecycleServiceDep = Annotated[LifecycleService, Depends(get_lifecycle_service)]


def case_listener(request: Request, cases: CaseService, uow: UnitOfWork, clock: Clock) -> LifecycleService:
    """A ``cases.dependencies.CaseListenerFactory``: the worklist follows every create."""
    summary = CASE_SUMMARY.of(request)(cases, uow, clock)
    followup = FollowUpService(POLICIES.of(request))
    return LifecycleService(cases, summary, followup, WorklistRepository(uow.session), uow, clock)
