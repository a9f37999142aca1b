"""The case's dates and what follows from them: C4-C6, C8, G1-G3.

All functions take ``today`` from the caller's clock; none reads the real date.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from dfdg_broker.domain.areas import DataArea
from dfdg_broker.domain.errors import RuleViolation

CV_DEADLINE_MAX_DAYS = 60
"""C6: the jobcenter may update the Jobnet CV for at most 60 days after the handover date."""

CASE_DATES_MAX_YEARS_AHEAD = 1
"""C5 (added): every date of a case lies at most one year after the day the case is created."""

FREEZING_AREAS = frozenset({DataArea.CV, DataArea.INTEGRATION_CONTRACT})
"""G1 (revised): only DA1 (at the CV date) and DA2 (at the contract date) freeze; DA3 and DA4 never do."""

DATE_FIELDS = ("handover_date", "early_takeover_cv", "early_takeover_contract", "cv_update_deadline")


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
        """G1: DA1 follows the CV date, DA2 the contract date; DA3 and DA4 are the municipality's from the handover
        date, but that date does not freeze them (see ``freezes``)."""
        if area is DataArea.CV:
            return self.effective_cv_date
        if area is DataArea.INTEGRATION_CONTRACT:
            return self.effective_contract_date
        return self.handover_date

    @staticmethod
    def freezes(area: DataArea) -> bool:
        """G1, Reading (revised): the early dates exist for DA1 and DA2 alone, so only they freeze. DA3 and DA4
        (the children's link, M3, and their documents arrive within 14 days of the asylum decision, possibly after
        the handover) refresh from the operator on every read while it answers."""
        return area in FREEZING_AREAS

    def is_frozen(self, area: DataArea, today: date) -> bool:
        """G1, Reading: DA1/DA2 freeze once their takeover date has *passed*, i.e. from the day after it.

        On the takeover date itself the broker still refreshes, so the last snapshot taken "on or before that date"
        is the one taken on that day if anybody read the area then. DA3 and DA4 are never frozen.
        """
        return self.freezes(area) and today > self.takeover_date(area)

    def frozen_since(self, area: DataArea) -> date | None:
        """G1: the first day the area is frozen (the day after its takeover date); None for DA3/DA4."""
        return self.takeover_date(area) + timedelta(days=1) if self.freezes(area) else None

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

    def login_codes_task_pending(self, today: date, *, done: bool = False) -> bool:
        """C8 (revised): pending from the day after the deadline until the jobcenter records it as done."""
        return not done and today >= self.login_codes_due_from

    def default_deadline(self) -> date:
        """C6 (revised): the effective CV date + 60 days."""
        return self.effective_cv_date + timedelta(days=CV_DEADLINE_MAX_DAYS)


@dataclass(frozen=True, slots=True)
class DateBounds:
    """C5 (added): every date of the case lies on or after ``earliest`` (the asylum decision date, from the operator)
    and on or before ``latest`` (one year after the day the case is created). Either may be unknown yet."""

    earliest: date | None = None
    latest: date | None = None

    @classmethod
    def for_case(cls, *, created_on: date, asylum_decision_date: date | None = None) -> DateBounds:
        return cls(asylum_decision_date, latest_case_date(created_on))


def latest_case_date(created_on: date) -> date:
    """C5 (added): one year after the creation day; 29 February + 1 year is 28 February."""
    try:
        return created_on.replace(year=created_on.year + CASE_DATES_MAX_YEARS_AHEAD)
    except ValueError:
        return created_on.replace(year=created_on.year + CASE_DATES_MAX_YEARS_AHEAD, day=28)


def check_bounds(values: Mapping[str, date | None], bounds: DateBounds) -> None:
    """C5 (added): each given date within ``bounds``; the first one outside names its field."""
    for field, value in values.items():
        if value is None:
            continue
        if bounds.earliest is not None and value < bounds.earliest:
            raise RuleViolation(
                "C5",
                "case_date_before_asylum_decision",
                f"Every date of the case must be on or after the asylum decision date ({bounds.earliest.isoformat()}).",
                field=field,
                earliest_allowed=bounds.earliest.isoformat(),
            )
        if bounds.latest is not None and value > bounds.latest:
            raise RuleViolation(
                "C5",
                "case_date_too_far_ahead",
                f"Every date of the case must be at most one year after the day the case is created, i.e. on or "
                f"before {bounds.latest.isoformat()}.",
                field=field,
                latest_allowed=bounds.latest.isoformat(),
            )


def build_case_dates(
    handover_date: date,
    *,
    early_takeover_cv: date | None = None,
    early_takeover_contract: date | None = None,
    cv_update_deadline: date | None = None,
    bounds: DateBounds = DateBounds(),
) -> CaseDates:
    """Validate the dates of a case (C4-C6) and fill in the defaults.

    C5, Reading: an early takeover date after the handover date is an input error.
    C5, Reading (added): every *given* date lies within ``bounds`` (asylum decision date .. creation day + 1 year);
    the bounds are checked first, so no arithmetic is ever done on a date such as 9999-12-31. A defaulted deadline
    is derived, not given: it may fall up to 60 days past the one-year bound.
    C6, Reading (revised): the deadline defaults to the effective CV date + 60 days; one before the effective CV
    date, or later than handover + 60 days, is an input error.
    """
    check_bounds(
        {
            "handover_date": handover_date,
            "early_takeover_cv": early_takeover_cv,
            "early_takeover_contract": early_takeover_contract,
            "cv_update_deadline": cv_update_deadline,
        },
        bounds,
    )
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
    dates = CaseDates(handover_date, early_takeover_cv, early_takeover_contract, latest_deadline)
    deadline = cv_update_deadline if cv_update_deadline is not None else dates.default_deadline()
    dates = replace(dates, cv_update_deadline=deadline)
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


def revise_case_dates(
    current: CaseDates, changes: Mapping[str, date | None], *, today: date, bounds: DateBounds
) -> CaseDates:
    """C5: until a date has passed, the municipality may correct it (the early dates, the handover date and the
    deadline), within the rules of a new case.

    **Reading:** a date may be changed (or an early date removed) only while its registered value has not passed
    (today on or before it), and only to a day that has not passed either: a date moved into the past would freeze
    an area (G1) or hand the CV to the citizen (G3) retroactively. When the deadline is not named but was the
    default for the old dates, it follows to the new default (C6); a deadline given explicitly stays as given.
    """
    for field, new in changes.items():
        if field not in DATE_FIELDS:
            raise ValueError(f"not a case date: {field}")
        old = getattr(current, field)
        if new == old:
            continue
        if old is not None and old < today:
            raise RuleViolation(
                "C5",
                "case_date_has_passed",
                f"{field} ({old.isoformat()}) has passed and can no longer be changed.",
                field=field,
            )
        if new is not None and new < today:
            raise RuleViolation(
                "C5",
                "case_date_in_the_past",
                f"{field} cannot be moved to a day that has passed ({new.isoformat()}).",
                field=field,
            )
        if new is None and field in ("handover_date", "cv_update_deadline"):
            raise RuleViolation("C4", "case_date_required", f"{field} cannot be removed.", field=field)
    merged = {field: changes.get(field, getattr(current, field)) for field in DATE_FIELDS}
    deadline = merged["cv_update_deadline"]
    if "cv_update_deadline" not in changes and current.cv_update_deadline == current.default_deadline():
        deadline = None  # it was the default: it follows the new dates
    handover = merged["handover_date"]
    assert handover is not None
    given = {k: v for k, v in changes.items() if v is not None}
    check_bounds(given, bounds)
    return build_case_dates(
        handover,
        early_takeover_cv=merged["early_takeover_cv"],
        early_takeover_contract=merged["early_takeover_contract"],
        cv_update_deadline=deadline,
    )
