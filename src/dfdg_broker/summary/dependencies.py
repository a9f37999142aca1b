"""The summary feature's wiring: the factory ``app.py`` plugs into ``cases.dependencies.CASE_SUMMARY``."""

from __future__ import annotations

from dfdg_broker.cases.service import CaseService
from dfdg_broker.clock import Clock
from dfdg_broker.db.unit_of_work import UnitOfWork
from dfdg_broker.distribution.dependencies import distribution_service
from dfdg_broker.pdf_requests.repository import PdfRequestRepository
from dfdg_broker.summary.service import SummaryService


def case_summary(cases: CaseService, uow: UnitOfWork, clock: Clock) -> SummaryService:
    """A ``cases.dependencies.CaseSummaryFactory``."""
    return SummaryService(PdfRequestRepository(uow.session), distribution_service(cases, uow, clock), clock)
