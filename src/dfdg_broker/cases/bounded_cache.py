"""What the case feature's in-process caches share: least recently used, bounded by the bytes of their entries.

``frozen_cache`` (frozen area responses), ``read_cache`` (case reads) and ``answer_cache`` (the operator's last
answers) each decide what an entry is and when it still holds; this keeps them bounded, counted and forgettable
alike. Per process, used from the event loop only, so no lock.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

from cachetools import LRUCache

K = TypeVar("K", bound=Hashable)
E = TypeVar("E")


class SizeBoundedCache(Generic[K, E]):
    def __init__(self, max_bytes: int, size_of: Callable[[E], int]) -> None:
        self.max_bytes = max_bytes
        self._size_of = size_of
        self._entries: LRUCache[K, E] = LRUCache(maxsize=max_bytes, getsizeof=size_of)
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return int(self._entries.currsize)

    def _counted(self, entry: E | None) -> E | None:
        """``entry`` (a hit) or None (a miss), counted: a subclass's ``get`` passes what it found and still holds."""
        if entry is None:
            self.misses += 1
        else:
            self.hits += 1
        return entry

    def _store(self, key: K, entry: E) -> None:
        if self._size_of(entry) > self.max_bytes:
            self._entries.pop(key, None)  # larger than the whole cache: not kept, nor an older entry under its key
            return
        self._entries[key] = entry

    def _forget(self, key: K) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()
