"""`dfdg-broker purge`: erase what is past its retention (issue 11).

- **Cases** whose last activity (``erasure.repository.ACTIVITY``; a case has no closure) is more than
  ``DFDG_CASE_RETENTION_DAYS`` before now, each as an erasure with the reason ``retention``: the same deletion as
  ``DELETE /v1/contact-groups/{id}``, leaving one ``case_erasures`` row and the access log.
- **Access-log rows** older than ``DFDG_ACCESS_LOG_RETENTION_DAYS`` (``audit.repository.purge_access_log``), in one
  transaction after the cases (an erased case's log rows are kept for their own retention, like any other).

Batches of ``DFDG_PURGE_BATCH_SIZE`` cases, one transaction each, chosen under the write lock (a case touched
meanwhile is not chosen); an interrupted purge loses nothing and the next run goes on. Idempotent: a second run
finds nothing more. ``dry_run`` only counts.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from dfdg_broker.audit.repository import purge_access_log
from dfdg_broker.cases.repository import CaseRepository
from dfdg_broker.clock import Clock
from dfdg_broker.db.unit_of_work import UnitOfWork
from dfdg_broker.erasure.repository import ErasureRepository
from dfdg_broker.erasure.service import ErasureService
from dfdg_broker.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class PurgeReport:
    cutoff: datetime
    access_log_cutoff: datetime
    dry_run: bool = False
    cases: int = 0
    batches: int = 0
    access_log_rows: int = 0

    def summary(self) -> str:
        erase, delete = ("would erase", "would delete") if self.dry_run else ("erased", "deleted")
        return (
            f"purge: {erase} {self.cases} case(s) with no activity since {self.cutoff.isoformat()}, "
            f"{delete} {self.access_log_rows} access-log row(s) from before {self.access_log_cutoff.isoformat()}"
        )


def case_cutoff(clock: Clock, settings: Settings) -> datetime:
    """Cases whose last activity is before this are past retention."""
    return clock.now() - timedelta(days=settings.case_retention_days)


def access_log_cutoff(clock: Clock, settings: Settings) -> datetime:
    """Access-log rows from before this are past retention."""
    return clock.now() - timedelta(days=settings.access_log_retention_days)


async def purge(
    sessions: async_sessionmaker[AsyncSession], clock: Clock, settings: Settings, *, dry_run: bool = False
) -> PurgeReport:
    report = PurgeReport(case_cutoff(clock, settings), access_log_cutoff(clock, settings), dry_run)
    if dry_run:
        async with UnitOfWork.scope(sessions) as uow:
            report.cases = len(await _service(uow, clock).due_for_retention(report.cutoff))
            report.access_log_rows = await ErasureRepository(uow.session).access_log_rows_before(
                report.access_log_cutoff
            )
        log.info("%s", report.summary())
        return report
    batch = settings.purge_batch_size
    while True:
        async with UnitOfWork.scope(sessions) as uow:
            erased = await _service(uow, clock).erase_for_retention(report.cutoff, batch)
        report.cases += len(erased)
        report.batches += 1
        if erased:
            log.info("purge: batch %d erased %d case(s)", report.batches, len(erased))
        if len(erased) < batch:
            break
    async with UnitOfWork.scope(sessions) as uow:
        await uow.begin_write_phase()
        report.access_log_rows = await purge_access_log(uow.session, report.access_log_cutoff)
    log.info("%s", report.summary())
    return report


def _service(uow: UnitOfWork, clock: Clock) -> ErasureService:
    return ErasureService(ErasureRepository(uow.session), CaseRepository(uow.session), uow, clock)
