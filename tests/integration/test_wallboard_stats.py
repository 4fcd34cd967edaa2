"""Given the real server, the PBX simulator over TCP with a simulated operator per queue, and the wallboard fold
on the app's event stream, when a burst of calls is answered, waits, and is given up on, then the live
figures equal those recomputed from the call cards the app stored."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from crm_store import stats as st
from tests.serving import Running, prepare_database, settings_for_test, start, wait_for
from web import keys
from workstation.wallboard import WallboardStats

from .client import ended_card

pytestmark = pytest.mark.integration


@pytest.fixture
async def center(tmp_path: Path) -> AsyncIterator[Running]:
    url = await prepare_database(tmp_path / "ccdesk.db", customers=20)
    running = await start(settings_for_test(tmp_path, url, sim_bots=1))
    yield running
    await running.stop()


async def test_the_live_figures_of_a_burst_equal_those_recomputed_from_the_stored_cards(center: Running) -> None:
    board = WallboardStats()
    subscription = center.app[keys.STREAM].subscribe("wallboard-test", board.handle)
    try:
        sim = center.simulator
        calls = [
            sim.place_inbound_call(queue="support", patience=60, talk_time=2.5),  # the bot answers it
            sim.place_inbound_call(queue="support", patience=60, talk_time=0.5),  # waits for the bot
            sim.place_inbound_call(queue="support", patience=0.6),  # gives up at once: a short abandon
            sim.place_inbound_call(queue="support", patience=5.5),  # gives up while the bot is busy
            sim.place_inbound_call(queue="billing", patience=60, talk_time=1.0),
        ]
        for call_id in calls:
            await wait_for(lambda call_id=call_id: ended_card(center, call_id), timeout=30)
        await subscription.drain()
        assert board.day is not None
        start_, end = board.day_bounds(board.day)
        stored = await st.day_stats(center.db, start=start_, end=end)
    finally:
        await subscription.close()

    assert dict(board.intervals) == dict(stored.intervals)
    assert dict(board.operator_totals) == dict(stored.operators)
    support = board.queue_figures("support").day
    assert support.offered == 4 and support.answered >= 2 and support.abandoned >= 1
    assert support.short_abandoned >= 1
    assert board.queue_figures("billing").day.answered == 1
    assert sum(o.answered for o in stored.operators.values()) == support.answered + 1
