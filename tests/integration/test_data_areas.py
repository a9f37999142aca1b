"""The four data areas with the date rules applied: G1, DA1-DA4, stale snapshots and attachment downloads."""

from __future__ import annotations

import hashlib

import pytest

from dfdg_broker import app_state
from dfdg_broker.cases.dependencies import AREA_READS
from dfdg_broker.cases.repository import CaseRepository
from dfdg_broker.domain.areas import DataArea
from tests.conftest import TODAY
from tests.helpers import change_profile, create_case, days, sqlite_thread_hops, upstream_calls

AREAS = ("cv", "integration-contract", "other", "attachments")


async def _read(client, auth, case, area, municipality="101"):
    response = await client.get(f"/v1/contact-groups/{case['id']}/data-areas/{area}", headers=auth(municipality))
    assert response.status_code == 200, response.text
    return response.json()


# ---------------------------------------------------------------- DA1-DA4: the areas and their shape


@pytest.mark.parametrize("area", AREAS)
async def test_DA1_DA4_each_area_is_served_with_provenance(client, auth, persona, area):
    case = await create_case(client, auth, persona("complete-adult"), TODAY + days(10))
    body = await _read(client, auth, case, area)
    assert body["case_id"] == case["id"] and body["area"] == area
    assert body["provenance"]["mode"] == "live"
    assert body["provenance"]["stale"] is False
    assert body["provenance"]["snapshot_taken_on"] == TODAY.isoformat()


async def test_DA1_cv_area_holds_the_operators_early_competence_assessment(client, auth, persona):
    p = persona("complete-adult")
    case = await create_case(client, auth, p, TODAY + days(10))
    data = (await _read(client, auth, case, "cv"))["data"]
    assert data == p.cv.model_dump(mode="json")
    assert data["jobs_wanted"], "the complete adult wants at least one job"


async def test_DA2_integration_contract_area_holds_languages_and_formal_education(client, auth, persona):
    p = persona("languages-rich")
    case = await create_case(client, auth, p, TODAY + days(10), caller=p.person.receiving_municipality)
    data = (await _read(client, auth, case, "integration-contract", p.person.receiving_municipality))["data"]
    assert data == p.integration_contract.model_dump(mode="json") | {"supplementary_competences": []}  # from DA3
    assert {"reading", "speaking", "writing", "understanding", "experience"} <= set(data["languages"][0])


async def test_DA3_other_area_keeps_raw_contact_details(client, auth, persona):
    p = persona("foreign-phone")
    municipality = p.person.receiving_municipality
    case = await create_case(client, auth, p, TODAY + days(10))
    data = (await _read(client, auth, case, "other", municipality))["data"]
    assert data["raw_contact"]["phone"] == p.other.raw_contact.phone


async def test_DA4_attachments_download_as_verified_pdf(client, auth, persona):
    p = persona("parent-with-linked-children")
    case = await create_case(client, auth, p, TODAY + days(10))
    listing = (await _read(client, auth, case, "attachments"))["data"]["attachments"]
    assert len(listing) == len(p.attachments) >= 2
    for entry in listing:
        response = await client.get(
            f"/v1/contact-groups/{case['id']}/attachments/{entry['attachment_id']}", headers=auth("101")
        )
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.content.startswith(b"%PDF")
        assert hashlib.sha256(response.content).hexdigest() == entry["sha256"]
        assert int(response.headers["content-length"]) == entry["size_bytes"] == len(response.content)


async def test_DA4_unknown_attachment_is_404(client, auth, persona):
    case = await create_case(client, auth, persona("complete-adult"), TODAY + days(10))
    response = await client.get(f"/v1/contact-groups/{case['id']}/attachments/att-nope", headers=auth("101"))
    assert response.status_code == 404 and response.json()["code"] == "attachment_not_found"


