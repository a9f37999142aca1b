"""The operator's last answer per case and data area, as validated, dumped and digested (issue 14).

A live read asks the operator every time (G1), and most answers are byte for byte the one before. Validating the
answer, dumping it to the snapshot's document, digesting that document (G1's change check) and writing the answer's
JSON into the response depend on the answer's bytes alone (and the digest on the digest key, kept with the entry),
so an answer equal to the entry's bytes reuses their results. Compared in full, never by a hash, so a hit is always
exact; any other answer is a miss that replaces the entry. Only what the operator sent is reused: the status, the
media type and the NUL check are still made on every answer (``letasyl.client``), and the case is still read and
checked (C2) before the operator is asked.

Bounded by size (``DFDG_LIVE_ANSWER_CACHE_BYTES``, LRU). An entry holds one area's answer, the same personal data as
the snapshot it was stored as and as a frozen cache entry; erasure forgets a case's entries, and an erased case is
never read again (its row is gone, so no request gets as far as asking the operator).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dfdg_broker.cases.bounded_cache import SizeBoundedCache
from dfdg_broker.domain.areas import DataArea
from dfdg_broker.letasyl.schemas import WireModel

DEFAULT_MAX_BYTES = 16 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class KnownAnswer:
    """An answer's results: the area as validated, its document (the snapshot's data) and that document's digest
    under ``digest_key`` (the protection object that made it: a different one is a miss)."""

    answer: WireModel
    document: dict[str, Any]
    content_sha256: str
    digest_key: object
    answer_json: bytes
    """``answer`` as JSON by alias: what the response's ``data`` is (``presenters.area_response_body``)"""


@dataclass(frozen=True, slots=True)
class _Entry:
    content: bytes
    known: KnownAnswer

    @property
    def size(self) -> int:
        """The bytes, and about as much again for each of the validated model, the document and its JSON."""
        return 4 * len(self.content)


class LiveAnswerCache(SizeBoundedCache[tuple[str, DataArea], _Entry]):
    """LRU by size."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        super().__init__(max_bytes, lambda entry: entry.size)

    def get(self, case_id: str, area: DataArea, content: bytes, digest_key: object) -> KnownAnswer | None:
        """The results for exactly these answer bytes, if this process holds them for the case and area."""
        entry = self._entries.get((case_id, area))
        exact = entry is not None and entry.known.digest_key is digest_key and entry.content == content
        found = self._counted(entry if exact else None)
        return found.known if found is not None else None

    def put(self, case_id: str, area: DataArea, content: bytes, known: KnownAnswer) -> None:
        self._store((case_id, area), _Entry(content, known))

    def holds(self, case_id: str, area: DataArea) -> bool:
        return (case_id, area) in self._entries

    def discard(self, case_id: str) -> None:
        """Forget the case's answers (erasure calls this)."""
        for area in DataArea:
            self._forget((case_id, area))
