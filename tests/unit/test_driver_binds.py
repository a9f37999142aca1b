"""The driver converts a statement's values as SQLAlchemy's column types would (``db.driver.DriverStatement``); where
it takes a shorter way (a plain date on SQLite: its ``isoformat()``), the stored text must be the same."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import Column, Date, Integer, MetaData, Table, insert
from sqlalchemy.dialects import sqlite

from dfdg_broker.db.driver import DriverStatement

_DIALECT = sqlite.dialect()  # type: ignore[no-untyped-call]
_SQLALCHEMYS = Date().dialect_impl(_DIALECT).bind_processor(_DIALECT)
_THINGS = Table("things", MetaData(), Column("id", Integer, primary_key=True), Column("day", Date))
_INSERT = DriverStatement(insert(_THINGS), _DIALECT, column_keys=("id", "day"))


@given(st.dates() | st.datetimes() | st.none())
def test_a_date_is_bound_as_sqlalchemy_binds_it_on_sqlite(value):
    assert _INSERT.parameters({"id": 1, "day": value}) == (1, _SQLALCHEMYS(value))


def test_a_value_that_is_no_date_is_refused_as_sqlalchemy_refuses_it():
    with pytest.raises(TypeError, match="only accepts Python date objects"):
        _SQLALCHEMYS("2026-11-26")
    with pytest.raises(TypeError, match="only accepts Python date objects"):
        _INSERT.parameters({"id": 1, "day": "2026-11-26"})


def test_the_text_sqlite_keeps_for_a_date():
    assert _INSERT.parameters({"id": 1, "day": datetime.date(7, 3, 9)}) == (1, "0007-03-09")
