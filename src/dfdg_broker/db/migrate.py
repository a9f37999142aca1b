"""Run the Alembic migrations from code (the CLI, the test suite)."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config

from dfdg_broker.protection import Protection


def alembic_ini() -> Path:
    """alembic.ini: DFDG_ALEMBIC_INI, else the working directory's, else the source checkout's."""
    candidates = [
        os.environ.get("DFDG_ALEMBIC_INI"),
        "alembic.ini",
        Path(__file__).resolve().parents[3] / "alembic.ini",
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FileNotFoundError("alembic.ini not found; set DFDG_ALEMBIC_INI")


def upgrade(
    database_url: str, revision: str = "head", *, configure_logging: bool = True, protection: Protection | None = None
) -> None:
    """Migrate to ``revision``. Alembic's env.py calls ``asyncio.run``: from a running loop, call this in a thread.

    ``protection``: the keys a migration seals personal data with (default: from the environment's settings)."""
    config = Config(str(alembic_ini()))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logging"] = configure_logging
    config.attributes["protection"] = protection
    command.upgrade(config, revision)


async def recreate_postgres_database(url: str) -> None:
    """Drop and create the PostgreSQL database ``url`` names (the test suite's and the benchmark's own database)."""
    import asyncpg
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    name = parsed.database
    if not name or name in {"postgres", "template0", "template1"}:
        raise ValueError("refusing to recreate a system database; name a dedicated one")
    admin = await asyncpg.connect(
        host=parsed.host, port=parsed.port or 5432, user=parsed.username, password=parsed.password, database="postgres"
    )
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
