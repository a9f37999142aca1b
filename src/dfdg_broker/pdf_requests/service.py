"""P1: forward a PDF request to the operator, keep its 14-day due date, and collect the delivery.

The broker learns of a delivery when it reads the requests: a read of a still-open request asks the operator, and
if it has delivered, downloads the PDF and its attachments, verifies their SHA-256 and size, and stores them.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from dfdg_broker.cases.errors import PersonUnknownAtOperator
from dfdg_broker.cases.records import Blob, Case
from dfdg_broker.cases.repository import CaseRepository
from dfdg_broker.cases.service import CaseService
from dfdg_broker.clock import Clock
from dfdg_broker.db.unit_of_work import UnitOfWork
from dfdg_broker.domain import pdf_route
from dfdg_broker.domain.areas import DataArea
from dfdg_broker.errors import unavailable
from dfdg_broker.letasyl.client import LetAsylClient
from dfdg_broker.letasyl.schemas import PdfRequestCreate, PdfRequestState
from dfdg_broker.pdf_requests.errors import PdfAttachmentNotFound, PdfNotDeliveredYet, PdfRequestNotFound
from dfdg_broker.pdf_requests.repository import PdfRequestRepository, StoredPdfRequest
from dfdg_broker.upstream import UpstreamFailure

log = logging.getLogger(__name__)


def request_key(case_id: str, person_id: str, areas: Iterable[DataArea], day: date, caller: str) -> str:
    """Our idempotency key for a PDF request (the operator's ``client_reference``): the same case, person, areas,
    day and municipality make the same request. If the operator accepted a request but our commit failed (a crash,
    a lost connection), asking again finds the operator's request instead of making a second one."""
    material = "|".join([case_id, person_id, ",".join(sorted(a.value for a in areas)), day.isoformat(), caller])
    return "dfdg-" + hashlib.sha256(material.encode()).hexdigest()[:40]


def document_key(request_id: str) -> str:
    """The delivered PDF's key among the case's stored documents (``attachment_blobs``)."""
    return f"{request_id}.pdf"


_FAILED = object()
"""A request the operator could not be asked about this time."""


class _Lost(Exception):
    """The operator answered that it does not know the request (404)."""


@dataclass(frozen=True, slots=True)
class _Delivery:
    request: StoredPdfRequest
    state: PdfRequestState
    blobs: list[Blob]


class PdfRequestService:
    def __init__(
        self,
        cases: CaseService,
        uow: UnitOfWork,
        case_repo: CaseRepository,
        repo: PdfRequestRepository,
        letasyl: LetAsylClient,
        clock: Clock,
    ) -> None:
        self._cases = cases
        self._uow = uow
        self._case_repo = case_repo
        self._repo = repo
        self._letasyl = letasyl
        self._clock = clock

    async def create(self, caller: str, case_id: str, person_id: str, areas: list[str]) -> StoredPdfRequest:
        """P1: checked (areas, then the person-ID against the operator's person look-up), forwarded, and stored
        only once the operator accepted it. Nothing is forwarded or stored when a check fails."""
        case = await self._cases.get(caller, case_id)
        wanted = pdf_route.require_pdf_areas(areas)
        await self._uow.end_read_phase()
        try:
            person = await self._letasyl.find_person(case.cpr, case.receiving_municipality)
            if person is None:
                raise PersonUnknownAtOperator("The operator no longer knows the case's citizen.")
            pdf_route.require_citizens_person_id(person_id, citizens_person_id=person.person_id)
            accepted = await self._letasyl.request_pdf(
                PdfRequestCreate(
                    person_id=person.person_id,
                    areas=[a.value for a in wanted],
                    requesting_municipality=caller,
                    client_reference=request_key(case.id, person.person_id, wanted, self._clock.today(), caller),
                )
            )
        except UpstreamFailure as failure:
            raise unavailable(failure) from None
        if accepted is None:
            raise PersonUnknownAtOperator("The operator does not know the person-ID.")
        today = self._clock.today()
        request = StoredPdfRequest(
            id="pdf_" + secrets.token_urlsafe(16),
            case_id=case.id,
            operator_request_id=accepted.request_id,
            person_id=person.person_id,
            areas=list(accepted.areas),
            requested_on=today,
            requested_at=self._clock.now(),
            due_date=pdf_route.due_date(today),
            requested_by_municipality=caller,
        )
        await self._uow.begin_write_phase()
        earlier = await self._repo.by_operator_request_id(case.id, accepted.request_id)
        if earlier is not None:
            return earlier  # asked again for a request already recorded: the same one
        await self._repo.add(request)
        log.info("PDF request %s forwarded for contact group %s", request.id, case.id)
        return request

    async def list_for_case(self, caller: str, case_id: str) -> tuple[Case, list[StoredPdfRequest], bool]:
        """P1: the case's requests; open ones are checked with the operator first, and any delivery is stored.
        Returns (case, requests, whether the operator answered)."""
        case = await self._cases.get(caller, case_id)
        requests = await self._repo.for_case(case.id)
        open_requests = [r for r in requests if r.open]
        if not open_requests:
            return case, requests, True
        await self._uow.end_read_phase()
        # Each request on its own, side by side: one the operator is stuck on (or that fails) neither delays nor
        # stops the collection of the others. What failed is asked for again on the next read.
        outcomes = await asyncio.gather(*(self._collect_one(case, request) for request in open_requests))
        checked = all(outcome is not _FAILED for outcome in outcomes)
        deliveries = [o for o in outcomes if isinstance(o, _Delivery)]
        lost = [o for o in outcomes if isinstance(o, StoredPdfRequest)]
        if deliveries or lost:
            await self._uow.begin_write_phase()
            now = self._clock.now()
            for request in lost:
                await self._repo.mark_lost(request.id, on=self._clock.today())
            for d in deliveries:
                await self._case_repo.add_blobs(case.id, d.blobs, now)
                assert d.state.delivered_on is not None  # _collect returns delivered states only
                await self._repo.mark_delivered(
                    d.request.id,
                    delivered_on=d.state.delivered_on,
                    stored_at=now,
                    delivery=d.state.model_dump(mode="json"),
                )
            requests = await self._repo.for_case(case.id)
        return case, requests, checked

    async def document(self, caller: str, case_id: str, request_id: str) -> Blob:
        """P1: the delivered PDF, from the stored, verified bytes."""
        request, state = await self._delivered(caller, case_id, request_id)
        assert state.document is not None
        return await self._blob(request.case_id, document_key(request.id), state.document.sha256)

    async def attachment(self, caller: str, case_id: str, request_id: str, attachment_id: str) -> Blob:
        """P1: an attachment delivered with the PDF, from the stored, verified bytes."""
        request, state = await self._delivered(caller, case_id, request_id)
        entry = next((a for a in state.attachments if a.attachment_id == attachment_id), None)
        if entry is None:
            raise PdfAttachmentNotFound()
        return await self._blob(request.case_id, entry.attachment_id, entry.sha256)

    # ---------------------------------------------------------------- helpers

    async def _collect_one(self, case: Case, request: StoredPdfRequest) -> _Delivery | StoredPdfRequest | object:
        """The delivery, the request itself if the operator no longer knows it (lost), None if not delivered yet,
        or ``_FAILED`` if the operator could not be asked."""
        try:
            return await self._collect(request)
        except _Lost:
            log.warning("PDF route: the operator no longer knows request %s of %s", request.id, case.id)
            return request
        except UpstreamFailure as failure:
            log.warning("PDF route: request %s of %s not checked: %s", request.id, case.id, failure.reason)
            return _FAILED

    async def _collect(self, request: StoredPdfRequest) -> _Delivery | None:
        state = await self._letasyl.pdf_request(request.operator_request_id)
        if state is None:
            raise _Lost
        if state.status != "delivered" or state.document is None or state.delivered_on is None:
            return None
        document = await self._letasyl.download_pdf_document(request.operator_request_id, state.document)
        contents = await asyncio.gather(
            *(self._letasyl.download_pdf_attachment(request.operator_request_id, a) for a in state.attachments)
        )
        blobs = [
            Blob(document_key(request.id), state.document.sha256, state.document.media_type, len(document), document),
            *(
                Blob(a.attachment_id, a.sha256, a.media_type, a.size_bytes, content)
                for a, content in zip(state.attachments, contents, strict=True)
            ),
        ]
        return _Delivery(request, state, blobs)

    async def _delivered(self, caller: str, case_id: str, request_id: str) -> tuple[StoredPdfRequest, PdfRequestState]:
        case = await self._cases.get(caller, case_id)
        request = next((r for r in await self._repo.for_case(case.id) if r.id == request_id), None)
        if request is None:
            raise PdfRequestNotFound()
        if request.delivery is None:
            raise PdfNotDeliveredYet("Read the request list to collect a delivery the operator has made.")
        return request, PdfRequestState.model_validate(request.delivery)

    async def _blob(self, case_id: str, key: str, sha256: str) -> Blob:
        blob = await self._case_repo.get_blob(case_id, key, sha256)
        if blob is None:  # stored in the same transaction as the delivery, so this is a broken invariant
            raise RuntimeError("a delivered PDF request's bytes are missing")
        return blob
