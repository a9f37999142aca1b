"""Rate limits per municipality and per route class, in the ``limits`` notation, as moving windows.

A route's class follows the scope it declares: ``write`` for ``cases:write``, ``read`` for everything else. Each
municipality has its own window per class (``DFDG_RATE_LIMIT_READ``, ``DFDG_RATE_LIMIT_WRITE``, in the ``limits``
notation: ``600/minute``, ``10/second;300/minute``). Past it: ``429 rate_limited`` with ``Retry-After``.

Where the counters live is ``DFDG_RATE_LIMIT_STORAGE``:

- ``memory://`` (the default): per process, in ``LocalWindows``, the times of the hits still inside each window.
  Every request passes here, so it is kept cheap: a hit is a few deque operations, with no lock and no task (nothing
  awaits in between). ``limits``' own memory storage was ~5 % of a cached read's CPU and a source of stalls (issue
  14): each hit inserts at the front of a list as long as the window's hits, and schedules a clean-up task that
  holds the municipality's lock across a hop to a thread, which every concurrent request of that municipality
  then queues behind.
- ``redis://…`` (any ``limits`` storage URI): shared between instances, through ``limits``' moving-window limiter
  (with the redis extra of ``limits`` installed).
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from limits import RateLimitItem, parse_many
from limits.aio.storage import Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.storage import storage_from_string

from dfdg_broker import metrics
from dfdg_broker.app_state import StateKey
from dfdg_broker.errors import ProblemError


class RateLimited(ProblemError):
    status = 429
    code = "rate_limited"
    title = "Too many requests from this municipality; try again after the time in Retry-After"

    def __init__(self, route_class: str, retry_after: int, limit: str) -> None:
        super().__init__(
            f"The {route_class} limit ({limit}) is reached.",
            headers={"Retry-After": str(retry_after)},
            route_class=route_class,
            retry_after_seconds=retry_after,
        )


class Windows(Protocol):
    async def hit(self, item: RateLimitItem, route_class: str, municipality: str) -> float | None:
        """Count one hit in the window; None when it fits, else the seconds until the window has room again (the
        hit is then not counted)."""
        ...


class LocalWindows:
    """Moving windows in this process (``memory://``): per limit, route class and municipality, the times of the
    hits inside the window, oldest first. Bounded: the keys are the official municipalities times the route classes
    times the limits, and a window holds at most its limit's amount of hits."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._hits: dict[tuple[RateLimitItem, str, str], deque[float]] = {}

    async def hit(self, item: RateLimitItem, route_class: str, municipality: str) -> float | None:
        now = self._clock()
        window = item.get_expiry()
        hits = self._hits.setdefault((item, route_class, municipality), deque())
        while hits and hits[0] < now - window:  # a hit exactly ``window`` old still counts, as in ``limits``
            hits.popleft()
        if len(hits) >= item.amount:
            return hits[0] + window - now
        hits.append(now)
        return None


class SharedWindows:
    """Windows in a ``limits`` storage that every instance shares (redis)."""

    def __init__(self, storage: Storage) -> None:
        self._limiter = MovingWindowRateLimiter(storage)

    async def hit(self, item: RateLimitItem, route_class: str, municipality: str) -> float | None:
        if await self._limiter.hit(item, route_class, municipality):
            return None
        stats = await self._limiter.get_window_stats(item, route_class, municipality)
        return stats.reset_time - time.time()


@dataclass(frozen=True, slots=True)
class RateLimits:
    windows: Windows
    classes: dict[str, list[RateLimitItem]]

    @classmethod
    def from_settings(cls, storage_uri: str, limits_by_class: dict[str, str]) -> RateLimits:
        classes = {k: parse_many(v) for k, v in limits_by_class.items()}
        if storage_uri.removeprefix("async+") == "memory://":
            return cls(LocalWindows(), classes)
        storage = storage_from_string(storage_uri if storage_uri.startswith("async+") else f"async+{storage_uri}")
        assert isinstance(storage, Storage)
        return cls(SharedWindows(storage), classes)

    async def check(self, route_class: str, municipality: str) -> None:
        for item in self.classes.get(route_class, ()):
            wait = await self.windows.hit(item, route_class, municipality)
            if wait is not None:
                metrics.RATE_LIMIT_REFUSALS.labels(limit=route_class).inc()  # read | write: never the municipality
                raise RateLimited(route_class, max(1, math.ceil(wait)), str(item))


RATE_LIMITS: StateKey[RateLimits] = StateKey("rate_limits")
