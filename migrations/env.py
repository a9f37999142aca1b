"""Alembic environment: async engine, batch mode on SQLite so that ALTERs work there too."""

from __future__ import annotations

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy import text
from sqlalchemy.engine import Connection

from dfdg_broker.db.driver import use_wal
from dfdg_broker.db.models import Base
from dfdg_broker.db.session import create_engine
from dfdg_broker.settings import Settings

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _database_url() -> str:
    return config.attributes.get("database_url") or Settings().database_url


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )


MIGRATION_LOCK = 0x64666467_6D696772  # "dfdgmigr": the advisory lock key every `dfdg-broker migrate` takes


def _run_sync(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # Batch mode rebuilds a table (create a copy, drop the old one). With foreign keys on, dropping ``cases``
        # would cascade and delete every snapshot, document and submission. SQLite's own recipe for schema changes:
        # foreign keys off (possible only outside a transaction, hence the raw connection), then a
        # foreign_key_check before the commit.
        _sqlite_foreign_keys_off(connection)
        # WAL is the database's own setting (db.driver.use_wal): made here once, not on every connection.
        use_wal(connection.connection.dbapi_connection)
    if connection.dialect.name == "postgresql":
        # Several replicas may run `dfdg-broker migrate` at once: one migrates, the others wait here and then find
        # the schema at head. A transaction-level lock: released by the commit (or rollback) below, whatever happens.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    _configure(connection)
    with context.begin_transaction():
        context.run_migrations()
        if sqlite and (broken := connection.exec_driver_sql("PRAGMA foreign_key_check").all()):
            raise RuntimeError(f"the migration left rows without their parent: {broken[:5]}")


def _sqlite_foreign_keys_off(connection: Connection) -> None:
    """For this connection only, which is disposed of with its engine after the migration."""
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute("PRAGMA foreign_keys=OFF")
    finally:
        cursor.close()


async def _run_async() -> None:
    engine = create_engine(_database_url())
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run_sync)
            await connection.commit()
    finally:
        await engine.dispose()


def run_migrations_offline() -> None:
    context.configure(
        url=_database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=_database_url().startswith("sqlite"),
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(_run_async())
