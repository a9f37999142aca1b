"""The rules revised on 2026-11-25 (DOMAIN.md's first lines), as pure domain functions: C5 bounds, C6 default from
the early CV date, C8 closable, G1 (only DA1/DA2 freeze), M1 by kind of minor, P2's children and youth services,
F1 only for unemployed groups, F3 situations, working days and held visitations, F4 content, F7 norm hours."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dfdg_broker.domain import distribution as p2
from dfdg_broker.domain.areas import DataArea
from dfdg_broker.domain.case_dates import (
    CaseDates,
    DateBounds,
    build_case_dates,
    latest_case_date,
    revise_case_dates,
)
from dfdg_broker.domain.cpr import parse
from dfdg_broker.domain.errors import RuleViolation
from dfdg_broker.domain.followup import (
    NORM_HOURS_CAVEAT,
    REPATRIATION_ACT,
    Basis,
    CasePlanRequest,
    ContentItem,
    ConversationKind,
    ConversationStatus,
    HeldConversation,
    PlanRequest,
    Policy,
    Situation,
    SituationChange,
    TargetGroup,
    case_next_due,
    case_plan,
    first_not_held,
    is_working_day,
    next_due,
    plan,
    previous_working_day,
    track,
    workload,
)
from dfdg_broker.domain.minors import MinorKind, require_case_allowed
from dfdg_broker.followup.registry import load_policies

POLICIES = load_policies()
LEGAL = POLICIES.legal_minimum
COPENHAGEN = POLICIES.named("copenhagen", field="policy")
HANDOVER = date(2026, 12, 1)
CREATED = date(2026, 11, 23)
DECISION = date(2026, 9, 1)
BOUNDS = DateBounds(DECISION, latest_case_date(CREATED))

FOLLOW_UP = ConversationKind.INTEGRATION_FOLLOW_UP
VISITATION = ConversationKind.VISITATION


def days(n: int) -> timedelta:
    return timedelta(days=n)


# ---------------------------------------------------------------- C5 (added): bounds


@pytest.mark.parametrize(
    "field", ["handover_date", "early_takeover_cv", "early_takeover_contract", "cv_update_deadline"]
)
def test_C5_a_date_before_the_asylum_decision_is_refused(field: str) -> None:
    dates = {"early_takeover_cv": None, "early_takeover_contract": None, "cv_update_deadline": None}
    handover = DECISION - days(1) if field == "handover_date" else HANDOVER
    if field != "handover_date":
        dates[field] = DECISION - days(1)
    with pytest.raises(RuleViolation) as caught:
        build_case_dates(handover, bounds=BOUNDS, **dates)
    violation = caught.value
    assert (violation.rule, violation.code, violation.field) == ("C5", "case_date_before_asylum_decision", field)


def test_C5_the_asylum_decision_day_itself_and_one_year_after_creation_are_accepted() -> None:
    build_case_dates(DECISION, bounds=BOUNDS)
    build_case_dates(date(2027, 11, 23), early_takeover_cv=DECISION, bounds=BOUNDS)


@pytest.mark.parametrize("handover", [date(2027, 11, 24), date(9999, 12, 31)])
def test_C5_a_date_more_than_a_year_after_creation_is_refused_without_arithmetic_overflow(handover: date) -> None:
    with pytest.raises(RuleViolation) as caught:
        build_case_dates(handover, bounds=BOUNDS)
    assert (caught.value.rule, caught.value.code) == ("C5", "case_date_too_far_ahead")
    assert caught.value.extra["latest_allowed"] == "2027-11-23"


def test_C5_early_dates_in_2016_are_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        build_case_dates(HANDOVER, early_takeover_cv=date(2016, 3, 1), bounds=BOUNDS)
    assert caught.value.field == "early_takeover_cv"


def test_C5_one_year_after_a_29_february_is_28_february() -> None:
    assert latest_case_date(date(2028, 2, 29)) == date(2029, 2, 28)


# ---------------------------------------------------------------- C6 (revised)


def test_C6_default_deadline_is_early_cv_date_plus_60_days() -> None:
    dates = build_case_dates(HANDOVER, early_takeover_cv=HANDOVER - days(45))
    assert dates.cv_update_deadline == HANDOVER - days(45) + days(60)


def test_C6_default_deadline_is_handover_plus_60_days_without_early_cv_date() -> None:
    assert build_case_dates(HANDOVER).cv_update_deadline == HANDOVER + days(60)


def test_C6_an_explicit_deadline_up_to_handover_plus_60_is_still_accepted_with_an_early_cv_date() -> None:
    dates = build_case_dates(HANDOVER, early_takeover_cv=HANDOVER - days(45), cv_update_deadline=HANDOVER + days(60))
    assert dates.cv_update_deadline == HANDOVER + days(60)


# ---------------------------------------------------------------- C5: corrections until a date has passed


def test_C5_an_early_date_not_yet_passed_may_be_corrected_and_the_default_deadline_follows() -> None:
    current = build_case_dates(HANDOVER)
    revised = revise_case_dates(current, {"early_takeover_cv": CREATED + days(3)}, today=CREATED, bounds=BOUNDS)
    assert revised.early_takeover_cv == CREATED + days(3)
    assert revised.cv_update_deadline == CREATED + days(63)


def test_C5_an_explicit_deadline_stays_when_the_handover_date_moves() -> None:
    current = build_case_dates(HANDOVER, cv_update_deadline=HANDOVER + days(30))
    revised = revise_case_dates(current, {"handover_date": HANDOVER + days(5)}, today=CREATED, bounds=BOUNDS)
    assert revised.cv_update_deadline == HANDOVER + days(30)


def test_C5_a_date_that_has_passed_cannot_be_changed() -> None:
    current = build_case_dates(HANDOVER, early_takeover_cv=CREATED - days(1))
    with pytest.raises(RuleViolation) as caught:
        revise_case_dates(current, {"early_takeover_cv": CREATED + days(2)}, today=CREATED, bounds=BOUNDS)
    assert (caught.value.code, caught.value.field) == ("case_date_has_passed", "early_takeover_cv")


def test_C5_a_date_cannot_be_moved_into_the_past() -> None:
    current = build_case_dates(HANDOVER)
    with pytest.raises(RuleViolation) as caught:
        revise_case_dates(current, {"early_takeover_contract": CREATED - days(1)}, today=CREATED, bounds=BOUNDS)
    assert caught.value.code == "case_date_in_the_past"


def test_C5_corrections_keep_the_bounds() -> None:
    current = build_case_dates(HANDOVER)
    with pytest.raises(RuleViolation) as caught:
        revise_case_dates(current, {"handover_date": date(9999, 1, 1)}, today=CREATED, bounds=BOUNDS)
    assert caught.value.code == "case_date_too_far_ahead"


# ---------------------------------------------------------------- C8 (revised): closable


def test_C8_login_code_task_is_no_longer_pending_once_done() -> None:
    dates = build_case_dates(HANDOVER)
    after = dates.cv_update_deadline + days(1)
    assert dates.login_codes_task_pending(after)
    assert not dates.login_codes_task_pending(after, done=True)


# ---------------------------------------------------------------- G1 (revised)


@given(st.dates(date(2026, 1, 1), date(2030, 12, 31)))
def test_G1_other_and_attachments_never_freeze(today: date) -> None:
    dates = build_case_dates(HANDOVER, early_takeover_cv=HANDOVER - days(10))
    assert not dates.is_frozen(DataArea.OTHER, today)
    assert not dates.is_frozen(DataArea.ATTACHMENTS, today)
    assert dates.frozen_since(DataArea.OTHER) is None


def test_G1_cv_and_contract_still_freeze_the_day_after_their_date() -> None:
    dates = CaseDates(HANDOVER, HANDOVER - days(10), None, HANDOVER + days(50))
    assert dates.is_frozen(DataArea.CV, HANDOVER - days(9))
    assert not dates.is_frozen(DataArea.INTEGRATION_CONTRACT, HANDOVER)
    assert dates.is_frozen(DataArea.INTEGRATION_CONTRACT, HANDOVER + days(1))


# ---------------------------------------------------------------- M1 (added): by kind of minor


CHILD = parse("0101154001", today=CREATED)  # born 1 January 2015: 11 years old on CREATED


def test_M1_a_child_under_15_with_its_parents_is_refused_even_with_a_reference() -> None:
    with pytest.raises(RuleViolation) as caught:
        require_case_allowed(
            CHILD, today=CREATED, special_procedure_ref="LS-2026-1", minor_kind=MinorKind.ACCOMPANIED_BY_PARENTS
        )
    assert (caught.value.rule, caught.value.code) == ("M1", "minor_under_15_with_parents_has_no_case")


@pytest.mark.parametrize("kind", [MinorKind.UNACCOMPANIED, MinorKind.ACCOMPANIED_BY_OTHER_ADULTS, None])
def test_M1_unaccompanied_or_with_other_adults_needs_the_reference_and_gets_a_case_with_it(
    kind: MinorKind | None,
) -> None:
    require_case_allowed(CHILD, today=CREATED, special_procedure_ref="LS-2026-1", minor_kind=kind)
    with pytest.raises(RuleViolation) as caught:
        require_case_allowed(CHILD, today=CREATED, special_procedure_ref=None, minor_kind=kind)
    assert caught.value.code == "minor_under_15_requires_special_procedure"


# ---------------------------------------------------------------- P2 (added)


def test_P2_a_minors_social_report_and_support_assessment_reach_the_children_and_youth_services() -> None:
    report = p2.Document("att-1", "social_report", None)
    packages = p2.plan([report], [], today=CREATED, citizen_is_minor=True)
    youth = packages[p2.MunicipalUnit.CHILDREN_AND_YOUTH_SERVICES]
    assert youth.documents == ("att-1",)
    assert youth.other_parts == ("minor",)
    assert packages[p2.MunicipalUnit.JOBCENTER].documents == ("att-1",)


def test_P2_an_adults_own_social_report_goes_to_the_jobcenter_only() -> None:
    packages = p2.plan([p2.Document("att-1", "social_report", None)], [], today=CREATED)
    assert packages[p2.MunicipalUnit.CHILDREN_AND_YOUTH_SERVICES].documents == ()


def test_P2_a_linked_childs_social_report_reaches_the_children_and_youth_services() -> None:
    child = p2.Child("70000999", date(2019, 5, 1))
    packages = p2.plan([p2.Document("att-2", "social_report", "70000999")], [child], today=CREATED)
    assert packages[p2.MunicipalUnit.CHILDREN_AND_YOUTH_SERVICES].documents == ("att-2",)


# ---------------------------------------------------------------- F3 (added): working days


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2027, 5, 17), date(2027, 5, 14)),  # Whit Monday -> Friday
        (date(2027, 4, 4), date(2027, 4, 2)),  # Sunday -> Friday
        (date(2027, 3, 29), date(2027, 3, 24)),  # Easter Monday -> Good Friday, Maundy Thursday -> Wednesday
        (date(2026, 12, 28), date(2026, 12, 28)),  # a Monday that is a working day stays
        (date(2028, 1, 1), date(2027, 12, 31)),  # New Year's Day (a Saturday as well)
    ],
)
def test_F3_a_date_on_a_weekend_or_public_holiday_moves_to_the_previous_working_day(day: date, expected: date) -> None:
    assert previous_working_day(day) == expected


@given(st.sampled_from(list(TargetGroup)), st.dates(date(2025, 1, 1), date(2030, 12, 31)))
def test_F3_property_every_planned_conversation_is_on_a_working_day(group: TargetGroup, start: date) -> None:
    for conversation in plan(PlanRequest(group, start), COPENHAGEN, LEGAL).conversations:
        assert is_working_day(conversation.on)
        assert conversation.moved_from is None or conversation.moved_from > conversation.on


def test_F3_the_follow_ups_count_from_the_visitation_actually_held() -> None:
    held = date(2027, 3, 10)
    p = plan(PlanRequest(TargetGroup.INTEGRATION_BENEFIT_RECIPIENT, HANDOVER, visitation_held_on=held), LEGAL, LEGAL)
    assert [c.on for c in p.conversations if c.kind is VISITATION] == [held]
    assert [c.moved_from or c.on for c in p.conversations if c.kind is FOLLOW_UP] == [
        date(2027, 4, 24),
        date(2027, 6, 9),
        date(2027, 7, 25),
        date(2027, 9, 9),
    ]


# ---------------------------------------------------------------- F3 (added): situations


def test_F3_a_student_on_su_in_group_17_gets_2_follow_ups_in_24_months_not_8() -> None:
    request = CasePlanRequest(HANDOVER, (SituationChange(Situation.IN_WORK_OR_EDUCATION, HANDOVER),))
    p = case_plan(request, COPENHAGEN, LEGAL)
    assert len(p.conversations) == 2
    self_supporting = CasePlanRequest(HANDOVER, (SituationChange(Situation.OTHER_SELF_SUPPORTING, HANDOVER),))
    assert len(case_plan(self_supporting, COPENHAGEN, LEGAL).conversations) == 8


def test_F3_a_situation_recorded_before_the_arrival_counts_from_the_arrival() -> None:
    early = CasePlanRequest(HANDOVER, (SituationChange(Situation.IN_WORK_OR_EDUCATION, HANDOVER - days(40)),))
    on_time = CasePlanRequest(HANDOVER, (SituationChange(Situation.IN_WORK_OR_EDUCATION, HANDOVER),))
    assert case_plan(early, LEGAL, LEGAL).conversations == case_plan(on_time, LEGAL, LEGAL).conversations


def test_F3_a_stretch_keeps_a_conversation_by_its_computed_day_not_the_working_day_it_moves_to() -> None:
    """The benefit follow-up computed for Saturday 24 April 2027 is held on Friday the 23rd: a change of situation
    on the Saturday ends the benefit stretch before it (although its working day lies inside the stretch), one on the
    Sunday keeps it; and a benefit stretch that begins on the Saturday keeps it, moved into the stretch before, with
    the benefit's situation."""
    saturday = date(2027, 4, 24)
    benefit, other = Situation.RECEIVES_BENEFIT, Situation.OTHER_SELF_SUPPORTING

    def conversations(*changes: tuple[Situation, date]) -> list[tuple[date, date | None, Situation | None]]:
        situations = (SituationChange(benefit, HANDOVER), *(SituationChange(s, since) for s, since in changes))
        request = CasePlanRequest(HANDOVER, situations, visitation_held_on=date(2027, 3, 10))
        return [(c.on, c.moved_from, c.situation) for c in case_plan(request, COPENHAGEN, LEGAL).conversations]

    moved = (saturday - days(1), saturday, benefit)
    assert moved not in conversations((other, saturday))
    assert conversations((other, saturday))[1] == (date(2027, 7, 23), date(2027, 7, 24), other)
    assert conversations((other, saturday + days(1)))[1] == moved
    back_on_benefit = conversations((other, date(2027, 1, 15)), (benefit, saturday))
    assert back_on_benefit[:2] == [(date(2027, 4, 16), None, other), moved]  # the visitation fell in the other stretch


