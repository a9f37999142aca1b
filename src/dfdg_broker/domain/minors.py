"""Minors: M1 (no ordinary case under 15) and M3 (children under 15 linked to a parent: the link's due date).
M2 (what DA3/DA4 hold for minors of 15-17) is a shape of the data, typed in ``letasyl.schemas``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Literal

from dfdg_broker.domain.cpr import Cpr
from dfdg_broker.domain.errors import RuleViolation

MINIMUM_AGE_FOR_CASE = 15


class MinorKind(StrEnum):
    """M1 (added): which kind of minor the operator's person record says the person is."""

    UNACCOMPANIED = "unaccompanied"  # uledsaget
    ACCOMPANIED_BY_OTHER_ADULTS = "accompanied-by-other-adults"  # ledsaget af andre voksne end forældrene
    ACCOMPANIED_BY_PARENTS = "accompanied-by-parents"  # kommet med forældrene (M3: linked to a parent)


SPECIAL_PROCEDURE_KINDS = frozenset({MinorKind.UNACCOMPANIED, MinorKind.ACCOMPANIED_BY_OTHER_ADULTS})
"""M1 (added): the kinds of minor under 15 the national support desk's special procedure is for."""


def require_case_allowed(
    cpr: Cpr, *, today: date, special_procedure_ref: str | None, minor_kind: MinorKind | None = None
) -> None:
    """M1, Reading: a person under 15 (age from the CPR number on ``today``) gets a case only with a reference to
    the special procedure through the national support desk (landssupporten); without one the create is refused.

    M1, Reading (added): the special procedure is for unaccompanied minors and minors accompanied by adults other
    than parents. A child under 15 who came with its parents gets no case at all (its data comes through a parent's
    DA3, M3): refused even with a reference. ``minor_kind`` is the operator's word; when the operator gives none,
    the reference is required (the support desk checks the kind).

    A 29 February birthday is reached on 1 March in common years (see ``cpr.age_on``).
    """
    if cpr.age_on(today) >= MINIMUM_AGE_FOR_CASE:
        return
    if minor_kind is MinorKind.ACCOMPANIED_BY_PARENTS:
        raise RuleViolation(
            "M1",
            "minor_under_15_with_parents_has_no_case",
            "The citizen is under 15 and came with its parents: no case can be created, not even through the "
            "special procedure. The child's data comes through the DA3 of the parent it is linked to (M3).",
            field="cpr",
        )
    if special_procedure_ref is None or not special_procedure_ref.strip():
        raise RuleViolation(
            "M1",
            "minor_under_15_requires_special_procedure",
            "The citizen is under 15, so a case cannot be created the usual way. Contact the national support desk "
            "(landssupporten) for the jobcenter's case system, usually through the municipality's IT vendor; the "
            "special procedure takes 1-2 days. Then repeat the request with its reference in special_procedure_ref. "
            "The procedure is for unaccompanied minors and minors accompanied by adults other than parents; a child "
            "who came with its parents gets no case (its data comes through a parent's DA3).",
            field="special_procedure_ref",
        )


# ---------------------------------------------------------------- M3: children under 15 linked to a parent

CHILD_LINK_DEADLINE_DAYS = 14
"""M3: children under 15 are linked to one parent in LetAsyl within 14 days of the asylum decision."""


class ChildLinkState(StrEnum):
    """M3: the link (tilknytning) of a parent's children under 15, as the broker reports it."""

    NOT_APPLICABLE = "not_applicable"  # no children under 15 to link
    PENDING = "pending"  # not linked yet, the due date has not passed
    OVERDUE = "overdue"  # not linked yet, and the due date has passed
    LINKED = "linked"


@dataclass(frozen=True, slots=True)
class ChildLink:
    """M3: the link state on a given day, and the day the link is due (when it is still to be made)."""

    state: ChildLinkState
    due_date: date | None

    @property
    def needs_attention(self) -> bool:
        return self.state in (ChildLinkState.PENDING, ChildLinkState.OVERDUE)


def child_link_due_date(asylum_decision_date: date) -> date:
    """M3: the last day for the link, 14 days after the asylum decision (meddelelse af asyl)."""
    return asylum_decision_date + timedelta(days=CHILD_LINK_DEADLINE_DAYS)


def child_link(
    reported: Literal["not_applicable", "pending", "linked"], *, asylum_decision_date: date, today: date
) -> ChildLink:
    """M3, Reading: the operator only says whether the link is made ("linked"), still to be made ("pending") or not
    applicable; the broker adds the due date and, by the clock, whether it has passed. The due date itself is still
    "pending" (the 14 days run to the end of that day); ``overdue`` starts the day after. Computed on every read, a
    frozen DA3 snapshot included: the data may be frozen, the clock is not."""
    if reported == "linked":
        return ChildLink(ChildLinkState.LINKED, None)
    if reported == "not_applicable":
        return ChildLink(ChildLinkState.NOT_APPLICABLE, None)
    due = child_link_due_date(asylum_decision_date)
    return ChildLink(ChildLinkState.OVERDUE if today > due else ChildLinkState.PENDING, due)
