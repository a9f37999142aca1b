"""Creating and reading contact groups: C1-C8 and M1, through the HTTP surface with the real database."""

from __future__ import annotations

import pytest

from dfdg_broker.cases.schemas import ContactGroupRead
from tests.conftest import TODAY
from tests.helpers import create_body, create_case, days

HANDOVER = TODAY + days(10)


def _problem(response, status: int, code: str, rule: str | None = None) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code
    assert body["status"] == status
    if rule is not None:
        assert body["rule"] == rule
    return body


# ---------------------------------------------------------------- C1


async def test_C1_nothing_can_be_fetched_before_a_case_exists(client, auth, mock_state):
    for path in ("/v1/contact-groups/cg_unknown", "/v1/contact-groups/cg_unknown/data-areas/cv"):
        _problem(await client.get(path, headers=auth("101")), 404, "contact_group_not_found", "C2")
    assert mock_state.journal == [], "no upstream call may happen without a case"


async def test_C1_create_returns_201_with_location_and_opaque_id(client, auth, persona):
    p = persona("complete-adult")
    response = await client.post("/v1/contact-groups", json=create_body(p, HANDOVER), headers=auth("101"))
    assert response.status_code == 201, response.text
    case = response.json()
    assert case["id"].startswith("cg_") and p.cpr not in case["id"]
    assert response.headers["location"] == f"/v1/contact-groups/{case['id']}"
    assert case["person_id"] == p.person.person_id
    assert case["asylum_decision_date"] == p.person.asylum_decision_date.isoformat()
    fetched = await client.get(response.headers["location"], headers=auth("101"))
    assert fetched.status_code == 200
    assert fetched.json()["id"] == case["id"]


async def test_C1_create_answers_the_read_models_json_with_location_and_etag_after_it(client, auth, persona):
    """The create serialises its answer itself (issue 14): the same bytes FastAPI made of the ``response_model``
    (compact, in the model's field order), the bytes the read of the case then answers, and the headers in the order
    FastAPI put them."""
    p = persona("complete-adult")
    response = await client.post("/v1/contact-groups", json=create_body(p, HANDOVER), headers=auth("101"))
    assert response.status_code == 201, response.text
    assert response.headers["content-type"] == "application/json"
    assert response.content == ContactGroupRead.model_validate_json(response.content).model_dump_json().encode()
    assert list(response.json()) == list(ContactGroupRead.model_fields)
    names = [name.decode() for name, _ in response.headers.raw]
    assert [n for n in names if n in {"content-length", "content-type", "location", "etag"}] == [
        "content-length",
        "content-type",
        "location",
        "etag",
    ]
    fetched = await client.get(response.headers["location"], headers=auth("101"))
    assert fetched.content == response.content
    assert fetched.headers["etag"] == response.headers["etag"]


# ---------------------------------------------------------------- C2


async def test_C2_response_masks_the_cpr_number(client, auth, persona):
    p = persona("complete-adult")
    response = await client.post("/v1/contact-groups", json=create_body(p, HANDOVER), headers=auth("101"))
    assert p.cpr not in response.text and p.cpr[6:] not in response.text
    assert response.json()["cpr_masked"] == f"{p.cpr[:6]}-****"


async def test_C2_receiving_and_jobcenter_municipality_both_see_the_case_no_other(client, auth, persona):
    p = persona("binding-cooperation")
    case = await create_case(client, auth, p, HANDOVER, jobcenter_municipality="751")
    assert case["receiving_municipality"] == {"code": "741", "name": "Samsø"}
    assert case["jobcenter_municipality"]["code"] == "751"
    base = f"/v1/contact-groups/{case['id']}"
    for municipality in ("741", "751"):
        assert (await client.get(base, headers=auth(municipality))).status_code == 200
    for path in (
        base,
        *(f"{base}/data-areas/{a}" for a in ("cv", "integration-contract", "other", "attachments")),
    ):
        _problem(await client.get(path, headers=auth("101")), 404, "contact_group_not_found", "C2")


async def test_C2_case_invisible_to_other_municipality_on_attachment_download(client, auth, persona):
    p = persona("complete-adult")
    case = await create_case(client, auth, p, HANDOVER)
    area = (await client.get(f"/v1/contact-groups/{case['id']}/data-areas/attachments", headers=auth("101"))).json()
    attachment_id = area["data"]["attachments"][0]["attachment_id"]
    path = f"/v1/contact-groups/{case['id']}/attachments/{attachment_id}"
    assert (await client.get(path, headers=auth("101"))).status_code == 200
    _problem(await client.get(path, headers=auth("751")), 404, "contact_group_not_found", "C2")


