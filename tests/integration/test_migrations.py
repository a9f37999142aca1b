"""Alembic: the models and the migrations agree, on whichever database the suite runs on."""

from __future__ import annotations

import asyncio

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from dfdg_broker.db.migrate import upgrade
from dfdg_broker.db.models import Base
from dfdg_broker.db.session import create_engine


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


async def test_migrations_downgrade_and_upgrade_again(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'roundtrip.db'}"
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
