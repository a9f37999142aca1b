"""The Jobnet CV over HTTP: the draft (N1-N17, DA-Q, G1 via DA1), the submit (G2-G4) and the mock Jobnet."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.conftest import TODAY
from tests.helpers import create_case, days


async def _case(client, auth, persona, key: str, **dates: Any) -> tuple[dict[str, Any], dict[str, str]]:
    """A case whose CV window is open today (early CV takeover today) unless dates say otherwise."""
    p = persona(key)
    dates = {"early_takeover_cv": TODAY, **dates}
    case = await create_case(client, auth, p, TODAY + days(10), **dates)
    return case, auth(p.person.receiving_municipality)


async def _draft(client, auth, persona, key: str, **dates: Any) -> tuple[dict[str, Any], dict[str, Any], dict]:
    case, headers = await _case(client, auth, persona, key, **dates)
    response = await client.post(f"/v1/contact-groups/{case['id']}/jobnet-cv/draft", headers=headers)
    assert response.status_code == 200, response.text
    return case, response.json(), headers


async def _draft_of(client, auth, persona, key: str) -> dict[str, Any]:
    _case, draft, _headers = await _draft(client, auth, persona, key)
    return draft


def _codes(draft: dict[str, Any]) -> set[str]:
    return {f["code"] for f in draft["findings"]}


def _finding(draft: dict[str, Any], code: str) -> dict[str, Any]:
    return next(f for f in draft["findings"] if f["code"] == code)


# ---------------------------------------------------------------- the draft


async def test_N15_draft_takes_name_and_address_from_the_cpr_register(client, auth, persona):
    p = persona("free-text-job-titles")
    draft = await _draft_of(client, auth, persona, "free-text-job-titles")
    register = p.cpr_register
    assert draft["cv"]["name"] == {"first_name": register.first_name, "last_name": register.last_name}
    assert draft["cv"]["address"] == {
        "street": register.street,
        "postal_code": register.postal_code,
        "city": register.city,
    }
    finding = _finding(draft, "n15_name_from_register")
    assert finding["original"] == f"{p.person.first_name} {p.person.last_name}" and finding["changed"] is True


async def test_N1_N2_placeholders_everywhere_leaves_no_placeholder_and_flags_mandatory_fields(client, auth, persona):
    draft = await _draft_of(client, auth, persona, "placeholders-everywhere")
    cv = draft["cv"]
    assert cv["jobs_wanted"] == [] and cv["work_experience"] == [] and cv["education"] == []
    assert cv["contact"] == {"phone": None, "email": None} and cv["website"] is None
    assert cv["professional_profile"] is None
    assert "n1_entry_removed" in _codes(draft) and "n1_placeholder_removed" in _codes(draft)
    missing = _finding(draft, "n2_jobs_wanted_missing")
    assert missing["severity"] == "blocking" and missing["rule"] == "N2"
    assert draft["ready_to_submit"] is False and draft["counts"]["blocking"] >= 1
    for finding in draft["findings"]:
        assert finding["message_da"] and finding["message_en"] and finding["path"].startswith("$")


async def test_N2_mandatory_hint_is_taken_from_the_professional_profile(client, auth, persona, mock_client):
    p = persona("education-andet")
    cv = p.cv.model_dump(mode="json") | {"jobs_wanted": []}
    await mock_client.put(f"/admin/personas/{p.person.person_id}/data-areas/cv", json=cv)
    draft = await _draft_of(client, auth, persona, "education-andet")
    assert "omsorg for ældre eller børn" in _finding(draft, "n2_jobs_wanted_missing")["message_da"]


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("complete-adult", "+4520123456"),
        ("german-phone", "+4915123456789"),
        ("swedish-phone-national-format", "+46701234567"),
        ("danish-phone-without-prefix", "+4528471593"),
        ("third-person-descriptions", "+4527364815"),
    ],
)
async def test_N16_danish_german_swedish_phones_are_carried_in_E164_as_mobile(client, auth, persona, key, expected):
    draft = await _draft_of(client, auth, persona, key)
    assert draft["cv"]["contact"]["phone"] == {"number": expected, "kind": "mobile"}


@pytest.mark.parametrize("key", ["foreign-phone", "unclassified-qualifications", "dk-phone-and-email-mixed-junk"])
async def test_N16_other_phones_stay_out_with_a_finding_pointing_to_DA3(client, auth, persona, key):
    p = persona(key)
    case, draft, headers = await _draft(client, auth, persona, key)
    assert draft["cv"]["contact"]["phone"] is None
    finding = _finding(draft, "n16_phone_not_accepted")
    assert finding["original"] == p.cv.contact.phone.strip() and "DA3" in finding["message_en"]
    other = (await client.get(f"/v1/contact-groups/{case['id']}/data-areas/other", headers=headers)).json()
    assert other["data"]["raw_contact"]["phone"] == p.cv.contact.phone


async def test_N17_invalid_email_stays_out_and_a_trimmed_valid_one_is_carried(client, auth, persona):
    draft = await _draft_of(client, auth, persona, "invalid-email")
    assert draft["cv"]["contact"]["email"] is None
    assert _finding(draft, "n17_email_invalid")["original"] == "ahmad.hotmail.com"
    draft = await _draft_of(client, auth, persona, "dk-phone-and-email-mixed-junk")
    assert draft["cv"]["contact"]["email"] == "ghirmay.yonas@example.com"


async def test_N6_education_level_andet_is_blocking_with_the_jobnet_levels_as_suggestions(client, auth, persona):
    draft = await _draft_of(client, auth, persona, "education-andet")
    andet = [f for f in draft["findings"] if f["code"] == "n6_level_andet"]
    assert [f["path"] for f in andet] == ["$.education[0].level", "$.education[1].level"]
    assert all(f["severity"] == "blocking" for f in andet)
    assert {"Grundskole", "Erhvervsuddannelse", "Bachelor"} <= {s["value"] for s in andet[0]["suggestions"]}
    years = [f for f in draft["findings"] if f["code"] == "n6_year_missing"]
    assert years and all(f["severity"] == "review" for f in years)
    assert draft["cv"]["education"][0]["description"].startswith("Forløbet varede ca. 18 måneder")


async def test_N4_N5_free_text_titles_get_ranked_suggestions_never_a_replacement(client, auth, persona):
    draft = await _draft_of(client, auth, persona, "free-text-job-titles")
    titles = [job["title"] for job in draft["cv"]["jobs_wanted"]]
    assert titles == ["Køkkenmedhjælper", "alt muligt mand", "arbejde med biler", "Kok"]
    n4 = [f for f in draft["findings"] if f["code"] == "n4_title_not_classified"]
    assert {f["severity"] for f in n4} == {"blocking"}
    assert n4[0]["suggestions"][0] == {
        "value": "Altmuligmand",
        "code": "9622",
        "score": n4[0]["suggestions"][0]["score"],
    }
    mechanic = next(f for f in draft["findings"] if f["path"] == "$.work_experience[1].title")
    assert mechanic["code"] == "n5_title_not_classified" and mechanic["severity"] == "review"
    assert mechanic["suggestions"][0]["value"] == "Mekaniker"
    assert draft["cv"]["work_experience"][1]["title"] == "Mekanikker"


async def test_N9_N10_unclassified_qualifications_and_foreign_licence_details_go_to_the_profile(client, auth, persona):
    draft = await _draft_of(client, auth, persona, "unclassified-qualifications")
    assert [q["code"] for q in draft["cv"]["qualifications"]] == ["70110", "70342", "70156"]
    assert "Kvalifikation: Regnskab i 1C-systemet" in draft["cv"]["professional_profile"]
    draft = await _draft_of(client, auth, persona, "driving-licences-mixed")
    assert draft["cv"]["driving_licences"] == ["B", "CE", "TR", "D1"]
    assert "Kørekort: Internationalt kørekort" in draft["cv"]["professional_profile"]


async def test_N13_igu_suggestion_names_what_was_and_was_not_checked(client, auth, persona):
    draft = await _draft_of(client, auth, persona, "igu-candidate")
    igu = _finding(draft, "n13_igu_candidate")
    assert igu["severity"] == "review" and igu["suggestions"] == [
        {"value": "Kandidat til IGU", "code": None, "score": None},
        {"value": "IGU", "code": None, "score": None},  # N13 (revised): or simply 'IGU'
    ]
    assert "age 18-50 (is 30)" in igu["message_en"] and "Not checked" in igu["message_en"]
    assert "Kandidat til IGU" not in (draft["cv"]["professional_profile"] or ""), "the caseworker confirms it"
    draft = await _draft_of(client, auth, persona, "igu-too-old")
    assert "n13_igu_candidate" not in _codes(draft)


async def test_N14_invalid_website_is_left_out(client, auth, persona):
    draft = await _draft_of(client, auth, persona, "website-invalid")
    assert draft["cv"]["website"] is None and _finding(draft, "n14_website_invalid")["original"] == "www.mitfirma"
    draft = await _draft_of(client, auth, persona, "complete-adult")
    assert draft["cv"]["website"] == "https://www.linkedin.com/in/omar-haddad-elektriker"


async def test_DA_Q_third_person_descriptions_get_review_findings(client, auth, persona):
    draft = await _draft_of(client, auth, persona, "third-person-descriptions")
    paths = {f["path"] for f in draft["findings"] if f["code"] == "daq_third_person"}
    assert {"$.work_experience[0].description", "$.professional_profile"} <= paths
    assert all(f["severity"] == "review" for f in draft["findings"] if f["code"] == "daq_third_person")


async def test_N7_N8_N12_dates_durations_validity_and_documentation_are_carried_over(client, auth, persona):
    p = persona("courses-and-certificates")
    draft = await _draft_of(client, auth, persona, "courses-and-certificates")
    course = draft["cv"]["courses"][1]
    assert course == p.cv.courses[1].model_dump()
    certificate = draft["cv"]["certificates"][0]
    assert (certificate["valid_from"], certificate["valid_to"]) == ("2012-07", "2022-07")
    assert "Kopi medbragt" in certificate["description"]
    assert _finding(draft, "n8_certificate_expired")["path"] == "$.certificates[0].valid_to"
    p = persona("other-experience")
    draft = await _draft_of(client, auth, persona, "other-experience")
    assert draft["cv"]["other_experience"][0] == p.cv.other_experience[0].model_dump()


async def test_N11_languages_are_not_in_the_cv(client, auth, persona):
    draft = await _draft_of(client, auth, persona, "languages-rich")
    assert "languages" not in draft["cv"] and "formal_education_assessment" not in draft["cv"]


async def test_G1_draft_after_the_cv_date_uses_the_frozen_snapshot(client, auth, persona, clock, mock_client):
    p = persona("complete-adult")
    case, headers = await _case(client, auth, persona, "complete-adult")
    clock.set(TODAY + days(1))  # the CV date has passed: DA1 is frozen with today's snapshot
    changed = p.cv.model_dump(mode="json") | {"professional_profile": "Ændret efter overtagelsen."}
    await mock_client.put(f"/admin/personas/{p.person.person_id}/data-areas/cv", json=changed)
    draft = (await client.post(f"/v1/contact-groups/{case['id']}/jobnet-cv/draft", headers=headers)).json()
    assert draft["source"]["da1_mode"] == "frozen"
    assert draft["cv"]["professional_profile"].startswith("Uddannet elektriker")


async def test_draft_is_refused_to_another_municipality(client, auth, persona):
    case, _headers = await _case(client, auth, persona, "complete-adult")
    response = await client.post(f"/v1/contact-groups/{case['id']}/jobnet-cv/draft", headers=auth("751"))
    assert response.status_code == 404 and response.json()["code"] == "contact_group_not_found"


async def test_draft_without_the_cpr_register_is_503(client, auth, persona, upstream):
    case, headers = await _case(client, auth, persona, "complete-adult")
    upstream.down = True
    response = await client.post(f"/v1/contact-groups/{case['id']}/jobnet-cv/draft", headers=headers)
    assert response.status_code == 503 and response.json()["code"] == "upstream_unavailable"
    assert "1204882211" not in response.text


async def test_N15_a_citizen_unknown_to_the_cpr_register_is_422(client, auth, persona, upstream, monkeypatch):
    case, headers = await _case(client, auth, persona, "complete-adult")
    forward = upstream.handle_async_request

    async def register_without_the_citizen(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/cpr/v1/person-lookups":
            return httpx.Response(404, request=request)
        return await forward(request)

    monkeypatch.setattr(upstream, "handle_async_request", register_without_the_citizen)
    response = await client.post(f"/v1/contact-groups/{case['id']}/jobnet-cv/draft", headers=headers)
    assert response.status_code == 422
    assert response.json()["code"] == "person_unknown_in_cpr_register" and response.json()["rule"] == "N15"


async def test_N13_when_the_operator_does_not_answer_the_date_of_entry_is_named_as_unchecked(
    client, auth, persona, upstream, clock, monkeypatch
):
    case, headers = await _case(client, auth, persona, "igu-candidate")
    clock.set(TODAY + days(1))  # DA1 frozen: the draft needs the operator only for the person's date of entry
    await client.get(f"/v1/contact-groups/{case['id']}/data-areas/cv", headers=headers)
    forward = upstream.handle_async_request

    async def operator_down(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/letasyl/"):
            raise httpx.ConnectError("operator down", request=request)
        return await forward(request)

    monkeypatch.setattr(upstream, "handle_async_request", operator_down)
    response = await client.post(f"/v1/contact-groups/{case['id']}/jobnet-cv/draft", headers=headers)
    assert response.status_code == 200, response.text
    igu = _finding(response.json(), "n13_igu_candidate")
    assert "Not checked: resident in Denmark at most 20 years" in igu["message_en"]
    assert "Ikke kontrolleret: bosat i Danmark højst 20 år" in igu["message_da"]


# ---------------------------------------------------------------- the submit


def _ready(draft: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return draft["cv"] | changes


async def test_G3_submit_sends_the_cv_to_jobnet_under_the_cv_number_and_records_it(client, auth, persona, mock_client):
    case, draft, headers = await _draft(client, auth, persona, "complete-adult")
    assert draft["ready_to_submit"] is True
    response = await client.put(f"/v1/contact-groups/{case['id']}/jobnet-cv", json=_ready(draft), headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["jobnet_status"] == "Klar til kvalitetssikring" and body["cv_number"] == 4100001
    assert body["cv"] == draft["cv"] and body["submitted_by_municipality"] == "101"
    received = (await mock_client.get("/admin/jobnet/cvs/4100001")).json()
    assert received["cv"] == draft["cv"] and received["version"] == 1
    last = await client.get(f"/v1/contact-groups/{case['id']}/jobnet-cv", headers=headers)
    assert last.status_code == 200 and last.json() == body


async def test_G3_submit_again_replaces_the_cv_and_the_last_submission_is_shown(client, auth, persona, mock_client):
    case, draft, headers = await _draft(client, auth, persona, "complete-adult")
    url = f"/v1/contact-groups/{case['id']}/jobnet-cv"
    await client.put(url, json=_ready(draft), headers=headers)
    edited = _ready(draft, professional_profile="Elektriker med 12 års erfaring.")
    assert (await client.put(url, json=edited, headers=headers)).status_code == 200
    assert (await mock_client.get("/admin/jobnet/cvs/4100001")).json()["version"] == 2
    assert (await client.get(url, headers=headers)).json()["cv"]["professional_profile"].startswith("Elektriker med")


async def test_get_jobnet_cv_before_any_submission_is_404(client, auth, persona):
    case, headers = await _case(client, auth, persona, "complete-adult")
    response = await client.get(f"/v1/contact-groups/{case['id']}/jobnet-cv", headers=headers)
    assert response.status_code == 404 and response.json()["code"] == "jobnet_cv_not_submitted"


async def test_G2_submit_before_the_effective_cv_date_is_409_with_the_window(client, auth, persona, mock_client):
    case, draft, headers = await _draft(client, auth, persona, "complete-adult", early_takeover_cv=TODAY + days(3))
    response = await client.put(f"/v1/contact-groups/{case['id']}/jobnet-cv", json=_ready(draft), headers=headers)
    assert response.status_code == 409
    problem = response.json()
    assert problem["rule"] == "G2" and problem["code"] == "cv_window_not_open"
    assert (problem["opens_on"], problem["closes_on"]) == (
        (TODAY + days(3)).isoformat(),
        (TODAY + days(63)).isoformat(),  # C6 (revised): the early CV date + 60 days
    )
    assert (await mock_client.get("/admin/jobnet/cvs")).json() == []


async def test_G3_submit_after_the_deadline_is_409_with_the_window(client, auth, persona, clock):
    case, draft, headers = await _draft(client, auth, persona, "complete-adult")
    url = f"/v1/contact-groups/{case['id']}/jobnet-cv"
    clock.set(TODAY + days(60))  # the deadline itself (C6: early CV date + 60): still the jobcenter's day
    assert (await client.put(url, json=_ready(draft), headers=headers)).status_code == 200
    clock.set(TODAY + days(61))
    response = await client.put(url, json=_ready(draft), headers=headers)
    assert response.status_code == 409
    assert response.json()["rule"] == "G3" and response.json()["closes_on"] == (TODAY + days(60)).isoformat()


async def test_G4_searchable_without_consent_is_422(client, auth, persona):
    case, draft, headers = await _draft(client, auth, persona, "complete-adult")
    url = f"/v1/contact-groups/{case['id']}/jobnet-cv"
    response = await client.put(url, json=_ready(draft, searchable=True), headers=headers)
    assert response.status_code == 422
    assert response.json()["rule"] == "G4" and response.json()["field"] == "body.searchable"


async def test_N18_searchable_with_consent_needs_terms_of_employment(client, auth, persona):
    case, draft, headers = await _draft(client, auth, persona, "complete-adult")
    url = f"/v1/contact-groups/{case['id']}/jobnet-cv"
    response = await client.put(url, json=_ready(draft, searchable=True, consent=True), headers=headers)
    assert response.status_code == 422 and response.json()["code"] == "cv_has_blocking_findings"
    assert {f["code"] for f in response.json()["findings"]} == {"n2_searchable_needs_employment_terms"}
    ready = _ready(draft, searchable=True, consent=True, employment_terms=["full_time"])
    response = await client.put(url, json=ready, headers=headers)
    assert response.status_code == 200 and response.json()["searchable"] is True


async def test_N1_submit_refuses_a_placeholder(client, auth, persona, mock_client):
    case, draft, headers = await _draft(client, auth, persona, "complete-adult")
    cv = _ready(draft, website="  ikke OPLYST ")
    response = await client.put(f"/v1/contact-groups/{case['id']}/jobnet-cv", json=cv, headers=headers)
    assert response.status_code == 422
    problem = response.json()
    assert problem["rule"] == "N1" and problem["code"] == "cv_holds_placeholders"
    assert problem["findings"][0]["path"] == "$.website" and problem["field"] == "body.website"
    assert (await mock_client.get("/admin/jobnet/cvs")).json() == []


async def test_N6_submit_refuses_blocking_findings_and_lists_them(client, auth, persona):
    case, draft, headers = await _draft(client, auth, persona, "education-andet")
    url = f"/v1/contact-groups/{case['id']}/jobnet-cv"
    response = await client.put(url, json=_ready(draft), headers=headers)
    assert response.status_code == 422
    listed = response.json()["findings"]
    assert {f["code"] for f in listed} == {"n6_level_andet"} and all(f["severity"] == "blocking" for f in listed)
    assert response.json()["field"] == "body.education[0].level"
    fixed = _ready(draft)
    fixed["education"] = [e | {"level": "Erhvervsuddannelse"} for e in fixed["education"]]
    assert (await client.put(url, json=fixed, headers=headers)).status_code == 200


async def test_N15_submit_uses_the_register_name_whatever_the_body_says(client, auth, persona, mock_client):
    case, draft, headers = await _draft(client, auth, persona, "complete-adult")
    cv = _ready(draft, name={"first_name": "X", "last_name": "Y"})
    response = await client.put(f"/v1/contact-groups/{case['id']}/jobnet-cv", json=cv, headers=headers)
    assert response.status_code == 200
    assert (await mock_client.get("/admin/jobnet/cvs/4100001")).json()["cv"]["name"] == draft["cv"]["name"]


async def test_submit_with_an_unknown_field_is_422(client, auth, persona):
    case, draft, headers = await _draft(client, auth, persona, "complete-adult")
    response = await client.put(
        f"/v1/contact-groups/{case['id']}/jobnet-cv", json=_ready(draft, langauges=[]), headers=headers
    )
    assert response.status_code == 422 and response.json()["code"] == "request_invalid"


async def test_submit_when_jobnet_is_down_is_503_and_nothing_is_recorded(client, auth, persona, upstream, monkeypatch):
    case, draft, headers = await _draft(client, auth, persona, "complete-adult")
    url = f"/v1/contact-groups/{case['id']}/jobnet-cv"
    forward = upstream.handle_async_request

    async def jobnet_cvs_down(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/jobnet/v1/cvs/"):
            return httpx.Response(503, request=request)
        return await forward(request)

    monkeypatch.setattr(upstream, "handle_async_request", jobnet_cvs_down)
    response = await client.put(url, json=_ready(draft), headers=headers)
    assert response.status_code == 503 and response.json()["system"] == "jobnet"
    assert (await client.get(url, headers=headers)).status_code == 404


@pytest.mark.parametrize(
    "key",
    ["complete-adult", "german-phone", "swedish-phone-national-format", "courses-and-certificates", "other-experience"],
)
async def test_a_draft_without_blocking_findings_passes_the_submit(client, auth, persona, key):
    case, draft, headers = await _draft(client, auth, persona, key)
    assert draft["ready_to_submit"] is True, [f for f in draft["findings"] if f["severity"] == "blocking"]
    response = await client.put(f"/v1/contact-groups/{case['id']}/jobnet-cv", json=draft["cv"], headers=headers)
    assert response.status_code == 200, response.text
    assert response.json()["cv"] == draft["cv"]


async def test_N15_drafts_ask_the_cpr_register_and_the_operator_once_per_case_and_day(
    client, auth, persona, clock, mock_client
):
    p = persona("complete-adult")
    case, headers = await _case(client, auth, persona, "complete-adult")
    clock.set(TODAY + days(1))  # DA1 frozen: the draft needs no operator call for the CV itself
    path = f"/v1/contact-groups/{case['id']}/jobnet-cv/draft"

    async def calls(operation: str) -> int:
        params = {"operation": operation, "person_id": p.person.person_id}
        return int((await mock_client.get("/admin/journal/count", params=params)).json()["count"])

    before = {op: await calls(op) for op in ("cpr.lookup_person", "letasyl.lookup_person", "letasyl.area.cv")}
    first = (await client.post(path, headers=headers)).json()
    second = (await client.post(path, headers=headers)).json()
    assert second == first
    assert await calls("cpr.lookup_person") == before["cpr.lookup_person"] + 1
    assert await calls("letasyl.lookup_person") == before["letasyl.lookup_person"] + 1
    assert await calls("letasyl.area.cv") == before["letasyl.area.cv"], "frozen DA1 comes from the database"

    moved = p.cpr_register.model_dump(mode="json") | {"street": "Ny Vej 1"}
    await mock_client.put(
        f"/admin/personas/{p.person.person_id}", json=p.model_dump(mode="json") | {"cpr_register": moved}
    )
    assert (await client.post(path, headers=headers)).json()["cv"]["address"]["street"] != "Ny Vej 1"
    clock.set(TODAY + days(2))  # the next day the register is asked again
    assert (await client.post(path, headers=headers)).json()["cv"]["address"]["street"] == "Ny Vej 1"
    assert await calls("cpr.lookup_person") == before["cpr.lookup_person"] + 2


async def test_N15_concurrent_first_drafts_of_a_day_ask_the_cpr_register_and_the_operator_once(
    client, auth, persona, clock, mock_client
):
    p = persona("complete-adult")
    case, headers = await _case(client, auth, persona, "complete-adult")
    clock.set(TODAY + days(1))  # a new day: nothing is held about the citizen for it yet
    path = f"/v1/contact-groups/{case['id']}/jobnet-cv/draft"

    async def calls(operation: str) -> int:
        params = {"operation": operation, "person_id": p.person.person_id}
        return int((await mock_client.get("/admin/journal/count", params=params)).json()["count"])

    before = {op: await calls(op) for op in ("cpr.lookup_person", "letasyl.lookup_person")}
    for system in ("cpr", "letasyl"):  # slow answers: the drafts all ask before the first answer comes
        fault = {"system": system, "kind": "delay", "delay_ms": 50, "times": 5}
        assert (await mock_client.post("/admin/faults", json=fault)).status_code == 201
    drafts = await asyncio.gather(*(client.post(path, headers=headers) for _ in range(5)))

    assert [d.status_code for d in drafts] == [200] * 5
    assert await calls("cpr.lookup_person") == before["cpr.lookup_person"] + 1
    assert await calls("letasyl.lookup_person") == before["letasyl.lookup_person"] + 1


async def test_N16_a_german_fixed_line_blocks_the_submit_until_corrected(client, auth, persona, mock_client):
    """N16 (revised): "if it is not a mobile number, it must be corrected before the CV is saved on Jobnet"."""
    p = persona("complete-adult")
    held = (await mock_client.get(f"/admin/personas/{p.person.person_id}")).json()["cv"]
    held["contact"]["phone"] = "+49 30 12345678"  # a Berlin fixed line
    assert (await mock_client.put(f"/admin/personas/{p.person.person_id}/data-areas/cv", json=held)).status_code == 200
    case, draft, headers = await _draft(client, auth, persona, "complete-adult")
    assert draft["ready_to_submit"] is False
    assert [f["severity"] for f in draft["findings"] if f["code"] == "n16_landline_marked_mobile"] == ["blocking"]
    url = f"/v1/contact-groups/{case['id']}/jobnet-cv"

    refused = await client.put(url, json=_ready(draft), headers=headers)

    assert refused.status_code == 422 and refused.json()["code"] == "cv_has_blocking_findings"
    assert {f["code"] for f in refused.json()["findings"]} == {"n16_landline_marked_mobile"}
    corrected = _ready(
        draft, contact=draft["cv"]["contact"] | {"phone": {"number": "+4915123456789", "kind": "mobile"}}
    )
    assert (await client.put(url, json=corrected, headers=headers)).status_code == 200
