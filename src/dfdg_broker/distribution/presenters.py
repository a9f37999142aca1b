"""Distribution results -> API models (P2). Shapes only; the routing comes from ``domain.distribution``."""

from __future__ import annotations

from datetime import date

from dfdg_broker.cases.records import Case
from dfdg_broker.distribution.packages import UnitPackage, document_key
from dfdg_broker.distribution.repository import Receipt
from dfdg_broker.distribution.schemas import DistributionRead, ReceiptRead, RoutedDocument, UnitDistribution


def receipt_read(receipt: Receipt) -> ReceiptRead:
    assert receipt.id is not None  # stored receipts have their id
    return ReceiptRead(
        id=receipt.id,
        unit=receipt.unit,
        received_on=receipt.received_on,
        received_at=receipt.received_at,
        recorded_by_municipality=receipt.recorded_by_municipality,
        note=receipt.note,
        items=sorted(receipt.package),
    )


def unit_distribution(case_id: str, package: UnitPackage) -> UnitDistribution:
    undistributed = set(package.undistributed)
    return UnitDistribution(
        unit=package.unit,
        documents=[
            RoutedDocument(
                attachment_id=a.attachment_id,
                title=a.title,
                kind=a.kind,
                concerns_person_id=a.concerns_person_id,
                sha256=a.sha256,
                href=f"/v1/contact-groups/{case_id}/attachments/{a.attachment_id}",
                distributed=document_key(a.attachment_id) not in undistributed,
            )
            for a in package.documents
        ],
        other_parts=package.other_parts,
        children=package.children,
        undistributed=package.undistributed,
        complete=not package.undistributed,
        receipts=[receipt_read(r) for r in package.receipts],
    )


def distribution_read(case: Case, packages: list[UnitPackage], today: date) -> DistributionRead:
    units = [unit_distribution(case.id, p) for p in packages]
    return DistributionRead(
        case_id=case.id,
        as_of=today,
        units=units,
        undistributed_count=sum(len(u.undistributed) for u in units),
    )
