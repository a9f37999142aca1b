"""Erase a case (issue 11): everything about it, in one transaction, leaving one ``case_erasures`` row.

The unit of work commits once when the request (or the purge's batch) ends and rolls back on any exception, so a
failure half-way leaves the case whole. The in-process caches forget the case once the erasure is committed; other
processes' caches cannot serve it either (a frozen-cache hit checks the case in the database first).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from dfdg_broker.auth import Caller
from dfdg_broker.cases.errors import CaseNotFound
from dfdg_broker.cases.records import Case
from dfdg_broker.cases.repository import CaseRepository
from dfdg_broker.clock import Clock
from dfdg_broker.db.unit_of_work import UnitOfWork
from dfdg_broker.erasure.errors import ErasureNotAllowed
from dfdg_broker.erasure.repository import Erasure, ErasureRepository
from dfdg_broker.erasure.schemas import RETENTION_REASON, ErasureReason

log = logging.getLogger(__name__)

Forget = Callable[[str], None]
"""Drops a case from an in-process cache (the frozen-area cache, the case-read cache, the citizen-facts cache)."""


@dataclass(frozen=True, slots=True)
class ErasedBy:
    """Who erased: a caller's municipality, subject and client; all None for the retention purge."""

    municipality: str | None = None
    subject: str | None = None
    client: str | None = None

    @classmethod
    def of(cls, caller: Caller) -> ErasedBy:
        return cls(caller.municipality, caller.subject or None, caller.client_id or None)


class ErasureService:
    def __init__(
        self,
        repo: ErasureRepository,
        cases: CaseRepository,
        uow: UnitOfWork,
        clock: Clock,
        forget: tuple[Forget, ...] = (),
    ) -> None:
        self._repo = repo
        self._cases = cases
        self._uow = uow
        self._clock = clock
        self._forget = forget

    async def erase(
        self, caller: Caller, case_id: str, reason: ErasureReason | None, legal_basis: str | None
    ) -> Erasure:
        """C2: a municipality that may not see the case gets 404, as for any case id (no oracle); an erased case is
        not there (404) either. The jobcenter municipality of a binding cooperation sees the case but may not erase
        it: that is the receiving municipality's decision (it holds the integration responsibility; the jobcenter
        acts for it, DOMAIN C2 revised)."""
        await self._uow.begin_write_phase()  # read-then-write: the write lock first
        case = await self._cases.get(case_id)
        if case is None or not case.visible_to(caller.municipality):
            raise CaseNotFound()  # C2: to any other municipality the case does not exist (as CaseService.get)
        if caller.municipality != case.receiving_municipality:
            raise ErasureNotAllowed(
                f"Ask the receiving municipality ({case.receiving_municipality}) to erase the case.",
            )
        erasure = await self.erase_case(case, reason.value if reason else None, legal_basis, ErasedBy.of(caller))
        log.info("contact group %s erased by municipality %s", case_id, caller.municipality)
        return erasure

    async def erase_case(self, case: Case, reason: str | None, legal_basis: str | None, by: ErasedBy) -> Erasure:
        """Erase a case the caller may erase (the write phase is held): every row about it, then the record."""
        last_activity = await self._repo.last_activity(case.id)
        if not await self._repo.erase(case.id):
            raise CaseNotFound()  # erased by a concurrent request meanwhile
        erasure = Erasure(
            case_id=case.id,
            erased_at=self._clock.now(),
            reason=reason,
            legal_basis=legal_basis,
            receiving_municipality=case.receiving_municipality,
            jobcenter_municipality=case.jobcenter_municipality,
            erased_by_municipality=by.municipality,
            erased_by_subject=by.subject,
            erased_by_client=by.client,
            case_created_on=case.created_on,
            last_activity_at=last_activity,
        )
        await self._repo.record(erasure)
        return erasure

    def forget(self, case_id: str) -> None:
        """After the commit: drop the case from this process's caches (plaintext in memory)."""
        for drop in self._forget:
            drop(case_id)

    # ---------------------------------------------------------------- retention

    async def due_for_retention(self, cutoff: datetime) -> list[str]:
        """What a purge would erase now (``--dry-run``)."""
        return await self._repo.past_retention(cutoff, None)

    async def erase_for_retention(self, cutoff: datetime, limit: int) -> list[str]:
        """One batch of the purge: the cases whose last activity is before ``cutoff``, chosen under the write lock
        (a case touched meanwhile is not chosen), each erased with the reason ``retention``."""
        await self._uow.begin_write_phase()
        erased: list[str] = []
        for case_id in await self._repo.past_retention(cutoff, limit):
            case = await self._cases.get(case_id)
            if case is None:
                continue
            await self.erase_case(case, RETENTION_REASON, None, ErasedBy())
            erased.append(case_id)
        return erased

    async def erasure_of(self, case_id: str) -> Erasure | None:
        return await self._repo.erasure_of(case_id)
