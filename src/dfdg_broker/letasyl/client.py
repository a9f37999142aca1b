"""The broker's client for LetAsyl. The CPR number travels in request bodies only, never in a URL."""

from __future__ import annotations

import hashlib

import httpx

from dfdg_broker.domain.areas import DataArea
from dfdg_broker.letasyl.schemas import (
    AREA_MODELS,
    Attachment,
    PdfDocument,
    PdfRequestCreate,
    PdfRequestState,
    Person,
    PersonLookupRequest,
    WireModel,
)
from dfdg_broker.upstream import (
    CallPolicy,
    answer_content,
    call,
    contract_violation,
    parse_answer,
    refusal,
    validate_json,
)

SYSTEM = "letasyl"


class LetAsylClient:
    def __init__(self, http: httpx.AsyncClient, policy: CallPolicy) -> None:
        self._http = http
        self._policy = policy

    async def find_person(self, cpr: str, receiving_municipality: str) -> Person | None:
        """C2: the person known to the operator under this CPR number and receiving municipality, or None."""
        body = PersonLookupRequest(cpr=cpr, receiving_municipality=receiving_municipality).model_dump()
        response = await call(
            SYSTEM,
            self._policy,
            lambda: self._http.post("/letasyl/v1/person-lookups", json=body),
            idempotent=True,
            operation="letasyl.lookup_person",
        )
        if response.status_code == 404:
            return None
        return parse_answer(SYSTEM, response, Person)

    async def fetch_area(self, cpr: str, receiving_municipality: str, area: DataArea) -> WireModel:
        """One data area as the operator holds it now."""
        return area_from_content(area, await self.fetch_area_content(cpr, receiving_municipality, area))

    async def fetch_area_content(self, cpr: str, receiving_municipality: str, area: DataArea) -> bytes:
        """``fetch_area``'s answer as the operator sent it: status, media type and NUL checked, not yet validated
        (``area_from_content``), so a caller that has validated these very bytes before may reuse its result."""
        body = PersonLookupRequest(cpr=cpr, receiving_municipality=receiving_municipality).model_dump()
        response = await call(
            SYSTEM,
            self._policy,
            lambda: self._http.post(f"/letasyl/v1/data-areas/{area.value}", json=body),
            idempotent=True,
            operation="letasyl.area",
        )
        if response.status_code == 404:
            raise refusal(SYSTEM, response, reason_code="person_unknown_at_operator")
        return answer_content(SYSTEM, response)

    async def download_attachment(self, person_id: str, attachment: Attachment) -> bytes:
        """A DA4 document's bytes, verified against the checksum and size the operator listed."""
        return await self._download_verified(
            f"/letasyl/v1/persons/{person_id}/attachments/{attachment.attachment_id}",
            attachment.sha256,
            attachment.size_bytes,
        )

    # ---------------------------------------------------------------- P1: the PDF route

    async def request_pdf(self, body: PdfRequestCreate) -> PdfRequestState | None:
        """P1: ask the operator for DA3/DA4 as PDF. With a ``client_reference`` (our idempotency key) the operator
        answers a repeated request with the one made before (200), so it may be retried like a read; without one,
        only when it provably never arrived. None if the operator knows no such person-ID."""
        payload = body.model_dump()
        response = await call(
            SYSTEM,
            self._policy,
            lambda: self._http.post("/letasyl/v1/pdf-requests", json=payload),
            idempotent=body.client_reference is not None,
            operation="letasyl.request_pdf",
        )
        if response.status_code == 404:
            return None
        return parse_answer(SYSTEM, response, PdfRequestState, expect=200 if response.status_code == 200 else 201)

    async def pdf_request(self, request_id: str) -> PdfRequestState | None:
        """P1: the request's status at the operator; None if the operator no longer knows the request (404)."""
        response = await call(
            SYSTEM,
            self._policy,
            lambda: self._http.get(f"/letasyl/v1/pdf-requests/{request_id}"),
            idempotent=True,
            operation="letasyl.get_pdf_request",
        )
        if response.status_code == 404:
            return None
        return parse_answer(SYSTEM, response, PdfRequestState)

    async def download_pdf_document(self, request_id: str, document: PdfDocument) -> bytes:
        """P1: the delivered PDF, verified against the checksum and size the operator gave."""
        return await self._download_verified(
            f"/letasyl/v1/pdf-requests/{request_id}/document", document.sha256, document.size_bytes
        )

    async def download_pdf_attachment(self, request_id: str, attachment: Attachment) -> bytes:
        """P1: an attachment delivered with the PDF, verified against its checksum and size."""
        return await self._download_verified(
            f"/letasyl/v1/pdf-requests/{request_id}/attachments/{attachment.attachment_id}",
            attachment.sha256,
            attachment.size_bytes,
        )

    async def _download_verified(self, path: str, sha256: str, size_bytes: int) -> bytes:
        response = await call(
            SYSTEM, self._policy, lambda: self._http.get(path), idempotent=True, operation="letasyl.download"
        )
        if 400 <= response.status_code < 500:
            raise refusal(SYSTEM, response, reason_code="document_unknown_at_operator")
        if response.status_code != 200:
            raise contract_violation(SYSTEM, f"download answered {response.status_code}")
        content = response.content
        if hashlib.sha256(content).hexdigest() != sha256 or len(content) != size_bytes:
            raise contract_violation(SYSTEM, "downloaded bytes do not match the listed SHA-256 and size")
        return content


def area_from_content(area: DataArea, content: bytes) -> WireModel:
    """``fetch_area_content``'s bytes as the area's wire model (a contract violation if they are not valid)."""
    return validate_json(SYSTEM, content, AREA_MODELS[area])