# ---------------------------------------------------------------- F3 (added): held, due, overdue


def test_F3_held_conversations_fulfil_the_planned_ones_in_order_the_rest_are_due_or_overdue() -> None:
    p = plan(PlanRequest(TargetGroup.INTEGRATION_BENEFIT_RECIPIENT, date(2026, 12, 1)), LEGAL, LEGAL)
    planned = p.conversations  # visitation 2027-03-01, follow-ups 2027-04-15, 05-31, 07-16, 08-31
    held = [HeldConversation(date(2027, 3, 2), VISITATION), HeldConversation(date(2027, 6, 2), FOLLOW_UP)]
    tracked, extras = track(planned, held, today=date(2027, 7, 1))
    assert [t.status for t in tracked] == [
        ConversationStatus.HELD,
        ConversationStatus.HELD,  # the late one catches up the overdue 15 April
        ConversationStatus.OVERDUE,
        ConversationStatus.DUE,
        ConversationStatus.DUE,
    ]
    assert tracked[1].held_on == date(2027, 6, 2)
    assert extras == ()
    assert next_due(tracked) == date(2027, 5, 31)


def test_F3_a_held_conversation_the_plan_has_no_place_for_is_an_extra() -> None:
    p = plan(PlanRequest(TargetGroup.INTEGRATION_SELF_SUPPORTING, date(2026, 12, 1)), LEGAL, LEGAL)
    tracked, extras = track(p.conversations, [HeldConversation(date(2027, 1, 5), FOLLOW_UP)], today=CREATED)
    assert tracked == () and len(extras) == 1 and next_due(tracked) is None


