"""``dfdg-broker serve`` tunes its process's garbage collector after start-up (issue 14: full collections over
everything start-up made stopped every request for 100-400 ms under load); an app built for a test does not."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from dfdg_broker.app import GC_YOUNG_THRESHOLD, create_app
from tests.helpers import running


@pytest.fixture
def untouched_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("untouched_collector")
async def test_the_served_app_freezes_its_start_up_heap_and_collects_young_objects_less_often(settings, clock):
    gc.unfreeze()
    async with running(create_app(settings, clock=clock)):
        assert gc.get_freeze_count() == 0, "an app that does not own its process leaves the collector alone"
    threshold = gc.get_threshold()
    async with running(create_app(settings, clock=clock, own_process=True)):
        assert gc.get_freeze_count() > 10_000
        assert gc.get_threshold() == (GC_YOUNG_THRESHOLD, *threshold[1:])
