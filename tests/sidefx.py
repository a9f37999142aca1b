"""What a refused request must not change: the broker's rows and the mock upstream's journal."""

from __future__ import annotations

from sqlalchemy import func, select

from dfdg_broker.db.models import Base
from dfdg_broker.db.session import create_engine
from dfdg_broker.mock.state import MockState


async def row_counts(database_url: str) -> dict[str, int]:
    """Rows per table of the broker's database."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            return {
                table.name: int((await connection.execute(select(func.count()).select_from(table))).scalar_one())
                for table in Base.metadata.sorted_tables
            }
    finally:
        await engine.dispose()


def journal_size(state: MockState) -> int:
    """How many calls the mock upstream has answered."""
    return len(state.journal)
