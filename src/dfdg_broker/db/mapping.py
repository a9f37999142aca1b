"""Rows to the repositories' dataclasses and back: the one row-mapping style of every repository.

Fields are matched by name; a field whose shape differs between record and row (an enum stored as its value, a
nested value object stored as columns) is given as a keyword override, so each difference is written once, in the
repository, and everything else follows the field names::

    from_row(Receipt, row, unit=MunicipalUnit(row.unit))
    ReceiptRow(**row_values(receipt, drop=("id",), unit=receipt.unit.value))
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import fields
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

R = TypeVar("R", bound="DataclassInstance")


def from_row(record_type: type[R], row: object, **overrides: Any) -> R:
    """The record with each of its fields read from the row's attribute of that name (the row may have more),
    except the fields given in ``overrides``."""
    return record_type(
        **{name: overrides[name] if name in overrides else getattr(row, name) for name in _field_names(record_type)}
    )


@functools.cache
def _field_names(record_type: type[DataclassInstance]) -> tuple[str, ...]:
    """A record type's field names, found once (``dataclasses.fields`` builds them anew on every call, and every
    row read maps through here)."""
    return tuple(f.name for f in fields(record_type))


def row_values(record: DataclassInstance, *, drop: Iterable[str] = (), **overrides: Any) -> dict[str, Any]:
    """The record's fields (minus ``drop``), as keyword arguments for a row of the same names; ``overrides``
    replace or add columns."""
    dropped = set(drop)
    values = {name: getattr(record, name) for name in _field_names(type(record)) if name not in dropped}
    values.update(overrides)
    return values
