"""Minors: M1 (no ordinary case under 15). M2 and M3 shape the data areas and live with them."""

from __future__ import annotations

from datetime import date

from dfdg_broker.domain.cpr import Cpr
from dfdg_broker.domain.errors import RuleViolation

MINIMUM_AGE_FOR_CASE = 15


def require_case_allowed(cpr: Cpr, *, today: date, special_procedure_ref: str | None) -> None:
    """M1, Reading: a person under 15 (age from the CPR number on ``today``) gets a case only with a reference to
    the special procedure through the national support desk (landssupporten); without one the create is refused.

    A 29 February birthday is reached on 1 March in common years (see ``cpr.age_on``).
    """
    if cpr.age_on(today) >= MINIMUM_AGE_FOR_CASE:
        return
    if special_procedure_ref is None or not special_procedure_ref.strip():
        raise RuleViolation(
            "M1",
            "minor_under_15_requires_special_procedure",
            "The citizen is under 15, so a case cannot be created the usual way. Contact the national support desk "
            "(landssupporten) for the jobcenter's case system, usually through the municipality's IT vendor; the "
            "special procedure takes 1-2 days. Then repeat the request with its reference in special_procedure_ref.",
            field="special_procedure_ref",
        )
