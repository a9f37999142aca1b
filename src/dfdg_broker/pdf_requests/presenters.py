"""PDF route results -> API models. Shapes only; the status comes from ``domain.pdf_route``."""

from __future__ import annotations

from datetime import date

from dfdg_broker.cases.records import Case
from dfdg_broker.domain import pdf_route
from dfdg_broker.letasyl.schemas import PdfRequestState
from dfdg_broker.pdf_requests.repository import StoredPdfRequest
from dfdg_broker.pdf_requests.schemas import DeliveredAttachment, DeliveredFile, PdfRequestList, PdfRequestRead


def pdf_request_read(request: StoredPdfRequest, today: date) -> PdfRequestRead:
    base = f"/v1/contact-groups/{request.case_id}/pdf-requests/{request.id}"
    delivery = PdfRequestState.model_validate(request.delivery) if request.delivery else None
    document = delivery.document if delivery else None
    return PdfRequestRead(
        id=request.id,
        case_id=request.case_id,
        person_id=request.person_id,
        areas=request.areas,
        requested_on=request.requested_on,
        requested_at=request.requested_at,
        requested_by_municipality=request.requested_by_municipality,
        due_date=request.due_date,
        status=pdf_route.status(
            requested_on=request.requested_on, delivered_on=request.delivered_on, today=today, lost_on=request.lost_on
        ),
        delivered_on=request.delivered_on,
        delivered_late=pdf_route.delivered_late(requested_on=request.requested_on, delivered_on=request.delivered_on),
        document=DeliveredFile(**document.model_dump(), href=f"{base}/document") if document else None,
        attachments=[
            DeliveredAttachment(
                attachment_id=a.attachment_id,
                title=a.title,
                kind=a.kind,
                concerns_person_id=a.concerns_person_id,
                media_type=a.media_type,
                size_bytes=a.size_bytes,
                sha256=a.sha256,
                href=f"{base}/attachments/{a.attachment_id}",
            )
            for a in (delivery.attachments if delivery else [])
        ],
    )


def pdf_request_list(case: Case, requests: list[StoredPdfRequest], checked: bool, today: date) -> PdfRequestList:
    return PdfRequestList(
        case_id=case.id,
        as_of=today,
        operator_checked=checked,
        requests=[pdf_request_read(r, today) for r in requests],
    )
