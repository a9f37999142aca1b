"""P1: the PDF route (PDF-løsningen) for municipalities that cannot read DA3/DA4 digitally during the transition.

The municipality asks the operator for the areas as PDF, giving the refugee's person-ID; the operator must deliver
the PDF and its attachments within 14 days of the request.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from enum import StrEnum

from dfdg_broker.domain.areas import DataArea
from dfdg_broker.domain.errors import RuleViolation

DELIVERY_DAYS = 14
"""P1: the operator delivers within 14 days of the request."""

PDF_AREAS = (DataArea.OTHER, DataArea.ATTACHMENTS)
"""P1: only DA3 and DA4 can be asked for as PDF; DA1 and DA2 feed the Jobnet CV and the contract digitally."""


class PdfRequestStatus(StrEnum):
    REQUESTED = "requested"  # asked for, the due date has not passed
    OVERDUE = "overdue"  # asked for, not delivered, and the due date has passed
    DELIVERED = "delivered"  # the broker holds the PDF and its attachments
    LOST = "lost"  # the operator no longer knows the request: it must be made again


def due_date(requested_on: date) -> date:
    """P1, Reading: "within 14 days of the request" includes the 14th day; it is overdue from the day after."""
    return requested_on + timedelta(days=DELIVERY_DAYS)


def status(
    *, requested_on: date, delivered_on: date | None, today: date, lost_on: date | None = None
) -> PdfRequestStatus:
    """P1: delivered once the broker holds it; lost once the operator said it no longer knows the request;
    otherwise requested until the due date and overdue after it."""
    if delivered_on is not None:
        return PdfRequestStatus.DELIVERED
    if lost_on is not None:
        return PdfRequestStatus.LOST
    return PdfRequestStatus.OVERDUE if today > due_date(requested_on) else PdfRequestStatus.REQUESTED


def delivered_late(*, requested_on: date, delivered_on: date | None) -> bool:
    """P1: a delivery after the due date still says so once delivered."""
    return delivered_on is not None and delivered_on > due_date(requested_on)


def require_pdf_areas(areas: Iterable[str]) -> tuple[DataArea, ...]:
    """P1: at least one area, each of them DA3 `other` or DA4 `attachments`; duplicates collapse."""
    wanted = list(dict.fromkeys(areas))
    allowed = {a.value for a in PDF_AREAS}
    if not wanted or any(a not in allowed for a in wanted):
        raise RuleViolation(
            "P1",
            "pdf_area_not_allowed",
            "Only the areas 'other' (DA3) and 'attachments' (DA4) can be requested as PDF, at least one of them.",
            field="areas",
        )
    return tuple(DataArea(a) for a in wanted)


def require_citizens_person_id(person_id: str, *, citizens_person_id: str) -> None:
    """P1: the request names the refugee by the immigration service's person-ID, and it must be the case citizen's.
    The message does not echo either ID, so it cannot be used to probe whom a case belongs to."""
    if person_id.strip() != citizens_person_id:
        raise RuleViolation(
            "P1",
            "person_id_not_case_citizen",
            "The person-ID is not the one the operator holds for this case's citizen; check the immigration "
            "service's letter.",
            field="person_id",
        )
