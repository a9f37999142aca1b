"""Mock of the operator's PDF route (P1): LetAsyl receives a municipality's request for DA3/DA4 as PDF by
person-ID, and a tester delivers it through the admin API. The delivered PDF is rendered with fpdf2 from DA3 as it
was at delivery, together with the DA4 attachments of that moment."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, ConfigDict

from dfdg_broker.domain.areas import DataArea
from dfdg_broker.errors import NotFound, ProblemError, responses_for
from dfdg_broker.letasyl.schemas import AttachmentsArea, PdfDocument, PdfRequestCreate, PdfRequestState
from dfdg_broker.mock import examples, pdf
from dfdg_broker.mock.common import ADMIN_PREFIX, PersonUnknown, StateDep, journal_subject
from dfdg_broker.mock.contract_mode import UPSTREAM_DEPENDENCIES, UPSTREAM_RESPONSES
from dfdg_broker.mock.fixtures import Persona
from dfdg_broker.mock.state import MockState, PdfRequest

router = APIRouter()
PDF_RESPONSE = {200: {"content": {"application/pdf": {}}}, **responses_for(NotFound)}


class PdfRequestUnknown(NotFound):
    code = "pdf_request_unknown"
    title = "No PDF request with that id"


class AlreadyDelivered(ProblemError):
    status = 409
    code = "pdf_request_already_delivered"
    title = "The PDF request has already been delivered"


# ---------------------------------------------------------------- LetAsyl


@router.post(
    "/letasyl/v1/pdf-requests",
    status_code=status.HTTP_201_CREATED,
    response_model=PdfRequestState,
    tags=["LetAsyl"],
    dependencies=UPSTREAM_DEPENDENCIES,
    name="letasyl.request_pdf",
    openapi_extra=examples.PDF_REQUEST,
    responses={
        200: {"model": PdfRequestState, "description": "the request made earlier under the same client_reference"},
        **responses_for(PersonUnknown),
        **UPSTREAM_RESPONSES,
    },
)
async def request_pdf(body: PdfRequestCreate, request: Request, response: Response, state: StateDep) -> PdfRequestState:
    """P1: a municipality asks for DA3 and/or DA4 as PDF, by the refugee's person-ID (delivery within 14 days).
    With a `client_reference` already used, the request made then is answered (200), and no new one is made."""
    if body.person_id not in state.personas:
        raise PersonUnknown()
    journal_subject(request, body.person_id)
    if body.client_reference is not None:
        earlier = next((r for r in state.pdf_requests.values() if r.client_reference == body.client_reference), None)
        if earlier is not None:
            response.status_code = status.HTTP_200_OK
            return _view(state, earlier)
    record = PdfRequest(
        request_id="pdfreq-" + secrets.token_hex(6),
        person_id=body.person_id,
        areas=list(dict.fromkeys(body.areas)),
        requesting_municipality=body.requesting_municipality,
        client_reference=body.client_reference,
    )
    state.pdf_requests[record.request_id] = record
    return _view(state, record)


@router.get(
    "/letasyl/v1/pdf-requests/{request_id}",
    response_model=PdfRequestState,
    tags=["LetAsyl"],
    name="letasyl.get_pdf_request",
    responses=responses_for(PdfRequestUnknown),
)
async def get_pdf_request(request_id: str, request: Request, state: StateDep) -> PdfRequestState:
    """P1: the request's status; once delivered, the PDF's and the attachments' sizes and checksums."""
    return _view(state, _record(state, request_id, request))


@router.get(
    "/letasyl/v1/pdf-requests/{request_id}/document",
    tags=["LetAsyl"],
    name="letasyl.download_pdf_document",
    response_class=Response,
    responses=PDF_RESPONSE,
)
async def download_pdf_document(request_id: str, request: Request, state: StateDep) -> Response:
    """P1: the delivered PDF of the requested areas."""
    delivered = _delivered(_record(state, request_id, request))
    return Response(render_document(delivered[0], delivered[1]), media_type="application/pdf")


@router.get(
    "/letasyl/v1/pdf-requests/{request_id}/attachments/{attachment_id}",
    tags=["LetAsyl"],
    name="letasyl.download_pdf_attachment",
    response_class=Response,
    responses=PDF_RESPONSE,
)
async def download_pdf_attachment(request_id: str, attachment_id: str, request: Request, state: StateDep) -> Response:
    """P1: one attachment delivered with the PDF."""
    record = _record(state, request_id, request)
    persona, _areas = _delivered(record)
    fixture = next((a for a in persona.attachments if a.attachment_id == attachment_id), None)
    if fixture is None or DataArea.ATTACHMENTS.value not in record.areas:
        raise NotFound("No such attachment in this delivery.")
    return Response(pdf.render(fixture.title, fixture.text), media_type="application/pdf")


