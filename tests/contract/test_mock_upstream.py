"""The mock upstream (LetAsyl, Jobnet, CPR register, admin API) through HTTP, and its persona fixtures."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

import httpx
import pytest

from dfdg_broker.domain.cpr import age_on, parse
from dfdg_broker.letasyl.schemas import AREA_MODELS, AttachmentsArea, CvArea
from dfdg_broker.mock import pdf
from dfdg_broker.mock.app import create_mock_app
from dfdg_broker.mock.fixtures import Persona, persona_files
from dfdg_broker.mock.state import MockState
from tests.conftest import TODAY

PROBLEM_JSON = "application/problem+json"
AREAS = ["cv", "integration-contract", "other", "attachments"]
ISSUE_PERSONAS = {
    "complete-adult",
    "placeholders-everywhere",
    "foreign-phone",
    "invalid-email",
    "education-andet",
    "free-text-job-titles",
    "unaccompanied-minor-16",
    "accompanied-minor-16",
    "unaccompanied-minor-14",
    "parent-with-linked-children",
    "parent-children-pending",
}


def by_key(state: MockState, key: str) -> Persona:
    return next(p for p in state.personas.values() if p.key == key)


def lookup(persona: Persona, municipality: str | None = None) -> dict[str, str]:
    return {"cpr": persona.cpr, "receiving_municipality": municipality or persona.person.receiving_municipality}


def assert_problem(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM_JSON)
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    if code is not None:
        assert body["code"] == code
    return body


def missing_keys(raw: Any, dumped: Any, path: str = "$") -> list[str]:
    """Every key path in ``raw`` that the validated-and-dumped model no longer has (a misspelled, ignored key)."""
    if isinstance(raw, dict):
        if not isinstance(dumped, dict):
            return [path]
        missing = []
        for key, value in raw.items():
            if key not in dumped:
                missing.append(f"{path}.{key}")
            else:
                missing += missing_keys(value, dumped[key], f"{path}.{key}")
        return missing
    if isinstance(raw, list):
        if not isinstance(dumped, list) or len(dumped) != len(raw):
            return [path]
        return [m for i, (r, d) in enumerate(zip(raw, dumped, strict=True)) for m in missing_keys(r, d, f"{path}[{i}]")]
    return []


def new_persona(state: MockState, person_id: str, cpr: str, key: str = "added-by-test") -> dict[str, Any]:
    template = by_key(state, "complete-adult").model_dump(mode="json")
    template["key"] = key
    template["cpr"] = cpr
    template["person"]["person_id"] = person_id
    template["jobnet_cv_number"] = None
    template["attachments"] = []
    return template


# ---------------------------------------------------------------- the persona fixtures


def test_there_are_at_least_25_personas_one_file_each(mock_state: MockState) -> None:
    files = persona_files()

    assert len(files) >= 25
    assert all(name.endswith(".json") for name in files)
    assert len(mock_state.personas) == len(files)
    assert len({raw["key"] for raw in files.values()}) == len(files)
    assert len({raw["person"]["person_id"] for raw in files.values()}) == len(files)


@pytest.mark.parametrize("name", sorted(persona_files()))
def test_every_persona_file_validates_strictly(name: str) -> None:
    raw = persona_files()[name]

    dumped = Persona.model_validate(raw).model_dump(mode="json", exclude_unset=True)

    assert missing_keys(raw, dumped) == []


def test_missing_keys_helper_catches_a_misspelled_nested_key() -> None:
    raw = next(iter(persona_files().values()))
    raw = json.loads(json.dumps(raw))
    raw["cv"]["profesional_profile"] = "typo"

    dumped = Persona.model_validate(raw).model_dump(mode="json", exclude_unset=True)

    assert missing_keys(raw, dumped) == ["$.cv.profesional_profile"]


def test_persona_cpr_numbers_are_valid_unique_and_match_the_birth_date() -> None:
    raws = list(persona_files().values())
    numbers = [raw["cpr"] for raw in raws]

    assert len(set(numbers)) == len(numbers)
    for raw in raws:
        assert re.fullmatch(r"[0-9]{10}", raw["cpr"]), raw["key"]
        assert parse(raw["cpr"], today=TODAY).birth_date.isoformat() == raw["person"]["birth_date"], raw["key"]


def test_personas_named_in_the_issue_exist() -> None:
    keys = {raw["key"] for raw in persona_files().values()}

    assert keys >= ISSUE_PERSONAS


def test_M3_linked_children_are_under_15_and_attachments_concern_a_linked_child() -> None:
    personas = [Persona.model_validate(raw) for raw in persona_files().values()]
    attachment_ids = [a.attachment_id for p in personas for a in p.attachments]

    assert len(set(attachment_ids)) == len(attachment_ids)
    for persona in personas:
        children = {child.person_id: child for child in persona.other.linked_children}
        assert (persona.other.children_link_status == "linked") == bool(children), persona.key
        for child in children.values():
            assert age_on(child.birth_date, TODAY) < 15, persona.key
        for attachment in persona.attachments:
            if attachment.concerns_person_id is not None:
                assert attachment.concerns_person_id in children, (persona.key, attachment.attachment_id)


def test_C2_cpr_register_municipality_is_the_receiving_municipality() -> None:
    for raw in persona_files().values():
        assert raw["cpr_register"]["municipality"] == raw["person"]["receiving_municipality"], raw["key"]


@pytest.mark.parametrize(
    ("key", "age"),
    [("unaccompanied-minor-16", 16), ("accompanied-minor-16", 16), ("unaccompanied-minor-14", 14)],
)
def test_minor_personas_have_the_age_their_name_says_on_today(mock_state: MockState, key: str, age: int) -> None:
    assert parse(by_key(mock_state, key).cpr, today=TODAY).age_on(TODAY) == age


# ---------------------------------------------------------------- LetAsyl


async def test_letasyl_person_lookup_by_cpr_and_municipality(
    mock_client: httpx.AsyncClient, mock_state: MockState
) -> None:
    persona = by_key(mock_state, "complete-adult")

    response = await mock_client.post("/letasyl/v1/person-lookups", json=lookup(persona))

    assert response.status_code == 200, response.text
    assert response.json() == persona.person.model_dump(mode="json")
    assert response.json()["person_id"] == "70000101"


async def test_C2_letasyl_person_lookup_with_wrong_municipality_is_404_problem(
    mock_client: httpx.AsyncClient, mock_state: MockState
) -> None:
    persona = by_key(mock_state, "complete-adult")
    assert persona.person.receiving_municipality != "751"

    response = await mock_client.post("/letasyl/v1/person-lookups", json=lookup(persona, "751"))

    body = assert_problem(response, 404, "person_unknown")
    assert persona.cpr not in response.text
    assert "person_id" not in body


async def test_letasyl_person_lookup_of_unknown_cpr_is_404_problem(mock_client: httpx.AsyncClient) -> None:
    response = await mock_client.post(
        "/letasyl/v1/person-lookups", json={"cpr": "0101010000", "receiving_municipality": "101"}
    )

    assert_problem(response, 404, "person_unknown")


async def test_letasyl_lookup_with_malformed_municipality_is_400_problem_without_echo(
    mock_client: httpx.AsyncClient, mock_state: MockState
) -> None:
    persona = by_key(mock_state, "complete-adult")

    response = await mock_client.post(
        "/letasyl/v1/person-lookups", json={"cpr": persona.cpr, "receiving_municipality": "1010"}
    )

    assert_problem(response, 400, "request_invalid")  # strict contract mode, as a real service would
    assert persona.cpr not in response.text


@pytest.mark.parametrize("area", AREAS)
async def test_letasyl_data_area_returns_the_personas_area(
    mock_client: httpx.AsyncClient, mock_state: MockState, area: str
) -> None:
    persona = by_key(mock_state, "complete-adult")

    response = await mock_client.post(f"/letasyl/v1/data-areas/{area}", json=lookup(persona))

    assert response.status_code == 200, response.text
    model = next(m for a, m in AREA_MODELS.items() if a.value == area)
    model.model_validate(response.json())
    expected = {
        "cv": persona.cv,
        "integration-contract": persona.integration_contract,
        "other": persona.other,
    }.get(area)
    if expected is not None:
        assert response.json() == expected.model_dump(mode="json")
    else:
        listed = [a["attachment_id"] for a in response.json()["attachments"]]
        assert listed == [a.attachment_id for a in persona.attachments]
        assert listed


@pytest.mark.parametrize("area", AREAS)
async def test_C2_letasyl_data_area_with_wrong_municipality_is_404_problem(
    mock_client: httpx.AsyncClient, mock_state: MockState, area: str
) -> None:
    persona = by_key(mock_state, "complete-adult")

    response = await mock_client.post(f"/letasyl/v1/data-areas/{area}", json=lookup(persona, "751"))

    assert_problem(response, 404, "person_unknown")


async def test_M3_linked_children_show_in_the_parents_other_area(
    mock_client: httpx.AsyncClient, mock_state: MockState
) -> None:
    linked = by_key(mock_state, "parent-with-linked-children")
    pending = by_key(mock_state, "parent-children-pending")

    linked_other = (await mock_client.post("/letasyl/v1/data-areas/other", json=lookup(linked))).json()
    pending_other = (await mock_client.post("/letasyl/v1/data-areas/other", json=lookup(pending))).json()

    assert linked_other["children_link_status"] == "linked"
    assert linked_other["linked_children"]
    assert pending_other["children_link_status"] == "pending"
    assert pending_other["linked_children"] == []


async def _listing_and_downloads(client: httpx.AsyncClient, persona: Persona) -> list[tuple[dict[str, Any], bytes]]:
    response = await client.post("/letasyl/v1/data-areas/attachments", json=lookup(persona))
    assert response.status_code == 200, response.text
    result = []
    for item in response.json()["attachments"]:
        download = await client.get(
            f"/letasyl/v1/persons/{persona.person.person_id}/attachments/{item['attachment_id']}"
        )
        assert download.status_code == 200, download.text
        assert download.headers["content-type"] == "application/pdf"
        result.append((item, download.content))
    return result


async def test_attachment_listing_matches_the_downloaded_pdf(
    mock_client: httpx.AsyncClient, mock_state: MockState
) -> None:
    checked = 0
    for key in ("complete-adult", "parent-with-linked-children", "pdf-route-attachments"):
        for item, content in await _listing_and_downloads(mock_client, by_key(mock_state, key)):
            assert content.startswith(b"%PDF")
            assert item["media_type"] == "application/pdf"
            assert item["size_bytes"] == len(content)
            assert item["sha256"] == hashlib.sha256(content).hexdigest()
            checked += 1
    assert checked >= 5


async def test_attachments_are_deterministic_across_reset(
    mock_client: httpx.AsyncClient, mock_state: MockState
) -> None:
    persona = by_key(mock_state, "complete-adult")
    before = await _listing_and_downloads(mock_client, persona)

    pdf.render.cache_clear()  # render afresh, so the comparison is not served from the cache
    assert (await mock_client.post("/admin/reset")).status_code == 204
    after = await _listing_and_downloads(mock_client, persona)

    assert [content for _, content in after] == [content for _, content in before]
    assert [item["sha256"] for item, _ in after] == [item["sha256"] for item, _ in before]


async def test_attachment_of_another_person_or_unknown_id_is_404_problem(
    mock_client: httpx.AsyncClient, mock_state: MockState
) -> None:
    owner = by_key(mock_state, "complete-adult")
    other = by_key(mock_state, "foreign-phone")
    attachment_id = owner.attachments[0].attachment_id

    wrong_person = await mock_client.get(f"/letasyl/v1/persons/{other.person.person_id}/attachments/{attachment_id}")
    unknown_id = await mock_client.get(f"/letasyl/v1/persons/{owner.person.person_id}/attachments/att-nope")
    unknown_person = await mock_client.get(f"/letasyl/v1/persons/99999999/attachments/{attachment_id}")

    for response in (wrong_person, unknown_id, unknown_person):
        assert_problem(response, 404, "not_found")


# ---------------------------------------------------------------- Jobnet


async def test_C7_jobnet_profile_lookup_finds_a_fixture_profile(
    mock_client: httpx.AsyncClient, mock_state: MockState
) -> None:
    persona = by_key(mock_state, "complete-adult")

    response = await mock_client.post("/jobnet/v1/profile-lookups", json={"cpr": persona.cpr})

    assert response.status_code == 200, response.text
    assert response.json() == {"cv_number": persona.jobnet_cv_number}


async def test_C7_jobnet_profile_is_created_once_then_found(
    mock_client: httpx.AsyncClient, mock_state: MockState
) -> None:
    persona = by_key(mock_state, "no-jobnet-profile-minimal")
    assert persona.jobnet_cv_number is None
    create = {"cpr": persona.cpr, "first_name": persona.person.first_name, "last_name": persona.person.last_name}

    missing = await mock_client.post("/jobnet/v1/profile-lookups", json={"cpr": persona.cpr})
    assert_problem(missing, 404, "not_found")

    created = await mock_client.post("/jobnet/v1/profiles", json=create)
    assert created.status_code == 201, created.text
    cv_number = created.json()["cv_number"]
    assert isinstance(cv_number, int)

    again = await mock_client.post("/jobnet/v1/profiles", json=create)
    assert_problem(again, 409, "profile_exists")

    found = await mock_client.post("/jobnet/v1/profile-lookups", json={"cpr": persona.cpr})
    assert found.status_code == 200
    assert found.json() == {"cv_number": cv_number}

    listed = (await mock_client.get("/admin/jobnet/profiles")).json()
    assert {"person_id": persona.person.person_id, "cv_number": cv_number} in listed


async def test_C7_created_jobnet_numbers_are_distinct(mock_client: httpx.AsyncClient, mock_state: MockState) -> None:
    numbers = []
    for key in ("no-jobnet-profile-minimal", "placeholders-everywhere"):
        persona = by_key(mock_state, key)
        body = {"cpr": persona.cpr, "first_name": "A", "last_name": "B"}
        response = await mock_client.post("/jobnet/v1/profiles", json=body)
        assert response.status_code == 201, response.text
        numbers.append(response.json()["cv_number"])

    fixture_numbers = {p.jobnet_cv_number for p in mock_state.personas.values()}
    assert len(set(numbers)) == 2
    assert not set(numbers) & fixture_numbers


# ---------------------------------------------------------------- CPR register


async def test_N15_cpr_register_returns_name_and_address(mock_client: httpx.AsyncClient, mock_state: MockState) -> None:
    persona = by_key(mock_state, "complete-adult")

    response = await mock_client.post("/cpr/v1/person-lookups", json={"cpr": persona.cpr})

    assert response.status_code == 200, response.text
    body = response.json()
    assert body == persona.cpr_register.model_dump(mode="json")
    assert body["first_name"] == "Omar"
    assert body["street"] and body["postal_code"] and body["city"]


async def test_cpr_register_unknown_number_is_404_problem(mock_client: httpx.AsyncClient) -> None:
    assert_problem(await mock_client.post("/cpr/v1/person-lookups", json={"cpr": "0101010000"}), 404, "not_found")


async def test_cpr_register_malformed_number_is_400_without_echo(mock_client: httpx.AsyncClient) -> None:
    response = await mock_client.post("/cpr/v1/person-lookups", json={"cpr": "120488221"})

    assert_problem(response, 400, "request_invalid")
    assert "120488221" not in response.text


# ---------------------------------------------------------------- admin: personas


async def test_admin_lists_every_persona_with_key_purpose_cpr_and_person_id(
    mock_client: httpx.AsyncClient, mock_state: MockState
) -> None:
    response = await mock_client.get("/admin/personas")

    assert response.status_code == 200
    listed = response.json()
    assert len(listed) == len(mock_state.personas)
    for item in listed:
        persona = mock_state.personas[item["person_id"]]
        assert item["key"] == persona.key
        assert item["purpose"] == persona.purpose
        assert item["purpose"].strip()
        assert item["cpr"] == persona.cpr


async def test_admin_put_persona_creates_then_replaces(mock_client: httpx.AsyncClient, mock_state: MockState) -> None:
    count = len(mock_state.personas)
    body = new_persona(mock_state, "79999901", "0505900123")

    created = await mock_client.put("/admin/personas/79999901", json=body)
    assert created.status_code == 201, created.text
    assert len(mock_state.personas) == count + 1
    found = await mock_client.post(
        "/letasyl/v1/person-lookups", json={"cpr": "0505900123", "receiving_municipality": "101"}
    )
    assert found.json()["person_id"] == "79999901"

    body["person"]["first_name"] = "Renamed"
    replaced = await mock_client.put("/admin/personas/79999901", json=body)
    assert replaced.status_code == 200, replaced.text
    assert len(mock_state.personas) == count + 1
    shown = await mock_client.get("/admin/personas/79999901")
    assert shown.json()["person"]["first_name"] == "Renamed"


async def test_admin_put_persona_with_new_cpr_drops_the_old_cpr(
    mock_client: httpx.AsyncClient, mock_state: MockState
) -> None:
    persona = by_key(mock_state, "complete-adult")
    old_cpr = persona.cpr
    body = persona.model_dump(mode="json")
    body["cpr"] = "0505900123"

    assert (await mock_client.put(f"/admin/personas/{persona.person.person_id}", json=body)).status_code == 200

    old = await mock_client.post("/letasyl/v1/person-lookups", json={"cpr": old_cpr, "receiving_municipality": "101"})
    new = await mock_client.post(
        "/letasyl/v1/person-lookups", json={"cpr": "0505900123", "receiving_municipality": "101"}
    )
    assert_problem(old, 404, "person_unknown")
    assert new.json()["person_id"] == persona.person.person_id


async def test_admin_put_persona_with_mismatched_person_id_is_400_problem(
    mock_client: httpx.AsyncClient, mock_state: MockState
) -> None:
    count = len(mock_state.personas)
    body = new_persona(mock_state, "79999901", "0505900123")

    response = await mock_client.put("/admin/personas/79999902", json=body)

    problem = assert_problem(response, 400, "bad_request")
    assert problem["field"] == "body.person.person_id"
    assert len(mock_state.personas) == count


async def test_admin_put_persona_with_unknown_key_is_422(mock_client: httpx.AsyncClient, mock_state: MockState) -> None:
    body = new_persona(mock_state, "79999901", "0505900123")
    body["jobnet_cv_nummer"] = 1

    assert_problem(await mock_client.put("/admin/personas/79999901", json=body), 422)


async def test_G1_admin_replace_cv_shows_in_the_next_letasyl_read(
    mock_client: httpx.AsyncClient, mock_state: MockState
) -> None:
    persona = by_key(mock_state, "complete-adult")
    new_cv = {"jobs_wanted": [{"title": "Kok", "occupation_code": "5120"}], "professional_profile": "Ny profil"}

    response = await mock_client.put(f"/admin/personas/{persona.person.person_id}/data-areas/cv", json=new_cv)
    assert response.status_code == 200, response.text

    read = await mock_client.post("/letasyl/v1/data-areas/cv", json=lookup(persona))
    assert read.json() == CvArea.model_validate(new_cv).model_dump(mode="json")
    other = await mock_client.post("/letasyl/v1/data-areas/other", json=lookup(persona))
    assert other.json() == persona.other.model_dump(mode="json")


@pytest.mark.parametrize(
    ("area", "body"),
    [
        ("integration-contract", {"languages": [{"language": "Tigrinya", "speaking": "Modersmål"}]}),
        ("other", {"notes": "Ny note", "children_link_status": "pending"}),
    ],
)
async def test_admin_replace_other_wire_areas_shows_in_the_next_letasyl_read(
    mock_client: httpx.AsyncClient, mock_state: MockState, area: str, body: dict[str, Any]
) -> None:
    persona = by_key(mock_state, "complete-adult")
    model = next(m for a, m in AREA_MODELS.items() if a.value == area)

    response = await mock_client.put(f"/admin/personas/{persona.person.person_id}/data-areas/{area}", json=body)
    assert response.status_code == 200, response.text

    read = await mock_client.post(f"/letasyl/v1/data-areas/{area}", json=lookup(persona))
    assert read.json() == model.model_validate(body).model_dump(mode="json")


async def test_admin_replace_attachments_changes_the_listing(
    mock_client: httpx.AsyncClient, mock_state: MockState
) -> None:
    persona = by_key(mock_state, "complete-adult")
    attachments = [{"attachment_id": "att-new", "title": "Ny", "kind": "other", "text": "Nyt dokument."}]

    response = await mock_client.put(
        f"/admin/personas/{persona.person.person_id}/data-areas/attachments", json=attachments
    )
    assert response.status_code == 200, response.text

    read = await mock_client.post("/letasyl/v1/data-areas/attachments", json=lookup(persona))
    listing = AttachmentsArea.model_validate(read.json()).attachments
    assert [a.attachment_id for a in listing] == ["att-new"]


async def test_admin_replace_area_of_unknown_person_is_404_problem(mock_client: httpx.AsyncClient) -> None:
    assert_problem(await mock_client.put("/admin/personas/99999999/data-areas/cv", json={}), 404, "not_found")


# ---------------------------------------------------------------- admin: journal


async def _exercise_every_upstream_route(client: httpx.AsyncClient, state: MockState) -> list[str]:
    """Calls each upstream route, with CPR numbers in the bodies; returns the CPR numbers used."""
    adult = by_key(state, "complete-adult")
    no_profile = by_key(state, "no-jobnet-profile-minimal")
    await client.post("/letasyl/v1/person-lookups", json=lookup(adult))
    await client.post("/letasyl/v1/person-lookups", json=lookup(adult, "751"))
    for area in AREAS:
        await client.post(f"/letasyl/v1/data-areas/{area}", json=lookup(adult))
    await client.get(f"/letasyl/v1/persons/{adult.person.person_id}/attachments/{adult.attachments[0].attachment_id}")
    await client.post("/jobnet/v1/profile-lookups", json={"cpr": no_profile.cpr})
    await client.post("/jobnet/v1/profiles", json={"cpr": no_profile.cpr, "first_name": "H", "last_name": "Y"})
    await client.post("/cpr/v1/person-lookups", json={"cpr": adult.cpr})
    await client.post("/cpr/v1/person-lookups", json={"cpr": "0101010000"})
    return [adult.cpr, no_profile.cpr, "0101010000"]


async def test_journal_records_system_operation_and_person(
    mock_client: httpx.AsyncClient, mock_state: MockState
) -> None:
    adult = by_key(mock_state, "complete-adult")
    await _exercise_every_upstream_route(mock_client, mock_state)

    journal = (await mock_client.get("/admin/journal")).json()

    summary = [(e["system"], e["operation"], e["person_id"], e["status"]) for e in journal]
    pid = adult.person.person_id
    assert ("letasyl", "letasyl.lookup_person", pid, 200) in summary
    assert ("letasyl", "letasyl.lookup_person", None, 404) in summary
    for area in AREAS:
        assert ("letasyl", f"letasyl.area.{area}", pid, 200) in summary
    assert ("letasyl", "letasyl.download_attachment", pid, 200) in summary
    assert ("jobnet", "jobnet.lookup_profile", "70002701", 404) in summary
    assert ("jobnet", "jobnet.create_profile", "70002701", 201) in summary
    assert ("cpr", "cpr.lookup_person", pid, 200) in summary
    assert [e["seq"] for e in journal] == list(range(1, len(journal) + 1))
    assert journal[2]["method"] == "POST"
    assert journal[2]["path"] == "/letasyl/v1/data-areas/cv"


async def test_journal_never_contains_a_cpr_number(mock_client: httpx.AsyncClient, mock_state: MockState) -> None:
    used = await _exercise_every_upstream_route(mock_client, mock_state)

    text = (await mock_client.get("/admin/journal")).text

    assert json.loads(text)
    for number in used + [p.cpr for p in mock_state.personas.values()]:
        assert number not in text
        assert f"{number[:6]}-{number[6:]}" not in text
    assert not re.search(r"(?<!\d)\d{10}(?!\d)", text)


async def test_journal_does_not_record_admin_calls(mock_client: httpx.AsyncClient) -> None:
    await mock_client.get("/admin/personas")
    await mock_client.get("/healthz")

    assert (await mock_client.get("/admin/journal")).json() == []


async def test_journal_records_the_callers_correlation_id(
    mock_client: httpx.AsyncClient, mock_state: MockState
) -> None:
    adult = by_key(mock_state, "complete-adult")

    await mock_client.post(
        "/letasyl/v1/person-lookups", json=lookup(adult), headers={"X-Correlation-ID": "corr-1234567"}
    )

    (entry,) = (await mock_client.get("/admin/journal")).json()
    assert entry["correlation_id"] == "corr-1234567"


async def test_journal_filters(mock_client: httpx.AsyncClient, mock_state: MockState) -> None:
    await _exercise_every_upstream_route(mock_client, mock_state)
    everything = (await mock_client.get("/admin/journal")).json()

    async def query(**params: Any) -> list[dict[str, Any]]:
        response = await mock_client.get("/admin/journal", params=params)
        assert response.status_code == 200, response.text
        result: list[dict[str, Any]] = response.json()
        return result

    jobnet = await query(system="jobnet")
    assert jobnet and all(e["system"] == "jobnet" for e in jobnet)
    assert len(jobnet) == sum(e["system"] == "jobnet" for e in everything)

    cv = await query(operation="letasyl.area.cv")
    assert len(cv) == 1 and cv[0]["operation"] == "letasyl.area.cv"

    mine = await query(person_id="70000101")
    assert mine and all(e["person_id"] == "70000101" for e in mine)
    assert len(mine) == sum(e["person_id"] == "70000101" for e in everything)

    combined = await query(system="letasyl", person_id="70000101", operation="letasyl.lookup_person")
    assert len(combined) == 1

    cut = everything[4]["seq"]
    later = await query(since=cut)
    assert [e["seq"] for e in later] == [e["seq"] for e in everything if e["seq"] > cut]
    assert await query(since=everything[-1]["seq"]) == []


async def test_journal_filter_by_unknown_system_is_422(mock_client: httpx.AsyncClient) -> None:
    assert_problem(await mock_client.get("/admin/journal", params={"system": "skat"}), 422)


async def test_delete_journal_empties_it(mock_client: httpx.AsyncClient, mock_state: MockState) -> None:
    await _exercise_every_upstream_route(mock_client, mock_state)
    assert (await mock_client.get("/admin/journal")).json()

    assert (await mock_client.delete("/admin/journal")).status_code == 204

    assert (await mock_client.get("/admin/journal")).json() == []


# ---------------------------------------------------------------- admin: reset


async def test_reset_restores_fixtures_and_empties_journal(
    mock_client: httpx.AsyncClient, mock_state: MockState
) -> None:
    adult = by_key(mock_state, "complete-adult")
    original_cv = adult.cv.model_dump(mode="json")
    no_profile = by_key(mock_state, "no-jobnet-profile-minimal")
    count = len(mock_state.personas)
    await mock_client.put(f"/admin/personas/{adult.person.person_id}/data-areas/cv", json={})
    await mock_client.put("/admin/personas/79999901", json=new_persona(mock_state, "79999901", "0505900123"))
    await mock_client.post("/jobnet/v1/profiles", json={"cpr": no_profile.cpr, "first_name": "H", "last_name": "Y"})
    assert (await mock_client.get("/admin/journal")).json()

    assert (await mock_client.post("/admin/reset")).status_code == 204

    assert (await mock_client.get("/admin/journal")).json() == []
    assert len((await mock_client.get("/admin/personas")).json()) == count
    assert (await mock_client.get("/admin/personas/79999901")).status_code == 404
    cv = await mock_client.post("/letasyl/v1/data-areas/cv", json=lookup(adult))
    assert cv.json() == original_cv
    profile = await mock_client.post("/jobnet/v1/profile-lookups", json={"cpr": no_profile.cpr})
    assert profile.status_code == 404


# ---------------------------------------------------------------- the contract


def test_no_mock_route_takes_a_cpr_number_in_the_url() -> None:
    document = create_mock_app(MockState()).openapi()

    assert document["paths"]
    for path, operations in document["paths"].items():
        assert "{cpr" not in path.lower(), path
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] in {"path", "query", "header"}:
                    assert "cpr" not in parameter["name"].lower(), (path, parameter["name"])


async def test_admin_refuses_misspelled_fields_instead_of_dropping_them(mock_client, mock_state) -> None:
    person_id = next(iter(mock_state.personas))
    response = await mock_client.put(
        f"/admin/personas/{person_id}/data-areas/cv", json={"jobs_wanted": [{"titel": "Bager"}]}
    )
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_fields"
    assert response.json()["field"] == "body.jobs_wanted.0.titel"


async def test_admin_refuses_a_persona_that_takes_another_personas_cpr(mock_client, mock_state) -> None:
    first, second = list(mock_state.personas.values())[:2]
    clash = second.model_copy(update={"cpr": first.cpr}).model_dump(mode="json", exclude_unset=True)
    response = await mock_client.put(f"/admin/personas/{second.person.person_id}", json=clash)
    assert response.status_code == 409 and response.json()["code"] == "cpr_in_use"
    assert mock_state.by_cpr(first.cpr) is first


async def test_journal_seq_keeps_counting_after_a_clear(mock_client, mock_state) -> None:
    persona = next(iter(mock_state.personas.values()))
    body = {"cpr": persona.cpr, "receiving_municipality": persona.person.receiving_municipality}
    await mock_client.post("/letasyl/v1/person-lookups", json=body)
    last = (await mock_client.get("/admin/journal")).json()[-1]["seq"]
    await mock_client.delete("/admin/journal")
    await mock_client.post("/letasyl/v1/person-lookups", json=body)
    after = (await mock_client.get("/admin/journal", params={"since": last})).json()
    assert [e["seq"] for e in after] == [last + 1]


# ---------------------------------------------------------------- Jobnet receiving CVs


async def test_mock_jobnet_keeps_the_cv_it_receives_until_reset(mock_client, mock_state):
    cv = {"jobs_wanted": [{"title": "Elektriker", "occupation_code": "7411"}]}
    body = {"cv": cv, "submitted_by_municipality": "101"}
    response = await mock_client.put("/jobnet/v1/cvs/4100001", json=body)
    assert response.status_code == 200 and response.json()["status"] == "Klar til kvalitetssikring"
    received = (await mock_client.get("/admin/jobnet/cvs/4100001")).json()
    assert received["cv"]["jobs_wanted"] == cv["jobs_wanted"] and received["version"] == 1
    [entry] = [e for e in mock_state.journal if e.operation == "jobnet.put_cv"]
    assert entry.person_id == "70000101" and entry.method == "PUT"
    await mock_client.post("/admin/reset")
    assert (await mock_client.get("/admin/jobnet/cvs")).json() == []


async def test_mock_jobnet_refuses_an_unknown_cv_number_and_a_cv_breaking_the_contract(mock_client):
    body = {"cv": {}, "submitted_by_municipality": "101"}
    response = await mock_client.put("/jobnet/v1/cvs/999", json=body)
    assert response.status_code == 404 and response.json()["code"] == "cv_number_unknown"
    response = await mock_client.put("/jobnet/v1/cvs/4100001", json=body | {"cv": {"languages": []}})
    assert response.status_code == 400 and response.json()["code"] == "request_invalid"
