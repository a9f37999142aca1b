"""The three plans of issue 13, computed by hand (month arithmetic, even spread, then the previous working day
for a Saturday, Sunday or Danish public holiday) and written down here as literal dates: F1-F6 and F3's situations.

The same three cases are run through the HTTP surface in tests/integration/test_case_lifecycle.py.
"""

from __future__ import annotations

from datetime import date

from dfdg_broker.domain.followup import (
    Basis,
    CasePlanRequest,
    ContentItem,
    ConversationKind,
    Situation,
    SituationChange,
    case_plan,
)
from dfdg_broker.followup.registry import load_policies

POLICIES = load_policies()
LEGAL = POLICIES.legal_minimum
COPENHAGEN = POLICIES.named("copenhagen", field="policy")
V, F = ConversationKind.VISITATION, ConversationKind.INTEGRATION_FOLLOW_UP
F4, F5, F6 = ContentItem.REPATRIATION, ContentItem.RIGHTS_AND_DUTIES, ContentItem.DANISH_LANGUAGE_CONSEQUENCES

FAMILY_PROVIDER = [  # arrival 2026-12-01, benefit, visitation held 2027-03-10, Copenhagen, 24 months
    (date(2027, 3, 10), V, None, (F5,)),
    (date(2027, 4, 23), F, date(2027, 4, 24), (F4,)),  # [10 Mar, 10 Sep): 184 days, day 45 is a Saturday
    (date(2027, 6, 9), F, None, (F4,)),
    (date(2027, 7, 23), F, date(2027, 7, 25), (F4,)),  # a Sunday
    (date(2027, 9, 9), F, None, (F4,)),
    (date(2027, 12, 10), F, None, (F4,)),  # year 1 [10 Sep 2027, 10 Sep 2028): 366 days, Copenhagen's 4
    (date(2028, 3, 10), F, None, (F4,)),
    (date(2028, 6, 9), F, date(2028, 6, 10), (F4,)),  # a Saturday
    (date(2028, 9, 8), F, date(2028, 9, 9), (F4,)),  # a Saturday; year 2's first (10 Dec 2028) is past 1 Dec 2028
]

REUNIFIED_SPOUSE = [  # arrival 2027-02-15, other self-supporting, not learning Danish, Copenhagen 4 a year, 24 months
    (date(2027, 5, 14), F, date(2027, 5, 17), (F5, F4, F6)),  # Whit Monday 2027 -> Friday
    (date(2027, 8, 16), F, None, (F4, F6)),
    (date(2027, 11, 15), F, None, (F4, F6)),
    (date(2028, 2, 14), F, None, (F4, F6)),
    (date(2028, 5, 16), F, None, (F4, F6)),
    (date(2028, 8, 15), F, None, (F4, F6)),
    (date(2028, 11, 15), F, None, (F4, F6)),
    (date(2029, 2, 14), F, None, (F4, F6)),
]

STUDENT = [  # arrival 2027-01-04, benefit, then SU-funded education from 2027-06-04, Copenhagen, 24 months
    (date(2027, 4, 2), V, date(2027, 4, 4), (F5,)),  # 4 April 2027 is a Sunday
    (date(2027, 5, 19), F, None, (F4,)),  # the first of the 4 in [4 Apr, 4 Oct); the others fall after the change
    (date(2028, 6, 2), F, date(2028, 6, 3), (F4,)),  # every 12 months from the change: 3 June 2028 is a Saturday
]


def rows(request: CasePlanRequest) -> list[tuple[date, ConversationKind, date | None, tuple[ContentItem, ...]]]:
    return [(c.on, c.kind, c.moved_from, c.content) for c in case_plan(request, COPENHAGEN, LEGAL).conversations]


def test_F3_F4_F5_refugee_family_provider_in_copenhagen() -> None:
    request = CasePlanRequest(
        date(2026, 12, 1),
        (SituationChange(Situation.RECEIVES_BENEFIT, date(2026, 12, 1)),),
        visitation_held_on=date(2027, 3, 10),
    )
    assert rows(request) == FAMILY_PROVIDER
    p = case_plan(request, COPENHAGEN, LEGAL)
    assert [c.basis for c in p.conversations] == [Basis.LEGAL_MINIMUM] * 5 + [Basis.MUNICIPAL_ADDITION] * 4


def test_F3_F4_F6_family_reunified_spouse() -> None:
    request = CasePlanRequest(
        date(2027, 2, 15),
        (SituationChange(Situation.OTHER_SELF_SUPPORTING, date(2027, 2, 15)),),
        not_learning_danish=True,
    )
    assert rows(request) == REUNIFIED_SPOUSE


def test_F3_19_year_old_moves_from_benefit_to_su_funded_education_after_5_months() -> None:
    request = CasePlanRequest(
        date(2027, 1, 4),
        (
            SituationChange(Situation.RECEIVES_BENEFIT, date(2027, 1, 4)),
            SituationChange(Situation.IN_WORK_OR_EDUCATION, date(2027, 6, 4)),
        ),
    )
    assert rows(request) == STUDENT
    p = case_plan(request, COPENHAGEN, LEGAL)
    assert [c.situation for c in p.conversations] == [Situation.RECEIVES_BENEFIT] * 2 + [Situation.IN_WORK_OR_EDUCATION]
