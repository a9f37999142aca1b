"""P2: each unit's package built from the DA3 and DA4 data the broker holds, and what of it is undistributed.

Used by the distribution routes and by the case summary; it asks no upstream. The routing itself (which unit gets
what) is the table in ``domain.distribution``; this module only applies it to the held data and keys each item by
its content, so that an item that changes after a receipt counts as undistributed again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from dfdg_broker.distribution.repository import Receipt
from dfdg_broker.domain import distribution as rules
from dfdg_broker.domain.content import content_hash
from dfdg_broker.domain.distribution import MunicipalUnit
from dfdg_broker.letasyl.schemas import Attachment, AttachmentsArea, LinkedChild, OtherArea

DOCUMENT_PREFIX = "attachments/"
PART_PREFIX = "other/"


@dataclass(frozen=True, slots=True)
class UnitPackage:
    unit: MunicipalUnit
    documents: list[Attachment]
    other_parts: list[str]
    children: list[LinkedChild]
    items: dict[str, str]  # item key -> SHA-256 of its content
    undistributed: list[str]
    receipts: list[Receipt]


def document_key(attachment_id: str) -> str:
    return DOCUMENT_PREFIX + attachment_id


def unit_packages(
    other: OtherArea, attachments: AttachmentsArea, receipts: Sequence[Receipt], *, today: date
) -> list[UnitPackage]:
    """P2: every unit's package and what of it no receipt covers, in the units' order."""
    by_id = {a.attachment_id: a for a in attachments.attachments}
    part_hashes = _part_hashes(other)
    result = []
    for unit, package in _plan(other, attachments, today).items():
        documents = [by_id[attachment_id] for attachment_id in package.documents]
        items = _document_items(documents)
        items |= {PART_PREFIX + part: part_hashes[part] for part in package.other_parts}
        received = [r for r in receipts if r.unit is unit]
        result.append(
            UnitPackage(
                unit=unit,
                documents=documents,
                other_parts=list(package.other_parts),
                children=[c for c in other.linked_children if rules.child_part(c.person_id) in package.other_parts],
                items=items,
                undistributed=rules.undistributed(items, [r.package for r in received]),
                receipts=received,
            )
        )
    return result


def undistributed_documents(
    other: OtherArea, attachments: AttachmentsArea, receipts: Sequence[Receipt], *, today: date
) -> dict[MunicipalUnit, list[str]]:
    """P2, what the case summary counts: each unit's documents that no receipt covers (item keys, in the units'
    order), exactly the documents among ``unit_packages``'s ``undistributed``. The DA3 parts are left out, so they
    are not hashed: a receipt covers each item on its own, so the documents' answer does not depend on them."""
    by_id = {a.attachment_id: a for a in attachments.attachments}
    return {
        unit: rules.undistributed(
            _document_items(by_id[attachment_id] for attachment_id in package.documents),
            [r.package for r in receipts if r.unit is unit],
        )
        for unit, package in _plan(other, attachments, today).items()
    }


def _plan(other: OtherArea, attachments: AttachmentsArea, today: date) -> dict[MunicipalUnit, rules.Package]:
    return rules.plan(
        (rules.Document(a.attachment_id, a.kind.value, a.concerns_person_id) for a in attachments.attachments),
        (rules.Child(c.person_id, c.birth_date) for c in other.linked_children),
        today=today,
        citizen_is_minor=other.minor is not None,  # P2 (added): DA3 holds a minor's M2 details
    )


def _document_items(documents: Iterable[Attachment]) -> dict[str, str]:
    """A package's document items: key -> the SHA-256 the operator gives for the document."""
    return {document_key(a.attachment_id): a.sha256 for a in documents}


def _part_hashes(other: OtherArea) -> dict[str, str]:
    """The content of each DA3 part as the operator sent it (not the broker's clock-dependent link status, so
    that the passing of a due date does not make a received part undistributed again)."""
    parts: dict[str, Any] = {
        "notes": other.notes,
        "raw_contact": other.raw_contact.model_dump(mode="json"),
        "minor": other.minor.model_dump(mode="json") if other.minor else None,
        "children_link": {
            "status": other.children_link_status,
            "children": [c.model_dump(mode="json") for c in other.linked_children],
        },
    }
    parts |= {rules.child_part(c.person_id): c.model_dump(mode="json") for c in other.linked_children}
    return {name: content_hash(content) for name, content in parts.items()}