@given(
    st.sampled_from(list(TargetGroup)),
    st.dates(date(2025, 1, 1), date(2030, 12, 31)),
    st.lists(st.tuples(st.dates(date(2025, 1, 1), date(2033, 12, 31)), st.sampled_from(list(ConversationKind)))),
    st.dates(date(2025, 1, 1), date(2033, 12, 31)),
)
def test_F3_the_worklists_next_due_date_is_the_tracked_plans(
    group: TargetGroup, start: date, held: list[tuple[date, ConversationKind]], today: date
) -> None:
    planned = plan(PlanRequest(group, start), COPENHAGEN, LEGAL).conversations
    records = [HeldConversation(day, kind) for day, kind in held]
    assert first_not_held(planned, records) == next_due(track(planned, records, today)[0])


@given(
    st.dates(date(2025, 1, 1), date(2030, 12, 31)),
    st.lists(st.tuples(st.sampled_from(list(Situation)), st.integers(-60, 900)), min_size=1, max_size=3),
    st.one_of(st.none(), st.integers(0, 200)),
    st.lists(st.tuples(st.integers(0, 900), st.sampled_from(list(ConversationKind))), max_size=4),
    st.sampled_from([LEGAL, COPENHAGEN]),
)
def test_F3_the_worklists_next_due_date_of_a_case_is_its_tracked_plans(
    arrival: date,
    changes: list[tuple[Situation, int]],
    visitation_after: int | None,
    held: list[tuple[int, ConversationKind]],
    policy: Policy,
) -> None:
    request = CasePlanRequest(
        arrival,
        tuple(SituationChange(situation, arrival + days(after)) for situation, after in changes),
        visitation_held_on=None if visitation_after is None else arrival + days(visitation_after),
    )
    records = [HeldConversation(arrival + days(after), kind) for after, kind in held]
    tracked, _extras = track(case_plan(request, policy, LEGAL).conversations, records, arrival)
    assert case_next_due(request, policy, LEGAL, records) == next_due(tracked)


