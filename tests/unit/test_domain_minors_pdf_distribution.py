"""Pure rules: M3 (the child link's due date), P1 (the PDF route's due date and status), P2 (the routing table)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dfdg_broker.domain import distribution as p2
from dfdg_broker.domain import pdf_route as p1
from dfdg_broker.domain.cpr import age_on
from dfdg_broker.domain.distribution import AgeBand, Child, Document, MunicipalUnit
from dfdg_broker.domain.errors import RuleViolation
from dfdg_broker.domain.minors import ChildLinkState, child_link

DECISION = date(2026, 11, 16)
dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))

# ---------------------------------------------------------------- M3


def test_M3_pending_until_and_on_the_due_date_then_overdue() -> None:
    due = date(2026, 11, 30)
    assert child_link("pending", asylum_decision_date=DECISION, today=due).state is ChildLinkState.PENDING
    assert child_link("pending", asylum_decision_date=DECISION, today=due).due_date == due
    after = child_link("pending", asylum_decision_date=DECISION, today=due + timedelta(days=1))
    assert (after.state, after.due_date) == (ChildLinkState.OVERDUE, due)


@pytest.mark.parametrize("reported", ["linked", "not_applicable"])
def test_M3_linked_or_not_applicable_has_no_due_date(reported: str) -> None:
    link = child_link(reported, asylum_decision_date=DECISION, today=date(2030, 1, 1))  # type: ignore[arg-type]
    assert link.state.value == reported and link.due_date is None and not link.needs_attention


@given(decision=dates, today=dates)
def test_M3_property_overdue_iff_more_than_14_days_after_the_decision(decision: date, today: date) -> None:
    link = child_link("pending", asylum_decision_date=decision, today=today)
    assert (link.state is ChildLinkState.OVERDUE) == (today > decision + timedelta(days=14))
    assert link.needs_attention


# ---------------------------------------------------------------- P1


def test_P1_due_14_days_after_the_request_and_overdue_the_day_after() -> None:
    requested = date(2026, 11, 23)
    assert p1.due_date(requested) == date(2026, 12, 7)
    assert (
        p1.status(requested_on=requested, delivered_on=None, today=date(2026, 12, 7)) is p1.PdfRequestStatus.REQUESTED
    )
    assert p1.status(requested_on=requested, delivered_on=None, today=date(2026, 12, 8)) is p1.PdfRequestStatus.OVERDUE


def test_P1_delivered_wins_over_the_clock_and_a_late_delivery_says_so() -> None:
    requested = date(2026, 11, 23)
    late = date(2026, 12, 8)
    delivered = p1.status(requested_on=requested, delivered_on=late, today=date(2027, 1, 1))
    assert delivered is p1.PdfRequestStatus.DELIVERED
    assert p1.delivered_late(requested_on=requested, delivered_on=late)
    assert not p1.delivered_late(requested_on=requested, delivered_on=date(2026, 12, 7))
    assert not p1.delivered_late(requested_on=requested, delivered_on=None)


@pytest.mark.parametrize("areas", [["other"], ["attachments"], ["attachments", "other"], ["other", "other"]])
def test_P1_other_and_attachments_may_be_requested(areas: list[str]) -> None:
    assert {a.value for a in p1.require_pdf_areas(areas)} == set(areas)


@pytest.mark.parametrize("areas", [[], ["cv"], ["integration-contract"], ["other", "cv"], ["OTHER"]])
def test_P1_no_other_area_may_be_requested(areas: list[str]) -> None:
    with pytest.raises(RuleViolation) as exc:
        p1.require_pdf_areas(areas)
    assert (exc.value.rule, exc.value.field) == ("P1", "areas")


def test_P1_person_id_must_be_the_case_citizens_and_is_not_echoed() -> None:
    p1.require_citizens_person_id(" 70003401 ", citizens_person_id="70003401")
    with pytest.raises(RuleViolation) as exc:
        p1.require_citizens_person_id("70000101", citizens_person_id="70003401")
    assert (exc.value.rule, exc.value.code, exc.value.field) == ("P1", "person_id_not_case_citizen", "person_id")
    assert "70000101" not in exc.value.message and "70003401" not in exc.value.message


# ---------------------------------------------------------------- P2


@pytest.mark.parametrize(
    ("age", "band"),
    [
        (None, AgeBand.CITIZEN),
        (0, AgeBand.DAY_CARE_AGE),
        (5, AgeBand.DAY_CARE_AGE),
        (6, AgeBand.SCHOOL_AGE),
        (16, AgeBand.SCHOOL_AGE),
        (17, AgeBand.CITIZEN),
    ],
)
def test_P2_age_bands_edges(age: int | None, band: AgeBand) -> None:
    assert p2.age_band(age) is band


H, J, S, D = MunicipalUnit.HEALTH_VISITOR, MunicipalUnit.JOBCENTER, MunicipalUnit.SCHOOL, MunicipalUnit.DAY_CARE
B = MunicipalUnit.CHILDREN_AND_YOUTH_SERVICES


@pytest.mark.parametrize(
    ("kind", "small", "school"),
    [
        ("school_statement", {D}, {S}),
        ("wellbeing", {D, H}, {S, H}),
        ("health", {H}, {H}),
        ("social_report", {D, H, B}, {S, H, B}),
        ("companion_assessment", {D, H}, {S, H}),
        ("other", {D}, {S}),
    ],
)
def test_P2_routing_table(kind: str, small: set[MunicipalUnit], school: set[MunicipalUnit]) -> None:
    assert p2.units_for(kind, AgeBand.DAY_CARE_AGE) == small
    assert p2.units_for(kind, AgeBand.SCHOOL_AGE) == school
    assert p2.units_for(kind, AgeBand.CITIZEN) == {J}


def test_P2_every_attachment_kind_has_a_row() -> None:
    from dfdg_broker.letasyl.schemas import AttachmentKind

    assert set(p2.ROUTING) == {k.value for k in AttachmentKind}


def test_P2_plan_routes_by_the_concerned_childs_age_on_today() -> None:
    children = [Child("c-small", date(2022, 6, 1)), Child("c-school", date(2016, 6, 1))]
    documents = [
        Document("d1", "school_statement", "c-small"),
        Document("d2", "school_statement", "c-school"),
        Document("d3", "health", None),
        Document("d4", "wellbeing", "not-a-linked-child"),
    ]
    plan = p2.plan(documents, children, today=date(2026, 11, 23))
    assert plan[D].documents == ("d1",) and plan[S].documents == ("d2",)
    assert plan[J].documents == ("d3", "d4")  # the citizen's own, and a child the broker does not know
    assert plan[D].other_parts == ("child:c-small",) and plan[S].other_parts == ("child:c-school",)
    assert plan[H].other_parts == ("child:c-small", "child:c-school")
    assert plan[J].other_parts == p2.CITIZEN_PARTS
    later = p2.plan(documents, children, today=date(2028, 6, 1))  # c-small is 6 now
    assert later[S].documents == ("d1", "d2") and later[D].documents == ()


def test_P2_an_item_changed_after_a_receipt_is_undistributed_again() -> None:
    received = [{"a": "sha-1", "b": "sha-2"}]
    assert p2.undistributed({"a": "sha-1", "b": "sha-2"}, received) == []
    assert p2.undistributed({"a": "sha-1", "b": "sha-2-changed", "c": "sha-3"}, received) == ["b", "c"]


@given(
    kind=st.sampled_from(sorted(p2.ROUTING)),
    birth=st.one_of(st.none(), st.dates(min_value=date(2005, 1, 1), max_value=date(2026, 11, 23))),
)
def test_P2_property_every_document_reaches_a_unit_and_the_jobcenter_only_when_it_is_the_citizens(
    kind: str, birth: date | None
) -> None:
    children = [Child("c", birth)] if birth else []
    plan = p2.plan([Document("d", kind, "c" if birth else None)], children, today=date(2026, 11, 23))
    receivers = {unit for unit, package in plan.items() if "d" in package.documents}
    age = age_on(birth, date(2026, 11, 23)) if birth else None
    assert receivers
    assert (MunicipalUnit.JOBCENTER in receivers) == (p2.age_band(age) is AgeBand.CITIZEN)


def test_P1_a_request_the_operator_lost_is_lost_until_delivered():
    from dfdg_broker.domain.pdf_route import PdfRequestStatus, status

    requested = date(2026, 11, 1)
    lost = status(requested_on=requested, delivered_on=None, today=date(2026, 11, 30), lost_on=date(2026, 11, 3))
    assert lost is PdfRequestStatus.LOST, "lost wins over overdue: the request must be made again"
    assert status(requested_on=requested, delivered_on=requested, today=requested, lost_on=requested) is (
        PdfRequestStatus.DELIVERED
    )
