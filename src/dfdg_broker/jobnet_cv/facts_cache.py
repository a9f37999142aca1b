"""What a Jobnet CV draft needs about the citizen besides DA1, asked once per case and day: the CPR register's name
and address (N15) and the operator's person record (N13 facts, the operator's name). A caseworker drafting again and
again, or a case system polling drafts, costs the registers nothing more that day; the next day asks again, so a
move or a new name reaches the draft within a day. Bounded (``DFDG_CITIZEN_FACTS_CACHE_SIZE`` cases), in memory only.
"""

from __future__ import annotations

from datetime import date

from cachetools import LRUCache

from dfdg_broker.cpr_register.schemas import RegisterEntry
from dfdg_broker.jobnet.cv import PersonName
from dfdg_broker.jobnet.igu import PersonFacts

PersonInfo = tuple[PersonFacts, PersonName | None]


class CitizenFactsCache:
    """Keyed by (case id, day); entries of earlier days are never returned and age out of the LRU."""

    def __init__(self, max_cases: int) -> None:
        self._register: LRUCache[tuple[str, date], RegisterEntry] | None = (
            LRUCache(maxsize=max_cases) if max_cases else None
        )
        self._person: LRUCache[tuple[str, date], PersonInfo] | None = LRUCache(maxsize=max_cases) if max_cases else None

    def register(self, case_id: str, today: date) -> RegisterEntry | None:
        return self._register.get((case_id, today)) if self._register is not None else None

    def remember_register(self, case_id: str, today: date, entry: RegisterEntry) -> None:
        if self._register is not None:
            self._register[(case_id, today)] = entry

    def person(self, case_id: str, today: date) -> PersonInfo | None:
        return self._person.get((case_id, today)) if self._person is not None else None

    def remember_person(self, case_id: str, today: date, info: PersonInfo) -> None:
        if self._person is not None:
            self._person[(case_id, today)] = info

    def discard(self, case_id: str) -> None:
        """Forget everything held about the case (erasure calls this; other processes' entries age out within a
        day and are never served for an erased case, whose reads answer 404 before the cache is asked)."""
        for cache in (self._register, self._person):
            if cache is not None:
                for key in [key for key in cache if key[0] == case_id]:
                    cache.pop(key, None)
