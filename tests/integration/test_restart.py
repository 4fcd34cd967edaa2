"""Given a real PBX (the simulator in its own server, as a separate Asterisk would be), when ccdesk
restarts mid-call, then the operator's call, card and presence come back from the PBX's resync."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import text

from cti.sim import PbxSimulator, QueueConfig, SimConfig
from tests.serving import prepare_database, settings_for_test, start, wait_for

from .client import Operator

pytestmark = pytest.mark.integration


async def test_a_restart_mid_call_restores_the_call_card_and_presence(tmp_path) -> None:
    pbx = PbxSimulator(
        SimConfig(
            port=0,
            username="ami",
            secret="ami-secret",
            answer_wait=0.05,
            agent_answer_delay=0.2,
            queues=(QueueConfig(name="support"), QueueConfig(name="billing")),
            talk_time=(600, 600),
            abandon_patience=(600, 600),
        )
    )
    await pbx.start()
    url = await prepare_database(tmp_path / "ccdesk.db")
    settings = replace(settings_for_test(tmp_path, url), pbx=f"ami://ami:ami-secret@127.0.0.1:{pbx.port}")
    server = await start(settings)
    op = Operator(server.url)
    try:
        await op.login("op1", server.passwords["op1"])
        await op.connect_socket()
        await op.api("POST", "/api/presence/sign-in", {"queues": ["support"]})
        async with server.db.read_session() as s:
            number = (await s.execute(text("SELECT raw FROM phones ORDER BY id LIMIT 1"))).scalar()
        call_id = pbx.place_inbound_call(number, queue="support")
        await op.next_event("pop", lambda p: p["call_id"] == call_id)
        assert pbx.answer("PJSIP/1001")
        await op.next_event("call", lambda c: c["state"] == "talking")
        live = await wait_for(lambda: _answered_card(server, call_id))
        await server.stop()  # ccdesk goes away; the PBX and the call stay up

        server = await start(settings)
        me = await wait_for(lambda: _me_with_call(op, call_id), timeout=15)
        assert me["presence"]["state"] == "talking" and me["presence"]["queues"] == ["support"]
        assert me["card"]["call_id"] == call_id and me["pop"]["matches"], "card and pop come back"
        await server.workstation.cards.drain()
        assert await _answered_card(server, call_id) == live, "the answer seen live stays, not the resync's guess"
        await op.api("POST", f"/api/calls/{call_id}/hangup")
        await wait_for(lambda: call_id not in server.workstation.calls.active)
    finally:
        await op.close()
        await server.stop()
        await pbx.stop()


async def _me_with_call(op: Operator, call_id: str):  # type: ignore[no-untyped-def]
    async with op.http.get("/api/me") as response:
        if response.status != 200:
            return None
        me = await response.json()
    return me if me.get("call") and me["call"]["call_id"] == call_id else None


async def _answered_card(server, call_id: str):  # type: ignore[no-untyped-def]
    """(answered at, wait, operator) as stored on the card, once the answer is stored."""
    async with server.db.read_session() as s:
        row = (
            await s.execute(
                text("SELECT answered_at, wait_seconds, agent_id FROM interactions WHERE call_id = :c"), {"c": call_id}
            )
        ).first()
    return tuple(row) if row is not None and row[0] is not None else None
