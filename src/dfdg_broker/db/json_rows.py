"""``json_rows(...)``: a child table's rows as one JSON value, so that a parent and its children come back in one
statement (one round trip) instead of one query per child table.

Used as the only column of a correlated scalar subquery::

    select(json_rows(Child.a, Child.b)).where(Child.parent_id == Parent.id).scalar_subquery()

gives ``[[a, b], [a, b], ...]`` (``[]`` for no rows) in no particular order: SQLite before 3.44 cannot order an
aggregate, so sort in Python. Values arrive as JSON has them: dates and timestamps as ISO strings (read them with
``date.fromisoformat`` and ``json_timestamp``), booleans as ``true``/``false`` on PostgreSQL but 1/0 on SQLite.
Binary columns cannot be carried (SQLite refuses them): select those as ordinary columns.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement


class json_rows(FunctionElement[Any]):
    """The aggregate: each row's columns as a JSON array, the rows as a JSON array of those."""

    type = JSON()
    inherit_cache = True
    name = "json_rows"


@compiles(json_rows, "sqlite")
def _sqlite(element: json_rows, compiler: SQLCompiler, **kw: Any) -> str:
    # A JSON column is stored as text: json() embeds it as JSON, not as a string holding JSON.
    columns = ", ".join(
        f"json({compiler.process(column, **kw)})" if isinstance(column.type, JSON) else compiler.process(column, **kw)
        for column in element.clauses
    )
    return f"json_group_array(json_array({columns}))"


@compiles(json_rows, "postgresql")
def _postgresql(element: json_rows, compiler: SQLCompiler, **kw: Any) -> str:
    # json_agg of no rows is NULL, not an empty array.
    return f"coalesce(json_agg(json_build_array({compiler.process(element.clauses, **kw)})), '[]'::json)"


def json_timestamp(value: str) -> datetime:
    """A ``UtcDateTime`` column's value as ``json_rows`` carries it (SQLite: naive text in UTC; PostgreSQL: ISO 8601
    with the session's offset), as an aware UTC datetime like the column type gives."""
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
