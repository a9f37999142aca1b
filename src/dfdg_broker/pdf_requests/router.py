"""HTTP <-> service for the PDF route (P1). No rule is decided here."""

from __future__ import annotations

from fastapi import APIRouter, Response, status
from fastapi.responses import StreamingResponse

from dfdg_broker.audit.dependencies import access_logged
from dfdg_broker.audit.errors import ACCESS_LOG_PROBLEMS
from dfdg_broker.cases.errors import CaseNotFound, PersonUnknownAtOperator
from dfdg_broker.deps import ClockDep, ReadCaller, WriteCaller
from dfdg_broker.downloads import PDF_RESPONSE, stream_blob
from dfdg_broker.errors import RequestInvalid, Unauthenticated, UpstreamRefused, UpstreamUnavailable, responses_for
from dfdg_broker.pdf_requests import presenters
from dfdg_broker.pdf_requests.dependencies import PdfRequestServiceDep
from dfdg_broker.pdf_requests.errors import PdfAttachmentNotFound, PdfNotDeliveredYet, PdfRequestNotFound
from dfdg_broker.pdf_requests.schemas import (
    PdfRequestCreate,
    PdfRequestList,
    PdfRequestRead,
)

PREFIX = "/v1/contact-groups/{case_id}/pdf-requests"
router = APIRouter(prefix=PREFIX, tags=["PDF route"])
_COMMON = (Unauthenticated, RequestInvalid, CaseNotFound)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=PdfRequestRead,
    name="create_pdf_request",
    summary="Ask the operator for DA3/DA4 as PDF (delivery within 14 days)",
    responses=responses_for(
        *_COMMON, PersonUnknownAtOperator, UpstreamUnavailable, UpstreamRefused, *ACCESS_LOG_PROBLEMS, rules=("P1",)
    ),
    dependencies=[access_logged("request-pdf", change=True)],
)
async def create_pdf_request(
    case_id: str,
    body: PdfRequestCreate,
    response: Response,
    caller: WriteCaller,
    service: PdfRequestServiceDep,
    clock: ClockDep,
) -> PdfRequestRead:
    """P1: the person-ID must be the case citizen's (checked with the operator's person look-up) and the areas only
    `other` and `attachments`; otherwise 422 naming P1, and nothing is forwarded or stored. The request is stored,
    with its due date 14 days later, only once the operator accepted it (operator down: 503 and Retry-After)."""
    stored = await service.create(caller.municipality, case_id, body.person_id, body.areas)
    response.headers["Location"] = f"/v1/contact-groups/{case_id}/pdf-requests/{stored.id}"
    return presenters.pdf_request_read(stored, clock.today())


@router.get(
    "",
    response_model=PdfRequestList,
    name="list_pdf_requests",
    summary="The case's PDF requests, their due dates and status; collects deliveries",
    responses=responses_for(*_COMMON, *ACCESS_LOG_PROBLEMS),
    dependencies=[access_logged("list-pdf-requests")],
)
async def list_pdf_requests(
    case_id: str, caller: ReadCaller, service: PdfRequestServiceDep, clock: ClockDep
) -> PdfRequestList:
    """P1: status by the clock: `requested` until the due date, `overdue` after it, `delivered` once the broker
    holds the PDF. Open requests are checked with the operator; a delivery is downloaded, verified and stored."""
    case, requests, checked = await service.list_for_case(caller.municipality, case_id)
    return presenters.pdf_request_list(case, requests, checked, clock.today())


@router.get(
    "/{request_id}/document",
    name="download_pdf_request_document",
    summary="The delivered PDF, streamed",
    response_class=StreamingResponse,
    responses={**PDF_RESPONSE, **responses_for(*_COMMON, PdfRequestNotFound, PdfNotDeliveredYet, *ACCESS_LOG_PROBLEMS)},
    dependencies=[access_logged("download-pdf", detail_params=("request_id",))],
)
async def download_pdf_request_document(
    case_id: str, request_id: str, caller: ReadCaller, service: PdfRequestServiceDep
) -> StreamingResponse:
    blob = await service.document(caller.municipality, case_id, request_id)
    return stream_blob(blob, blob.attachment_id)


@router.get(
    "/{request_id}/attachments/{attachment_id}",
    name="download_pdf_request_attachment",
    summary="An attachment delivered with the PDF, streamed",
    response_class=StreamingResponse,
    responses={
        **PDF_RESPONSE,
        **responses_for(*_COMMON, PdfRequestNotFound, PdfNotDeliveredYet, PdfAttachmentNotFound, *ACCESS_LOG_PROBLEMS),
    },
    dependencies=[access_logged("download-pdf-attachment", detail_params=("request_id", "attachment_id"))],
)
async def download_pdf_request_attachment(
    case_id: str, request_id: str, attachment_id: str, caller: ReadCaller, service: PdfRequestServiceDep
) -> StreamingResponse:
    blob = await service.attachment(caller.municipality, case_id, request_id, attachment_id)
    return stream_blob(blob, f"{blob.attachment_id}.pdf")