async def test_C2_jobcenter_municipality_can_create_in_binding_cooperation(client, auth, persona):
    p = persona("binding-cooperation")
    case = await create_case(client, auth, p, HANDOVER, jobcenter_municipality="751", caller="751")
    assert case["jobcenter_municipality"]["code"] == "751"


async def test_C2_a_municipality_not_party_to_the_case_cannot_create_it(client, auth, persona, mock_state):
    p = persona("complete-adult")
    response = await client.post("/v1/contact-groups", json=create_body(p, HANDOVER), headers=auth("751"))
    _problem(response, 403, "caller_not_party_to_case", "C2")
    assert mock_state.journal == []


@pytest.mark.parametrize(
    ("cpr", "code"),
    [
        ("12345", "request_invalid"),
        ("31029012345", "cpr_invalid_format"),
        ("3102901234", "cpr_invalid_birth_date"),
    ],
)
async def test_C2_invalid_cpr_is_refused_without_echoing_it(client, auth, persona, cpr, code):
    body = create_body(persona("complete-adult"), HANDOVER, cpr=cpr)
    problem = _problem(await client.post("/v1/contact-groups", json=body, headers=auth("101")), 422, code, "C2")
    assert cpr not in str(problem)
    assert problem["field"] == "body.cpr"


async def test_C2_unknown_municipality_code_is_refused(client, auth, persona):
    body = create_body(persona("complete-adult"), HANDOVER, jobcenter_municipality="999")
    problem = _problem(
        await client.post("/v1/contact-groups", json=body, headers=auth("101")),
        422,
        "municipality_unknown",
        "C2",
    )
    assert problem["field"] == "body.jobcenter_municipality"


async def test_C2_unknown_receiving_municipality_is_a_strangers_create(client, auth, persona):
    """No token names 999, so the caller cannot be that receiving municipality: the stranger's answer."""
    body = create_body(persona("complete-adult"), HANDOVER, receiving_municipality="999")
    _problem(await client.post("/v1/contact-groups", json=body, headers=auth("101")), 403, "caller_not_party_to_case")


async def test_C2_cpr_failing_modulus_11_is_accepted(client, auth, persona):
    p = persona("cpr-1-january-no-modulus-11")
    weights = (4, 3, 2, 7, 6, 5, 4, 3, 2, 1)
    assert sum(int(d) * w for d, w in zip(p.cpr, weights, strict=True)) % 11 != 0
    await create_case(client, auth, p, HANDOVER)


async def test_C2_person_unknown_to_the_operator_for_that_municipality(client, auth, persona, mock_state):
    p = persona("complete-adult")
    body = create_body(p, HANDOVER, receiving_municipality="751")
    _problem(
        await client.post("/v1/contact-groups", json=body, headers=auth("751")),
        422,
        "person_unknown_at_operator",
        "C2",
    )


async def test_C2_second_create_for_same_citizen_and_municipality_is_409_pointing_at_the_case(client, auth, persona):
    p = persona("complete-adult")
    first = await create_case(client, auth, p, HANDOVER)
    response = await client.post("/v1/contact-groups", json=create_body(p, HANDOVER), headers=auth("101"))
    problem = _problem(response, 409, "contact_group_exists", "C2")
    assert problem["existing_id"] == first["id"]
    assert problem["existing_href"] == f"/v1/contact-groups/{first['id']}"


# ---------------------------------------------------------------- C3


@pytest.mark.parametrize("group", [17, 18, 19, 20, 27])
async def test_C3_each_allowed_contact_group_is_accepted(client, auth, persona, group):
    case = await create_case(client, auth, persona("complete-adult"), HANDOVER, contact_group=group)
    assert case["contact_group"]["code"] == group
    assert case["contact_group"]["name"]


@pytest.mark.parametrize("group", [16, 21, 26, 28, 0, "syv"])
async def test_C3_any_other_contact_group_is_refused(client, auth, persona, group, mock_state):
    body = create_body(persona("complete-adult"), HANDOVER, contact_group=group)
    problem = _problem(
        await client.post("/v1/contact-groups", json=body, headers=auth("101")), 422, "request_invalid", "C3"
    )
    assert problem["field"] == "body.contact_group"
    assert mock_state.journal == []


# ---------------------------------------------------------------- C4


async def test_C4_handover_date_is_required(client, auth, persona):
    body = create_body(persona("complete-adult"), HANDOVER)
    del body["handover_date"]
    problem = _problem(
        await client.post("/v1/contact-groups", json=body, headers=auth("101")), 422, "request_invalid", "C4"
    )
    assert problem["invalid_params"][0]["field"] == "body.handover_date"


async def test_C4_handover_date_must_be_a_date(client, auth, persona):
    body = create_body(persona("complete-adult"), HANDOVER, handover_date="1. december")
    _problem(await client.post("/v1/contact-groups", json=body, headers=auth("101")), 422, "request_invalid", "C4")


