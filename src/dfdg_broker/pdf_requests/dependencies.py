"""The PDF route's dependencies (P1)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from dfdg_broker.cases.dependencies import CaseServiceDep
from dfdg_broker.cases.repository import CaseRepository
from dfdg_broker.deps import ClockDep, UnitOfWorkDep, UpstreamDep
from dfdg_broker.letasyl.client import LetAsylClient
from dfdg_broker.pdf_requests.repository import PdfRequestRepository
from dfdg_broker.pdf_requests.service import PdfRequestService


async def get_pdf_request_service(
    uow: UnitOfWorkDep, upstream: UpstreamDep, clock: ClockDep, cases: CaseServiceDep
) -> PdfRequestService:
    return PdfRequestService(
        cases,
        uow,
        CaseRepository(uow.session),
        PdfRequestRepository(uow.session),
        LetAsylClient(upstream.letasyl.http, upstream.letasyl.policy),
        clock,
    )


PdfRequestServiceDep = Annotated[PdfRequestService, Depends(get_pdf_request_service)]
