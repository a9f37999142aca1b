"""Issue 12, mock item 3: personas are files. The demo ones ship in the package; a municipality adds its own from a
directory (``--personas DIR``, ``DFDG_MOCK_PERSONAS_DIR``); a file that does not load is named with its field; reset
returns to the loaded files (``?keep=added`` keeps the personas created through the admin API) and clears the
profiles, PDF requests, CVs and journal."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from dfdg_broker.cli import app as cli
from dfdg_broker.mock.app import create_mock_app
from dfdg_broker.mock.fixtures import PersonaFileError, load_personas, persona_files
from dfdg_broker.mock.state import MockState
from dfdg_broker.settings import Settings
from tests.contract.test_mock_upstream import by_key, lookup, new_persona

NEW_ID, NEW_CPR = "79999902", "0606900123"  # synthetic; no demo persona has either


def _write(directory: Path, name: str, content: Any) -> Path:
    path = directory / name
    path.write_text(content if isinstance(content, str) else json.dumps(content, indent=2), encoding="utf-8")
    return path


def test_the_demo_personas_are_exactly_the_packaged_files() -> None:
    files = persona_files()
    assert len(files) >= 36
    assert [p.model_dump(mode="json", exclude_unset=True) for p in load_personas()] == list(files.values())
    assert [p.person.person_id for p in MockState.with_demo_fixtures().personas.values()] == [
        raw["person"]["person_id"] for raw in files.values()
    ]


async def test_a_municipalitys_directory_adds_its_personas(tmp_path: Path) -> None:
    demo = MockState.with_demo_fixtures()
    _write(tmp_path, "ours.json", new_persona(demo, NEW_ID, NEW_CPR, key="our-own"))
    _write(tmp_path, "notes.txt", "not a persona: only *.json files are read")
    settings = Settings(_env_file=None, environment="test", mock_personas_dir=tmp_path)
    app = create_mock_app(settings=settings)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://mock.test") as mock:
        listed = (await mock.get("/admin/personas")).json()
        assert len(listed) == len(demo.personas) + 1
        assert (listed[-1]["key"], listed[-1]["person_id"]) == ("our-own", NEW_ID)
        ours = app.state.mock.personas[NEW_ID]
        assert (await mock.post("/letasyl/v1/person-lookups", json=lookup(ours))).json()["person_id"] == NEW_ID


def test_a_file_with_a_demo_person_id_replaces_that_persona(tmp_path: Path) -> None:
    demo = MockState.with_demo_fixtures()
    adult = by_key(demo, "complete-adult").model_dump(mode="json")
    adult["purpose"] = "our variant of the complete adult"
    _write(tmp_path, "adult.json", adult)
    state = MockState.with_demo_fixtures([tmp_path])
    assert len(state.personas) == len(demo.personas)
    assert state.personas[adult["person"]["person_id"]].purpose == "our variant of the complete adult"


@pytest.mark.parametrize(
    ("content", "field", "message"),
    [
        ('{"key": "broken",', None, "not valid JSON"),
        ("person_birth", None, "not valid JSON"),
    ],
)
def test_a_file_that_is_not_json_is_named(tmp_path: Path, content: str, field: str | None, message: str) -> None:
    path = _write(tmp_path, "42-broken.json", content)
    with pytest.raises(PersonaFileError) as refused:
        load_personas([tmp_path])
    assert refused.value.file == str(path) and refused.value.field == field
    assert message in str(refused.value) and "42-broken.json" in str(refused.value)


def test_a_file_breaking_the_schema_names_the_file_and_the_field(tmp_path: Path) -> None:
    raw = new_persona(MockState.with_demo_fixtures(), NEW_ID, NEW_CPR)
    raw["person"]["birth_date"] = "31-02-1990"
    path = _write(tmp_path, "ours.json", raw)
    with pytest.raises(PersonaFileError) as refused:
        load_personas([tmp_path])
    assert (refused.value.file, refused.value.field) == (str(path), "person.birth_date")
    assert str(refused.value).startswith(f"persona file {path}: field person.birth_date: ")

    raw["person"]["birth_date"] = "1990-06-06"
    raw["favourite_colour"] = "blue"  # a misspelled or unknown field is refused, not dropped
    _write(tmp_path, "ours.json", raw)
    with pytest.raises(PersonaFileError) as refused:
        load_personas([tmp_path])
    assert refused.value.field == "favourite_colour"


def test_a_file_taking_another_personas_cpr_number_is_named_without_the_number(tmp_path: Path) -> None:
    demo = MockState.with_demo_fixtures()
    taken = by_key(demo, "complete-adult")
    path = _write(tmp_path, "ours.json", new_persona(demo, NEW_ID, taken.cpr))
    with pytest.raises(PersonaFileError) as refused:
        load_personas([tmp_path])
    assert (refused.value.file, refused.value.field) == (str(path), "cpr")
    assert taken.person.person_id in str(refused.value) and taken.cpr not in str(refused.value)


def test_a_missing_directory_is_an_error() -> None:
    with pytest.raises(PersonaFileError, match="not a directory"):
        load_personas([Path("/nonexistent/personas")])


def test_the_mock_command_refuses_a_bad_file_with_its_name_and_field(tmp_path: Path) -> None:
    raw = new_persona(MockState.with_demo_fixtures(), NEW_ID, NEW_CPR)
    del raw["person"]["last_name"]
    _write(tmp_path, "ours.json", raw)
    result = CliRunner().invoke(
        cli, ["mock", "--personas", str(tmp_path), "--port", "1"], env={"DFDG_ENVIRONMENT": "test"}
    )
    assert result.exit_code == 2, result.output
    assert "ours.json: field person.last_name: Field required" in result.output


# ---------------------------------------------------------------- reset


async def _seed_everything(mock: httpx.AsyncClient, state: MockState) -> tuple[str, str]:
    """A changed file persona, a persona created through the API, a Jobnet profile and CV, a PDF request."""
    adult = by_key(state, "complete-adult")
    no_profile = by_key(state, "no-jobnet-profile-minimal")
    assert (await mock.put(f"/admin/personas/{adult.person.person_id}/data-areas/cv", json={})).status_code == 200
    created = await mock.put(f"/admin/personas/{NEW_ID}", json=new_persona(state, NEW_ID, NEW_CPR))
    assert created.status_code == 201
    profile = await mock.post("/jobnet/v1/profiles", json={"cpr": no_profile.cpr, "first_name": "H", "last_name": "Y"})
    assert profile.status_code == 201
    request = {"person_id": adult.person.person_id, "areas": ["other"], "requesting_municipality": "101"}
    assert (await mock.post("/letasyl/v1/pdf-requests", json=request)).status_code == 201
    return adult.person.person_id, no_profile.cpr


async def _assert_back_to_files(mock: httpx.AsyncClient, state: MockState, adult_id: str, no_profile: str) -> None:
    files = {raw["person"]["person_id"]: raw for raw in persona_files().values()}
    assert (await mock.get("/admin/journal")).json() == []
    assert (await mock.get(f"/admin/personas/{adult_id}")).json()["cv"] == files[adult_id]["cv"]
    assert (await mock.post("/jobnet/v1/profile-lookups", json={"cpr": no_profile})).status_code == 404
    assert (await mock.get("/admin/pdf-requests")).json() == []
    profiles = {p["cv_number"] for p in (await mock.get("/admin/jobnet/profiles")).json()}
    assert profiles == {raw["jobnet_cv_number"] for raw in files.values() if raw.get("jobnet_cv_number")}


async def test_reset_returns_to_the_loaded_files_and_clears_profiles_and_pdf_requests(
    mock_client: httpx.AsyncClient, mock_state: MockState
) -> None:
    adult_id, no_profile = await _seed_everything(mock_client, mock_state)

    assert (await mock_client.post("/admin/reset")).status_code == 204

    await _assert_back_to_files(mock_client, mock_state, adult_id, no_profile)
    assert (await mock_client.get(f"/admin/personas/{NEW_ID}")).status_code == 404
    assert len(mock_state.personas) == len(persona_files())


async def test_reset_keep_added_keeps_the_personas_created_through_the_api(
    mock_client: httpx.AsyncClient, mock_state: MockState
) -> None:
    adult_id, no_profile = await _seed_everything(mock_client, mock_state)
    changed = new_persona(mock_state, NEW_ID, NEW_CPR, key="added-then-changed")
    assert (await mock_client.put(f"/admin/personas/{NEW_ID}", json=changed)).status_code == 200

    assert (await mock_client.post("/admin/reset?keep=added")).status_code == 204

    await _assert_back_to_files(mock_client, mock_state, adult_id, no_profile)
    kept = await mock_client.get(f"/admin/personas/{NEW_ID}")
    assert kept.status_code == 200 and kept.json()["key"] == "added-then-changed"
    assert (await mock_client.post("/letasyl/v1/person-lookups", json=lookup(mock_state.personas[NEW_ID]))).is_success

    assert (await mock_client.post("/admin/reset")).status_code == 204
    assert (await mock_client.get(f"/admin/personas/{NEW_ID}")).status_code == 404, "kept once, not for ever"


async def test_reset_refuses_an_unknown_keep(mock_client: httpx.AsyncClient) -> None:
    refused = await mock_client.post("/admin/reset?keep=everything")
    assert refused.status_code == 422 and refused.headers["content-type"].startswith("application/problem+json")
