"""Given a PBX of its own (the simulator in its own server) with a simulated operator, when ccdesk restarts while
one caller talks and another waits, and a third calls while ccdesk is away, then the app's wallboard, rebuilt
from the call cards at start-up and kept live after, equals the figures recomputed from the stored cards."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from crm_store import interactions
from crm_store import stats as st
from crm_store.errors import NotFound
from cti.sim import MemberConfig, PbxSimulator, QueueConfig, SimConfig
from tests.serving import Running, prepare_database, settings_for_test, start, wait_for
from web import keys

pytestmark = pytest.mark.integration


async def _card(server: Running, call_id: str, state: str | None = None) -> object:
    await server.workstation.drain()
    try:
        card = await interactions.get_call_card(server.db, call_id=call_id)
    except NotFound:
        return None
    return card if state is None or card.state == state else None


async def test_the_wallboard_rebuilt_after_a_restart_mid_call_equals_the_stored_cards(tmp_path: Path) -> None:
    bot = MemberConfig(interface="PJSIP/2001", name="Bot")  # hotline has no after-call work: the bot is ready at once
    pbx = PbxSimulator(
        SimConfig(
            port=0,
            username="ami",
            secret="ami-secret",
            answer_wait=0.05,
            agent_answer_delay=0.3,
            queues=(QueueConfig(name="hotline", members=(bot,), timeout=600),),
        )
    )
    await pbx.start()
    url = await prepare_database(tmp_path / "ccdesk.db", customers=20)
    settings = replace(settings_for_test(tmp_path, url), pbx=f"ami://ami:ami-secret@127.0.0.1:{pbx.port}")
    server = await start(settings)
    try:
        talking = pbx.place_inbound_call(queue="hotline", patience=600, talk_time=600)
        await wait_for(lambda: _card(server, talking, "talking"), timeout=15)
        waiting = pbx.place_inbound_call(queue="hotline", patience=600, talk_time=0.5)
        gave_up = pbx.place_inbound_call(queue="hotline", patience=0.3)
        await wait_for(lambda: _card(server, gave_up, "ended"), timeout=15)
        await wait_for(lambda: _card(server, waiting, "queued"), timeout=15)
        await server.stop()  # ccdesk goes away; the PBX and its calls stay up

        while_away = pbx.place_inbound_call(queue="hotline", patience=600, talk_time=0.5)
        server = await start(settings)
        board = server.app[keys.WALLBOARD]
        await wait_for(lambda: _card(server, while_away), timeout=15)  # seen through the resync
        assert pbx.hangup_caller(talking)
        for call_id in (talking, waiting, while_away):
            await wait_for(lambda call_id=call_id: _card(server, call_id, "ended"), timeout=30)
        await server.app[keys.STREAM].drain()
        assert board.day is not None
        start_, end = board.day_bounds(board.day)
        stored = await st.day_stats(server.db, start=start_, end=end)

        assert dict(board.intervals) == dict(stored.intervals)
        assert dict(board.operator_totals) == dict(stored.operators)
        hotline = board.queue_figures("hotline").day
        assert (hotline.offered, hotline.answered, hotline.abandoned, hotline.short_abandoned) == (4, 3, 1, 1)
    finally:
        await server.stop()
        await pbx.stop()
