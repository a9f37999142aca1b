"""Rate limits per municipality and per route class, with the ``limits`` library (moving window).

A route's class follows the scope it declares: ``write`` for ``cases:write``, ``read`` for everything else. Each
municipality has its own window per class (``DFDG_RATE_LIMIT_READ``, ``DFDG_RATE_LIMIT_WRITE``, in the ``limits``
notation: ``600/minute``, ``10/second;300/minute``). Past it: ``429 rate_limited`` with ``Retry-After``.

The counters live in ``DFDG_RATE_LIMIT_STORAGE`` (default ``memory://``: per process; ``redis://…`` shares them
between instances, with the redis extra of ``limits`` installed).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class RateLimits:
    limiter: MovingWindowRateLimiter
    classes: dict[str, list[RateLimitItem]]

    @classmethod
    def from_settings(cls, storage_uri: str, limits_by_class: dict[str, str]) -> RateLimits:
        storage = storage_from_string(storage_uri if storage_uri.startswith("async+") else f"async+{storage_uri}")
        assert isinstance(storage, Storage)
        return cls(MovingWindowRateLimiter(storage), {k: parse_many(v) for k, v in limits_by_class.items()})

    async def check(self, route_class: str, municipality: str) -> None:
        for item in self.classes.get(route_class, ()):
            if not await self.limiter.hit(item, route_class, municipality):
                stats = await self.limiter.get_window_stats(item, route_class, municipality)
                retry_after = max(1, math.ceil(stats.reset_time - time.time()))
                metrics.RATE_LIMIT_REFUSALS.labels(limit=route_class).inc()  # read | write: never the municipality
                raise RateLimited(route_class, retry_after, str(item))


RATE_LIMITS: StateKey[RateLimits] = StateKey("rate_limits")
