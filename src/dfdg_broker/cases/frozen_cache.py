"""Frozen data-area responses, serialised once per process.

A frozen area never changes (G1: the snapshot held on its takeover date, insert-only), so the bytes of its response
are the same for every read: they are kept here, in a least-recently-used cache bounded by size
(``DFDG_FROZEN_CACHE_BYTES``). What may change is *not* cached but checked on every read, in one query:
the case itself (access, C2; its dates, so the frozen check and the takeover date), and that the cached snapshot is
still held (an erased case's snapshots are gone, and so is its cache hit). The entry is keyed by the area's takeover
date too, so a case whose dates change is served from a fresh entry.

Only areas whose response has no per-request part are cached: DA1 (see ``CACHEABLE_AREAS``).
The cache holds plaintext bytes in memory only (decrypted once per entry when snapshots are encrypted at rest).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dfdg_broker.cases.bounded_cache import SizeBoundedCache
from dfdg_broker.domain.areas import DataArea

CACHEABLE_AREAS = frozenset({DataArea.CV})
"""Areas whose frozen response is the same on every read. Only DA1 and DA2 freeze (G1, revised), and DA2's response
carries DA3's competence items from the DA3 snapshot held now, which is live: so only DA1."""

DEFAULT_MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class FrozenEntry:
    takeover_date: date
    snapshot_taken_on: date  # with the hash: which stored snapshot the body was made from
    snapshot_sha256: str
    body: bytes


class FrozenAreaCache(SizeBoundedCache[tuple[str, DataArea], FrozenEntry]):
    """LRU by total body size."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        super().__init__(max_bytes, lambda entry: len(entry.body))

    def cached_keys(self) -> list[tuple[str, DataArea]]:
        return list(self._entries.keys())

    def get(self, case_id: str, area: DataArea) -> FrozenEntry | None:
        return self._counted(self._entries.get((case_id, area)))

    def put(self, case_id: str, area: DataArea, entry: FrozenEntry) -> None:
        if area in CACHEABLE_AREAS:
            self._store((case_id, area), entry)

    def discard(self, case_id: str, area: DataArea | None = None) -> None:
        """Forget one area of a case, or all of them (erasure calls this; other processes find out by the check)."""
        for key_area in [area] if area is not None else list(DataArea):
            self._forget((case_id, key_area))
