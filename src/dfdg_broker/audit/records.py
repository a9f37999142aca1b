"""What the access log holds, as frozen records (rows never leave the repository)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Outcome(StrEnum):
    OK = "ok"
    """The data was sent or the change made."""
    DENIED = "denied"
    """Refused before anything was shown (403/404: C2, no such case for this caller): an attempt, kept because a
    data protection officer asks "who tried", and the caller cannot see it (no oracle)."""
    FAILED = "failed"
    """Any other error (422, 409, 503, ...): nothing was sent or changed."""


@dataclass(frozen=True, slots=True)
class AccessEntry:
    """One row of the access log. Never a CPR number."""

    at: datetime
    subject: str
    client_id: str
    municipality: str
    case_id: str
    operation: str
    detail: str | None
    purpose: str
    correlation_id: str | None
    outcome: Outcome
    status: int
    id: int | None = None


def outcome_of(status: int) -> Outcome:
    if status < 400:
        return Outcome.OK
    if status in (403, 404):
        return Outcome.DENIED
    return Outcome.FAILED
