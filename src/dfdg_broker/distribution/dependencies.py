"""The distribution feature's dependencies (P2)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from dfdg_broker.cases.dependencies import CaseServiceDep
from dfdg_broker.cases.service import CaseService
from dfdg_broker.clock import Clock
from dfdg_broker.db.unit_of_work import UnitOfWork
from dfdg_broker.deps import ClockDep, UnitOfWorkDep
from dfdg_broker.distribution.repository import DistributionRepository
from dfdg_broker.distribution.service import DistributionService


def distribution_service(cases: CaseService, uow: UnitOfWork, clock: Clock) -> DistributionService:
    return DistributionService(cases, uow, DistributionRepository(uow.session), clock)


async def get_distribution_service(uow: UnitOfWorkDep, clock: ClockDep, cases: CaseServiceDep) -> DistributionService:
    return distribution_service(cases, uow, clock)


DistributionServiceDep = Annotated[DistributionService, Depends(get_distribution_service)]
