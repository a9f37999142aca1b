"""The one module that reads and writes ``app.state``: typed keys, declared next to what they hold.

Core keys (settings, clock, sessions, upstream) are declared here; a feature declares its own in its
``dependencies.py`` (``followup.dependencies.POLICIES``). ``app.py`` puts every value once, at start-up or in the
lifespan; a dependency reads it per request with ``KEY.of(request)``. Nothing else touches ``app.state``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Generic, TypeVar, cast

from starlette.applications import Starlette
from starlette.requests import HTTPConnection

if TYPE_CHECKING:
    from collections.abc import Mapping

    from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

    from dfdg_broker.clock import Clock
    from dfdg_broker.protection import Protection
    from dfdg_broker.settings import Settings
    from dfdg_broker.upstream import Breaker, Upstreams

T = TypeVar("T")


class StateKey(Generic[T]):
    """A typed name in ``app.state``."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def get(self, app: Starlette) -> T:
        try:
            # By item, not attribute: ``getattr`` on a ``State`` first fails the ordinary look-up, then falls back
            # to ``__getattr__`` (a request reads several keys: ~1 % of a cached read, issue 14).
            return cast(T, app.state[self.name])
        except KeyError:
            raise RuntimeError(f"app.state.{self.name} is not set (is the app's lifespan running?)") from None

    def of(self, connection: HTTPConnection) -> T:
        """The value for the app serving this request."""
        return self.get(connection.app)

    def put(self, app: Starlette, value: T) -> None:
        setattr(app.state, self.name, value)


SETTINGS: StateKey[Settings] = StateKey("settings")
CLOCK: StateKey[Clock] = StateKey("clock")
PROTECTION: StateKey[Protection] = StateKey("protection")
"""The key rings at work (sealing, CPR lookup hashes), built once from the settings."""
SESSIONS: StateKey[async_sessionmaker[AsyncSession]] = StateKey("sessions")
"""Set by the lifespan (the engine lives as long as the app serves)."""
UPSTREAM: StateKey[Upstreams] = StateKey("upstream")
"""Set by the lifespan: per upstream (``.letasyl``, ``.jobnet``, ``.cpr``) its HTTP client and call policy."""
BREAKERS: StateKey[Mapping[str, Breaker]] = StateKey("breakers")
"""Set by the lifespan: each upstream's circuit breaker by system name, for /readyz and metrics (issue 12)."""
