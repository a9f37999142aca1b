"""The case's dates: C4-C6 (validation and defaults), C8 (login codes), G1-G3 (gating by date)."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dfdg_broker.domain.areas import DataArea
from dfdg_broker.domain.case_dates import CV_DEADLINE_MAX_DAYS, CaseDates, CvWindowState, build_case_dates
from dfdg_broker.domain.errors import RuleViolation

HANDOVER = date(2026, 12, 1)
DAY = timedelta(days=1)

handover_dates = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


def days(n: int) -> timedelta:
    return timedelta(days=n)


def assert_violation(exc: pytest.ExceptionInfo[RuleViolation], rule: str, code: str, field: str) -> None:
    assert exc.value.rule == rule
    assert exc.value.code == code
    assert exc.value.field == field


# ---------------------------------------------------------------- C4, C5


def test_C4_C5_early_dates_default_to_handover_date() -> None:
    dates = build_case_dates(HANDOVER)

    assert dates.handover_date == HANDOVER
    assert dates.early_takeover_cv is None
    assert dates.early_takeover_contract is None
    assert dates.effective_cv_date == HANDOVER
    assert dates.effective_contract_date == HANDOVER


def test_C5_early_dates_before_or_on_handover_are_accepted_and_used() -> None:
    dates = build_case_dates(HANDOVER, early_takeover_cv=HANDOVER - days(20), early_takeover_contract=HANDOVER)

    assert dates.effective_cv_date == HANDOVER - days(20)
    assert dates.effective_contract_date == HANDOVER


def test_C5_early_cv_date_after_handover_is_refused() -> None:
    with pytest.raises(RuleViolation) as exc:
        build_case_dates(HANDOVER, early_takeover_cv=HANDOVER + DAY)

    assert_violation(exc, "C5", "early_takeover_after_handover", "early_takeover_cv")


def test_C5_early_contract_date_after_handover_is_refused() -> None:
    with pytest.raises(RuleViolation) as exc:
        build_case_dates(HANDOVER, early_takeover_contract=HANDOVER + DAY)

    assert_violation(exc, "C5", "early_takeover_after_handover", "early_takeover_contract")


def test_C5_cv_and_contract_early_dates_are_independent() -> None:
    dates = build_case_dates(HANDOVER, early_takeover_contract=HANDOVER - days(5))

    assert dates.effective_cv_date == HANDOVER
    assert dates.effective_contract_date == HANDOVER - days(5)


# ---------------------------------------------------------------- C6


def test_C6_deadline_defaults_to_handover_plus_60_days() -> None:
    dates = build_case_dates(HANDOVER)

    assert CV_DEADLINE_MAX_DAYS == 60
    assert dates.cv_update_deadline == HANDOVER + days(60)


def test_C6_deadline_of_handover_plus_60_days_is_accepted() -> None:
    dates = build_case_dates(HANDOVER, cv_update_deadline=HANDOVER + days(60))

    assert dates.cv_update_deadline == HANDOVER + days(60)


def test_C6_deadline_of_handover_plus_61_days_is_refused() -> None:
    with pytest.raises(RuleViolation) as exc:
        build_case_dates(HANDOVER, cv_update_deadline=HANDOVER + days(61))

    assert_violation(exc, "C6", "cv_deadline_too_late", "cv_update_deadline")
    assert exc.value.extra["latest_allowed"] == (HANDOVER + days(60)).isoformat()


def test_C6_deadline_on_effective_cv_date_is_accepted() -> None:
    early = HANDOVER - days(20)
    dates = build_case_dates(HANDOVER, early_takeover_cv=early, cv_update_deadline=early)

    assert dates.cv_update_deadline == early


def test_C6_deadline_on_handover_date_is_accepted_without_early_cv_date() -> None:
    dates = build_case_dates(HANDOVER, cv_update_deadline=HANDOVER)

    assert dates.cv_update_deadline == HANDOVER


def test_C6_deadline_day_before_effective_cv_date_is_refused() -> None:
    early = HANDOVER - days(20)
    with pytest.raises(RuleViolation) as exc:
        build_case_dates(HANDOVER, early_takeover_cv=early, cv_update_deadline=early - DAY)

    assert_violation(exc, "C6", "cv_deadline_before_cv_date", "cv_update_deadline")
    assert exc.value.extra["earliest_allowed"] == early.isoformat()


def test_C6_deadline_day_before_handover_is_refused_without_early_cv_date() -> None:
    with pytest.raises(RuleViolation) as exc:
        build_case_dates(HANDOVER, cv_update_deadline=HANDOVER - DAY)

    assert_violation(exc, "C6", "cv_deadline_before_cv_date", "cv_update_deadline")


def test_C6_early_contract_date_does_not_move_the_earliest_deadline() -> None:
    with pytest.raises(RuleViolation) as exc:
        build_case_dates(HANDOVER, early_takeover_contract=HANDOVER - days(10), cv_update_deadline=HANDOVER - DAY)

    assert_violation(exc, "C6", "cv_deadline_before_cv_date", "cv_update_deadline")


def test_case_dates_are_immutable() -> None:
    dates = build_case_dates(HANDOVER)

    with pytest.raises(dataclasses.FrozenInstanceError):
        dates.handover_date = HANDOVER + DAY  # type: ignore[misc]


# ---------------------------------------------------------------- G1


def test_G1_cv_follows_cv_date_contract_follows_contract_date_other_and_attachments_follow_handover() -> None:
    cv_date = HANDOVER - days(30)
    contract_date = HANDOVER - days(10)
    dates = build_case_dates(HANDOVER, early_takeover_cv=cv_date, early_takeover_contract=contract_date)

    assert dates.takeover_date(DataArea.CV) == cv_date
    assert dates.takeover_date(DataArea.INTEGRATION_CONTRACT) == contract_date
    assert dates.takeover_date(DataArea.OTHER) == HANDOVER
    assert dates.takeover_date(DataArea.ATTACHMENTS) == HANDOVER


def test_G1_every_area_follows_handover_when_no_early_dates() -> None:
    dates = build_case_dates(HANDOVER)

    assert {dates.takeover_date(area) for area in DataArea} == {HANDOVER}


@pytest.mark.parametrize("area", [DataArea.CV, DataArea.INTEGRATION_CONTRACT])
def test_G1_live_on_takeover_date_frozen_the_day_after(area: DataArea) -> None:
    dates = build_case_dates(
        HANDOVER, early_takeover_cv=HANDOVER - days(30), early_takeover_contract=HANDOVER - days(10)
    )
    takeover = dates.takeover_date(area)

    assert dates.is_frozen(area, takeover - DAY) is False
    assert dates.is_frozen(area, takeover) is False
    assert dates.is_frozen(area, takeover + DAY) is True
    assert dates.frozen_since(area) == takeover + DAY


def test_G1_early_cv_date_freezes_cv_while_other_areas_stay_live() -> None:
    dates = build_case_dates(HANDOVER, early_takeover_cv=HANDOVER - days(30))
    today = HANDOVER - days(29)

    assert dates.is_frozen(DataArea.CV, today) is True
    assert dates.is_frozen(DataArea.INTEGRATION_CONTRACT, today) is False
    assert dates.is_frozen(DataArea.OTHER, today) is False
    assert dates.is_frozen(DataArea.ATTACHMENTS, today) is False


# ---------------------------------------------------------------- G2, G3


@pytest.mark.parametrize("early", [None, HANDOVER - days(14)])
def test_G2_contract_can_be_formed_from_effective_contract_date(early: date | None) -> None:
    dates = build_case_dates(HANDOVER, early_takeover_contract=early)
    effective = early or HANDOVER

    assert dates.contract_can_be_formed(effective - DAY) is False
    assert dates.contract_can_be_formed(effective) is True
    assert dates.contract_can_be_formed(effective + DAY) is True


def test_G2_early_cv_date_does_not_open_the_contract() -> None:
    dates = build_case_dates(HANDOVER, early_takeover_cv=HANDOVER - days(14))

    assert dates.contract_can_be_formed(HANDOVER - days(14)) is False
    assert dates.cv_window_state(HANDOVER - days(14)) is CvWindowState.JOBCENTER


@pytest.mark.parametrize("early", [None, HANDOVER - days(14)])
def test_G3_cv_window_states(early: date | None) -> None:
    dates = build_case_dates(HANDOVER, early_takeover_cv=early, cv_update_deadline=HANDOVER + days(45))
    effective = early or HANDOVER
    deadline = HANDOVER + days(45)

    assert dates.cv_window_state(effective - DAY) is CvWindowState.NOT_YET_OPEN
    assert dates.cv_window_state(effective) is CvWindowState.JOBCENTER
    assert dates.cv_window_state(deadline) is CvWindowState.JOBCENTER
    assert dates.cv_window_state(deadline + DAY) is CvWindowState.CITIZEN
    assert {s.value for s in CvWindowState} == {"not_yet_open", "jobcenter", "citizen"}


def test_G3_window_of_one_day_when_deadline_is_the_cv_date() -> None:
    dates = build_case_dates(HANDOVER, cv_update_deadline=HANDOVER)

    assert dates.cv_window_state(HANDOVER - DAY) is CvWindowState.NOT_YET_OPEN
    assert dates.cv_window_state(HANDOVER) is CvWindowState.JOBCENTER
    assert dates.cv_window_state(HANDOVER + DAY) is CvWindowState.CITIZEN


# ---------------------------------------------------------------- C8


def test_C8_login_code_task_from_day_after_deadline() -> None:
    deadline = HANDOVER + days(30)
    dates = build_case_dates(HANDOVER, cv_update_deadline=deadline)

    assert dates.login_codes_due_from == deadline + DAY
    assert dates.login_codes_task_pending(HANDOVER) is False
    assert dates.login_codes_task_pending(deadline) is False
    assert dates.login_codes_task_pending(deadline + DAY) is True
    assert dates.login_codes_task_pending(deadline + days(365)) is True


# ---------------------------------------------------------------- properties


@given(handover=handover_dates, offset=st.integers(min_value=0, max_value=60))
def test_C6_property_deadline_within_60_days_is_accepted_and_kept(handover: date, offset: int) -> None:
    deadline = handover + days(offset)

    dates = build_case_dates(handover, cv_update_deadline=deadline)

    assert dates.cv_update_deadline == deadline
    assert dates.handover_date == handover


@given(handover=handover_dates, offset=st.integers(min_value=61, max_value=400))
def test_C6_property_deadline_beyond_60_days_is_refused(handover: date, offset: int) -> None:
    with pytest.raises(RuleViolation) as exc:
        build_case_dates(handover, cv_update_deadline=handover + days(offset))

    assert_violation(exc, "C6", "cv_deadline_too_late", "cv_update_deadline")


@given(
    handover=handover_dates,
    early_offset=st.integers(min_value=0, max_value=400),
    deadline_offset=st.integers(min_value=1, max_value=400),
)
def test_C6_property_deadline_before_effective_cv_date_is_refused(
    handover: date, early_offset: int, deadline_offset: int
) -> None:
    early = handover - days(early_offset)

    with pytest.raises(RuleViolation) as exc:
        build_case_dates(handover, early_takeover_cv=early, cv_update_deadline=early - days(deadline_offset))

    assert_violation(exc, "C6", "cv_deadline_before_cv_date", "cv_update_deadline")


@given(
    handover=handover_dates,
    offset=st.integers(min_value=1, max_value=400),
    field=st.sampled_from(["early_takeover_cv", "early_takeover_contract"]),
)
def test_C5_property_early_date_after_handover_is_refused(handover: date, offset: int, field: str) -> None:
    with pytest.raises(RuleViolation) as exc:
        build_case_dates(handover, **{field: handover + days(offset)})

    assert_violation(exc, "C5", "early_takeover_after_handover", field)


@given(
    handover=handover_dates,
    cv_offset=st.none() | st.integers(min_value=0, max_value=200),
    contract_offset=st.none() | st.integers(min_value=0, max_value=200),
    today_offset=st.integers(min_value=-400, max_value=400),
    area=st.sampled_from([DataArea.CV, DataArea.INTEGRATION_CONTRACT]),
)
def test_G1_property_frozen_iff_today_after_takeover_date(
    handover: date, cv_offset: int | None, contract_offset: int | None, today_offset: int, area: DataArea
) -> None:
    dates = build_case_dates(
        handover,
        early_takeover_cv=None if cv_offset is None else handover - days(cv_offset),
        early_takeover_contract=None if contract_offset is None else handover - days(contract_offset),
    )
    today = handover + days(today_offset)

    assert dates.is_frozen(area, today) == (today > dates.takeover_date(area))
    frozen_since = dates.frozen_since(area)
    assert frozen_since is not None
    assert dates.is_frozen(area, today) == (today >= frozen_since)


@given(
    handover=handover_dates,
    deadline_offset=st.integers(min_value=0, max_value=60),
    today_offset=st.integers(min_value=-200, max_value=200),
)
def test_G3_C8_property_login_code_task_pending_iff_window_passed_to_citizen(
    handover: date, deadline_offset: int, today_offset: int
) -> None:
    dates: CaseDates = build_case_dates(handover, cv_update_deadline=handover + days(deadline_offset))
    today = handover + days(today_offset)

    assert dates.login_codes_task_pending(today) == (dates.cv_window_state(today) is CvWindowState.CITIZEN)
