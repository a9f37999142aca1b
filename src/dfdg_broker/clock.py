"""The injectable clock. Date rules never read ``date.today()`` themselves: they are given today."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
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


COPENHAGEN = "Europe/Copenhagen"


class MovableClock:
    """A clock that can be pinned to an instant and moved at run time: the broker's in development and test
    (``/dev/clock``, absent in production) and the mock upstream's (``/admin/clock``), so that an integrator can walk
    a case through its dates without a restart.

    Left alone it is its ``base`` exactly. Pinned, time stands still at the instant; moved, the instant (or, not
    pinned, the offset from the base) moves by the amount. ``today`` is the Danish calendar day of ``now``.
    """

    def __init__(self, base: Clock) -> None:
        from zoneinfo import ZoneInfo

        self._base = base
        self._tz = ZoneInfo(COPENHAGEN)
        self.pinned: datetime | None = None
        self.offset = timedelta(0)

    @property
    def moved(self) -> bool:
        return self.pinned is not None or bool(self.offset)

    def now(self) -> datetime:
        if self.pinned is not None:
            return self.pinned
        return self._base.now() + self.offset

    def today(self) -> date:
        if not self.moved:
            return self._base.today()
        return self.now().astimezone(self._tz).date()

    def pin(self, instant: datetime) -> None:
        """Stand still at ``instant`` (timezone-aware)."""
        self.pinned, self.offset = instant.astimezone(UTC), timedelta(0)

    def advance(self, by: timedelta) -> None:
        """Move by ``by`` (may be negative): the pinned instant, or the offset from the base."""
        if self.pinned is not None:
            self.pinned += by
        else:
            self.offset += by

    def release(self) -> None:
        """Back to the base clock."""
        self.pinned, self.offset = None, timedelta(0)
