"""Issue 11, part 2: personal data sealed at rest, CPR look-ups under a versioned key ring, and key rotation.

Through the HTTP surface and the real database: no CPR number in any column of any table after a realistic
scenario; two key rotations leave every case readable and no duplicate possible; a tampered, moved or unkeyed value
is a clear error, never garbage.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
from pydantic import SecretStr
from sqlalchemy import MetaData, Table, select, text, update

from dfdg_broker.app import create_app, protection_from
from dfdg_broker.cases.repository import CaseRepository
from dfdg_broker.db.key_rotation import rotate_keys
from dfdg_broker.db.migrate import upgrade
from dfdg_broker.db.models import Base, CaseLookupRow, CaseRow, SnapshotRow
from dfdg_broker.db.sealed import SEALED_COLUMNS
from dfdg_broker.db.session import create_engine, create_sessionmaker
from dfdg_broker.domain.areas import DataArea
from dfdg_broker.jobnet_cv.repository import JobnetCvRepository
from dfdg_broker.pdf_requests.repository import PdfRequestRepository
from dfdg_broker.settings import DEVELOPMENT_CPR_LOOKUP_KEYS, DEVELOPMENT_DATA_KEYS, Settings
from tests.conftest import TODAY
from tests.helpers import create_body, create_case, days, fresh_database, running
from tests.integration.test_migrations import _downgrade

HANDOVER = TODAY + days(20)


def _key(key_id: str, fill: bytes) -> str:
    return f"{key_id}:{base64.b64encode(fill * 32).decode()}"


def _with_rings(settings: Settings, data: list[str], data_id: str, lookup: list[str], lookup_id: str) -> Settings:
    return settings.model_copy(
        update={
            "data_keys": SecretStr(", ".join(data)),
            "data_key_id": data_id,
            "cpr_lookup_keys": SecretStr(", ".join(lookup)),
            "cpr_lookup_key_id": lookup_id,
        }
    )


@asynccontextmanager
async def _broker(settings: Settings, clock: Any, upstream: Any) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(settings, clock=clock, upstream_transport=upstream)
    async with (
        running(application),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=application), base_url="http://broker.test") as client,
    ):
        yield client


async def _rotate(settings: Settings) -> Any:
    engine = create_engine(settings.database_url)
    try:
        return await rotate_keys(create_sessionmaker(engine, protection_from(settings)), batch_size=2)
    finally:
        await engine.dispose()


async def _rows(database_url: str, query: Any) -> list[Any]:
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return list((await connection.execute(query)).all())
    finally:
        await engine.dispose()


async def _execute(database_url: str, statement: Any) -> None:
    engine = create_engine(database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(statement)
    finally:
        await engine.dispose()


async def _sealed_key_ids(database_url: str) -> set[str]:
    """The key ids of every sealed value stored."""
    ids = set()
    for column in SEALED_COLUMNS:
        table = Base.metadata.tables[column.table]
        for (value,) in await _rows(database_url, select(table.c[column.column])):
            if value is not None:
                ids.add(bytes(value)[2 : 2 + value[1]].decode())
    return ids


async def _every_case_readable(client: httpx.AsyncClient, auth: Any, cases: list[tuple[Any, dict[str, Any]]]) -> None:
    for p, case in cases:
        headers = auth(p.person.receiving_municipality)
        read = await client.get(f"/v1/contact-groups/{case['id']}", headers=headers)
        assert read.status_code == 200, read.text
        for area in ("cv", "other", "attachments"):
            response = await client.get(f"/v1/contact-groups/{case['id']}/data-areas/{area}", headers=headers)
            assert response.status_code == 200, response.text
        found = await client.post("/v1/contact-groups/search", json={"cpr": p.cpr}, headers=headers)
        assert [c["id"] for c in found.json()] == [case["id"]], found.text
        again = await client.post("/v1/contact-groups", json=create_body(p, HANDOVER), headers=headers)
        assert again.status_code == 409 and again.json()["existing_id"] == case["id"], again.text


# ---------------------------------------------------------------- rotation


async def test_two_key_rotations_keep_every_case_readable_and_no_duplicate_possible(
    settings, clock, upstream, auth, persona, database_url
):
    a_data, a_lookup = DEVELOPMENT_DATA_KEYS, DEVELOPMENT_CPR_LOOKUP_KEYS  # the suite's keys: "dev-1"
    b_data, b_lookup, c_data, c_lookup = _key("b", b"B"), _key("lb", b"b"), _key("c", b"C"), _key("lc", b"c")
    people = [persona("complete-adult"), persona("parent-with-linked-children"), persona("igu-candidate")]
    async with _broker(settings, clock, upstream) as client:
        cases = [(p, await create_case(client, auth, p, HANDOVER)) for p in people]
        await _every_case_readable(client, auth, cases)

    # 1st rotation: B becomes current, A stays in the rings while the rotation runs.
    during = _with_rings(settings, [b_data, a_data], "b", [b_lookup, a_lookup], "lb")
    async with _broker(during, clock, upstream) as client:
        await _every_case_readable(client, auth, cases)  # values under A are read, nothing rotated yet
    report = await _rotate(during)
    assert report.unreadable == [] and report.lookups_added == len(people)
    assert sum(report.resealed.values()) > 0
    assert await _sealed_key_ids(database_url) == {"b"}
    again = await _rotate(during)  # resumable, idempotent: nothing left
    assert sum(again.resealed.values()) == 0 and again.lookups_added == 0

    after = _with_rings(settings, [b_data], "b", [b_lookup], "lb")  # A removed everywhere
    removed = await _rotate(after)
    assert removed.lookups_removed == len(people)  # the hashes under A, made when the cases were created
    assert {row[0] for row in await _rows(database_url, select(CaseLookupRow.key_id))} == {"lb"}
    async with _broker(after, clock, upstream) as client:
        await _every_case_readable(client, auth, cases)

    # 2nd rotation: C, the same way.
    during = _with_rings(settings, [c_data, b_data], "c", [c_lookup, b_lookup], "lc")
    await _rotate(during)
    after = _with_rings(settings, [c_data], "c", [c_lookup], "lc")
    await _rotate(after)
    assert await _sealed_key_ids(database_url) == {"c"}
    async with _broker(after, clock, upstream) as client:
        await _every_case_readable(client, auth, cases)
    case_count = await _rows(database_url, select(CaseRow.id))
    assert len(case_count) == len(people)

    # A process still on the retired first keys cannot read, and says so instead of showing anything.
    async with _broker(settings, clock, upstream) as client:
        p, case = cases[0]
        response = await client.get(f"/v1/contact-groups/{case['id']}", headers=auth(p.person.receiving_municipality))
    assert response.status_code == 500 and response.json()["code"] == "stored_data_unreadable"
    assert p.cpr not in response.text and p.cpr[:6] not in response.text


async def test_concurrent_creates_under_two_rings_in_mid_rotation_make_one_case(
    settings, clock, upstream, auth, persona, database_url
):
    """One instance already on the new lookup key, one still on the old: they share the old key, under which both
    store the hash, so only one create wins."""
    p = persona("complete-adult")
    new = _with_rings(settings, [DEVELOPMENT_DATA_KEYS], "dev-1", [_key("lb", b"b"), DEVELOPMENT_CPR_LOOKUP_KEYS], "lb")
    headers = auth(p.person.receiving_municipality)
    async with _broker(settings, clock, upstream) as old_client, _broker(new, clock, upstream) as new_client:
        responses = await asyncio.gather(
            *(
                c.post("/v1/contact-groups", json=create_body(p, HANDOVER), headers=headers)
                for c in (old_client, new_client, old_client, new_client)
            )
        )
    assert sorted(r.status_code for r in responses) == [201, 409, 409, 409], [r.text for r in responses]
    assert len(await _rows(database_url, select(CaseRow.id))) == 1


# ---------------------------------------------------------------- tampering


async def test_a_tampered_or_moved_value_is_a_clear_error_never_plaintext(client, auth, persona, database_url):
    first, second = persona("complete-adult"), persona("parent-with-linked-children")
    one = await create_case(client, auth, first, HANDOVER)
    two = await create_case(client, auth, second, HANDOVER)
    ((sealed,),) = await _rows(database_url, select(CaseRow.cpr).where(CaseRow.id == one["id"]))
    tampered = bytes(sealed[:-1]) + bytes([sealed[-1] ^ 1])
    await _execute(database_url, update(CaseRow).where(CaseRow.id == one["id"]).values(cpr=tampered))
    await _execute(database_url, update(CaseRow).where(CaseRow.id == two["id"]).values(cpr=sealed))  # moved
    for p, case in ((first, one), (second, two)):
        response = await client.get(f"/v1/contact-groups/{case['id']}", headers=auth(p.person.receiving_municipality))
        assert response.status_code == 500, response.text
        problem = response.json()
        assert problem["code"] == "stored_data_unreadable" and "correlation_id" in problem
        assert first.cpr not in response.text and second.cpr not in response.text


async def test_a_tampered_snapshot_is_refused_not_served(client, auth, persona, database_url):
    p = persona("complete-adult")
    case = await create_case(client, auth, p, HANDOVER)
    rows = await _rows(database_url, select(SnapshotRow.id, SnapshotRow.data).where(SnapshotRow.area == "other"))
    ((snapshot_id, data),) = rows
    await _execute(
        database_url, update(SnapshotRow).where(SnapshotRow.id == snapshot_id).values(data=bytes(data[:-3]) + b"xyz")
    )
    response = await client.get(
        f"/v1/contact-groups/{case['id']}/data-areas/other", headers=auth(p.person.receiving_municipality)
    )
    assert response.status_code == 500 and response.json()["code"] == "stored_data_unreadable"


# ---------------------------------------------------------------- G1's change check on keyed digests


async def test_unchanged_content_read_again_adds_no_snapshot_and_its_digest_is_keyed(
    client, auth, persona, database_url
):
    p = persona("complete-adult")
    case = await create_case(client, auth, p, HANDOVER)
    url = f"/v1/contact-groups/{case['id']}/data-areas/other"
    for _ in range(3):
        assert (await client.get(url, headers=auth(p.person.receiving_municipality))).status_code == 200
    rows = await _rows(database_url, select(SnapshotRow.content_sha256).where(SnapshotRow.area == "other"))
    assert len(rows) == 1, "encryption must not make a read look like a change"
    from dfdg_broker.domain.content import content_hash

    other = (await client.get(url, headers=auth(p.person.receiving_municipality))).json()
    assert rows[0][0] != content_hash(other.get("data", other)), "an unkeyed SHA-256 of the content is not stored"


# ---------------------------------------------------------------- the all-table CPR scan


def _cpr_needles(*cprs: str) -> set[str]:
    return {form for cpr in cprs for form in (cpr, f"{cpr[:6]}-{cpr[6:]}")}


async def scan_every_column(database_url: str, needles: set[str]) -> list[str]:
    """Every value of every column of every table (Base.metadata: a new table is covered without a change here),
    as text and as bytes, searched for each needle. Returns table.column: needle for each hit."""
    hits = []
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                rows = (await connection.execute(select(*table.columns))).all()
                for row in rows:
                    for column, value in zip(table.columns, row, strict=True):
                        hits.extend(f"{table.name}.{column.name}: {n}" for n in needles if _holds(value, n))
    finally:
        await engine.dispose()
    return hits


def _holds(value: Any, needle: str) -> bool:
    if value is None:
        return False
    if isinstance(value, bytes | bytearray | memoryview):
        data = bytes(value)
        return needle.encode() in data or needle.encode("utf-16-le") in data
    text_form = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False)
    return needle in text_form


async def test_no_cpr_number_in_any_column_of_any_table_after_a_realistic_scenario(
    client, auth, persona, database_url, clock, mock_client, mock_state
):
    adult, parent, minor = persona("complete-adult"), persona("parent-with-linked-children"), persona("igu-candidate")
    for p in (adult, parent, minor):
        case = await create_case(client, auth, p, HANDOVER, early_takeover_cv=TODAY)
        headers = auth(p.person.receiving_municipality)
        idempotent = headers | {"Idempotency-Key": f'"{uuid.uuid4()}"'}
        base = f"/v1/contact-groups/{case['id']}"
        for area in ("cv", "integration-contract", "other", "attachments"):
            assert (await client.get(f"{base}/data-areas/{area}", headers=headers)).status_code == 200
        listing = (await client.get(f"{base}/data-areas/attachments", headers=headers)).json()
        for attachment in listing.get("data", listing).get("attachments", []):
            download = await client.get(f"{base}/attachments/{attachment['attachment_id']}", headers=headers)
            assert download.status_code == 200
        pdf = {"person_id": p.person.person_id, "areas": ["other", "attachments"]}
        assert (await client.post(f"{base}/pdf-requests", json=pdf, headers=idempotent)).status_code == 201
        assert (await client.post(f"{base}/pdf-requests", json=pdf, headers=idempotent)).status_code == 201  # replay
        draft = await client.post(f"{base}/jobnet-cv/draft", headers=headers)
        assert draft.status_code == 200, draft.text
        if draft.json()["ready_to_submit"]:
            submit = await client.put(f"{base}/jobnet-cv", json=draft.json()["cv"], headers=headers)
            assert submit.status_code == 200, submit.text
        read = await client.get(base, headers=headers)
        patch = await client.patch(
            base,
            json={"not_learning_danish": True},
            headers=headers | {"Content-Type": "application/merge-patch+json", "If-Match": read.headers["etag"]},
        )
        assert patch.status_code == 200, patch.text
        conversation = {"held_on": TODAY.isoformat(), "kind": "visitation"}
        once = headers | {"Idempotency-Key": f'"{uuid.uuid4()}"'}
        response = await client.post(f"{base}/conversations", json=conversation, headers=once)
        assert response.status_code < 300, response.text
        found = await client.post("/v1/contact-groups/search", json={"cpr": p.cpr}, headers=headers)
        assert [c["id"] for c in found.json()] == [case["id"]]
        assert (await client.get(f"{base}/follow-up-plan", headers=headers)).status_code == 200
        assert (await client.get(f"{base}/distribution", headers=headers)).status_code == 200
        assert (await client.get(f"{base}/history", headers=headers)).status_code == 200
    for request_id in list(mock_state.pdf_requests):
        await mock_client.post(
            f"/admin/pdf-requests/{request_id}/deliveries", json={"delivered_on": (TODAY + days(1)).isoformat()}
        )
    clock.set(TODAY + days(2))
    for p in (adult, parent, minor):
        headers = auth(p.person.receiving_municipality)
        found = (await client.post("/v1/contact-groups/search", json={"cpr": p.cpr}, headers=headers)).json()
        listed = await client.get(f"/v1/contact-groups/{found[0]['id']}/pdf-requests", headers=headers)
        assert listed.status_code == 200
        for request in listed.json()["requests"]:
            if request.get("document"):
                assert (await client.get(request["document"]["href"], headers=headers)).status_code == 200
    delivered = await _rows(database_url, text("SELECT COUNT(*) FROM pdf_requests WHERE delivery IS NOT NULL"))
    assert delivered[0][0] >= 1, "the scenario stored a delivery"
    submitted = await _rows(database_url, text("SELECT COUNT(*) FROM jobnet_cv_submissions"))
    assert submitted[0][0] >= 1, "the scenario submitted a CV"

    assert await scan_every_column(database_url, _cpr_needles(adult.cpr, parent.cpr, minor.cpr)) == []
    # The scan finds what is there: the operator's person id is stored in clear.
    assert await scan_every_column(database_url, {adult.person.person_id})


# ---------------------------------------------------------------- the migration from the clear-text schema

BEFORE_SEALING = "5a0c3e7d9b21"
CLEAR_CPR = "1204882211"


async def test_the_migration_seals_existing_clear_text_data_and_downgrade_opens_it(database_url, tmp_path):
    url = await fresh_database(database_url, tmp_path, "sealing")
    await asyncio.to_thread(upgrade, url, BEFORE_SEALING, configure_logging=False)
    now = datetime(2026, 11, 20, 10, tzinfo=UTC)
    document = {"notes": f"cpr {CLEAR_CPR} in a note", "phones": ["+4512345678"]}
    delivery = {"document": {"file_name": f"{CLEAR_CPR}.pdf"}}
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            tables = await connection.run_sync(lambda sync: {t: Table(t, MetaData(), autoload_with=sync) for t in OLD})
            for name, rows in _clear_rows(now, document, delivery).items():
                await connection.execute(tables[name].insert(), rows)
    finally:
        await engine.dispose()

    await asyncio.to_thread(upgrade, url, configure_logging=False)

    assert await scan_every_column(url, _cpr_needles(CLEAR_CPR)) == []
    protection = protection_from(Settings())
    engine = create_engine(url)
    try:
        async with create_sessionmaker(engine, protection)() as session:
            cases = CaseRepository(session)
            case = await cases.find(CLEAR_CPR, "101")
            assert case is not None and case.id == "cg_old" and case.cpr == CLEAR_CPR
            snapshot = await cases.latest_snapshot("cg_old", DataArea.OTHER)
            assert snapshot is not None and snapshot.data == document
            assert snapshot.content_sha256 == protection.content_digest(document)
            blob = await cases.get_blob("cg_old", "att-1", "ab" * 32)
            assert blob is not None and blob.content == b"%PDF-1.4 " + CLEAR_CPR.encode()
            (request,) = await PdfRequestRepository(session).for_case("cg_old")
            assert request.delivery == delivery
            submission = await JobnetCvRepository(session).latest_submission("cg_old")
            assert submission is not None and submission.cv == {"cpr": CLEAR_CPR}
            assert submission.findings == [{"original": CLEAR_CPR}]
    finally:
        await engine.dispose()

    await asyncio.to_thread(_downgrade, url, BEFORE_SEALING)
    clear = await _rows(url, text("SELECT cpr FROM cases"))
    assert clear == [(CLEAR_CPR,)]


OLD = ("cases", "snapshots", "attachment_blobs", "pdf_requests", "jobnet_cv_submissions", "idempotency_keys")


def _clear_rows(now: datetime, document: dict[str, Any], delivery: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    day = now.date()
    return {
        "cases": [
            {
                "id": "cg_old",
                "cpr": CLEAR_CPR,
                "cpr_lookup": "0" * 64,
                "receiving_municipality": "101",
                "jobcenter_municipality": "101",
                "contact_group": 27,
                "handover_date": day,
                "cv_update_deadline": day,
                "person_id": "70000101",
                "asylum_decision_date": day,
                "jobnet_cv_number": 4100001,
                "jobnet_profile_created": False,
                "created_on": day,
                "created_at": now,
                "created_by_municipality": "101",
            }
        ],
        "snapshots": [
            {
                "case_id": "cg_old",
                "area": "other",
                "taken_on": day,
                "taken_at": now,
                "content_sha256": "0" * 64,
                "data": document,
                "seq": 1,
            }
        ],
        "attachment_blobs": [
            {
                "case_id": "cg_old",
                "attachment_id": "att-1",
                "sha256": "ab" * 32,
                "media_type": "application/pdf",
                "size_bytes": 19,
                "content": b"%PDF-1.4 " + CLEAR_CPR.encode(),
                "fetched_at": now,
            }
        ],
        "pdf_requests": [
            {
                "id": "pr_old",
                "case_id": "cg_old",
                "operator_request_id": "op-1",
                "person_id": "70000101",
                "areas": ["other"],
                "requested_on": day,
                "requested_at": now,
                "due_date": day,
                "requested_by_municipality": "101",
                "delivered_on": day,
                "stored_at": now,
                "delivery": delivery,
            }
        ],
        "jobnet_cv_submissions": [
            {
                "case_id": "cg_old",
                "cv_number": 4100001,
                "submitted_at": now,
                "submitted_on": day,
                "submitted_by_municipality": "101",
                "searchable": True,
                "consent": True,
                "jobnet_status": "ok",
                "jobnet_received_at": now,
                "cv": {"cpr": CLEAR_CPR},
                "findings": [{"original": CLEAR_CPR}],
            }
        ],
        "idempotency_keys": [
            {
                "municipality": "101",
                "key": "k-1",
                "fingerprint": "0" * 64,
                "state": "done",
                "created_at": now,
                "expires_at": now,
                "status_code": 201,
                "response_headers": {},
                "response_body": json.dumps({"cpr": CLEAR_CPR}).encode(),
            }
        ],
    }


# ---------------------------------------------------------------- the commands


async def test_keys_new_and_keys_rotate_commands(client, auth, persona, database_url, monkeypatch):
    from typer.testing import CliRunner

    from dfdg_broker.cli import app as cli

    runner = CliRunner()
    made = runner.invoke(cli, ["keys", "new", "2026-11"])
    assert made.exit_code == 0 and made.output.startswith("2026-11:")
    entry = made.output.strip()
    await create_case(client, auth, persona("complete-adult"), HANDOVER)
    monkeypatch.setenv("DFDG_ENVIRONMENT", "test")
    monkeypatch.setenv("DFDG_DATABASE_URL", database_url)
    monkeypatch.setenv("DFDG_DATA_KEYS", f"{entry}, {DEVELOPMENT_DATA_KEYS}")
    monkeypatch.setenv("DFDG_DATA_KEY_ID", "2026-11")
    rotated = await asyncio.to_thread(runner.invoke, cli, ["keys", "rotate", "--batch-size", "1"])
    assert rotated.exit_code == 0, rotated.output
    assert "snapshots.data: 1 re-sealed" in rotated.output  # progress, batch by batch
    assert rotated.output.strip().splitlines()[-1].startswith("keys rotate: re-sealed cases.cpr 1, snapshots.data 4")
    assert await _sealed_key_ids(database_url) == {"2026-11"}
    monkeypatch.setenv("DFDG_DATA_KEYS", entry)  # the old key gone from the ring: nothing left to do, exit 0
    again = await asyncio.to_thread(runner.invoke, cli, ["keys", "rotate"])
    assert again.exit_code == 0 and "re-sealed nothing" in again.output, again.output