# ---------------------------------------------------------------- C5


async def test_C5_missing_early_dates_equal_the_handover_date(client, auth, persona):
    case = await create_case(client, auth, persona("complete-adult"), HANDOVER)
    assert case["dates"]["effective_cv_date"] == HANDOVER.isoformat()
    assert case["dates"]["effective_contract_date"] == HANDOVER.isoformat()
    assert case["dates"]["early_takeover_cv"] is None


async def test_C5_early_dates_on_or_before_handover_are_effective(client, auth, persona):
    case = await create_case(
        client,
        auth,
        persona("complete-adult"),
        HANDOVER,
        early_takeover_cv=HANDOVER - days(5),
        early_takeover_contract=HANDOVER,
    )
    assert case["dates"]["effective_cv_date"] == (HANDOVER - days(5)).isoformat()
    assert case["dates"]["effective_contract_date"] == HANDOVER.isoformat()


@pytest.mark.parametrize("field", ["early_takeover_cv", "early_takeover_contract"])
async def test_C5_early_date_the_day_after_handover_is_refused(client, auth, persona, field, mock_state):
    body = create_body(persona("complete-adult"), HANDOVER, **{field: HANDOVER + days(1)})
    problem = _problem(
        await client.post("/v1/contact-groups", json=body, headers=auth("101")),
        422,
        "early_takeover_after_handover",
        "C5",
    )
    assert problem["field"] == f"body.{field}"
    assert mock_state.journal == []


# ---------------------------------------------------------------- C6


async def test_C6_deadline_defaults_to_handover_plus_60_days(client, auth, persona):
    case = await create_case(client, auth, persona("complete-adult"), HANDOVER)
    assert case["dates"]["cv_update_deadline"] == (HANDOVER + days(60)).isoformat()


async def test_C6_deadline_of_handover_plus_60_days_is_accepted(client, auth, persona):
    case = await create_case(client, auth, persona("complete-adult"), HANDOVER, cv_update_deadline=HANDOVER + days(60))
    assert case["cv_window"]["closes_on"] == (HANDOVER + days(60)).isoformat()


async def test_C6_deadline_later_than_handover_plus_60_days_is_refused(client, auth, persona):
    body = create_body(persona("complete-adult"), HANDOVER, cv_update_deadline=HANDOVER + days(61))
    problem = _problem(
        await client.post("/v1/contact-groups", json=body, headers=auth("101")),
        422,
        "cv_deadline_too_late",
        "C6",
    )
    assert problem["field"] == "body.cv_update_deadline"
    assert problem["latest_allowed"] == (HANDOVER + days(60)).isoformat()


async def test_C6_deadline_on_the_effective_cv_date_is_accepted(client, auth, persona):
    early = HANDOVER - days(3)
    await create_case(
        client, auth, persona("complete-adult"), HANDOVER, early_takeover_cv=early, cv_update_deadline=early
    )


async def test_C6_deadline_before_the_effective_cv_date_is_refused(client, auth, persona):
    early = HANDOVER - days(3)
    body = create_body(persona("complete-adult"), HANDOVER, early_takeover_cv=early, cv_update_deadline=early - days(1))
    _problem(
        await client.post("/v1/contact-groups", json=body, headers=auth("101")),
        422,
        "cv_deadline_before_cv_date",
        "C6",
    )


# ---------------------------------------------------------------- C7


async def test_C7_existing_jobnet_profile_is_used(client, auth, persona, mock_state):
    p = persona("complete-adult")
    assert p.jobnet_cv_number is not None
    case = await create_case(client, auth, p, HANDOVER)
    assert case["jobnet"] == {"cv_number": p.jobnet_cv_number, "created_by_broker": False}
    assert not [e for e in mock_state.journal if e.operation == "jobnet.create_profile"]


async def test_C7_missing_jobnet_profile_is_created(client, auth, persona, mock_client):
    p = persona("no-jobnet-profile-minimal")
    assert p.jobnet_cv_number is None
    case = await create_case(client, auth, p, HANDOVER)
    assert case["jobnet"]["created_by_broker"] is True
    profiles = (await mock_client.get("/admin/jobnet/profiles")).json()
    assert {"person_id": p.person.person_id, "cv_number": case["jobnet"]["cv_number"]} in profiles
    created = (await mock_client.get("/admin/journal", params={"operation": "jobnet.create_profile"})).json()
    assert [e["person_id"] for e in created] == [p.person.person_id]


# ---------------------------------------------------------------- C8, G2, G3 as the case shows them


