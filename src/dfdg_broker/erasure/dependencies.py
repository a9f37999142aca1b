"""The erasure feature's wiring: its service, with the in-process caches it must empty after an erasure."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from dfdg_broker.cases.dependencies import CASE_READ_CACHE, FROZEN_CACHE, LIVE_ANSWERS
from dfdg_broker.cases.repository import CaseRepository
from dfdg_broker.deps import ClockDep, UnitOfWorkDep
from dfdg_broker.erasure.repository import ErasureRepository
from dfdg_broker.erasure.service import ErasureService, Forget
from dfdg_broker.jobnet_cv.dependencies import CITIZEN_FACTS


async def get_erasure_service(request: Request, uow: UnitOfWorkDep, clock: ClockDep) -> ErasureService:
    forget: list[Forget] = [CITIZEN_FACTS.of(request).discard]
    frozen = FROZEN_CACHE.of(request)
    if frozen is not None:
        forget.append(frozen.discard)
    case_reads = CASE_READ_CACHE.of(request)
    if case_reads is not None:
        forget.append(case_reads.discard)
    answers = LIVE_ANSWERS.of(request)
    if answers is not None:
        forget.append(answers.discard)
    return ErasureService(ErasureRepository(uow.session), CaseRepository(uow.session), uow, clock, tuple(forget))


ErasureServiceDep = Annotated[ErasureService, Depends(get_erasure_service)]
