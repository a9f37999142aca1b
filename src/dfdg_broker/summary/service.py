"""The case summary: what on a case needs a human, computed from what the broker holds (never asking the operator).

It depends on cases, PDF requests and distribution; none of them imports it. The cases routes show it through the
``cases.dependencies.CaseSummary`` port, which ``app.py`` fills with ``summary.dependencies.case_summary``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Protocol

from dfdg_broker.cases import presenters
from dfdg_broker.cases.errors import CaseNotFound
from dfdg_broker.cases.read_cache import CaseReadCache, SerialisedCaseRead
from dfdg_broker.cases.records import (
    LOGIN_CODES_TASK_CODE,
    LOGIN_CODES_TASK_TEXT,
    LOGIN_CODES_TASK_TEXT_DA,
    Attention,
    Case,
)
from dfdg_broker.cases.service import CaseService
from dfdg_broker.clock import Clock
from dfdg_broker.distribution.packages import DOCUMENT_PREFIX, undistributed_documents
from dfdg_broker.distribution.service import DistributionService, HeldDa3Da4
from dfdg_broker.domain import pdf_route
from dfdg_broker.domain.distribution import MunicipalUnit
from dfdg_broker.domain.minors import child_link
from dfdg_broker.letasyl.schemas import AttachmentsArea, OtherArea
from dfdg_broker.pdf_requests.repository import PdfRequestRepository
from dfdg_broker.summary.repository import SummaryInputs, SummaryRepository


class _PdfRequest(Protocol):
    """What the summary reads of a PDF request (a stored one, or the case read's ``PdfRequestDates``)."""

    @property
    def requested_on(self) -> date: ...
    @property
    def due_date(self) -> date: ...
    @property
    def delivered_on(self) -> date | None: ...
    @property
    def lost_on(self) -> date | None: ...


class SummaryService:
    def __init__(
        self,
        cases: CaseService,
        pdf_requests: PdfRequestRepository,
        distribution: DistributionService,
        clock: Clock,
    ) -> None:
        self._cases = cases
        self._pdf_requests = pdf_requests
        self._distribution = distribution
        self._clock = clock

    async def attention(self, case: Case) -> list[Attention]:
        """The case summary of a case already read (each part read on its own, in the request's unit of work)."""
        requests = [] if self._cases.created_here(case) else await self._pdf_requests.for_case(case.id)
        held = await self._distribution.held_da3_da4(case)  # read once: the child link and the documents both need it
        undistributed = await self._distribution.undistributed_documents(case, held)  # only documents count (P2)
        return attention_items(case, self._clock.today(), requests, held[0], undistributed)


class CaseReader:
    """The case read (GET /v1/contact-groups/{id}): the case and its summary from one statement on the driver
    (``SummaryRepository``), no unit of work, serialised once; the answer of a row and day this process computed
    before is served from ``cache`` (``cases.read_cache``). Held for the life of the process."""

    def __init__(self, repo: SummaryRepository, clock: Clock, cache: CaseReadCache | None = None) -> None:
        self._repo = repo
        self._clock = clock
        self._cache = cache

    async def read(self, caller_municipality: str, case_id: str) -> SerialisedCaseRead:
        stored = await self._repo.stored_case(case_id)
        cache = self._cache
        if stored is None and cache is not None:  # erased, perhaps by another process: forget what this one held
            cache.discard(case_id)
        if stored is None or not stored.visible_to(caller_municipality):
            raise CaseNotFound()  # C2, exactly as CaseService.get: to any other municipality the case does not exist
        today = self._clock.today()  # once: the summary and the response's as_of are of the same day
        if cache is not None and (cached := cache.get(case_id, stored.row, today)) is not None:
            return cached
        case, inputs = self._repo.opened(stored)
        other, attachments = _held_areas(inputs)
        undistributed = undistributed_documents(other, attachments, inputs.receipts, today=today)
        attention = attention_items(case, today, inputs.pdf_requests, other, undistributed)
        read = SerialisedCaseRead(case.etag, presenters.case_read(case, today, attention).model_dump_json().encode())
        if cache is not None:
            cache.put(case_id, stored.row, today, read)
        return read


def _held_areas(inputs: SummaryInputs) -> HeldDa3Da4:
    """DA3 and DA4 validated straight from the JSON held (an area never captured reads as empty, as in
    ``distribution.service.held_areas``)."""
    return (
        OtherArea() if inputs.other is None else OtherArea.model_validate_json(inputs.other),
        AttachmentsArea() if inputs.attachments is None else AttachmentsArea.model_validate_json(inputs.attachments),
    )


def attention_items(
    case: Case,
    today: date,
    pdf_requests: Iterable[_PdfRequest],
    other: OtherArea,
    undistributed: Mapping[MunicipalUnit, Sequence[str]],
) -> list[Attention]:
    """The case summary: overdue PDF requests (P1), a pending or overdue child link (M3), undistributed documents
    (P2; ``undistributed``: each unit's item keys no receipt covers, in the units' order, of which only documents
    count) and the Jobnet login-code task once due (C8). Computed from what the broker holds; the operator is not
    asked (a case read must not depend on it)."""
    base = f"/v1/contact-groups/{case.id}"
    items: list[Attention] = []
    for request in pdf_requests:
        state = pdf_route.status(
            requested_on=request.requested_on,
            delivered_on=request.delivered_on,
            today=today,
            lost_on=request.lost_on,
        )
        if state is pdf_route.PdfRequestStatus.LOST:
            requested = request.requested_on.isoformat()
            items.append(
                Attention(
                    "pdf_request_lost",
                    "P1",
                    f"The operator no longer knows the PDF request of {requested}; make the request again.",
                    f"Operatøren kender ikke længere PDF-bestillingen fra {requested}; bestil den igen.",
                    None,
                    f"{base}/pdf-requests",
                )
            )
        if state is pdf_route.PdfRequestStatus.OVERDUE:
            items.append(
                Attention(
                    "pdf_request_overdue",
                    "P1",
                    f"The operator has not delivered the PDF requested on {request.requested_on.isoformat()}.",
                    f"Operatøren har ikke leveret den PDF, der blev bestilt {request.requested_on.isoformat()}.",
                    request.due_date,
                    f"{base}/pdf-requests",
                )
            )
    link = child_link(other.children_link_status, asylum_decision_date=case.asylum_decision_date, today=today)
    if link.needs_attention:
        items.append(
            Attention(
                f"children_link_{link.state.value}",
                "M3",
                "The children under 15 are not yet linked to the parent in LetAsyl; ask the asylum operator.",
                "Børnene under 15 år er endnu ikke tilknyttet forælderen i LetAsyl; kontakt asyloperatøren.",
                link.due_date,
                f"{base}/data-areas/other",
            )
        )
    for unit, keys in undistributed.items():
        # Documents only: the DA3 parts are readable in DFDG itself, a document is the thing that must travel.
        documents = [key for key in keys if key.startswith(DOCUMENT_PREFIX)]
        if documents:
            items.append(
                Attention(
                    f"undistributed_{unit.value.replace('-', '_')}",
                    "P2",
                    f"{len(documents)} document(s) not yet received by the {unit.value} unit.",
                    f"{len(documents)} dokument(er) er endnu ikke modtaget af {unit.danish_name}.",
                    None,
                    f"{base}/distribution",
                )
            )
    if case.dates.login_codes_task_pending(today, done=LOGIN_CODES_TASK_CODE in case.done_tasks):
        items.append(
            Attention(
                LOGIN_CODES_TASK_CODE,
                "C8",
                LOGIN_CODES_TASK_TEXT,
                LOGIN_CODES_TASK_TEXT_DA,
                case.dates.login_codes_due_from,
                f"{base}/tasks/{LOGIN_CODES_TASK_CODE}/done",
            )
        )
    return items
