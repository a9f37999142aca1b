"""The case's dates and what follows from them: C4-C6, C8, G1-G3.

All functions take ``today`` from the caller's clock; none reads the real date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from dfdg_broker.domain.areas import DataArea
from dfdg_broker.domain.errors import RuleViolation

CV_DEADLINE_MAX_DAYS = 60
"""C6: the jobcenter may update the Jobnet CV for at most 60 days after the handover date."""


class CvWindowState(StrEnum):
    """G2/G3: who may create and update the citizen's Jobnet CV on a given day."""

    NOT_YET_OPEN = "not_yet_open"  # before the effective CV date: nobody (G2)
    JOBCENTER = "jobcenter"  # effective CV date .. deadline, both inclusive (G3)
    CITIZEN = "citizen"  # after the deadline: the citizen, possibly with a caseworker beside them (G3, C8)


@dataclass(frozen=True, slots=True)
class CaseDates:
    """The dates registered on a case (overgivelsesdato, tidlige overtagelsesdatoer, CVEditEndDate)."""

    handover_date: date
    early_takeover_cv: date | None
    early_takeover_contract: date | None
    cv_update_deadline: date

    @property
    def effective_cv_date(self) -> date:
        """C5: the early CV takeover date, or the handover date when none was given."""
        return self.early_takeover_cv or self.handover_date

    @property
    def effective_contract_date(self) -> date:
        """C5: the early contract takeover date, or the handover date when none was given."""
        return self.early_takeover_contract or self.handover_date

    def takeover_date(self, area: DataArea) -> date:
        """G1, Reading: DA1 follows the CV date, DA2 the contract date, DA3 and DA4 the handover date."""
        if area is DataArea.CV:
            return self.effective_cv_date
        if area is DataArea.INTEGRATION_CONTRACT:
            return self.effective_contract_date
        return self.handover_date

    def is_frozen(self, area: DataArea, today: date) -> bool:
        """G1, Reading: the area freezes once its takeover date has *passed*, i.e. from the day after it.

        On the takeover date itself the broker still refreshes, so the last snapshot taken "on or before that date"
        is the one taken on that day if anybody read the area then.
        """
        return today > self.takeover_date(area)

    def frozen_since(self, area: DataArea) -> date:
        """G1: the first day the area is frozen (the day after its takeover date)."""
        return self.takeover_date(area) + timedelta(days=1)

    def cv_window_state(self, today: date) -> CvWindowState:
        """G2, G3: the jobcenter may create and update the CV from the effective CV date to the deadline."""
        if today < self.effective_cv_date:
            return CvWindowState.NOT_YET_OPEN
        if today <= self.cv_update_deadline:
            return CvWindowState.JOBCENTER
        return CvWindowState.CITIZEN

    def contract_can_be_formed(self, today: date) -> bool:
        """G2: an integration contract can be formed only from the effective contract date."""
        return today >= self.effective_contract_date

    @property
    def login_codes_due_from(self) -> date:
        """C8: CV responsibility passes to the citizen the day after the deadline; the task is pending from then."""
        return self.cv_update_deadline + timedelta(days=1)

    def login_codes_task_pending(self, today: date) -> bool:
        """C8."""
        return today >= self.login_codes_due_from


def build_case_dates(
    handover_date: date,
    *,
    early_takeover_cv: date | None = None,
    early_takeover_contract: date | None = None,
    cv_update_deadline: date | None = None,
) -> CaseDates:
    """Validate the dates of a new case (C4-C6) and fill in the defaults.

    C5, Reading: an early takeover date after the handover date is an input error.
    C6, Reading: the deadline defaults to handover + 60 days; one before the effective CV date, or later than
    handover + 60 days, is an input error.
    """
    for field, early in (
        ("early_takeover_cv", early_takeover_cv),
        ("early_takeover_contract", early_takeover_contract),
    ):
        if early is not None and early > handover_date:
            raise RuleViolation(
                "C5",
                "early_takeover_after_handover",
                f"An early takeover date must be on or before the handover date ({handover_date.isoformat()}).",
                field=field,
            )
    latest_deadline = handover_date + timedelta(days=CV_DEADLINE_MAX_DAYS)
    deadline = cv_update_deadline if cv_update_deadline is not None else latest_deadline
    dates = CaseDates(handover_date, early_takeover_cv, early_takeover_contract, deadline)
    if deadline > latest_deadline:
        raise RuleViolation(
            "C6",
            "cv_deadline_too_late",
            f"The CV update deadline may be at most {CV_DEADLINE_MAX_DAYS} days after the handover date, "
            f"i.e. on or before {latest_deadline.isoformat()}.",
            field="cv_update_deadline",
            latest_allowed=latest_deadline.isoformat(),
        )
    if deadline < dates.effective_cv_date:
        raise RuleViolation(
            "C6",
            "cv_deadline_before_cv_date",
            f"The CV update deadline may not be before the effective CV date ({dates.effective_cv_date.isoformat()}).",
            field="cv_update_deadline",
            earliest_allowed=dates.effective_cv_date.isoformat(),
        )
    return dates