async def test_DA4_a_corrupted_attachment_is_not_stored_and_the_last_good_listing_is_served(
    client, auth, persona, mock_state, monkeypatch
):
    p = persona("complete-adult")
    case = await create_case(client, auth, p, TODAY + days(10))
    before = (await _read(client, auth, case, "attachments"))["data"]
    new = p.attachments[0].model_copy(update={"attachment_id": "att-new", "text": "Ny tekst"})
    mock_state.put_persona(p.model_copy(update={"attachments": [*p.attachments, new]}))
    real = mock_state.attachment_bytes
    monkeypatch.setattr(
        mock_state,
        "attachment_bytes",
        lambda pid, aid: b"%PDF-tampered" if aid == "att-new" else real(pid, aid),
    )
    after = await _read(client, auth, case, "attachments")
    assert after["provenance"]["stale"] is True
    assert after["data"] == before, "a listing whose document fails its checksum is not taken"


# ---------------------------------------------------------------- G1: live before, frozen after


async def test_G1_live_the_day_before_and_on_the_takeover_date_frozen_the_day_after(
    client, auth, persona, clock, mock_client, mock_state
):
    p = persona("complete-adult")
    handover = TODAY + days(5)
    case = await create_case(client, auth, p, handover)
    pid = p.person.person_id

    clock.set(handover - days(1))
    await change_profile(mock_client, pid, "version day before")
    body = await _read(client, auth, case, "cv")
    assert body["provenance"]["mode"] == "live" and body["data"]["professional_profile"] == "version day before"

    clock.set(handover)
    await change_profile(mock_client, pid, "version on the takeover date")
    body = await _read(client, auth, case, "cv")
    assert body["provenance"]["mode"] == "live"
    assert body["data"]["professional_profile"] == "version on the takeover date"

    clock.set(handover + days(1))
    await change_profile(mock_client, pid, "version after the freeze")
    calls_before = len(upstream_calls(mock_state, "letasyl.area.cv"))
    body = await _read(client, auth, case, "cv")
    assert body["data"]["professional_profile"] == "version on the takeover date"
    assert body["provenance"] | {"snapshot_taken_at": None} == {
        "mode": "frozen",
        "takeover_date": handover.isoformat(),
        "frozen_since": (handover + days(1)).isoformat(),
        "snapshot_taken_at": None,
        "snapshot_taken_on": handover.isoformat(),
        "retrieved_at": None,
        "final_snapshot_after_takeover": False,
        "stale": False,
        "stale_reason": None,
    }
    assert len(upstream_calls(mock_state, "letasyl.area.cv")) == calls_before, "a frozen area never calls the operator"


async def test_G1_a_live_read_compares_with_the_newest_snapshot_of_the_area(
    app, client, auth, persona, clock, mock_client
):
    """The read phase's one statement (``AreaReadRepository``, written per database) finds the area's newest snapshot
    among several, none for an area never stored, and agrees with the unit of work's query (the sweep's)."""
    p = persona("complete-adult")
    case = await create_case(client, auth, p, TODAY + days(10))
    for day, text in ((1, "first change"), (2, "second change"), (3, "third change")):
        clock.set(TODAY + days(day))
        await change_profile(mock_client, p.person.person_id, text)
        assert (await _read(client, auth, case, "cv"))["data"]["professional_profile"] == text
    found = await AREA_READS.get(app).get_with_latest_snapshot(case["id"], DataArea.CV)
    assert found is not None
    held, newest = found
    assert held.id == case["id"] and newest is not None
    assert (newest.seq, newest.taken_on) == (4, TODAY + days(3))
    assert newest.with_data().data["professional_profile"] == "third change"
    async with app_state.SESSIONS.get(app)() as session:
        in_session = await CaseRepository(session).get_with_latest_snapshot(case["id"], DataArea.CV)
    assert in_session is not None and in_session[1] is not None
    assert in_session[0] == held and in_session[1].with_data() == newest.with_data()
    assert await AREA_READS.get(app).get_with_latest_snapshot("cg_none", DataArea.CV) is None


async def test_G1_frozen_area_serves_the_snapshot_from_on_or_before_the_date_not_a_later_one(
    client, auth, persona, clock, mock_client
):
    p = persona("complete-adult")
    handover = TODAY + days(5)
    case = await create_case(client, auth, p, handover)
    clock.set(handover - days(2))
    await change_profile(mock_client, p.person.person_id, "held two days before")
    await _read(client, auth, case, "cv")
    await change_profile(mock_client, p.person.person_id, "never read before the freeze")
    clock.set(handover + days(30))
    body = await _read(client, auth, case, "cv")
    assert body["data"]["professional_profile"] == "held two days before"
    assert body["provenance"]["snapshot_taken_on"] == (handover - days(2)).isoformat()


