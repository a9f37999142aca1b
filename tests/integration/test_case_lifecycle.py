"""Issue 13 through the HTTP surface and the real database: the revised rules (G1 x M3, C5, C6, C8, M1, P2, F3, F4),
a case that changes over time (PATCH, ETag, history), conversations held and the three hand-computed plans."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.conftest import TODAY
from tests.helpers import LINKED_CHILD, create_body, create_case, days
from tests.unit.test_hand_computed_plans import FAMILY_PROVIDER, REUNIFIED_SPOUSE, STUDENT


def problem(response, status: int, code: str, rule: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["code"] == code
    if rule is not None:
        assert body["rule"] == rule
    return body


async def get_case(client, auth, case_id: str, municipality: str) -> tuple[dict[str, Any], str]:
    response = await client.get(f"/v1/contact-groups/{case_id}", headers=auth(municipality))
    assert response.status_code == 200, response.text
    return response.json(), response.headers["etag"]


async def patch(client, auth, case_id: str, municipality: str, body: dict[str, Any], etag: str | None = "fetch"):
    if etag == "fetch":
        _case, etag = await get_case(client, auth, case_id, municipality)
    headers = auth(municipality) | {"Content-Type": "application/merge-patch+json"}
    if etag is not None:
        headers["If-Match"] = etag
    return await client.patch(f"/v1/contact-groups/{case_id}", json=body, headers=headers)


async def plan_of(client, auth, case_id: str, municipality: str, **params: Any) -> dict[str, Any]:
    response = await client.get(
        f"/v1/contact-groups/{case_id}/follow-up-plan", params=params, headers=auth(municipality)
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


# ---------------------------------------------------------------- G1 x M3 (revised)


async def test_G1_M3_a_child_linked_after_the_handover_shows_and_the_summary_stops_asking(
    client, auth, persona, clock, mock_client
):
    p = persona("parent-children-pending")
    municipality = p.person.receiving_municipality
    handover = TODAY + days(2)
    case = await create_case(client, auth, p, handover)
    clock.set(handover + days(5))  # after the handover: DA3 used to be frozen with the link pending for ever
    linked = await mock_client.put(
        f"/admin/personas/{p.person.person_id}/children-link", json={"children": [LINKED_CHILD]}
    )
    assert linked.status_code == 200

    body = (await client.get(f"/v1/contact-groups/{case['id']}/data-areas/other", headers=auth(municipality))).json()

    assert body["provenance"]["mode"] == "live" and body["provenance"]["frozen_since"] is None
    assert body["data"]["children_link"]["status"] == "linked" and body["data"]["linked_children"] == [LINKED_CHILD]
    summary, _etag = await get_case(client, auth, case["id"], municipality)
    assert not [a for a in summary["attention"] if a["code"].startswith("children_link")]
    assert {a["area"]: a["frozen_since"] for a in summary["areas"]}["other"] is None


async def test_G1_M3_documents_arriving_after_the_handover_are_listed(client, auth, persona, clock, mock_client):
    p = persona("complete-adult")
    handover = TODAY + days(1)
    case = await create_case(client, auth, p, handover)
    before = (await client.get(f"/v1/contact-groups/{case['id']}/data-areas/attachments", headers=auth("101"))).json()
    clock.set(handover + days(10))
    held = (await mock_client.get(f"/admin/personas/{p.person.person_id}")).json()["attachments"]
    late = {"attachment_id": "att-late-1", "title": "Skoleudtalelse", "kind": "school_statement", "text": "Late."}
    added = await mock_client.put(f"/admin/personas/{p.person.person_id}/data-areas/attachments", json=[*held, late])
    assert added.status_code == 200, added.text
    body = (await client.get(f"/v1/contact-groups/{case['id']}/data-areas/attachments", headers=auth("101"))).json()
    assert body["provenance"]["mode"] == "live"
    assert len(body["data"]["attachments"]) == len(before["data"]["attachments"]) + 1


async def test_G1_DA3_after_the_handover_with_the_operator_down_serves_the_latest_snapshot_and_says_why(
    client, auth, persona, clock, upstream
):
    p = persona("parent-children-pending")
    municipality = p.person.receiving_municipality
    case = await create_case(client, auth, p, TODAY + days(1))
    clock.set(TODAY + days(20))
    upstream.down = True
    body = (await client.get(f"/v1/contact-groups/{case['id']}/data-areas/other", headers=auth(municipality))).json()
    assert body["provenance"]["mode"] == "live"
    assert body["provenance"]["stale"] is True and body["provenance"]["stale_reason"] == "upstream_unavailable"
    assert body["provenance"]["snapshot_taken_on"] == TODAY.isoformat()


# ---------------------------------------------------------------- C6 (revised), C5 (added)


async def test_C6_with_an_early_cv_date_the_default_deadline_is_the_early_date_plus_60_days(client, auth, persona):
    handover = TODAY + days(50)
    early = TODAY + days(5)
    case = await create_case(client, auth, persona("complete-adult"), handover, early_takeover_cv=early)
    assert case["dates"]["cv_update_deadline"] == (early + days(60)).isoformat()  # not handover + 60 (105 days)
    assert case["cv_window"]["closes_on"] == (early + days(60)).isoformat()


async def test_C6_without_an_early_cv_date_the_default_deadline_is_the_handover_plus_60_days(client, auth, persona):
    handover = TODAY + days(50)
    case = await create_case(client, auth, persona("complete-adult"), handover)
    assert case["dates"]["cv_update_deadline"] == (handover + days(60)).isoformat()


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"handover_date": "0001-01-01"}, "case_date_before_asylum_decision", "handover_date"),
        ({"handover_date": "9999-12-31"}, "case_date_too_far_ahead", "handover_date"),
        ({"early_takeover_cv": "2016-03-01"}, "case_date_before_asylum_decision", "early_takeover_cv"),
        ({"early_takeover_contract": "2026-10-04"}, "case_date_before_asylum_decision", "early_takeover_contract"),
        ({"handover_date": "2027-11-24"}, "case_date_too_far_ahead", "handover_date"),
        ({"cv_update_deadline": "9999-01-01"}, "case_date_too_far_ahead", "cv_update_deadline"),
    ],
)
async def test_C5_dates_outside_asylum_decision_to_one_year_after_creation_are_422_never_500(
    client, auth, persona, overrides, code, field
):
    p = persona("complete-adult")  # asylum decision 2026-10-05; created on TODAY, 2026-11-23
    body = create_body(p, TODAY + days(10)) | overrides
    response = await client.post("/v1/contact-groups", json=body, headers=auth("101"))
    result = problem(response, 422, code, "C5")
    assert result["field"] == f"body.{field}"
    listed = await client.get("/v1/contact-groups", headers=auth("101"))
    assert listed.json()["items"] == [], "nothing is stored"


async def test_C5_the_asylum_decision_day_and_one_year_after_creation_are_accepted(client, auth, persona):
    p = persona("complete-adult")
    case = await create_case(client, auth, p, date(2027, 11, 23), early_takeover_cv=date(2026, 10, 5))
    assert case["dates"]["handover_date"] == "2027-11-23"


# ---------------------------------------------------------------- M1 (added), P2 (added)


async def test_M1_a_child_under_15_who_came_with_its_parents_is_refused_even_with_a_reference(client, auth, persona):
    p = persona("child-with-parents-12")
    body = create_body(p, TODAY + days(10), special_procedure_ref="LS-2026-000777")
    response = await client.post("/v1/contact-groups", json=body, headers=auth("101"))
    result = problem(response, 422, "minor_under_15_with_parents_has_no_case", "M1")
    assert "DA3" in result["detail"]


async def test_M1_an_unaccompanied_child_under_15_still_gets_a_case_with_the_reference(client, auth, persona):
    p = persona("unaccompanied-minor-14")
    case = await create_case(client, auth, p, TODAY + days(10), special_procedure_ref="LS-2026-000114")
    assert case["special_procedure_ref"] == "LS-2026-000114"


async def test_P2_a_minors_social_report_and_support_assessment_go_to_the_children_and_youth_services(
    client, auth, persona
):
    p = persona("unaccompanied-minor-16")
    municipality = p.person.receiving_municipality
    case = await create_case(client, auth, p, TODAY + days(10))
    response = await client.get(f"/v1/contact-groups/{case['id']}/distribution", headers=auth(municipality))
    assert response.status_code == 200, response.text
    units = {u["unit"]: u for u in response.json()["units"]}
    youth = units["children-and-youth-services"]
    assert [d["kind"] for d in youth["documents"]] == ["social_report"]
    assert youth["other_parts"] == ["minor"]
    assert [d["kind"] for d in units["jobcenter"]["documents"]] == ["social_report"]


# ---------------------------------------------------------------- C8 (revised): closable


async def test_C8_the_login_code_task_is_closed_with_who_and_when_and_no_longer_shown(client, auth, persona, clock):
    p = persona("complete-adult")
    case = await create_case(client, auth, p, TODAY + days(10))
    due = date.fromisoformat(case["dates"]["cv_update_deadline"]) + days(1)
    clock.set(due + days(2))
    shown, _etag = await get_case(client, auth, case["id"], "101")
    assert [t["code"] for t in shown["tasks"]] == ["hand_over_jobnet_login_codes"]
    assert "hand_over_jobnet_login_codes" in {a["code"] for a in shown["attention"]}

    done = await client.post(
        f"/v1/contact-groups/{case['id']}/tasks/hand_over_jobnet_login_codes/done", headers=auth("101")
    )

    assert done.status_code == 200, done.text
    assert done.json() | {"done_at": None} == {
        "case_id": case["id"],
        "code": "hand_over_jobnet_login_codes",
        "rule": "C8",
        "status": "done",
        "done_on": (due + days(2)).isoformat(),
        "done_at": None,
        "done_by": {"subject": "test", "client_id": None, "municipality": "101"},
    }
    after, _etag = await get_case(client, auth, case["id"], "101")
    assert after["tasks"] == [] and "hand_over_jobnet_login_codes" not in {a["code"] for a in after["attention"]}
    assert (await plan_of(client, auth, case["id"], "101"))["tasks"] == []
    again = await client.post(
        f"/v1/contact-groups/{case['id']}/tasks/hand_over_jobnet_login_codes/done", headers=auth("101")
    )
    assert problem(again, 409, "task_already_done", "C8")["done_on"] == (due + days(2)).isoformat()


async def test_C8_an_unknown_task_is_404(client, auth, persona):
    case = await create_case(client, auth, persona("complete-adult"), TODAY + days(10))
    response = await client.post(f"/v1/contact-groups/{case['id']}/tasks/make_coffee/done", headers=auth("101"))
    problem(response, 404, "task_unknown", "C8")


# ---------------------------------------------------------------- PATCH: If-Match, ETag, history


async def test_PATCH_without_if_match_is_428_and_with_a_stale_etag_412(client, auth, persona):
    case = await create_case(client, auth, persona("complete-adult"), TODAY + days(10))
    _case, etag = await get_case(client, auth, case["id"], "101")

    problem(
        await patch(client, auth, case["id"], "101", {"not_learning_danish": True}, etag=None), 428, "if_match_required"
    )
    first = await patch(client, auth, case["id"], "101", {"not_learning_danish": True}, etag=etag)
    assert first.status_code == 200, first.text
    assert first.headers["etag"] != etag and first.json()["not_learning_danish"] is True
    stale = await patch(client, auth, case["id"], "101", {"covered_by_repatriation_act": False}, etag=etag)
    problem(stale, 412, "etag_stale")
    current, _etag = await get_case(client, auth, case["id"], "101")
    assert current["covered_by_repatriation_act"] is True, "the stale change was not applied"


async def test_PATCH_every_change_is_kept_with_who_what_when_from_and_to(client, auth, persona, clock):
    case = await create_case(client, auth, persona("complete-adult"), TODAY + days(10))
    response = await patch(
        client,
        auth,
        case["id"],
        "101",
        {
            "early_takeover_cv": (TODAY + days(3)).isoformat(),
            "contact_group": 17,
            "joint_handover_conversation_date": TODAY.isoformat(),
        },
    )
    assert response.status_code == 200, response.text
    changed = response.json()
    assert changed["dates"]["early_takeover_cv"] == (TODAY + days(3)).isoformat()
    assert changed["dates"]["cv_update_deadline"] == (TODAY + days(63)).isoformat(), "the default deadline follows"
    assert changed["contact_group"]["code"] == 17 and changed["revision"] == 2
    await patch(client, auth, case["id"], "101", {"early_takeover_cv": None})

    history = (await client.get(f"/v1/contact-groups/{case['id']}/history", headers=auth("101"))).json()

    assert history["revision"] == 3
    rows = [(c["revision"], c["field"], c["old_value"], c["new_value"]) for c in history["changes"]]
    assert rows == [
        (2, "early_takeover_cv", None, (TODAY + days(3)).isoformat()),
        (2, "cv_update_deadline", (TODAY + days(70)).isoformat(), (TODAY + days(63)).isoformat()),
        (2, "contact_group", 27, 17),
        (2, "joint_handover_conversation_date", None, TODAY.isoformat()),
        (3, "early_takeover_cv", (TODAY + days(3)).isoformat(), None),
        (3, "cv_update_deadline", (TODAY + days(63)).isoformat(), (TODAY + days(70)).isoformat()),
    ]
    assert {c["changed_by"]["municipality"] for c in history["changes"]} == {"101"}
    assert all(c["changed_by"]["subject"] == "test" and c["changed_at"] for c in history["changes"])


async def test_C5_PATCH_a_date_that_has_passed_cannot_be_changed(client, auth, persona, clock):
    case = await create_case(
        client, auth, persona("complete-adult"), TODAY + days(10), early_takeover_cv=TODAY + days(1)
    )
    clock.set(TODAY + days(2))
    response = await patch(client, auth, case["id"], "101", {"early_takeover_cv": (TODAY + days(5)).isoformat()})
    problem(response, 422, "case_date_has_passed", "C5")
    response = await patch(client, auth, case["id"], "101", {"cv_update_deadline": "9999-12-31"})
    problem(response, 422, "case_date_too_far_ahead", "C5")


async def test_PATCH_null_on_a_required_field_and_an_empty_patch_are_422(client, auth, persona):
    case = await create_case(client, auth, persona("complete-adult"), TODAY + days(10))
    problem(await patch(client, auth, case["id"], "101", {"handover_date": None}), 422, "field_not_nullable")
    problem(await patch(client, auth, case["id"], "101", {}), 422, "patch_empty")
    problem(await patch(client, auth, case["id"], "101", {"contact_group": 21}), 422, "request_invalid")


# ---------------------------------------------------------------- F3 (added): the plan follows the case


async def test_F3_a_student_on_su_in_group_17_gets_2_follow_ups_in_24_months_in_copenhagen_not_8(client, auth, persona):
    handover = TODAY + days(10)
    case = await create_case(client, auth, persona("complete-adult"), handover, contact_group=17)
    assert len((await plan_of(client, auth, case["id"], "101"))["conversations"]) == 8  # the contact group's default

    response = await patch(
        client,
        auth,
        case["id"],
        "101",
        {"situation": {"situation": "in-work-or-education", "since": handover.isoformat()}},
    )
    assert response.status_code == 200, response.text

    plan = await plan_of(client, auth, case["id"], "101")
    assert len(plan["conversations"]) == 2
    assert plan["target_group"] == "integration-employed-or-in-education"
    history = (await client.get(f"/v1/contact-groups/{case['id']}/history", headers=auth("101"))).json()
    assert history["changes"][-1]["field"] == "situation"
    assert history["changes"][-1]["old_value"] == {"situation": "other-self-supporting", "since": handover.isoformat()}


async def test_F3_conversations_held_mark_the_plan_held_the_rest_due_or_overdue(client, auth, persona, clock):
    case = await create_case(client, auth, persona("complete-adult"), date(2026, 12, 1))  # group 27
    clock.set(date(2027, 6, 15))
    for held_on, kind in (("2027-03-02", "visitation"), ("2027-05-03", "integration-follow-up")):
        response = await client.post(
            f"/v1/contact-groups/{case['id']}/conversations",
            json={"held_on": held_on, "kind": kind},
            headers=auth("101"),
        )
        assert response.status_code == 201, response.text
        assert response.json()["recorded_by"] == {"subject": "test", "client_id": None, "municipality": "101"}

    plan = await plan_of(client, auth, case["id"], "101")

    statuses = [(c["date"], c["kind"], c["status"], c["held_on"]) for c in plan["conversations"][:5]]
    assert statuses == [
        ("2027-03-02", "visitation", "held", "2027-03-02"),  # the held visitation is the actual one (F3)
        ("2027-04-16", "integration-follow-up", "held", "2027-05-03"),  # [2 Mar, 2 Sep): 184 days
        ("2027-06-01", "integration-follow-up", "overdue", None),
        ("2027-07-16", "integration-follow-up", "due", None),
        ("2027-09-01", "integration-follow-up", "due", None),
    ]
    assert plan["next_due_date"] == "2027-06-01"


async def test_F3_a_conversation_in_the_future_is_refused(client, auth, persona):
    case = await create_case(client, auth, persona("complete-adult"), TODAY + days(10))
    response = await client.post(
        f"/v1/contact-groups/{case['id']}/conversations",
        json={"held_on": (TODAY + days(1)).isoformat(), "kind": "integration-follow-up"},
        headers=auth("101"),
    )
    problem(response, 422, "date_out_of_range", "F3")


async def test_F4_the_marker_is_on_by_default_and_the_plan_names_repatrieringsloven(client, auth, persona):
    case = await create_case(client, auth, persona("complete-adult"), TODAY + days(10))
    assert case["covered_by_repatriation_act"] is True
    plan = await plan_of(client, auth, case["id"], "101")
    follow_up = next(c for c in plan["conversations"] if c["kind"] == "integration-follow-up")
    guidance = next(item for item in follow_up["content"] if item["item"] == "repatriation-guidance")
    text = " ".join(guidance["steps_da"])
    assert "repatrieringsloven" in text and "Dansk Flygtningehjælp" in text and "pjece" in text
    assert "hjemrejseloven" not in str(plan)


# ---------------------------------------------------------------- the three hand-computed plans (issue 13)


def rows(plan: dict[str, Any]) -> list[tuple[str, str, str | None, list[str]]]:
    return [(c["date"], c["kind"], c["moved_from"], [i["item"] for i in c["content"]]) for c in plan["conversations"]]


def expected(table) -> list[tuple[str, str, str | None, list[str]]]:
    return [
        (on.isoformat(), kind.value, moved.isoformat() if moved else None, [item.value for item in content])
        for on, kind, moved, content in table
    ]


async def test_F3_hand_computed_plan_a_refugee_family_provider_in_copenhagen(client, auth, persona, clock):
    p = persona("parent-with-linked-children")  # Copenhagen (101), benefit recipient (27)
    case = await create_case(client, auth, p, date(2026, 12, 1))
    clock.set(date(2027, 3, 10))
    assert (await patch(client, auth, case["id"], "101", {"visitation_date": "2027-03-10"})).status_code == 200
    plan = await plan_of(client, auth, case["id"], "101")
    assert rows(plan) == expected(FAMILY_PROVIDER)
    assert plan["rule_set"]["policy"] == "copenhagen" and plan["conversations"][0]["status"] == "held"


async def test_F3_hand_computed_plan_a_family_reunified_spouse(client, auth, persona):
    p = persona("self-supporting-family")  # family-supported, not in work or education (18)
    case = await create_case(client, auth, p, date(2027, 2, 15), contact_group=18)
    municipality = p.person.receiving_municipality
    assert (await patch(client, auth, case["id"], municipality, {"not_learning_danish": True})).status_code == 200
    plan = await plan_of(client, auth, case["id"], municipality, policy="copenhagen")
    assert rows(plan) == expected(REUNIFIED_SPOUSE)


async def test_F3_hand_computed_plan_a_19_year_old_from_benefit_to_su_funded_education_after_5_months(
    client, auth, persona
):
    p = persona("student-19")
    case = await create_case(client, auth, p, date(2027, 1, 4))  # 27: receives a benefit on arrival
    change = {"situation": {"situation": "in-work-or-education", "since": "2027-06-04"}}
    assert (await patch(client, auth, case["id"], "101", change)).status_code == 200
    plan = await plan_of(client, auth, case["id"], "101")
    assert rows(plan) == expected(STUDENT)
    assert [(s["situation"], s["begins"], s["ends"]) for s in plan["segments"]] == [
        ("receives-benefit", "2027-01-04", "2027-06-04"),
        ("in-work-or-education", "2027-06-04", "2029-01-04"),
    ]


# ---------------------------------------------------------------- DA3 competence into the contract (seed 000)


async def test_DA3_competence_and_qualification_items_are_listed_in_the_integration_contract_with_their_source(
    client, auth, persona
):
    case = await create_case(client, auth, persona("complete-adult"), TODAY + days(10))
    other = (await client.get(f"/v1/contact-groups/{case['id']}/data-areas/other", headers=auth("101"))).json()
    contract = await client.get(f"/v1/contact-groups/{case['id']}/data-areas/integration-contract", headers=auth("101"))
    assert contract.status_code == 200, contract.text

    items = contract.json()["data"]["supplementary_competences"]

    assert [(i["kind"], i["title"]) for i in items] == [
        (c["kind"], c["title"]) for c in other["data"]["supplementary_competences"]
    ]
    assert [i["kind"] for i in items] == ["competence", "qualification"]
    assert {(i["source"]["area"], i["source"]["rule"]) for i in items} == {("other", "DA3")}
    assert items[0]["source"]["snapshot_taken_on"] == other["provenance"]["snapshot_taken_on"]


async def test_DA3_without_competence_items_the_contract_lists_none(client, auth, persona):
    p = persona("placeholders-everywhere")
    case = await create_case(client, auth, p, TODAY + days(10))
    contract = await client.get(
        f"/v1/contact-groups/{case['id']}/data-areas/integration-contract",
        headers=auth(p.person.receiving_municipality),
    )
    assert contract.json()["data"]["supplementary_competences"] == []
