"""Given the real server with its FastAGI IVR and the simulator calling it as Asterisk does, callers
self-serve or reach the queue routing chose, and the operator's pop shows what they did in the IVR."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.serving import wait_for

from .client import Operator, ended_card
from .queues import sign_in_to_every_queue

pytestmark = pytest.mark.integration


async def _caller(server):  # type: ignore[no-untyped-def]
    async with server.db.read_session() as s:
        return (
            await s.execute(
                text(
                    "SELECT p.raw, p.customer_id FROM phones p JOIN accounts a ON a.customer_id = p.customer_id "
                    "WHERE (SELECT count(*) FROM phones q WHERE q.e164 = p.e164) = 1 ORDER BY p.id LIMIT 1"
                )
            )
        ).first()


async def test_a_caller_who_hears_the_balance_is_self_served(server) -> None:
    number, customer_id = await _caller(server)
    call_id = server.simulator.place_inbound_call(number, via_ivr=True, ivr_digits=["1", "9"])
    card = await wait_for(lambda: ended_card(server, call_id), timeout=20)
    assert card.outcome == "ivr_only" and card.self_served and card.customer_id == customer_id
    assert card.ivr_path[:3] == ("welcome", "identify", "main:1")
    sup = Operator(server.url)
    try:
        await sup.login("sup", server.passwords["sup"])
        stats = await sup.api("GET", "/api/ivr/stats")
        assert stats["self_service_rate"] > 0
    finally:
        await sup.close()


async def test_a_caller_who_asks_for_an_operator_pops_with_the_ivr_path(server) -> None:
    number, customer_id = await _caller(server)
    op = Operator(server.url)
    try:
        await op.login("op1", server.passwords["op1"])
        await op.connect_socket()
        await sign_in_to_every_queue(server, op, "op1")
        call_id = server.simulator.place_inbound_call(number, via_ivr=True, ivr_digits=["0"])
        pop = await op.next_event("pop", lambda p: p["call_id"] == call_id, timeout=20)
        assert pop["ivr"]["path"][:3] == ["welcome", "identify", "main:0"]
        assert pop["ivr"]["routing_queue"] and pop["ivr"]["routing_reason"]
        assert [m["customer"]["id"] for m in pop["matches"]] == [customer_id]
    finally:
        await op.close()
