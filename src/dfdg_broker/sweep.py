"""`dfdg-broker sweep`: the scheduled work, for cron or a Kubernetes CronJob (no scheduler of our own).

Idempotent: run it as often as you like (hourly is plenty); a second run on the same day changes nothing.

1. **Final snapshots (G1)**: each DA1/DA2 whose takeover date is today is read live once, so the snapshot a frozen
   area serves from tomorrow on is the operator's data *on* the takeover date, even for a case nobody reads that
   day. (A live read stores a row only when the content changed or the day's first row is missing.)
2. **Due PDF deliveries (P1)**: each case with an open PDF request asks the operator, and stores any delivery,
   so an overdue request shows as delivered without waiting for a caseworker's read.
3. **Expired idempotency keys**: the ``Idempotency-Key`` records past ``DFDG_IDEMPOTENCY_KEY_TTL_SECONDS`` are
   deleted (an expired key is already ignored when a request names it; this keeps the table from growing).

Each case runs in its own transaction: one case's failure (an upstream outage) is logged and counted, and the
others go on; the next run picks it up again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dfdg_broker import idempotency
from dfdg_broker.cases.repository import CaseRepository
from dfdg_broker.cases.service import CaseService
from dfdg_broker.clock import Clock
from dfdg_broker.db.session import protection_of
from dfdg_broker.db.unit_of_work import UnitOfWork
from dfdg_broker.errors import ProblemError
from dfdg_broker.jobnet.client import JobnetClient
from dfdg_broker.letasyl.client import LetAsylClient
from dfdg_broker.pdf_requests.repository import PdfRequestRepository
from dfdg_broker.pdf_requests.service import PdfRequestService
from dfdg_broker.settings import Settings
from dfdg_broker.upstream import Upstreams

log = logging.getLogger(__name__)


@dataclass
class SweepReport:
    final_snapshots_checked: int = 0
    pdf_cases_checked: int = 0
    idempotency_keys_purged: int = 0
    failures: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"sweep: {self.final_snapshots_checked} takeover-day area(s) read, "
            f"{self.pdf_cases_checked} case(s) with open PDF requests checked, "
            f"{self.idempotency_keys_purged} expired idempotency key(s) purged, {len(self.failures)} failure(s)"
        )


class _Services:
    def __init__(self, uow: UnitOfWork, upstream: Upstreams, clock: Clock, settings: Settings) -> None:
        self.cases = CaseService(
            CaseRepository(uow.session),
            uow,
            LetAsylClient(upstream.letasyl.http, upstream.letasyl.policy),
            JobnetClient(upstream.jobnet.http, upstream.jobnet.policy),
            clock,
            protection_of(uow.session),
        )
        self.pdf_requests = PdfRequestService(
            self.cases,
            uow,
            CaseRepository(uow.session),
            PdfRequestRepository(uow.session),
            LetAsylClient(upstream.letasyl.http, upstream.letasyl.policy),
            clock,
        )


async def sweep(
    sessions: async_sessionmaker[AsyncSession], upstream: Upstreams, clock: Clock, settings: Settings
) -> SweepReport:
    report = SweepReport()
    today = clock.today()
    async with UnitOfWork.scope(sessions) as uow:
        due_areas = await CaseRepository(uow.session).taking_over_on(today)
        open_pdf_cases = await PdfRequestRepository(uow.session).cases_with_open_requests()

    for case_id, municipality, area in due_areas:
        try:
            async with UnitOfWork.scope(sessions) as uow:
                await _Services(uow, upstream, clock, settings).cases.read_area(municipality, case_id, area)
            report.final_snapshots_checked += 1
        except ProblemError as exc:  # an upstream outage (503) and nothing held: the next run tries again
            report.failures.append(f"{case_id}/{area.value}: {exc.code}")
            log.warning("sweep: takeover-day read of %s/%s failed: %s", case_id, area.value, exc.code)

    for case_id, municipality in open_pdf_cases:
        async with UnitOfWork.scope(sessions) as uow:
            services = _Services(uow, upstream, clock, settings)
            _case, _requests, answered = await services.pdf_requests.list_for_case(municipality, case_id)
        report.pdf_cases_checked += 1
        if not answered:
            report.failures.append(f"{case_id}/pdf-requests: upstream_unavailable")

    async with UnitOfWork.scope(sessions) as uow:
        await uow.begin_write_phase()
        report.idempotency_keys_purged = await idempotency.purge_expired(uow.session, clock.now())
    log.info("%s", report.summary())
    return report
