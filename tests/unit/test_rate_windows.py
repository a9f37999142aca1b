"""The in-process moving windows behind ``DFDG_RATE_LIMIT_STORAGE=memory://`` (the HTTP behaviour:
tests/security/test_rate_limits.py)."""

from __future__ import annotations

import pytest
from limits import parse, parse_many
from limits.aio.storage import MemoryStorage

from dfdg_broker.rate_limits import LocalWindows, RateLimited, RateLimits, SharedWindows


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def test_a_window_takes_its_amount_then_refuses_until_the_oldest_hit_leaves_it():
    clock = Clock()
    windows, limit = LocalWindows(clock), parse("3/minute")
    for second in (0, 10, 20):
        clock.now = 1000.0 + second
        assert await windows.hit(limit, "read", "101") is None
    clock.now = 1030.0
    assert await windows.hit(limit, "read", "101") == pytest.approx(30.0), "the hit at 0 s leaves at 60 s"
    clock.now = 1060.0
    assert await windows.hit(limit, "read", "101") == pytest.approx(0.0), "still inside at exactly 60 s"
    clock.now = 1060.5
    assert await windows.hit(limit, "read", "101") is None, "a moving window: one slot is free again"
    assert await windows.hit(limit, "read", "101") == pytest.approx(9.5), "a refused hit is not counted"


async def test_windows_are_per_route_class_and_municipality():
    windows, limit = LocalWindows(Clock()), parse("1/minute")
    assert await windows.hit(limit, "read", "101") is None
    assert await windows.hit(limit, "read", "101") is not None
    assert await windows.hit(limit, "write", "101") is None
    assert await windows.hit(limit, "read", "751") is None


async def test_every_limit_of_a_class_applies():
    clock = Clock()
    limits = RateLimits(LocalWindows(clock), {"read": parse_many("2/second;3/minute")})
    await limits.check("read", "101")
    await limits.check("read", "101")
    with pytest.raises(RateLimited) as per_second:
        await limits.check("read", "101")
    assert per_second.value.headers == {"Retry-After": "1"}
    clock.now += 2
    await limits.check("read", "101")
    clock.now += 2
    with pytest.raises(RateLimited) as per_minute:
        await limits.check("read", "101")
    assert per_minute.value.headers == {"Retry-After": "56"}


def test_memory_storage_is_kept_in_process():
    assert isinstance(RateLimits.from_settings("memory://", {"read": "5/minute"}).windows, LocalWindows)
    assert isinstance(RateLimits.from_settings("async+memory://", {"read": "5/minute"}).windows, LocalWindows)


async def test_shared_windows_count_in_the_limits_storage():
    windows, limit = SharedWindows(MemoryStorage()), parse("2/minute")
    assert await windows.hit(limit, "read", "101") is None
    assert await windows.hit(limit, "read", "101") is None
    assert 59 <= (await windows.hit(limit, "read", "101") or 0) <= 60
    assert await windows.hit(limit, "read", "751") is None
