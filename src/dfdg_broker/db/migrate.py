"""Run the Alembic migrations from code (the CLI, the test suite)."""

from __future__ import annotations

import os
from pathlib import Path

from alembic import command
from alembic.config import Config


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


def upgrade(database_url: str, revision: str = "head", *, configure_logging: bool = True) -> None:
    """Migrate to ``revision``. Alembic's env.py calls ``asyncio.run``: from a running loop, call this in a thread."""
    config = Config(str(alembic_ini()))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logging"] = configure_logging
    command.upgrade(config, revision)
