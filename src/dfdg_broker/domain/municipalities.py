"""The 98 official municipality codes (kommunekoder), shipped with the package (source: data/SOURCES.txt)."""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

from dfdg_broker.domain.errors import RuleViolation


@cache
def municipalities() -> dict[str, str]:
    """Code -> name, read once from the packaged CSV."""
    with resources.files("dfdg_broker.data").joinpath("municipalities.csv").open(encoding="utf-8") as f:
        return {row["code"]: row["name"] for row in csv.DictReader(f)}


def is_municipality(code: str) -> bool:
    return code in municipalities()


def require_municipality(code: str, *, field: str) -> str:
    """C2: a municipality is named by its official 3-digit code."""
    if not is_municipality(code):
        raise RuleViolation(
            "C2",
            "municipality_unknown",
            "Not one of the 98 official 3-digit municipality codes.",
            field=field,
        )
    return code
