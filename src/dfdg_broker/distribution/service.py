"""P2: the distribution of a case's documents and DA3 parts to the municipal units, from the data the broker holds
(never asking the operator), and the receipts that say a unit has its package."""

from __future__ import annotations

from dfdg_broker.cases.records import Case
from dfdg_broker.cases.repository import CaseRepository
from dfdg_broker.cases.service import CaseService
from dfdg_broker.clock import Clock
from dfdg_broker.distribution.errors import PackageEmpty
from dfdg_broker.distribution.packages import UnitPackage
from dfdg_broker.distribution.repository import DistributionRepository, Receipt
from dfdg_broker.domain.distribution import MunicipalUnit


class DistributionService:
    def __init__(
        self, cases: CaseService, case_repo: CaseRepository, repo: DistributionRepository, clock: Clock
    ) -> None:
        self._cases = cases
        self._case_repo = case_repo
        self._repo = repo
        self._clock = clock

    async def distribution(self, caller: str, case_id: str) -> tuple[Case, list[UnitPackage]]:
        case = await self._cases.get(caller, case_id)
        return case, await self._cases.unit_packages(case)

    async def record_receipt(self, caller: str, case_id: str, unit: MunicipalUnit, note: str | None) -> Receipt:
        """P2: the unit received its package as it stands now; the receipt keeps what the package held."""
        await self._case_repo.begin_write_phase()  # reads then writes: take the write lock up front (SQLite)
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