# ---------------------------------------------------------------- F4, F7 (revised)


def test_F4_repatriation_guidance_names_repatrieringsloven_dansk_flygtningehjaelp_and_the_pamphlet() -> None:
    assert REPATRIATION_ACT == "repatrieringsloven"
    steps = " ".join(ContentItem.REPATRIATION.steps_da)
    assert "repatrieringsloven" in steps and "hjemrejseloven" not in steps
    assert "Dansk Flygtningehjælp" in steps and "pjece" in steps
    assert "Danish Refugee Council" in " ".join(ContentItem.REPATRIATION.steps)


def test_F4_the_case_plan_carries_the_marker_to_lab_free_follow_ups_always() -> None:
    request = CasePlanRequest(
        HANDOVER, (SituationChange(Situation.RECEIVES_BENEFIT, HANDOVER),), covered_by_repatriation_act=False
    )
    follow_ups = [c for c in case_plan(request, LEGAL, LEGAL).conversations if c.kind is FOLLOW_UP]
    assert follow_ups and all(ContentItem.REPATRIATION in c.content for c in follow_ups)


def test_F7_the_estimate_is_norm_hours_and_says_what_the_norm_does_not_cover() -> None:
    result = workload(COPENHAGEN, LEGAL, {})
    assert result.norm_hours > 0
    assert "norm hours" in NORM_HOURS_CAVEAT and "not caseworker hours" in NORM_HOURS_CAVEAT
    assert "summoning and preparation" in NORM_HOURS_CAVEAT


def test_F2_copenhagen_conversations_after_the_first_6_months_are_municipal_additions() -> None:
    request = CasePlanRequest(HANDOVER, (SituationChange(Situation.RECEIVES_BENEFIT, HANDOVER),))
    p = case_plan(request, COPENHAGEN, LEGAL)
    assert {c.basis for c in p.conversations if c.period.startswith("year-")} == {Basis.MUNICIPAL_ADDITION}
