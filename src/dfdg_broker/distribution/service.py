"""P2: the distribution of a case's documents and DA3 parts to the municipal units, from the data the broker holds
(never asking the operator), and the receipts that say a unit has its package."""

from __future__ import annotations

from dfdg_broker.cases.records import Case, Snapshot
from dfdg_broker.cases.service import CaseService
from dfdg_broker.clock import Clock
from dfdg_broker.db.unit_of_work import UnitOfWork
from dfdg_broker.distribution.errors import PackageEmpty
from dfdg_broker.distribution.packages import UnitPackage, undistributed_documents, unit_packages
from dfdg_broker.distribution.repository import DistributionRepository, Receipt
from dfdg_broker.domain.areas import DataArea
from dfdg_broker.domain.distribution import MunicipalUnit
from dfdg_broker.letasyl.schemas import AttachmentsArea, OtherArea

HeldDa3Da4 = tuple[OtherArea, AttachmentsArea]
"""DA3 and DA4 as the broker serves them now without asking the operator (see ``CaseService.held_snapshot``)."""


class DistributionService:
    def __init__(self, cases: CaseService, uow: UnitOfWork, repo: DistributionRepository, clock: Clock) -> None:
        self._cases = cases
        self._uow = uow
        self._repo = repo
        self._clock = clock

    async def distribution(self, caller: str, case_id: str) -> tuple[Case, list[UnitPackage]]:
        case = await self._cases.get(caller, case_id)
        return case, await self.unit_packages(case)

    async def record_receipt(self, caller: str, case_id: str, unit: MunicipalUnit, note: str | None) -> Receipt:
        """P2: the unit received its package as it stands now; the receipt keeps what the package held."""
        await self._uow.begin_write_phase()  # reads then writes: take the write lock up front (SQLite)
        case, packages = await self.distribution(caller, case_id)
        package = next(p for p in packages if p.unit is unit)
        if not package.items:
            raise PackageEmpty()
        return await self._repo.add_receipt(
            Receipt(
                id=None,
                case_id=case.id,
                unit=unit,
                received_on=self._clock.today(),
                received_at=self._clock.now(),
                recorded_by_municipality=caller,
                note=note,
                package=package.items,
            )
        )

    async def unit_packages(self, case: Case) -> list[UnitPackage]:
        """P2: each municipal unit's package from the DA3 and DA4 snapshots the broker serves now, and what of it
        no receipt covers."""
        other, attachments = await self.held_da3_da4(case)
        receipts = [] if self._cases.created_here(case) else await self._repo.receipts(case.id)
        return unit_packages(other, attachments, receipts, today=self._clock.today())

    async def undistributed_documents(self, case: Case, held: HeldDa3Da4) -> dict[MunicipalUnit, list[str]]:
        """P2, what the case summary counts: each unit's documents in ``held`` that no receipt covers (``unit_packages``
        without the DA3 parts, which are not hashed for it)."""
        other, attachments = held
        receipts = [] if self._cases.created_here(case) else await self._repo.receipts(case.id)
        return undistributed_documents(other, attachments, receipts, today=self._clock.today())

    async def held_da3_da4(self, case: Case) -> HeldDa3Da4:
        other_answer = self._cases.created_answer(case, DataArea.OTHER)
        attachments_answer = self._cases.created_answer(case, DataArea.ATTACHMENTS)
        if isinstance(other_answer, OtherArea) and isinstance(attachments_answer, AttachmentsArea):
            return other_answer, attachments_answer  # created by this request: as validated on arrival
        other = await self._cases.held_snapshot(case, DataArea.OTHER)
        return held_areas(other, await self._cases.held_snapshot(case, DataArea.ATTACHMENTS))


def held_areas(other: Snapshot | None, attachments: Snapshot | None) -> HeldDa3Da4:
    """DA3 and DA4 from their held snapshots (an area never captured reads as empty)."""
    return (
        OtherArea.model_validate(other.data) if other else OtherArea(),
        AttachmentsArea.model_validate(attachments.data) if attachments else AttachmentsArea(),
    )