async def test_G1_each_area_follows_its_own_date(client, auth, persona, clock, mock_state):
    p = persona("complete-adult")
    handover = TODAY + days(10)
    case = await create_case(
        client, auth, p, handover, early_takeover_cv=TODAY + days(2), early_takeover_contract=TODAY + days(6)
    )
    expected_takeover = {
        "cv": TODAY + days(2),
        "integration-contract": TODAY + days(6),
        "other": handover,
        "attachments": handover,
    }
    case_view = (await client.get(f"/v1/contact-groups/{case['id']}", headers=auth("101"))).json()
    assert {a["area"]: a["takeover_date"] for a in case_view["areas"]} == {
        k: v.isoformat() for k, v in expected_takeover.items()
    }
    for probe in (TODAY + days(3), TODAY + days(7), handover + days(1)):
        clock.set(probe)
        for area, takeover in expected_takeover.items():
            mode = (await _read(client, auth, case, area))["provenance"]["mode"]
            freezes = area in ("cv", "integration-contract")  # G1 (revised): DA3 and DA4 never freeze
            assert mode == ("frozen" if freezes and probe > takeover else "live"), (probe, area)


async def test_G1_case_created_after_the_date_takes_one_final_snapshot_and_freezes_it(
    client, auth, persona, clock, mock_client, mock_state
):
    p = persona("long-settled")
    municipality = p.person.receiving_municipality
    handover = TODAY - days(30)
    case = await create_case(client, auth, p, handover)
    body = await _read(client, auth, case, "cv", municipality)
    assert body["provenance"]["mode"] == "frozen"
    assert body["provenance"]["final_snapshot_after_takeover"] is True
    assert body["provenance"]["snapshot_taken_on"] == TODAY.isoformat()
    await change_profile(mock_client, p.person.person_id, "changed later")
    clock.set(TODAY + days(3))
    calls = len(upstream_calls(mock_state, "letasyl.area.cv"))
    again = await _read(client, auth, case, "cv", municipality)
    assert again["data"] == body["data"]
    assert len(upstream_calls(mock_state, "letasyl.area.cv")) == calls


async def test_G1_live_reads_store_a_new_snapshot_row_only_on_change_or_new_day(
    client, auth, persona, app, mock_client, clock
):
    from sqlalchemy import func, select

    from dfdg_broker.db.models import SnapshotRow

    p = persona("complete-adult")
    case = await create_case(client, auth, p, TODAY + days(10))

    async def rows() -> int:
        async with app.state.sessions() as session:
            return await session.scalar(
                select(func.count()).where(SnapshotRow.case_id == case["id"], SnapshotRow.area == "cv")
            )

    assert await rows() == 1
    await _read(client, auth, case, "cv")
    assert await rows() == 1, "unchanged on the same day: no new row"
    await change_profile(mock_client, p.person.person_id, "changed")
    await _read(client, auth, case, "cv")
    assert await rows() == 2
    clock.set(TODAY + days(1))
    await _read(client, auth, case, "cv")
    assert await rows() == 3, "a new day proves what was held on that day"


async def test_G1_an_unchanged_live_read_is_served_as_the_stored_snapshot_and_as_it_is_served_frozen_later(
    client, auth, persona, clock, mock_client, mock_state
):
    """An unchanged live read serves the operator's fresh answer (validated once, on arrival) under the stored row's
    time; after the freeze the same snapshot, read back from the database, is served with the same data."""
    p = persona("complete-adult")
    handover = TODAY + days(5)
    case = await create_case(client, auth, p, handover)
    first = await _read(client, auth, case, "cv")
    calls_before = len(upstream_calls(mock_state, "letasyl.area.cv"))
    again = await _read(client, auth, case, "cv")
    assert len(upstream_calls(mock_state, "letasyl.area.cv")) == calls_before + 1, "a live read asks the operator"
    assert again["provenance"]["snapshot_taken_at"] == first["provenance"]["snapshot_taken_at"], "as stored"
    clock.set(handover + days(1))
    frozen = await _read(client, auth, case, "cv")
    assert frozen["provenance"]["mode"] == "frozen"
    assert frozen["provenance"]["snapshot_taken_at"] == first["provenance"]["snapshot_taken_at"]
    assert frozen["data"] == again["data"] == first["data"]


