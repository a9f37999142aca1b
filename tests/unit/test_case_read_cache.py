"""The case-read cache's bounds (issue 14); what it serves is tested through HTTP in
tests/integration/test_case_read_cache.py."""

from __future__ import annotations

from datetime import date

from dfdg_broker.cases.read_cache import CaseReadCache, SerialisedCaseRead
from tests.conftest import TODAY


def test_the_cache_is_bounded_by_size_least_recently_used_first():
    cache = CaseReadCache(max_bytes=1000)
    for i in range(10):
        cache.put(f"cg_{i}", (f"cg_{i}", b"sealed" * 10), TODAY, SerialisedCaseRead('"etag"', b"x" * 200))
    assert len(cache) == 3, "264 bytes an entry (body, case id, sealed row): 1000 bytes hold three"
    assert cache.get("cg_9", ("cg_9", b"sealed" * 10), TODAY) is not None
    assert cache.get("cg_0", ("cg_0", b"sealed" * 10), TODAY) is None, "the least recently used went first"

    cache.put("cg_9", ("cg_9", b"a newer row"), TODAY, SerialisedCaseRead('"etag"', b"x" * 2000))
    assert cache.get("cg_9", ("cg_9", b"sealed" * 10), TODAY) is None, "too large to keep, and the older one is gone"


def test_an_entry_is_of_its_row_and_day_only():
    cache = CaseReadCache()
    read = SerialisedCaseRead('"cg_1.1"', b"{}")
    cache.put("cg_1", ("cg_1", b"sealed", 1), TODAY, read)

    assert cache.get("cg_1", ("cg_1", b"sealed", 1), TODAY) is read
    assert cache.get("cg_1", ("cg_1", b"sealed", 2), TODAY) is None
    assert cache.get("cg_1", ("cg_1", b"resealed", 1), TODAY) is None
    assert cache.get("cg_1", ("cg_1", b"sealed", 1), date(2026, 11, 24)) is None
    assert (cache.hits, cache.misses) == (1, 3)
