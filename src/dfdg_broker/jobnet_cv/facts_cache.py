"""What a Jobnet CV draft needs about the citizen besides DA1, asked once per case and day: the CPR register's name
and address (N15) and the operator's person record (N13 facts, the operator's name). A caseworker drafting again and
again, or a case system polling drafts, costs the registers nothing more that day; the next day asks again, so a
move or a new name reaches the draft within a day. Bounded (``DFDG_CITIZEN_FACTS_CACHE_SIZE`` cases), in memory only.
Concurrent drafts of a case that find nothing held share one look-up (the first one's) instead of each asking.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Generic, TypeVar

from cachetools import LRUCache

from dfdg_broker.cpr_register.schemas import RegisterEntry
from dfdg_broker.jobnet.cv import PersonName
from dfdg_broker.jobnet.igu import PersonFacts

PersonInfo = tuple[PersonFacts, PersonName | None]
T = TypeVar("T")
Key = tuple[str, date]


class _OncePerDay(Generic[T]):
    """One kind of fact, keyed by (case id, day); entries of earlier days are never returned and age out of the
    LRU. A look-up in flight is shared by every caller that asks for the same key meanwhile."""

    def __init__(self, max_cases: int) -> None:
        self._held: LRUCache[Key, T] = LRUCache(maxsize=max_cases)
        self._pending: dict[Key, asyncio.Future[T]] = {}

    def get(self, key: Key) -> T | None:
        return self._held.get(key)

    async def get_or_look_up(self, key: Key, look_up: Callable[[], Awaitable[T]], keep: Callable[[T], bool]) -> T:
        """The value held for the key, else the one ``look_up`` gives (kept if ``keep`` says so); an exception it
        raises reaches every caller that shared it, and nothing is kept."""
        held = self._held.get(key)
        if held is not None:
            return held
        pending = self._pending.get(key)
        if pending is None:
            pending = self._pending[key] = asyncio.ensure_future(look_up())
            pending.add_done_callback(lambda done: self._settle(key, done, keep))
        # Shielded: a caller that goes away (its client hung up) does not cancel the others' look-up.
        return await asyncio.shield(pending)

    def _settle(self, key: Key, done: asyncio.Future[T], keep: Callable[[T], bool]) -> None:
        del self._pending[key]
        if not done.cancelled() and done.exception() is None and keep(done.result()):
            self._held[key] = done.result()

    def discard(self, case_id: str) -> None:
        for key in [key for key in self._held if key[0] == case_id]:
            self._held.pop(key, None)


class CitizenFactsCache:
    """The register's entry and the operator's person facts, each once per case and day (``max_cases`` 0: never
    held, every draft asks)."""

    def __init__(self, max_cases: int) -> None:
        self._register: _OncePerDay[RegisterEntry] | None = _OncePerDay(max_cases) if max_cases else None
        self._person: _OncePerDay[PersonInfo] | None = _OncePerDay(max_cases) if max_cases else None

    def register(self, case_id: str, today: date) -> RegisterEntry | None:
        return self._register.get((case_id, today)) if self._register is not None else None

    def person(self, case_id: str, today: date) -> PersonInfo | None:
        return self._person.get((case_id, today)) if self._person is not None else None

    async def register_once(
        self, case_id: str, today: date, look_up: Callable[[], Awaitable[RegisterEntry]]
    ) -> RegisterEntry:
        """The register's entry held for the case today, else ``look_up``'s (shared with concurrent callers)."""
        if self._register is None:
            return await look_up()
        return await self._register.get_or_look_up((case_id, today), look_up, keep=lambda _entry: True)

    async def person_once(self, case_id: str, today: date, look_up: Callable[[], Awaitable[PersonInfo]]) -> PersonInfo:
        """The operator's facts held for the case today, else ``look_up``'s; kept only when the operator answered
        (the name is then known): a failed look-up is asked again next time."""
        if self._person is None:
            return await look_up()
        return await self._person.get_or_look_up((case_id, today), look_up, keep=lambda info: info[1] is not None)

    def discard(self, case_id: str) -> None:
        """Forget everything held about the case (erasure calls this; other processes' entries age out within a
        day and are never served for an erased case, whose reads answer 404 before the cache is asked)."""
        for facts in (self._register, self._person):
            if facts is not None:
                facts.discard(case_id)
