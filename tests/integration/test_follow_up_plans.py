"""F1-F7 through the HTTP surface: the case's plan (C2 access, contact group -> target group, handover date),
what-if plans, the workload estimate and the problems they answer with."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from dfdg_broker.domain.followup import add_months, spread
from dfdg_broker.settings import Settings
from tests.conftest import TODAY
from tests.helpers import create_case, days

HANDOVER = TODAY + days(10)  # 2026-12-03


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """A deployment whose cooperations file pairs Samsø (741) with København's jobcenter (101): a test pair, so
    that a case's plan follows a jobcenter municipality with its own policy (C2, F2)."""
    pairs = tmp_path / "binding_cooperations.csv"
    pairs.write_text("receiving_municipality,jobcenter_municipality,source\n741,101,test pair\n", encoding="utf-8")
    return settings.model_copy(update={"binding_cooperations_file": pairs})


def _problem(response, status: int, code: str, rule: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert (body["code"], body.get("rule")) == (code, rule)
    return body


async def _case_plan(client, auth, case: dict, municipality: str, **params) -> dict:
    response = await client.get(
        f"/v1/contact-groups/{case['id']}/follow-up-plan", params=params, headers=auth(municipality)
    )
    assert response.status_code == 200, response.text
    return response.json()


# ---------------------------------------------------------------- the case's plan


async def test_F3_case_plan_for_an_integration_benefit_recipient_in_copenhagen(client, auth, persona):
    case = await create_case(client, auth, persona("complete-adult"), HANDOVER, contact_group=27)
    plan = await _case_plan(client, auth, case, "101")

    assert (plan["target_group"], plan["contact_group"], plan["start_date"]) == (
        "integration-benefit-recipient",
        27,
        HANDOVER.isoformat(),
    )
    assert plan["rule_set"]["policy"] == "copenhagen" and plan["rule_set"]["legal_minimum"] == "legal-minimum"
    visitation = add_months(HANDOVER, 3)
    conversations = plan["conversations"]
    first = conversations[0]
    assert {k: first[k] for k in ("date", "kind", "basis", "rule", "period", "status", "situation")} == {
        "date": visitation.isoformat(),
        "kind": "visitation",
        "basis": "legal-minimum",
        "rule": "F3",
        "period": "visitation",
        "status": "due",
        "situation": "receives-benefit",
    }
    assert [(c["item"], c["rule"]) for c in first["content"]] == [("rights-and-duties", "F5")]
    initial = [c.get("moved_from") or c["date"] for c in conversations if c["period"] == "initial"]
    assert initial == [d.isoformat() for d in spread(visitation, add_months(HANDOVER, 9), 4)]
    later = [c for c in conversations if c["period"].startswith("year-")]
    assert later and all(c["basis"] == "municipal-addition" and c["rule"] == "F2" for c in later)
    assert plan["legal_minimum_count"] == 5 and plan["municipal_addition_count"] == len(later)
    assert plan["horizon_last_day"] == (add_months(HANDOVER, 24) - days(1)).isoformat()


@pytest.mark.parametrize(
    ("contact_group", "target_group"),
    [
        (17, "integration-self-supporting"),
        (18, "integration-self-supporting"),
        (19, "integration-self-supporting"),
        (20, "integration-employed-or-in-education"),
        (27, "integration-benefit-recipient"),
    ],
)
async def test_F3_case_contact_group_maps_to_target_group(client, auth, persona, contact_group, target_group):
    case = await create_case(client, auth, persona("placeholders-everywhere"), HANDOVER, contact_group=contact_group)
    plan = await _case_plan(client, auth, case, "751")
    assert (plan["target_group"], plan["contact_group"]) == (target_group, contact_group)
    assert plan["rule_set"]["policy"] == "legal-minimum"
    assert all(c["basis"] == "legal-minimum" for c in plan["conversations"])


async def test_F3_employed_case_has_a_follow_up_every_12_months(client, auth, persona):
    case = await create_case(client, auth, persona("employed"), HANDOVER, contact_group=20)
    plan = await _case_plan(client, auth, case, "630", horizon_months=36)
    assert [c.get("moved_from") or c["date"] for c in plan["conversations"]] == [
        (add_months(HANDOVER, 12 * n) - days(1)).isoformat() for n in (1, 2, 3)
    ]


async def test_F2_case_plan_uses_the_jobcenter_municipalitys_policy(client, auth, persona):
    """Binding cooperation: 741 receives, 101 runs the jobcenter (and holds the conversations)."""
    case = await create_case(
        client, auth, persona("binding-cooperation"), HANDOVER, jobcenter_municipality="101", contact_group=18
    )
    for municipality in ("741", "101"):
        plan = await _case_plan(client, auth, case, municipality)
        assert plan["rule_set"]["policy"] == "copenhagen"
        assert len(plan["conversations"]) == 8  # family-supported, not in work: 4 a year in Copenhagen


async def test_F2_case_plan_policy_can_be_named(client, auth, persona):
    case = await create_case(client, auth, persona("complete-adult"), HANDOVER, contact_group=27)
    plan = await _case_plan(client, auth, case, "101", policy="legal-minimum")
    assert plan["rule_set"]["policy"] == "legal-minimum" and plan["municipal_addition_count"] == 0


async def test_C2_case_plan_is_invisible_to_other_municipalities(client, auth, persona):
    case = await create_case(client, auth, persona("complete-adult"), HANDOVER)
    response = await client.get(f"/v1/contact-groups/{case['id']}/follow-up-plan", headers=auth("751"))
    _problem(response, 404, "contact_group_not_found", "C2")
    _problem(await client.get("/v1/contact-groups/cg_nope/follow-up-plan", headers=auth("101")), 404,
             "contact_group_not_found", "C2")  # fmt: skip


async def test_F6_case_plan_states_language_consequences_when_flagged(client, auth, persona):
    p = persona("not-learning-danish")
    case = await create_case(client, auth, p, HANDOVER, contact_group=27)
    flagged = await _case_plan(client, auth, case, "820", not_learning_danish="true")
    plain = await _case_plan(client, auth, case, "820")
    items = lambda plan: [[i["item"] for i in c["content"]] for c in plan["conversations"]]  # noqa: E731
    assert items(flagged)[1:] == [["repatriation-guidance", "danish-language-consequences"]] * 4
    assert items(plain)[1:] == [["repatriation-guidance"]] * 4


async def test_F1_case_plan_horizon_out_of_bounds_is_a_problem(client, auth, persona):
    case = await create_case(client, auth, persona("complete-adult"), HANDOVER)
    for months in (0, 121):
        response = await client.get(
            f"/v1/contact-groups/{case['id']}/follow-up-plan", params={"horizon_months": months}, headers=auth("101")
        )
        body = _problem(response, 422, "request_invalid", "F1")
        assert body["field"] == "query.horizon_months"


async def test_F2_case_plan_unknown_policy_is_a_problem(client, auth, persona):
    case = await create_case(client, auth, persona("complete-adult"), HANDOVER)
    response = await client.get(
        f"/v1/contact-groups/{case['id']}/follow-up-plan", params={"policy": "atlantis"}, headers=auth("101")
    )
    assert _problem(response, 422, "unknown_follow_up_policy", "F2")["field"] == "query.policy"


async def test_case_plan_needs_the_municipality_token(client):
    _problem(await client.get("/v1/contact-groups/cg_x/follow-up-plan"), 401, "unauthenticated")


# ---------------------------------------------------------------- what-if plans


async def test_F1_what_if_plan_for_unemployment_insurance_under_the_callers_policy(client, auth):
    body = {"target_group": "unemployment-insurance", "start_date": "2028-01-31", "horizon_months": 18}
    response = await client.post("/v1/follow-up-plans", json=body, headers=auth("101"))
    assert response.status_code == 200, response.text
    plan = response.json()
    assert plan["rule_set"]["policy"] == "copenhagen" and plan["contact_group"] is None and plan["act"] == "lab"
    kinds = [c["kind"] for c in plan["conversations"] if c["period"] == "initial"]
    assert kinds.count("job-conversation") == 4 and kinds.count("joint-with-unemployment-fund") == 2
    fixed = [c for c in plan["conversations"] if c["period"] == "fixed"]
    assert [c["date"] for c in fixed] == ["2029-05-31"]  # 31 January 2028 + 16 months
    first_item = plan["conversations"][0]["content"][0]
    assert (first_item["item"], first_item["rule"]) == ("rights-and-duties", "F5")


async def test_F2_what_if_plan_by_municipality_or_by_name(client, auth):
    body = {"target_group": "job-ready-cash-benefit", "start_date": "2028-02-29"}
    callers = await client.post("/v1/follow-up-plans", json=body, headers=auth("101"))
    by_code = await client.post("/v1/follow-up-plans", json=body | {"municipality": "751"}, headers=auth("101"))
    by_name = await client.post("/v1/follow-up-plans", json=body | {"policy": "legal-minimum"}, headers=auth("101"))
    assert callers.json()["rule_set"]["policy"] == "copenhagen"
    assert by_code.json()["rule_set"]["policy"] == by_name.json()["rule_set"]["policy"] == "legal-minimum"
    assert by_code.json()["conversations"] == by_name.json()["conversations"]
    assert len(by_name.json()["conversations"]) == 4


async def test_F2_what_if_plan_warns_outside_the_policy_validity(client, auth):
    body = {"target_group": "job-ready-cash-benefit", "start_date": "2019-06-01"}
    plan = (await client.post("/v1/follow-up-plans", json=body, headers=auth("101"))).json()
    assert plan["warnings"] and "2019-06-01" in plan["warnings"][0]


@pytest.mark.parametrize(
    ("change", "status", "code", "rule", "field"),
    [
        ({"target_group": "astronaut"}, 422, "request_invalid", "F2", "body.target_group"),
        ({"horizon_months": 0}, 422, "request_invalid", "F1", "body.horizon_months"),
        ({"horizon_months": 121}, 422, "request_invalid", "F1", "body.horizon_months"),
        ({"policy": "atlantis"}, 422, "unknown_follow_up_policy", "F2", "body.policy"),
        ({"municipality": "12"}, 422, "request_invalid", "F2", "body.municipality"),
        ({"start_date": "2027-02-30"}, 422, "request_invalid", None, "body.start_date"),
    ],
)
async def test_F1_F2_what_if_bad_input_is_a_problem_naming_the_rule(client, auth, change, status, code, rule, field):
    body = {"target_group": "rehabilitation", "start_date": "2027-01-31"} | change
    response = await client.post("/v1/follow-up-plans", json=body, headers=auth("101"))
    assert _problem(response, status, code, rule)["field"] == field


async def test_what_if_plan_needs_the_municipality_token(client):
    body = {"target_group": "rehabilitation", "start_date": "2027-01-31"}
    _problem(await client.post("/v1/follow-up-plans", json=body), 401, "unauthenticated")


# ---------------------------------------------------------------- workload


async def test_F7_workload_defaults_to_the_copenhagen_example(client, auth):
    response = await client.post("/v1/workload", json={}, headers=auth("751"))
    assert response.status_code == 200, response.text
    result = response.json()
    assert (result["policy"], result["basis"], result["full_time_persons"]) == ("copenhagen", "first-year", 56353)
    ui = next(g for g in result["groups"] if g["key"] == "unemployment-insurance")
    assert ui == {
        "key": "unemployment-insurance",
        "danish_name": "Dagpengemodtagere",
        "target_group": "unemployment-insurance",
        "full_time_persons": 13695,
        "norm_minutes": 20,
        "conversations_per_person": 8,
        "conversations": 109560,
        "norm_hours": 36520,
    }
    assert result["norm_hours"] == 148163.9
    assert result["conversations"] == sum(g["conversations"] or 0 for g in result["groups"])


async def test_F7_workload_with_supplied_persons_and_ongoing_basis(client, auth):
    body = {"full_time_persons": {"sickness-benefit": 10.5}, "basis": "ongoing"}
    result = (await client.post("/v1/workload", json=body, headers=auth("101"))).json()
    sickness = next(g for g in result["groups"] if g["key"] == "sickness-benefit")
    assert (sickness["full_time_persons"], sickness["conversations"], sickness["norm_hours"]) == (10.5, 126, 63)


@pytest.mark.parametrize(
    ("body", "code", "rule", "field"),
    [
        ({"full_time_persons": {"astronauts": 3}}, "unknown_workload_group", "F7", "body.full_time_persons"),
        (
            {"full_time_persons": {"sickness-benefit": -1}},
            "request_invalid",
            "F7",
            "body.full_time_persons.sickness-benefit",
        ),
        ({"basis": "forever"}, "request_invalid", "F7", "body.basis"),
        ({"policy": "atlantis"}, "unknown_follow_up_policy", "F2", "body.policy"),
        ({"policy": "legal-minimum"}, "policy_has_no_workload", "F7", "body.policy"),
    ],
)
async def test_F7_workload_bad_input_is_a_problem_naming_the_rule(client, auth, body, code, rule, field):
    response = await client.post("/v1/workload", json=body, headers=auth("101"))
    assert _problem(response, 422, code, rule)["field"] == field


async def test_F2_the_loaded_policies_are_listed_in_their_file_format(client, auth):
    response = await client.get("/v1/follow-up-policies", headers=auth("101"))
    assert response.status_code == 200
    policies = {p["name"]: p for p in response.json()}
    assert set(policies) == {"copenhagen", "legal-minimum"}
    assert policies["copenhagen"]["municipalities"] == ["101"]
    assert policies["legal-minimum"]["cadences"]["unemployment-insurance"]["joint_conversations_after_months"] == [16]


async def test_F7_plans_and_workload_are_pure_computation_without_upstream_calls(client, auth, persona, mock_state):
    body = {"target_group": "rehabilitation", "start_date": date(2027, 1, 31).isoformat()}
    assert (await client.post("/v1/follow-up-plans", json=body, headers=auth("101"))).status_code == 200
    assert (await client.post("/v1/workload", json={}, headers=auth("101"))).status_code == 200
    assert mock_state.journal == [], "pure computation: no upstream call"
    case = await create_case(client, auth, persona("complete-adult"), HANDOVER)
    before = len(mock_state.journal)
    await _case_plan(client, auth, case, "101")
    assert len(mock_state.journal) == before, "a case's plan needs nothing from the operator"
