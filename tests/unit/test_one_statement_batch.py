"""A write batch on PostgreSQL is one statement (``db.driver.data_modifying_ctes``): the INSERTs of a create as
data-modifying WITH queries, one round trip. That it is atomic and that its foreign keys hold is shown by the creates
themselves on PostgreSQL (``test_robustness``: concurrent creates of one case write nothing of the losers)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy.dialects import postgresql

from dfdg_broker.audit.repository import INSERT_ENTRY
from dfdg_broker.cases.repository import _INSERT_BLOBS, _INSERT_CASE
from dfdg_broker.db.driver import DriverStatement, data_modifying_ctes


def test_each_insert_takes_its_rows_and_the_placeholders_run_on_across_the_statement():
    sql = data_modifying_ctes(
        [
            ("INSERT INTO a (x, y) VALUES ($1::VARCHAR, $2::NUMERIC(10, 2))", 1),
            ("INSERT INTO b (x) VALUES ($1::BYTEA) ON CONFLICT DO NOTHING", 2),
            ("INSERT INTO c (p, q) VALUES ($1, $2) RETURNING c.id", 2),
        ]
    )
    assert sql == (
        "WITH w0 AS (INSERT INTO a (x, y) VALUES ($1::VARCHAR, $2::NUMERIC(10, 2))), "
        "w1 AS (INSERT INTO b (x) VALUES ($3::BYTEA), ($4::BYTEA) ON CONFLICT DO NOTHING) "
        "INSERT INTO c (p, q) VALUES ($5, $6), ($7, $8) RETURNING c.id"
    )


def test_a_batch_of_one_insert_is_that_insert():
    assert data_modifying_ctes([("INSERT INTO a (x) VALUES ($1)", 3)]) == "INSERT INTO a (x) VALUES ($1), ($2), ($3)"


def test_the_inserts_of_a_create_make_one_statement_with_every_row_s_values_numbered_once():
    dialect = postgresql.asyncpg.dialect()  # type: ignore[attr-defined]
    compiled = [
        (DriverStatement(s, dialect).sql, rows)
        for s, rows in ((_INSERT_CASE, 1), (_INSERT_BLOBS["postgresql"], 2), (INSERT_ENTRY, 1))
    ]
    sql = data_modifying_ctes(compiled)
    widths = [len(re.findall(r"\$\d+", single)) for single, _rows in compiled]
    assert [int(n) for n in re.findall(r"\$(\d+)", sql)] == list(range(1, widths[0] + 2 * widths[1] + widths[2] + 1))
    assert sql.startswith("WITH w0 AS (INSERT INTO cases (") and ", w1 AS (INSERT INTO attachment_blobs (" in sql
    assert ") INSERT INTO access_log (" in sql


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE a SET x = $1",
        "INSERT INTO a (x) SELECT $1",
        "INSERT INTO a (x) VALUES ($2)",
        "INSERT INTO a (x) VALUES ($1) ON CONFLICT (x) DO UPDATE SET x = $2",
    ],
)
def test_anything_but_a_single_row_insert_is_refused(sql):
    with pytest.raises(ValueError):
        data_modifying_ctes([(sql, 1)])
