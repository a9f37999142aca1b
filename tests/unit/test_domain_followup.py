"""F1-F7: the pure follow-up planner and workload estimate, with the month arithmetic at its edges."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dfdg_broker.domain.contact_groups import ContactGroup
from dfdg_broker.domain.errors import RuleViolation
from dfdg_broker.domain.followup import (
    CONTACT_GROUP_TARGET_GROUPS,
    MAX_HORIZON_MONTHS,
    Act,
    Basis,
    Cadence,
    ContentItem,
    ConversationKind,
    Plan,
    PlanRequest,
    Policy,
    PolicyKind,
    TargetGroup,
    WorkloadBasis,
    add_months,
    conversations_per_year,
    plan,
    spread,
    workload,
)
from dfdg_broker.followup.registry import load_policies

POLICIES = load_policies()
LEGAL = POLICIES.legal_minimum
COPENHAGEN = POLICIES.named("copenhagen", field="policy")

JOB = ConversationKind.JOB_CONVERSATION
JOINT = ConversationKind.JOINT_WITH_UNEMPLOYMENT_FUND
FOLLOW_UP = ConversationKind.INTEGRATION_FOLLOW_UP
VISITATION = ConversationKind.VISITATION


def make_plan(group: TargetGroup, start: date, policy: Policy = LEGAL, **options: object) -> Plan:
    return plan(PlanRequest(group, start, **options), policy, LEGAL)  # type: ignore[arg-type]


def dates(p: Plan, kind: ConversationKind | None = None) -> list[date]:
    """The computed dates, before a weekend or holiday moved them (F3): the arithmetic under test."""
    return [c.moved_from or c.on for c in p.conversations if kind is None or c.kind is kind]


# ---------------------------------------------------------------- month arithmetic


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),  # common year
        (date(2028, 1, 31), 1, date(2028, 2, 29)),  # leap year
        (date(2028, 2, 29), 12, date(2029, 2, 28)),  # leap day into a common year
        (date(2028, 2, 29), 48, date(2032, 2, 29)),  # leap day into a leap year
        (date(2027, 3, 31), 1, date(2027, 4, 30)),  # 31 -> 30-day month
        (date(2027, 4, 30), 1, date(2027, 5, 30)),  # 30 stays 30 in a 31-day month
        (date(2027, 12, 31), 2, date(2028, 2, 29)),  # across the year end
        (date(2027, 11, 30), 3, date(2028, 2, 29)),
        (date(2027, 8, 31), 6, date(2028, 2, 29)),
        (date(2027, 1, 15), 0, date(2027, 1, 15)),
    ],
)
def test_F3_add_months_clamps_to_the_last_day_of_the_target_month(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@given(st.dates(date(1990, 1, 1), date(2090, 12, 31)), st.integers(0, 240))
def test_F3_add_months_lands_in_the_right_month_never_past_its_day(day: date, months: int) -> None:
    result = add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day <= day.day
    if result.day < day.day:  # clamped: only ever to the month's last day
        assert (result + timedelta(days=1)).day == 1


def test_F3_boundaries_are_counted_from_the_start_never_chained() -> None:
    """31 January + 3 months is 30 April, but the initial period still ends on 31 October, not 30 October."""
    p = make_plan(TargetGroup.INTEGRATION_BENEFIT_RECIPIENT, date(2027, 1, 31))
    assert dates(p, VISITATION) == [date(2027, 4, 30)]
    assert dates(p, FOLLOW_UP)[-1] == date(2027, 10, 30)  # the last day of [30 April, 31 October)


def test_F1_four_within_six_months_are_spread_evenly_the_last_on_the_last_day() -> None:
    assert spread(date(2027, 1, 1), date(2027, 7, 1), 4) == [
        date(2027, 2, 15),
        date(2027, 4, 1),
        date(2027, 5, 16),
        date(2027, 6, 30),
    ]


# ---------------------------------------------------------------- F1 (LAB)


def test_F1_unemployment_insurance_4_individual_2_joint_in_6_months_and_a_joint_one_at_16_months() -> None:
    start = date(2027, 3, 1)
    p = make_plan(TargetGroup.UNEMPLOYMENT_INSURANCE, start, horizon_months=24)
    first_six = [c for c in p.conversations if c.on < date(2027, 9, 1)]
    assert Counter(c.kind for c in first_six) == {JOB: 4, JOINT: 2}
    assert first_six[0].kind is JOB, "the first conversation is individual"
    assert [c.moved_from or c.on for c in p.conversations if c.period == "fixed"] == [date(2028, 7, 1)]
    assert len(p.conversations) == 7, "after 6 months the legal minimum is 'as needed' (nothing scheduled)"
    assert all(c.basis is Basis.LEGAL_MINIMUM and c.rule == "F1" for c in p.conversations)


UNEMPLOYED_LAB_GROUPS = [
    TargetGroup.JOB_READY_CASH_BENEFIT,
    TargetGroup.ACTIVITY_READY_CASH_BENEFIT,
    TargetGroup.EDUCATION_READY_EDUCATION_BENEFIT,
    TargetGroup.ACTIVITY_READY_EDUCATION_BENEFIT,
    TargetGroup.SELF_SUPPORT_AND_REPATRIATION_BENEFIT,
    TargetGroup.TRANSITION_BENEFIT,
]
NOT_UNEMPLOYED_LAB_GROUPS = [
    TargetGroup.SICKNESS_BENEFIT,
    TargetGroup.JOB_CLARIFICATION_COURSE,
    TargetGroup.RESOURCE_COURSE,
    TargetGroup.FLEX_JOB_ELIGIBLE,
    TargetGroup.REHABILITATION,
]


def test_F1_every_lab_group_is_either_unemployed_or_not() -> None:
    lab = {g for g in TargetGroup if g.act is Act.LAB}
    assert lab == {TargetGroup.UNEMPLOYMENT_INSURANCE, *UNEMPLOYED_LAB_GROUPS, *NOT_UNEMPLOYED_LAB_GROUPS}


@pytest.mark.parametrize("group", UNEMPLOYED_LAB_GROUPS)
def test_F1_other_unemployed_lab_groups_have_4_job_conversations_in_the_first_6_months_and_no_joint_ones(
    group: TargetGroup,
) -> None:
    p = make_plan(group, date(2027, 5, 31))
    assert dates(p, JOB) == spread(date(2027, 5, 31), date(2027, 11, 30), 4)
    assert dates(p, JOINT) == []
    assert p.legal_minimum_stated and not p.warnings


@pytest.mark.parametrize("group", NOT_UNEMPLOYED_LAB_GROUPS)
def test_F1_groups_that_are_not_unemployed_have_no_legal_minimum_and_the_plan_says_so(group: TargetGroup) -> None:
    legal = make_plan(group, date(2027, 5, 31))
    assert legal.conversations == ()
    assert not legal.legal_minimum_stated
    assert any("states no legal minimum" in w and group.value in w for w in legal.warnings)
    copenhagen = make_plan(group, date(2027, 5, 31), COPENHAGEN)
    assert copenhagen.conversations, "the municipality's cadence is shown"
    assert all(c.basis is Basis.MUNICIPAL_ADDITION and c.rule == "F2" for c in copenhagen.conversations)
    assert any("states no legal minimum" in w for w in copenhagen.warnings)


def test_F1_the_16_month_joint_conversation_falls_outside_a_12_month_horizon() -> None:
    p = make_plan(TargetGroup.UNEMPLOYMENT_INSURANCE, date(2027, 3, 1), horizon_months=12)
    assert all(c.period != "fixed" for c in p.conversations)


@pytest.mark.parametrize("months", [0, -1, MAX_HORIZON_MONTHS + 1])
def test_F1_horizon_out_of_bounds_is_refused(months: int) -> None:
    with pytest.raises(RuleViolation) as caught:
        make_plan(TargetGroup.UNEMPLOYMENT_INSURANCE, date(2027, 3, 1), horizon_months=months)
    assert (caught.value.rule, caught.value.code, caught.value.field) == (
        "F1",
        "horizon_out_of_bounds",
        "horizon_months",
    )


# ---------------------------------------------------------------- F2 (Copenhagen's cadence)


def test_F2_copenhagen_unemployment_insurance_adds_4_a_year_after_the_first_6_months() -> None:
    p = make_plan(TargetGroup.UNEMPLOYMENT_INSURANCE, date(2027, 1, 1), COPENHAGEN, horizon_months=18)
    year_1 = [c for c in p.conversations if c.period == "year-1"]
    assert [c.moved_from or c.on for c in year_1] == spread(date(2027, 7, 1), date(2028, 7, 1), 4)
    assert all(c.basis is Basis.MUNICIPAL_ADDITION and c.rule == "F2" and c.kind is JOB for c in year_1)


def test_F2_copenhagen_sickness_benefit_6_in_the_first_6_months_then_one_a_month() -> None:
    p = make_plan(TargetGroup.SICKNESS_BENEFIT, date(2027, 1, 1), COPENHAGEN, horizon_months=18)
    initial = [c for c in p.conversations if c.period == "initial"]
    assert len(initial) == 6
    assert [c.basis for c in initial] == [Basis.MUNICIPAL_ADDITION] * 6, "F1: no legal minimum for sickness benefit"
    assert len([c for c in p.conversations if c.period == "year-1"]) == 12


def test_F2_copenhagen_resource_course_one_every_other_month() -> None:
    p = make_plan(TargetGroup.RESOURCE_COURSE, date(2027, 1, 1), COPENHAGEN, horizon_months=18)
    assert len([c for c in p.conversations if c.period == "year-1"]) == 6


def test_F2_a_municipality_without_its_own_row_gets_the_legal_minimum() -> None:
    start = date(2027, 6, 15)
    group = TargetGroup.INTEGRATION_EMPLOYED_OR_IN_EDUCATION  # not in Copenhagen's policy
    assert make_plan(group, start, COPENHAGEN).conversations == make_plan(group, start).conversations


def test_F2_a_municipal_count_below_the_legal_minimum_does_not_remove_anything() -> None:
    stingy = Policy(
        "stingy", PolicyKind.MUNICIPAL, "t", "b", date(2020, 1, 1), None,
        {TargetGroup.UNEMPLOYMENT_INSURANCE: Cadence(initial_conversations=1)},
    )  # fmt: skip
    start = date(2027, 1, 1)
    group = TargetGroup.UNEMPLOYMENT_INSURANCE
    assert make_plan(group, start, stingy).conversations == make_plan(group, start).conversations


def test_F2_the_plan_warns_when_the_start_date_is_outside_the_policy_validity() -> None:
    group = TargetGroup.JOB_READY_CASH_BENEFIT
    assert make_plan(group, date(2019, 12, 31), COPENHAGEN).warnings
    assert not make_plan(group, date(2020, 1, 1), COPENHAGEN).warnings


# ---------------------------------------------------------------- F3 (integration act § 20)


def test_F3_benefit_recipient_visitation_at_3_months_then_4_within_the_next_6_then_as_needed() -> None:
    start = date(2027, 2, 10)
    p = make_plan(TargetGroup.INTEGRATION_BENEFIT_RECIPIENT, start)
    assert dates(p, VISITATION) == [date(2027, 5, 10)]
    assert dates(p, FOLLOW_UP) == spread(date(2027, 5, 10), date(2027, 11, 10), 4)
    assert len(p.conversations) == 5
    assert {c.rule for c in p.conversations} == {"F3"}


def test_F3_copenhagen_benefit_recipient_4_a_year_after_the_6_months() -> None:
    p = make_plan(TargetGroup.INTEGRATION_BENEFIT_RECIPIENT, date(2027, 2, 10), COPENHAGEN, horizon_months=21)
    year_1 = [c.moved_from or c.on for c in p.conversations if c.period == "year-1"]
    assert year_1 == spread(date(2027, 11, 10), date(2028, 11, 10), 4)


def test_F3_employed_or_in_education_without_benefits_every_12_months() -> None:
    p = make_plan(TargetGroup.INTEGRATION_EMPLOYED_OR_IN_EDUCATION, date(2027, 2, 10), horizon_months=36)
    assert dates(p) == [date(2028, 2, 9), date(2029, 2, 9), date(2030, 2, 9)]


def test_F3_other_self_supporting_as_needed_by_law_4_a_year_in_copenhagen() -> None:
    start = date(2027, 2, 10)
    assert make_plan(TargetGroup.INTEGRATION_SELF_SUPPORTING, start).conversations == ()
    copenhagen = make_plan(TargetGroup.INTEGRATION_SELF_SUPPORTING, start, COPENHAGEN, horizon_months=12)
    assert dates(copenhagen) == spread(start, date(2028, 2, 10), 4)


@pytest.mark.parametrize(
    ("contact_group", "target_group"),
    [
        (ContactGroup.SELF_SUPPORTING_NOT_EMPLOYED, TargetGroup.INTEGRATION_SELF_SUPPORTING),
        (ContactGroup.SELF_SUPPORTING_INTEGRATION_PROGRAMME, TargetGroup.INTEGRATION_SELF_SUPPORTING),
        (ContactGroup.IMMIGRANT_INTRODUCTION_COURSE, TargetGroup.INTEGRATION_SELF_SUPPORTING),
        (ContactGroup.EMPLOYED, TargetGroup.INTEGRATION_EMPLOYED_OR_IN_EDUCATION),
        (ContactGroup.INTEGRATION_BENEFIT_RECIPIENT, TargetGroup.INTEGRATION_BENEFIT_RECIPIENT),
    ],
)
def test_F3_contact_group_maps_to_target_group(contact_group: ContactGroup, target_group: TargetGroup) -> None:
    assert CONTACT_GROUP_TARGET_GROUPS[contact_group] is target_group


def test_F3_every_contact_group_has_a_target_group() -> None:
    assert set(CONTACT_GROUP_TARGET_GROUPS) == set(ContactGroup)


# ---------------------------------------------------------------- F4-F6 (content)


def test_F4_every_integration_follow_up_includes_repatriation_guidance_the_visitation_does_not() -> None:
    p = make_plan(TargetGroup.INTEGRATION_BENEFIT_RECIPIENT, date(2027, 2, 10), COPENHAGEN)
    for c in p.conversations:
        assert (ContentItem.REPATRIATION in c.content) is (c.kind is FOLLOW_UP)


@pytest.mark.parametrize("covered", [True, False])
def test_F4_lab_job_conversations_include_repatriation_guidance_only_when_covered(covered: bool) -> None:
    p = make_plan(TargetGroup.UNEMPLOYMENT_INSURANCE, date(2027, 2, 10), covered_by_repatriation_act=covered)
    assert all((ContentItem.REPATRIATION in c.content) is covered for c in p.conversations)


@pytest.mark.parametrize("group", list(TargetGroup))
def test_F5_rights_and_duties_on_the_first_conversation_only(group: TargetGroup) -> None:
    p = make_plan(group, date(2027, 2, 10), COPENHAGEN)
    with_f5 = [i for i, c in enumerate(p.conversations) if ContentItem.RIGHTS_AND_DUTIES in c.content]
    assert with_f5 == ([0] if p.conversations else [])


@pytest.mark.parametrize("flagged", [True, False])
def test_F6_language_consequences_on_integration_follow_ups_only_where_flagged(flagged: bool) -> None:
    p = make_plan(TargetGroup.INTEGRATION_BENEFIT_RECIPIENT, date(2027, 2, 10), not_learning_danish=flagged)
    with_f6 = [c.kind for c in p.conversations if ContentItem.DANISH_LANGUAGE_CONSEQUENCES in c.content]
    assert with_f6 == ([FOLLOW_UP] * 4 if flagged else [])


def test_F6_never_on_lab_job_conversations() -> None:
    p = make_plan(TargetGroup.JOB_READY_CASH_BENEFIT, date(2027, 2, 10), not_learning_danish=True)
    assert all(ContentItem.DANISH_LANGUAGE_CONSEQUENCES not in c.content for c in p.conversations)


# ---------------------------------------------------------------- properties


EDGE_DAYS = st.sampled_from(
    [date(2027, 1, 31), date(2028, 2, 29), date(2027, 2, 28), date(2027, 4, 30), date(2027, 8, 31), date(2027, 12, 31)]
)
STARTS = st.one_of(EDGE_DAYS, st.dates(date(2020, 1, 1), date(2040, 12, 31)))
COUNTS = st.integers(0, 14)


@st.composite
def municipal_policies(draw: st.DrawFn) -> Policy:
    groups = draw(st.sets(st.sampled_from(list(TargetGroup))))
    cadences = {
        group: Cadence(initial_conversations=draw(COUNTS), initial_joint_conversations=draw(COUNTS),
                       per_year_thereafter=draw(COUNTS))
        for group in groups
    }  # fmt: skip
    return Policy("drawn", PolicyKind.MUNICIPAL, "t", "b", date(2020, 1, 1), None, cadences)


@settings(max_examples=300, deadline=None)
@given(
    group=st.sampled_from(list(TargetGroup)),
    start=STARTS,
    horizon=st.integers(1, 60),
    policy=st.one_of(st.just(COPENHAGEN), municipal_policies()),
    flagged=st.booleans(),
)
def test_F2_property_municipal_plan_inside_horizon_ordered_and_containing_the_legal_minimum(
    group: TargetGroup, start: date, horizon: int, policy: Policy, flagged: bool
) -> None:
    legal = make_plan(group, start, horizon_months=horizon, not_learning_danish=flagged)
    municipal = make_plan(group, start, policy, horizon_months=horizon, not_learning_danish=flagged)
    end = add_months(start, horizon)
    for p in (legal, municipal):
        on = dates(p)
        assert all(start <= day < end for day in on), "every conversation lies inside the horizon"
        assert on == sorted(on), "dates never decrease"

    # adds, never removes: each legal-minimum conversation is there, of the same kind and period, on or before its
    # day under the legal minimum alone; the fixed-date ones (visitation, 16-month joint one) on the very same day.
    def legal_days(p: Plan) -> dict[tuple[str, ConversationKind], list[date]]:
        by_slot: dict[tuple[str, ConversationKind], list[date]] = {}
        for c in p.conversations:
            if c.basis is Basis.LEGAL_MINIMUM:
                by_slot.setdefault((c.period, c.kind), []).append(c.on)
        return by_slot

    kept = legal_days(municipal)
    for slot, required in legal_days(legal).items():
        assert len(kept.get(slot, [])) >= len(required)
        assert all(k <= r for k, r in zip(kept[slot], required, strict=False))
        if slot[0] in ("visitation", "fixed"):
            assert kept[slot] == required
    assert Counter(c.kind for c in municipal.conversations) >= Counter(c.kind for c in legal.conversations)


@settings(max_examples=200, deadline=None)
@given(group=st.sampled_from(list(TargetGroup)), start=STARTS, extra=st.integers(0, 36))
def test_F1_property_a_longer_horizon_only_appends(group: TargetGroup, start: date, extra: int) -> None:
    short = make_plan(group, start, COPENHAGEN, horizon_months=24)
    longer = make_plan(group, start, COPENHAGEN, horizon_months=24 + extra)
    assert longer.conversations[: len(short.conversations)] == short.conversations


# ---------------------------------------------------------------- F7 (workload)


def test_F7_conversations_per_person_year_from_the_cadence() -> None:
    ui = LEGAL.cadences[TargetGroup.UNEMPLOYMENT_INSURANCE].raised_by(
        COPENHAGEN.cadences[TargetGroup.UNEMPLOYMENT_INSURANCE]
    )
    assert conversations_per_year(ui, WorkloadBasis.FIRST_YEAR) == 4 + 2 + 2  # 4 + 2 joint, then 4/yr for 6 months
    assert conversations_per_year(ui, WorkloadBasis.ONGOING) == 4
    group = TargetGroup.INTEGRATION_BENEFIT_RECIPIENT
    benefit = LEGAL.cadences[group].raised_by(COPENHAGEN.cadences[group])
    assert conversations_per_year(benefit, WorkloadBasis.FIRST_YEAR) == 1 + 4 + 1  # visitation, 4, 4/yr for 3 months


def test_F7_workload_is_persons_times_conversations_times_norm_minutes() -> None:
    result = workload(COPENHAGEN, LEGAL, {})
    line = next(line for line in result.lines if line.group.key == "unemployment-insurance")
    assert line.conversations == 13695 * 8
    assert line.norm_hours == Fraction(13695 * 8 * 20, 60)
    assert result.norm_hours == sum(line.norm_hours for line in result.lines if line.norm_hours)


def test_F7_groups_without_a_cadence_or_norm_have_no_conversations_but_count_their_persons() -> None:
    result = workload(COPENHAGEN, LEGAL, {})
    missing = {line.group.key for line in result.lines if line.norm_hours is None}
    assert missing == {"flex-job", "disability-pension"}
    assert result.full_time_persons == 56353


def test_F7_full_time_persons_can_be_supplied_per_group() -> None:
    result = workload(COPENHAGEN, LEGAL, {"sickness-benefit": Fraction(100)})
    line = next(line for line in result.lines if line.group.key == "sickness-benefit")
    assert (line.full_time_persons, line.conversations, line.norm_hours) == (100, 1200, 600)


def test_F7_an_unknown_workload_group_is_refused() -> None:
    with pytest.raises(RuleViolation) as caught:
        workload(COPENHAGEN, LEGAL, {"astronauts": Fraction(3)})
    assert (caught.value.rule, caught.value.code) == ("F7", "unknown_workload_group")