# ---------------------------------------------------------------- admin


class Delivery(BaseModel):
    """The operator delivers the PDF; ``delivered_on`` defaults to the mock clock's today (``/admin/clock``)."""

    model_config = ConfigDict(extra="forbid")

    delivered_on: date | None = None


class PdfRequestAdminView(PdfRequestState):
    requesting_municipality: str


@router.get(
    ADMIN_PREFIX + "/pdf-requests",
    response_model=list[PdfRequestAdminView],
    tags=["Admin (mock only)"],
    name="admin.list_pdf_requests",
)
async def list_pdf_requests(state: StateDep) -> list[PdfRequestAdminView]:
    """Every PDF request the operator received (P1), to find the one to deliver."""
    return [
        PdfRequestAdminView(**_view(state, r).model_dump(), requesting_municipality=r.requesting_municipality)
        for r in state.pdf_requests.values()
    ]


@router.post(
    ADMIN_PREFIX + "/pdf-requests/{request_id}/deliveries",
    response_model=PdfRequestState,
    tags=["Admin (mock only)"],
    name="admin.deliver_pdf_request",
    openapi_extra=examples.DELIVERY,
    responses=responses_for(PdfRequestUnknown, AlreadyDelivered),
)
async def deliver_pdf_request(request_id: str, body: Delivery, state: StateDep) -> PdfRequestState:
    """P1: deliver the PDF (DA3 as it is now, rendered with fpdf2) and the DA4 attachments of this moment."""
    record = state.pdf_requests.get(request_id)
    if record is None:
        raise PdfRequestUnknown()
    if record.delivered is not None:
        raise AlreadyDelivered()
    persona = state.personas.get(record.person_id)
    if persona is None:
        raise NotFound("The person is no longer known to the operator.")
    record.delivered = persona
    record.delivered_on = body.delivered_on or state.clock.today()
    return _view(state, record)


# ---------------------------------------------------------------- rendering


def render_document(persona: Persona, areas: list[str]) -> bytes:
    """The PDF of the requested areas: DA3 in full when asked for, and a list of the enclosed attachments."""
    person = persona.person
    lines = [f"Person-ID: {person.person_id}", f"Navn: {person.first_name} {person.last_name}", ""]
    if DataArea.OTHER.value in areas:
        other = persona.other
        lines += ["Andre oplysninger (DA3)", f"Noter: {other.notes or '-'}"]
        lines.append(f"Telefon: {other.raw_contact.phone or '-'}  E-mail: {other.raw_contact.email or '-'}")
        if other.minor is not None:
            lines.append(f"Mindreårig: {other.minor.model_dump_json(exclude_none=True)}")
        lines.append(f"Tilknytning af børn: {other.children_link_status}")
        lines += [
            f"  Barn {c.person_id}: {c.first_name} {c.last_name}, født {c.birth_date}, {c.school_or_daycare_status}"
            for c in other.linked_children
        ]
        lines.append("")
    if DataArea.ATTACHMENTS.value in areas:
        lines.append("Bilag (DA4)")
        lines += [f"  {a.attachment_id}: {a.title} ({a.kind.value})" for a in persona.attachments]
    return pdf.render(f"LetAsyl - udlevering som PDF ({person.person_id})", "\n".join(lines))


def _record(state: MockState, request_id: str, request: Request) -> PdfRequest:
    record = state.pdf_requests.get(request_id)
    if record is None:
        raise PdfRequestUnknown()
    journal_subject(request, record.person_id)
    return record


def _delivered(record: PdfRequest) -> tuple[Persona, list[str]]:
    if record.delivered is None:
        raise NotFound("The PDF request has not been delivered yet.")
    return record.delivered, record.areas


def _view(state: MockState, record: PdfRequest) -> PdfRequestState:
    delivered = record.delivered
    if delivered is None:
        return PdfRequestState(
            request_id=record.request_id, person_id=record.person_id, areas=record.areas, status="requested"
        )
    document = render_document(delivered, record.areas)
    listing = state.area(delivered, DataArea.ATTACHMENTS)
    assert isinstance(listing, AttachmentsArea)
    return PdfRequestState(
        request_id=record.request_id,
        person_id=record.person_id,
        areas=record.areas,
        status="delivered",
        delivered_on=record.delivered_on,
        document=PdfDocument(size_bytes=len(document), sha256=hashlib.sha256(document).hexdigest()),
        attachments=listing.attachments if DataArea.ATTACHMENTS.value in record.areas else [],
    )
