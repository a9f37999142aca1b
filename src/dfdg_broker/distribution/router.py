"""HTTP <-> service for the distribution to municipal units (P2). No rule is decided here."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response, status

from dfdg_broker.audit.dependencies import access_logged
from dfdg_broker.audit.errors import ACCESS_LOG_PROBLEMS
from dfdg_broker.cases.dependencies import CaseServiceDep, notify_case_changed
from dfdg_broker.cases.errors import CaseNotFound
from dfdg_broker.deps import ClockDep, ReadCaller, UnitOfWorkDep, WriteCaller
from dfdg_broker.distribution import presenters
from dfdg_broker.distribution.dependencies import DistributionServiceDep
from dfdg_broker.distribution.errors import PackageEmpty
from dfdg_broker.distribution.schemas import (
    DistributionRead,
    ReceiptCreate,
    ReceiptRead,
)
from dfdg_broker.domain.distribution import MunicipalUnit
from dfdg_broker.errors import RequestInvalid, Unauthenticated, responses_for

PREFIX = "/v1/contact-groups/{case_id}/distribution"
router = APIRouter(prefix=PREFIX, tags=["Distribution to municipal units"])
_COMMON = (Unauthenticated, RequestInvalid, CaseNotFound)


@router.get(
    "",
    response_model=DistributionRead,
    name="get_distribution",
    summary="Per municipal unit: which documents and DA3 parts it should receive, and what is undistributed",
    responses=responses_for(*_COMMON, *ACCESS_LOG_PROBLEMS),
    dependencies=[access_logged("read-distribution")],
)
async def get_distribution(
    case_id: str, caller: ReadCaller, service: DistributionServiceDep, clock: ClockDep
) -> DistributionRead:
    """P2: derived from each document's kind and the concerned child's age (the table in `domain/distribution.py`),
    from the DA3 and DA4 data the broker serves now; the operator is not asked."""
    case, packages = await service.distribution(caller.municipality, case_id)
    return presenters.distribution_read(case, packages, clock.today())


@router.post(
    "/{unit}/receipts",
    status_code=status.HTTP_201_CREATED,
    response_model=ReceiptRead,
    name="record_distribution_receipt",
    summary="Mark a unit as having received its package as it stands now",
    responses=responses_for(*_COMMON, PackageEmpty, *ACCESS_LOG_PROBLEMS),
    dependencies=[access_logged("record-receipt", detail_params=("unit",), change=True)],
)
async def record_distribution_receipt(
    case_id: str,
    unit: MunicipalUnit,
    response: Response,
    caller: WriteCaller,
    service: DistributionServiceDep,
    request: Request,
    cases: CaseServiceDep,
    uow: UnitOfWorkDep,
    clock: ClockDep,
    body: ReceiptCreate | None = None,
) -> ReceiptRead:
    """P2: the receipt keeps what the package held; a document added or changed later shows as undistributed."""
    receipt = await service.record_receipt(caller.municipality, case_id, unit, body.note if body else None)
    case = await cases.get(caller.municipality, case_id)
    await notify_case_changed(request, cases, uow, clock, case)  # the worklist's P2 items follow
    response.headers["Location"] = f"/v1/contact-groups/{case_id}/distribution"
    return presenters.receipt_read(receipt)
