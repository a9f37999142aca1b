"""Time travel: the routes that pin and move a ``MovableClock`` at run time.

The broker serves them at ``/dev/clock`` in development and test only: in production the router is never included,
so the route does not exist (404, and not in the OpenAPI document). The mock upstream serves the same routes at
``/admin/clock`` for its own clock (Jobnet receipts, PDF deliveries). Either way an integrator can walk a case
through its dates (G1 freeze, C8 login codes, P1 deliveries, F-plans) without restarting anything.
"""

# No ``from __future__ import annotations`` here: the routes are built inside a function, and FastAPI must see their
# ``Annotated`` dependency (a local) as an object, not as a name it cannot resolve.
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from dfdg_broker import app_state
from dfdg_broker.clock import MovableClock
from dfdg_broker.errors import ProblemError, responses_for

MAX_TRAVEL_DAYS = 3650
EARLIEST, LATEST = datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)


class ClockState(BaseModel):
    now: datetime = Field(description="the clock's instant (UTC)")
    today: date = Field(description="the Danish calendar day of that instant: what the date rules use")
    pinned: bool = Field(description="true: time stands still at `now` until moved or released")
    offset_seconds: float = Field(description="not pinned: how far the clock runs ahead (negative: behind) real time")


class ClockPin(BaseModel):
    """Pin the clock: time stands still at this instant until moved or released."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"now": "2027-03-01T09:00:00+01:00"}, {"today": "2027-03-01"}]},
    )

    now: AwareDatetime | None = Field(default=None, description="an instant with its UTC offset")
    today: date | None = Field(default=None, description="or a day: pinned at noon UTC of it (the same Danish day)")

    def instant(self) -> datetime:
        if (self.now is None) == (self.today is None):
            raise ValueError("give exactly one of `now` and `today`")
        instant = self.now or datetime.combine(self.today or date.min, datetime.min.time().replace(hour=12), UTC)
        if not EARLIEST <= instant < LATEST:
            raise ValueError("the instant must lie in 2000-2099")
        return instant


class ClockMove(BaseModel):
    """Move the clock by an amount (negative: back)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"days": 61}, {"hours": -2}]})

    days: int = Field(default=0, ge=-MAX_TRAVEL_DAYS, le=MAX_TRAVEL_DAYS)
    hours: int = Field(default=0, ge=-24 * MAX_TRAVEL_DAYS, le=24 * MAX_TRAVEL_DAYS)
    seconds: int = Field(default=0, ge=-86_400, le=86_400)

    def delta(self) -> timedelta:
        return timedelta(days=self.days, hours=self.hours, seconds=self.seconds)


def clock_state(clock: MovableClock) -> ClockState:
    return ClockState(
        now=clock.now(),
        today=clock.today(),
        pinned=clock.pinned is not None,
        offset_seconds=clock.offset.total_seconds(),
    )


def clock_router(
    prefix: str,
    of: Callable[[Request], Awaitable[MovableClock]],
    *,
    tag: str,
    name: str,
    bad_request: type[ProblemError],
    what: str,
) -> APIRouter:
    """``GET`` (read), ``PUT`` (pin), ``POST …/moves`` (move), ``DELETE`` (release) at ``{prefix}/clock``.

    ``of`` finds the clock of a request; ``name`` prefixes the route names (``admin.``, ``dev_``); ``bad_request``
    is the 422 problem for an instant out of range."""
    router = APIRouter(prefix=prefix, tags=[tag])
    ClockDep = Annotated[MovableClock, Depends(of)]
    errors = responses_for(bad_request)

    @router.get("/clock", response_model=ClockState, name=f"{name}get_clock", summary=f"Read {what}")
    async def get_clock(clock: ClockDep) -> ClockState:
        return clock_state(clock)

    @router.put("/clock", response_model=ClockState, name=f"{name}pin_clock", summary=f"Pin {what}", responses=errors)
    async def pin_clock(body: ClockPin, clock: ClockDep) -> ClockState:
        """Time stands still at the instant (`now`) or at noon UTC of the day (`today`) until moved or released."""
        try:
            instant = body.instant()
        except ValueError as exc:
            raise bad_request(str(exc), field="body") from None
        clock.pin(instant)
        return clock_state(clock)

    @router.post(
        "/clock/moves", response_model=ClockState, name=f"{name}move_clock", summary=f"Move {what}", responses=errors
    )
    async def move_clock(body: ClockMove, clock: ClockDep) -> ClockState:
        """Forward (or back, negative) by `days`, `hours` and `seconds`: a pinned clock stays pinned, a running one
        runs on from the new time."""
        if not EARLIEST <= clock.now() + body.delta() < LATEST:
            raise bad_request("the clock would leave 2000-2099", field="body")
        clock.advance(body.delta())
        return clock_state(clock)

    @router.delete("/clock", response_model=ClockState, name=f"{name}release_clock", summary=f"Release {what}")
    async def release_clock(clock: ClockDep) -> ClockState:
        """Back to real time (or, for the broker, to `DFDG_FIXED_TODAY` where set)."""
        clock.release()
        return clock_state(clock)

    return router


# ---------------------------------------------------------------- the broker's


class ClockOutOfRange(ProblemError):
    status = 422
    code = "clock_out_of_range"
    title = "The clock cannot be set there"


DEV_TAG = "Development (absent in production)"
DEV_TAG_ENTRY = {
    "name": DEV_TAG,
    "description": "Move the broker's clock at run time to walk a case through its dates (G1, C8, P1, F-plans) "
    "without a restart. Served in development and test only: in production these routes do not exist.",
}


async def _broker_clock(request: Request) -> MovableClock:
    clock = app_state.CLOCK.of(request)
    assert isinstance(clock, MovableClock), "create_app gives a movable clock outside production"
    return clock


def broker_router() -> APIRouter:
    """``/dev/clock``: the broker's clock, for ``create_app`` to include outside production only. No token: it
    exists only where tokens are development ones anyway, and it lets a vendor's test suite travel in time."""
    return clock_router(
        "/dev", _broker_clock, tag=DEV_TAG, name="dev_", bad_request=ClockOutOfRange, what="the broker's clock"
    )
