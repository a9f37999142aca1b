"""What a refused request must not change: the broker's rows and the mock upstream's journal."""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import func, select

from dfdg_broker.db.models import Base
from dfdg_broker.db.session import create_engine
from dfdg_broker.mock.state import MockState

ATTEMPTS_RECORDED = frozenset({"access_log"})
"""Tables a refused request writes to by design: the access log records a refused attempt on a case (outcome
``denied``), so that a data protection officer can see who tried."""


async def row_counts(database_url: str) -> dict[str, int]:
    """Rows per table of the broker's database, but the access log (see ``ATTEMPTS_RECORDED``)."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return {
                table.name: int((await connection.execute(select(func.count()).select_from(table))).scalar_one())
                for table in Base.metadata.sorted_tables
                if table.name not in ATTEMPTS_RECORDED
            }
    finally:
        await engine.dispose()


def journal_size(state: MockState) -> int:
    """How many calls the mock upstream has answered."""
    return len(state.journal)


@functools.cache
def broker_document() -> dict[str, Any]:
    """The broker's OpenAPI document as the code serves it (built once per test session)."""
    from dfdg_broker.cli import openapi_documents

    return openapi_documents()["broker.json"]
