"""``dfdg-broker access-log export``: the access log as JSON lines, one row per line, for a municipality's logging
platform (SIEM). Streamed from a server-side cursor: memory stays flat however long the range."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import TextIO

from sqlalchemy.ext.asyncio import AsyncEngine

from dfdg_broker.audit import repository
from dfdg_broker.audit.records import AccessEntry


def json_line(entry: AccessEntry) -> str:
    """One row as one line of JSON (UTF-8, no CPR number: the row holds none)."""
    fields = {"id": entry.id} | asdict(entry) | {"at": entry.at.astimezone(UTC).isoformat().replace("+00:00", "Z")}
    return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))


async def write_json_lines(
    engine: AsyncEngine, out: TextIO, since: datetime, until: datetime, municipality: str | None = None
) -> int:
    """Write the rows from ``since`` (inclusive) to ``until`` (exclusive), oldest first, to ``out``; how many."""
    count = 0
    async for entry in repository.export(engine, since, until, municipality):
        out.write(json_line(entry) + "\n")
        count += 1
    out.flush()
    return count
