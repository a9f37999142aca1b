"""N15/N13: the register's and the operator's facts about a case's citizen, asked once per case and day, bounded."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from dfdg_broker.cpr_register.schemas import RegisterEntry
from dfdg_broker.jobnet_cv.facts_cache import CitizenFactsCache

DAY = date(2026, 11, 26)
ENTRY = RegisterEntry(
    first_name="Amal", last_name="Haddad", street="Vej 1", postal_code="8000", city="Aarhus", municipality="751"
)


class Register:
    """A register look-up that counts its calls and answers after a turn of the event loop (or fails)."""

    def __init__(self, error: Exception | None = None) -> None:
        self.calls = 0
        self.error = error

    async def __call__(self) -> RegisterEntry:
        self.calls += 1
        await asyncio.sleep(0.01)
        if self.error is not None:
            raise self.error
        return ENTRY


async def test_N15_the_register_is_asked_once_per_case_and_day_by_concurrent_drafts():
    facts, register = CitizenFactsCache(10), Register()

    answers = await asyncio.gather(*(facts.register_once("cg_1", DAY, register) for _ in range(5)))

    assert answers == [ENTRY] * 5 and register.calls == 1
    assert await facts.register_once("cg_1", DAY, register) == ENTRY and register.calls == 1
    assert facts.register("cg_1", DAY + timedelta(days=1)) is None  # the next day asks again
    await facts.register_once("cg_1", DAY + timedelta(days=1), register)
    assert register.calls == 2


async def test_N15_a_failed_look_up_reaches_every_draft_that_shared_it_and_is_not_kept():
    facts, failing = CitizenFactsCache(10), Register(error=RuntimeError("register down"))

    answers = await asyncio.gather(
        *(facts.register_once("cg_1", DAY, failing) for _ in range(3)), return_exceptions=True
    )

    assert [str(a) for a in answers] == ["register down"] * 3 and failing.calls == 1
    assert facts.register("cg_1", DAY) is None
    assert await facts.register_once("cg_1", DAY, Register()) == ENTRY


async def test_N15_the_facts_held_are_bounded_by_the_number_of_cases():
    facts, register = CitizenFactsCache(2), Register()
    for case_id in ("cg_1", "cg_2", "cg_3"):
        await facts.register_once(case_id, DAY, register)

    assert facts.register("cg_1", DAY) is None, "the least recently used case made room"
    assert facts.register("cg_2", DAY) == ENTRY and facts.register("cg_3", DAY) == ENTRY


async def test_N15_with_the_cache_turned_off_every_draft_asks():
    facts, register = CitizenFactsCache(0), Register()
    await facts.register_once("cg_1", DAY, register)
    await facts.register_once("cg_1", DAY, register)
    assert register.calls == 2 and facts.register("cg_1", DAY) is None
