"""Alembic: the models and the migrations agree, on whichever database the suite runs on."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from dfdg_broker.db.migrate import upgrade
from dfdg_broker.db.models import Base
from dfdg_broker.db.session import create_engine
from tests.helpers import fresh_database


async def test_migrated_schema_matches_the_models(database_url):
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            diff = await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(sync, opts={"compare_type": True}), Base.metadata
                )
            )
    finally:
        await engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"


async def test_migrations_downgrade_and_upgrade_again(database_url, tmp_path):
    """Every revision's downgrade and upgrade, on the database the suite runs on (a fresh one)."""
    url = await fresh_database(database_url, tmp_path, "roundtrip")
    await asyncio.to_thread(upgrade, url, configure_logging=False)
    await asyncio.to_thread(_downgrade, url, "base")
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        assert set(tables) <= {"alembic_version"}
    finally:
        await engine.dispose()
    await asyncio.to_thread(upgrade, url, configure_logging=False)


def _downgrade(url: str, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    from dfdg_broker.db.migrate import alembic_ini

    config = Config(str(alembic_ini()))
    config.attributes["database_url"] = url
    config.attributes["configure_logging"] = False
    command.downgrade(config, revision)


async def _migrated(tmp_path, revision: str, rows: list[tuple[str, dict[str, str]]], query: str) -> list[tuple]:
    """A data migration's result: a SQLite database at ``revision``, the ``rows`` inserted (SQL and parameters),
    upgraded to head, then ``query``'s rows."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'data.db'}"
    await asyncio.to_thread(upgrade, url, configure_logging=False)
    await asyncio.to_thread(_downgrade, url, revision)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for statement, values in rows:
                await connection.execute(text(statement), values)
        await asyncio.to_thread(upgrade, url, configure_logging=False)
        async with engine.connect() as connection:
            return [tuple(row) for row in (await connection.execute(text(query))).all()]
    finally:
        await engine.dispose()


async def test_the_lifecycle_migration_puts_existing_cases_on_the_worklist(tmp_path):
    """Cases created before the worklist existed are listed at once (sorted last until their next change)."""
    case = (
        "INSERT INTO cases (id, cpr, cpr_lookup, receiving_municipality, jobcenter_municipality, "
        "contact_group, handover_date, early_takeover_cv, cv_update_deadline, person_id, "
        "asylum_decision_date, jobnet_cv_number, jobnet_profile_created, created_on, created_at, "
        "created_by_municipality) VALUES ('cg_old', '1204882211', 'x', '741', '751', 27, '2026-12-07', "
        "'2026-12-01', '2027-01-30', '70000101', '2026-09-14', 4100001, 0, '2026-11-20', "
        "'2026-11-20 10:00:00', '741')"
    )
    rows = await _migrated(
        tmp_path,
        "3c5e1d2a7b90",
        [(case, {})],
        "SELECT municipality, next_due_on, frozen_from, cpr_masked FROM worklist ORDER BY 1",
    )
    assert rows == [
        ("741", "9999-12-31", "2026-12-08", "120488-****"),
        ("751", "9999-12-31", "2026-12-08", "120488-****"),
    ]


async def test_the_worklist_attention_migration_copies_each_item_to_each_worklist_row_of_its_case(tmp_path):
    """Issue 14: an item of a case on two worklists (binding cooperation) is on both, with each row's due date."""
    case = (
        "INSERT INTO cases (id, cpr, receiving_municipality, jobcenter_municipality, contact_group, "
        "handover_date, cv_update_deadline, person_id, asylum_decision_date, jobnet_cv_number, "
        "jobnet_profile_created, created_on, created_at, created_by_municipality) VALUES ('cg_old', "
        "'sealed', '741', '751', 27, '2026-12-07', '2027-01-30', '70000101', '2026-09-14', 4100001, 0, "
        "'2026-11-20', '2026-11-20 10:00:00', '741')"
    )
    worklist_row = (
        "INSERT INTO worklist (municipality, case_id, next_due_on, contact_group, frozen_from, "
        "created_on, handover_date, person_id, cpr_masked) VALUES (:m, 'cg_old', '2027-01-28', 27, "
        "'2026-12-08', '2026-11-20', '2026-12-07', '70000101', '120488-****')"
    )
    item = (
        "INSERT INTO worklist_attention (case_id, code, rule, active_from, due_date) "
        "VALUES ('cg_old', 'pdf_request_overdue', 'P1', '2026-11-20', '2026-11-19')"
    )
    rows = await _migrated(
        tmp_path,
        "9c3e5a1f7d20",
        [(case, {}), (worklist_row, {"m": "741"}), (worklist_row, {"m": "751"}), (item, {})],
        "SELECT municipality, next_due_on, code, due_date FROM worklist_attention ORDER BY 1",
    )
    assert rows == [
        ("741", "2027-01-28", "pdf_request_overdue", "2026-11-19"),
        ("751", "2027-01-28", "pdf_request_overdue", "2026-11-19"),
    ]


async def test_the_cases_table_has_no_index_besides_its_key(database_url):
    """No query reads cases by anything but their id (a caller's cases come from the worklist, a citizen's from the
    lookups): an index more would only be one more b-tree each create writes (issue 14)."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            indexes = await connection.run_sync(lambda sync: inspect(sync).get_indexes("cases"))
    finally:
        await engine.dispose()
    assert indexes == []
