"""Rows to the repositories' dataclasses and back, where the two share their field names."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

R = TypeVar("R", bound="DataclassInstance")


def from_row(record_type: type[R], row: object) -> R:
    """The record with each of its fields read from the row's attribute of that name (the row may have more)."""
    return record_type(**{field.name: getattr(row, field.name) for field in fields(record_type)})


def row_values(record: DataclassInstance) -> dict[str, Any]:
    """The record's fields, as keyword arguments for a row of the same names."""
    return asdict(record)