async def test_C8_login_code_task_pending_from_the_day_after_the_deadline(client, auth, persona, clock):
    deadline = HANDOVER + days(20)
    case = await create_case(client, auth, persona("complete-adult"), HANDOVER, cv_update_deadline=deadline)
    path = f"/v1/contact-groups/{case['id']}"
    clock.set(deadline)
    assert (await client.get(path, headers=auth("101"))).json()["tasks"] == []
    clock.set(deadline + days(1))
    tasks = (await client.get(path, headers=auth("101"))).json()["tasks"]
    assert [(t["code"], t["rule"], t["due_from"], t["status"]) for t in tasks] == [
        ("hand_over_jobnet_login_codes", "C8", (deadline + days(1)).isoformat(), "pending")
    ]


async def test_G2_G3_cv_window_day_before_on_and_after(client, auth, persona, clock):
    early = HANDOVER - days(4)
    deadline = HANDOVER + days(30)
    case = await create_case(
        client,
        auth,
        persona("complete-adult"),
        HANDOVER,
        early_takeover_cv=early,
        cv_update_deadline=deadline,
    )
    path = f"/v1/contact-groups/{case['id']}"

    async def window_on(day):
        clock.set(day)
        return (await client.get(path, headers=auth("101"))).json()["cv_window"]

    assert (await window_on(early - days(1)))["state"] == "not_yet_open"
    assert (await window_on(early)) == {
        "opens_on": early.isoformat(),
        "closes_on": deadline.isoformat(),
        "state": "jobcenter",
        "jobcenter_may_edit": True,
    }
    assert (await window_on(deadline))["jobcenter_may_edit"] is True
    after = await window_on(deadline + days(1))
    assert after["state"] == "citizen" and after["jobcenter_may_edit"] is False


async def test_G2_integration_contract_can_be_formed_from_the_effective_contract_date(client, auth, persona, clock):
    early = HANDOVER - days(2)
    case = await create_case(client, auth, persona("complete-adult"), HANDOVER, early_takeover_contract=early)
    path = f"/v1/contact-groups/{case['id']}"
    clock.set(early - days(1))
    assert (await client.get(path, headers=auth("101"))).json()["integration_contract"] == {
        "can_be_formed_from": early.isoformat(),
        "can_be_formed_now": False,
    }
    clock.set(early)
    assert (await client.get(path, headers=auth("101"))).json()["integration_contract"]["can_be_formed_now"] is True


# ---------------------------------------------------------------- M1


async def test_M1_under_15_without_special_procedure_is_refused_and_says_what_to_do(client, auth, persona, mock_state):
    p = persona("unaccompanied-minor-14")
    body = create_body(p, HANDOVER)
    problem = _problem(
        await client.post("/v1/contact-groups", json=body, headers=auth(p.person.receiving_municipality)),
        422,
        "minor_under_15_requires_special_procedure",
        "M1",
    )
    assert "landssupporten" in problem["detail"]
    assert problem["field"] == "body.special_procedure_ref"
    assert mock_state.journal == []


async def test_M1_under_15_with_special_procedure_reference_is_created_and_keeps_it(client, auth, persona):
    p = persona("unaccompanied-minor-14")
    case = await create_case(client, auth, p, HANDOVER, special_procedure_ref="LS-2026-000114")
    assert case["special_procedure_ref"] == "LS-2026-000114"


async def test_M1_day_before_15th_birthday_is_refused_and_on_it_allowed(client, auth, persona, clock):
    p = persona("minor-turns-15-soon")
    birthday = p.person.birth_date.replace(year=p.person.birth_date.year + 15)
    clock.set(birthday - days(1))
    body = create_body(p, HANDOVER)
    response = await client.post("/v1/contact-groups", json=body, headers=auth(p.person.receiving_municipality))
    _problem(response, 422, "minor_under_15_requires_special_procedure", "M1")
    clock.set(birthday)
    await create_case(client, auth, p, HANDOVER)


async def test_nothing_is_stored_when_the_upstream_is_down_at_create(client, auth, persona, upstream):
    p = persona("complete-adult")
    upstream.down = True
    response = await client.post("/v1/contact-groups", json=create_body(p, HANDOVER), headers=auth("101"))
    problem = _problem(response, 503, "upstream_unavailable")
    assert int(response.headers["retry-after"]) > 0
    assert problem["system"] == "letasyl"
    upstream.down = False
    await create_case(client, auth, p, HANDOVER)  # 201, not 409: the failed attempt left nothing behind


async def test_C2_cpr_in_non_ascii_digits_is_refused(client, auth, persona):
    arabic_indic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    p = persona("complete-adult")
    body = create_body(p, HANDOVER, cpr=p.cpr.translate(arabic_indic))
    _problem(await client.post("/v1/contact-groups", json=body, headers=auth("101")), 422, "cpr_invalid_format", "C2")
