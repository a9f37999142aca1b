"""Case read answers (GET /v1/contact-groups/{id}), serialised once per stored version of the case and day.

A case read's answer is computed from one row (``summary.repository``: the case's columns, its done tasks, PDF
requests and receipts, and DA3's and DA4's newest snapshots, still sealed) and the day it is computed for (``as_of``:
the areas' modes, the CV window, the tasks and the summary are of that day), and from nothing else. So the answer's
bytes are kept beside the row and the day they were computed from: a read whose row and day equal the entry's is
served its bytes. The row is still read on every request (access, C2, is checked on it), and every write to what the
answer shows changes it: a changed column, a task done, a PDF request made, delivered or lost, a receipt, a new
snapshot (a sealed value gets a fresh nonce each time it is sealed, so even a re-sealed one differs). A different row
or another day is a miss that replaces the entry. Compared in full, never by a hash, so a hit is always exact.

Bounded by size (``DFDG_CASE_READ_CACHE_BYTES``, LRU). An entry holds the answer (the masked CPR number, never the
full one) and the row as stored, sealed; erasure forgets a case's entry (and an erased case's row is gone anyway).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from dfdg_broker.cases.bounded_cache import SizeBoundedCache

DEFAULT_MAX_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class SerialisedCaseRead:
    """A case read's answer: the JSON of ``ContactGroupRead`` and the case's ETag."""

    etag: str
    body: bytes


@dataclass(frozen=True, slots=True)
class _Entry:
    row: tuple[Any, ...]
    as_of: date
    read: SerialisedCaseRead

    @property
    def size(self) -> int:
        """The body and the row's sealed values and texts: what makes one entry larger than another."""
        return len(self.read.body) + sum(len(value) for value in self.row if isinstance(value, bytes | str))


class CaseReadCache(SizeBoundedCache[str, _Entry]):
    """LRU by size."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        super().__init__(max_bytes, lambda entry: entry.size)

    def get(self, case_id: str, row: tuple[Any, ...], as_of: date) -> SerialisedCaseRead | None:
        """The answer computed from exactly this row for this day, if this process holds it."""
        entry = self._entries.get(case_id)
        found = self._counted(entry if entry is not None and entry.as_of == as_of and entry.row == row else None)
        return found.read if found is not None else None

    def put(self, case_id: str, row: tuple[Any, ...], as_of: date, read: SerialisedCaseRead) -> None:
        self._store(case_id, _Entry(row, as_of, read))

    def discard(self, case_id: str) -> None:
        """Forget the case (erasure calls this)."""
        self._forget(case_id)
