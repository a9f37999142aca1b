"""The injectable clock. Date rules never read ``date.today()`` themselves: they are given today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Protocol


class Clock(Protocol):
    def today(self) -> date: ...

    def now(self) -> datetime: ...


class SystemClock:
    """Today in Danish terms: the date in Europe/Copenhagen, since every rule speaks of Danish calendar days."""

    def __init__(self) -> None:
        from zoneinfo import ZoneInfo

        self._tz = ZoneInfo("Europe/Copenhagen")

    def today(self) -> date:
        return datetime.now(self._tz).date()

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock pinned to one day (DFDG_FIXED_TODAY, tests); tests move the day with ``set``.

    ``now`` is noon UTC of that day, so every timestamp it gives falls on the pinned day."""

    day: date

    def today(self) -> date:
        return self.day

    def now(self) -> datetime:
        return datetime.combine(self.day, time(12, 0), tzinfo=UTC)

    def set(self, day: date) -> None:
        self.day = day
