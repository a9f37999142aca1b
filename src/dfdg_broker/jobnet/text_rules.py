"""Rules on free text: placeholders (N1), partial dates (N7, N8, N12), text about the citizen (DA-Q)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from dfdg_broker.jobnet.classification import fold

DEFAULT_PLACEHOLDERS: tuple[str, ...] = (
    "Ikke angivet",
    "Ikke oplyst",
    "Ukendt",
    "Ikke relevant",
    "Ved ikke",
    "-",
    "--",
    "?",
    "N/A",
    "NA",
    "Unknown",
    "None",
    "null",
)
"""N1: values that mean "nothing recorded". Configurable (DFDG_CV_PLACEHOLDERS); compared folded (see ``fold``)."""


def placeholder_set(placeholders: Iterable[str]) -> frozenset[str]:
    """The folded forms ``is_placeholder`` compares against."""
    return frozenset(_placeholder_key(p) for p in placeholders)


def _placeholder_key(value: str) -> str:
    # N1 Reading: a trailing full stop does not make a placeholder a statement ("Ikke oplyst.").
    return fold(value).rstrip(".").strip()


def is_placeholder(value: str, placeholders: frozenset[str]) -> bool:
    """N1: the whole value is a placeholder, ignoring case, accents, surrounding and repeated whitespace."""
    return _placeholder_key(value) in placeholders


_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def is_partial_date(value: str) -> bool:
    """N7, N8, N12: a year, a year-month or an ISO date, and a real one."""
    found = _PARTIAL_DATE.match(value)
    if found is None:
        return False
    year, month, day = (int(part) if part else 1 for part in found.groups())
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def ended_before(value: str, today: date) -> bool:
    """Whether the period a partial date names ended before today ('2022-07' ended before 2026-11-23)."""
    return value < today.isoformat()[: len(value)]


_THIRD_PERSON = re.compile(
    r"\b(borgeren|borgerens|han|hun|hans|hendes|ham|hende|ifølge (?:ham|hende))\b", re.IGNORECASE
)


def third_person_words(text: str) -> tuple[str, ...]:
    """DA-Q: words showing that a text is written *about* the citizen, not by or to them ("Han fortæller at …",
    "Borgeren oplyser …"). Reading: a CV speaks in the first person or without pronouns, so any of these words
    asks for a review; the text is never rewritten automatically."""
    return tuple(dict.fromkeys(match.lower() for match in _THIRD_PERSON.findall(text)))
