"""Given the real server, the PBX simulator over TCP and a Socket.IO client, when calls come in,
then the operator sees them and the call cards are stored by themselves."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from crm_store.models import AuditEntry
from tests.serving import wait_for

from .client import Operator, ended_card

pytestmark = pytest.mark.integration


async def _known_caller(server) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    async with server.db.read_session() as s:
        row = (await s.execute(text("SELECT raw, customer_id FROM phones ORDER BY id LIMIT 1"))).first()
    return row[0], row[1]


async def _signed_in(server, username: str = "op1", queues: list[str] | None = None) -> Operator:  # type: ignore[no-untyped-def]
    op = Operator(server.url)
    response = await op.login(username, server.passwords[username])
    assert response.status == 302
    await op.connect_socket()
    presence = await op.api("POST", "/api/presence/sign-in", {"queues": queues or ["support"]})
    assert presence["state"] == "available"
    return op


async def test_answered_call_pops_the_customer_and_completes_its_card(server) -> None:
    number, customer_id = await _known_caller(server)
    op = await _signed_in(server)
    try:
        call_id = server.simulator.place_inbound_call(number, queue="support")
        pop = await op.next_event("pop", lambda p: p["call_id"] == call_id)
        assert [m["customer"]["id"] for m in pop["matches"]] == [customer_id]
        assert pop["matches"][0]["accounts"], "the pop carries the accounts"
        await op.api("POST", "/api/sim/answer")
        await op.next_event("call", lambda c: c["call_id"] == call_id and c["state"] == "talking")
        me = await op.api("GET", "/api/me")
        assert me["call"]["call_id"] == call_id and me["presence"]["state"] == "talking"
        card_id = me["card"]["id"]
        saved = await op.api(
            "POST", f"/api/cards/{card_id}", {"topic": "balance", "result": "consulted", "notes": "Сообщил баланс"}
        )
        assert saved["topic"] == "balance"
        await op.api("POST", f"/api/calls/{call_id}/hangup")
        await server.workstation.drain()
        card = await wait_for(lambda: ended_card(server, call_id))
        assert (card.outcome, card.customer_id, card.queue, card.notes) == (
            "answered",
            customer_id,
            "support",
            "Сообщил баланс",
        )
        assert card.answered_at is not None and card.talk_seconds is not None and card.agent_id is not None
        async with server.db.read_session() as s:
            audited = list(await s.scalars(select(AuditEntry.action).where(AuditEntry.user_id == card.agent_id)))
        assert {"presence.sign_in", "call_card.wrap_up", "call.hangup"} <= set(audited)
    finally:
        await op.close()


async def test_abandoned_call_gets_a_call_card_and_waits_for_a_call_back(server) -> None:
    number, customer_id = await _known_caller(server)
    op = await _signed_in(server, queues=["billing"])  # nobody answers in support
    try:
        call_id = server.simulator.place_inbound_call(number, queue="support")
        await wait_for(
            lambda: (
                server.workstation.calls.active.get(call_id)
                and server.workstation.calls.active[call_id].state == "queued"
            )
        )
        assert server.simulator.hangup_caller(call_id)
        card = await wait_for(lambda: ended_card(server, call_id))
        assert (card.outcome, card.callback_status, card.customer_id) == ("abandoned", "pending", customer_id)
        callbacks = await op.api("GET", "/api/callbacks")
        assert call_id in [c["call_id"] for c in callbacks["items"]]
    finally:
        await op.close()
