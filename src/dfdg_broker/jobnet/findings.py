"""Findings: what the normaliser tells the caseworker, field by field, with the rule behind each one.

A finding's ``code`` is stable (vendors switch on it) and starts with the rule ID in lower case (``n16_…``,
``daq_…``); its ``path`` is a JSON path into the Jobnet CV (``$.jobs_wanted[0].title``).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How much a finding asks of the caseworker."""

    INFO = "info"  # the broker changed or dropped something; nothing to do unless they disagree
    REVIEW = "review"  # a human should look before the CV is used (DA-Q)
    BLOCKING = "blocking"  # Jobnet would refuse the CV as it stands


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A value the caseworker may choose; ``code`` where the value is classified, ``score`` 0-100 when ranked."""

    value: str
    code: str | None = None
    score: float | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    rule: str
    path: str
    severity: Severity
    message_da: str
    message_en: str
    original: str | None = None
    """The operator's (or caseworker's) value where the normaliser changed or dropped it."""
    suggestions: tuple[Suggestion, ...] = ()
    changed: bool = False
    """True when the normaliser changed or dropped a value: normalising its own output yields no such finding."""