# ---------------------------------------------------------------- upstream failure


async def test_G1_live_area_serves_the_last_snapshot_marked_stale_when_the_operator_fails(
    client, auth, persona, upstream, mock_client
):
    p = persona("complete-adult")
    case = await create_case(client, auth, p, TODAY + days(10))
    first = await _read(client, auth, case, "cv")
    upstream.down = True
    stale = await _read(client, auth, case, "cv")
    assert stale["data"] == first["data"]
    assert stale["provenance"]["stale"] is True
    assert stale["provenance"]["stale_reason"] == "upstream_unavailable"
    assert stale["provenance"]["retrieved_at"] is None
    upstream.down = False
    assert (await _read(client, auth, case, "cv"))["provenance"]["stale"] is False


async def test_G1_after_the_handover_documents_are_served_from_the_last_snapshot_when_the_operator_is_down(
    client, auth, persona, upstream, clock
):
    p = persona("complete-adult")
    handover = TODAY + days(1)
    case = await create_case(client, auth, p, handover)
    listing = (await _read(client, auth, case, "attachments"))["data"]["attachments"]
    upstream.down = True
    clock.set(handover + days(1))
    body = await _read(client, auth, case, "attachments")
    assert body["provenance"]["mode"] == "live"  # G1 (revised): DA4 never freezes
    assert body["provenance"]["stale"] is True and body["provenance"]["stale_reason"] == "upstream_unavailable"
    assert body["data"]["attachments"] == listing
    response = await client.get(
        f"/v1/contact-groups/{case['id']}/attachments/{listing[0]['attachment_id']}", headers=auth("101")
    )
    assert response.status_code == 200 and hashlib.sha256(response.content).hexdigest() == listing[0]["sha256"]


async def test_DA4_concurrent_reads_of_a_new_attachment_store_it_once_without_error(client, auth, persona, mock_state):
    import asyncio

    p = persona("complete-adult")
    case = await create_case(client, auth, p, TODAY + days(10))
    new = p.attachments[0].model_copy(update={"attachment_id": "att-new", "text": "Ny udtalelse"})
    mock_state.put_persona(p.model_copy(update={"attachments": [*p.attachments, new]}))
    path = f"/v1/contact-groups/{case['id']}/data-areas/attachments"
    responses = await asyncio.gather(*(client.get(path, headers=auth("101")) for _ in range(4)))
    assert [r.status_code for r in responses] == [200] * 4, [r.text for r in responses]
    download = await client.get(f"/v1/contact-groups/{case['id']}/attachments/att-new", headers=auth("101"))
    assert download.status_code == 200 and download.content.startswith(b"%PDF")


async def test_on_sqlite_a_live_read_and_a_draft_read_the_case_on_the_event_loop(
    app, client, auth, persona, mock_client, monkeypatch
):
    """Issue 14: the case with the area's newest snapshot is a point read (``DriverStatement.point_read``), so SQLite
    runs it on the event loop rather than hopping to a thread and back; what it reads is the same (the snapshot held,
    its seal opened, compared with the operator's answer: unchanged, so nothing is written)."""
    if app_state.SESSIONS.get(app).kw["bind"].dialect.name != "sqlite":
        pytest.skip("SQLite only: asyncpg's reads are on the event loop anyway")
    p = persona("complete-adult")
    case = await create_case(client, auth, p, TODAY + days(5))
    await change_profile(mock_client, p.person.person_id, "Ændret i dag.")
    changed = await _read(client, auth, case, "cv")  # the change is stored: the next read compares with it
    to_thread = sqlite_thread_hops(monkeypatch)

    again = await _read(client, auth, case, "cv")
    draft = await client.post(f"/v1/contact-groups/{case['id']}/jobnet-cv/draft", headers=auth("101"))

    assert again["data"] == changed["data"] and again["data"]["professional_profile"] == "Ændret i dag."
    assert again["provenance"]["snapshot_taken_at"] == changed["provenance"]["snapshot_taken_at"], "nothing stored"
    assert draft.status_code == 200, draft.text
    assert "_fetch_one" not in to_thread, to_thread  # only the access-log rows' batches go to the writer's thread
