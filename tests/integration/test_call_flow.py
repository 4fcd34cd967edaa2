"""Given the real server, the PBX simulator over TCP and a Socket.IO client, when calls come in,
then the operator sees them and the call cards are stored by themselves."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text

from crm_store.models import AuditEntry
from tests.serving import wait_for

from .client import Operator, ended_card
from .queues import assign_queues, sign_in_to_every_queue

pytestmark = pytest.mark.integration


async def _known_caller(server) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    async with server.db.read_session() as s:
        row = (await s.execute(text("SELECT raw, customer_id FROM phones ORDER BY id LIMIT 1"))).first()
    return row[0], row[1]


async def _signed_in(server, username: str = "op1", queues: list[str] | None = None) -> Operator:  # type: ignore[no-untyped-def]
    if queues:
        await assign_queues(server, username, queues)
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


async def _customers_with_phones(server, n: int) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    """`n` customers, each with a number that belongs to them alone."""
    async with server.db.read_session() as s:
        rows = (
            await s.execute(
                text(
                    "SELECT min(raw), min(e164), customer_id FROM phones GROUP BY customer_id "
                    "HAVING count(*) = 1 ORDER BY customer_id LIMIT :n"
                ),
                {"n": n},
            )
        ).all()
    return [(r[0], r[2]) for r in rows]


async def _missed_call(server, number: str, queue: str) -> str:  # type: ignore[no-untyped-def]
    """A caller who gave up waiting in `queue` (nobody signed in there)."""
    call_id = server.simulator.place_inbound_call(number, queue=queue)
    await wait_for(lambda: getattr(server.workstation.calls.active.get(call_id), "state", None) == "queued")
    assert server.simulator.hangup_caller(call_id)
    card = await wait_for(lambda: ended_card(server, call_id))
    assert card.callback_status == "pending"
    return call_id


async def _answered_call(server, op: Operator, number: str) -> tuple[str, dict]:  # type: ignore[no-untyped-def,type-arg]
    call_id = server.simulator.place_inbound_call(number, queue="support")
    await op.next_event("pop", lambda p: p["call_id"] == call_id)
    await op.api("POST", "/api/sim/answer")
    await op.next_event("call", lambda c: c["call_id"] == call_id and c["state"] == "talking")
    me = await op.api("GET", "/api/me")
    return call_id, me


async def test_a_call_back_while_the_last_card_has_unsaved_edits_keeps_each_card_with_its_customer(server) -> None:
    (first_number, first_customer), (called_number, called_customer) = await _customers_with_phones(server, 2)
    missed = await _missed_call(server, called_number, "billing")
    op = await _signed_in(server, queues=["support"])
    try:
        call_id, me = await _answered_call(server, op, first_number)
        first_card = me["card"]
        assert first_card["customer_id"] == first_customer
        await op.api("POST", f"/api/calls/{call_id}/hangup")
        await wait_for(lambda: ended_card(server, call_id))
        # The operator typed on the first card but has not saved it, and calls the missed customer back.
        entry = next(e for e in (await op.api("GET", "/api/callbacks"))["items"] if e["call_id"] == missed)
        assert entry["dialable"] and entry["customer_id"] == called_customer and entry["customer_name"]
        digits = "".join(c for c in entry["number"] if c.isdigit())
        server.simulator.set_outbound_outcome(digits, "answered")
        back = (await op.api("POST", f"/api/callbacks/{entry['card_id']}/call"))["call_id"]
        await wait_for(lambda: server.simulator.snapshot()["ringing"])
        await op.api("POST", "/api/sim/answer")  # the operator's own phone rings first
        pop = await op.next_event("pop", lambda p: p["call_id"] == back)
        assert pop["customer_id"] == called_customer
        assert pop["matches"][0]["customer"]["id"] == called_customer
        assert pop["customer_number"] == entry["number"]
        call = await op.next_event("call", lambda c: c["call_id"] == back and c["customer_number"])
        assert call["direction"] == "outbound" and call["customer_number"] == entry["number"]
        assert call["customer_number"] != "1001"
        # The auto-save of the first card, arriving while the call-back is on: that card, its own customer.
        saved = await op.api(
            "POST",
            f"/api/cards/{first_card['id']}",
            {"topic": "payment", "result": "consulted", "notes": "про оплату", "call_id": call_id},
        )
        assert (saved["id"], saved["customer_id"], saved["topic"]) == (first_card["id"], first_customer, "payment")
        await op.api(
            "POST", f"/api/cards/{first_card['id']}", {"notes": "x", "call_id": back}, expect=400
        )  # edits sent for the wrong card are refused, not stored on it
        me = await op.api("GET", "/api/me")
        assert me["card"]["call_id"] == back and me["card"]["customer_id"] == called_customer
        assert me["card"]["id"] != first_card["id"] and me["pop"]["customer_id"] == called_customer
        # The customer picks up (the call is talking): hanging up while they still ring would leave
        # the call-back undone, back on the list.
        await op.next_event("call", lambda c: c["call_id"] == back and c["state"] == "talking")
        await op.api("POST", f"/api/calls/{back}/hangup")
        card = await wait_for(lambda: ended_card(server, back))
        assert (card.direction, card.customer_id, card.caller_number) == ("outbound", called_customer, entry["number"])
        first = await ended_card(server, call_id)
        assert (first.customer_id, first.topic, first.notes) == (first_customer, "payment", "про оплату")
        listed = [e["call_id"] for e in (await op.api("GET", "/api/callbacks"))["items"]]
        assert missed not in listed
    finally:
        await op.close()


async def test_back_to_back_calls_each_get_their_own_card_and_the_ringing_call_is_not_in_the_history(
    server,
) -> None:
    (a_number, a_customer), (b_number, b_customer) = await _customers_with_phones(server, 2)
    op = await _signed_in(server)
    try:
        cards = []
        for number, customer in ((a_number, a_customer), (b_number, b_customer), (a_number, a_customer)):
            call_id = server.simulator.place_inbound_call(number, queue="support")
            pop = await op.next_event("pop", lambda p, c=call_id: p["call_id"] == c)
            assert pop["customer_id"] == customer
            assert all(i["call_id"] != call_id for m in pop["matches"] for i in m["interactions"])
            await op.api("POST", "/api/sim/answer")
            await op.next_event("call", lambda c, i=call_id: c["call_id"] == i and c["state"] == "talking")
            me = await op.api("GET", "/api/me")
            assert (me["card"]["call_id"], me["card"]["customer_id"]) == (call_id, customer)
            await op.api("POST", f"/api/cards/{me['card']['id']}", {"topic": "balance", "notes": call_id})
            await op.api("POST", f"/api/calls/{call_id}/hangup")
            cards.append(await wait_for(lambda c=call_id: ended_card(server, c)))
        assert len({c.id for c in cards}) == 3
        assert [(c.customer_id, c.notes, c.outcome) for c in cards] == [
            (a_customer, cards[0].call_id, "answered"),
            (b_customer, cards[1].call_id, "answered"),
            (a_customer, cards[2].call_id, "answered"),
        ]
    finally:
        await op.close()


async def test_a_call_abandoned_while_an_operator_phone_rang_has_no_agent(server) -> None:
    number, _customer = await _known_caller(server)
    op = await _signed_in(server)
    try:
        call_id = server.simulator.place_inbound_call(number, queue="support")
        await op.next_event("pop", lambda p: p["call_id"] == call_id)  # op1's phone rings
        assert server.simulator.hangup_caller(call_id)
        card = await wait_for(lambda: ended_card(server, call_id))
        assert (card.outcome, card.agent_id, card.agent_interface) == ("abandoned", None, None)
        assert card.callback_status == "pending"
    finally:
        await op.close()


async def test_the_call_back_list_is_by_role_with_names_and_says_what_cannot_be_dialled(server) -> None:
    (known_number, known_customer), *_ = await _customers_with_phones(server, 1)
    in_billing = await _missed_call(server, known_number, "billing")
    sip_caller = await _missed_call(server, "sipp", "support")
    op2 = Operator(server.url)  # queues: support only
    sup = Operator(server.url)
    try:
        assert (await op2.login("op2", server.passwords["op2"])).status == 302
        assert (await sup.login("sup", server.passwords["sup"])).status == 302
        mine = {e["call_id"]: e for e in (await op2.api("GET", "/api/callbacks"))["items"]}
        assert sip_caller in mine and in_billing not in mine
        assert (mine[sip_caller]["dialable"], mine[sip_caller]["not_dialable_reason"]) == (False, "not_a_phone_number")
        everything = {e["call_id"]: e for e in (await sup.api("GET", "/api/callbacks"))["items"]}
        assert {sip_caller, in_billing} <= set(everything)
        assert everything[in_billing]["customer_id"] == known_customer
        assert everything[in_billing]["customer_name"] and everything[in_billing]["dialable"]
        refused = await op2.api("POST", f"/api/callbacks/{mine[sip_caller]['card_id']}/call", expect=400)
        assert refused["code"] == "not_dialable"
        refused = await op2.api("POST", f"/api/callbacks/{everything[in_billing]['card_id']}/call", expect=403)
        assert refused["code"] == "callback_not_yours"
    finally:
        await op2.close()
        await sup.close()


async def test_the_call_back_list_pages_instead_of_a_silent_cap(server) -> None:
    sup = Operator(server.url)
    try:
        assert (await sup.login("sup", server.passwords["sup"])).status == 302
        from datetime import UTC, datetime, timedelta

        from crm_store import interactions

        t0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
        for i in range(120):
            await interactions.open_call_card(
                server.db, call_id=f"missed-{i}", offered_at=t0 + timedelta(minutes=i), caller_number="+79160000000"
            )
            await interactions.update_call_card(
                server.db, f"missed-{i}", {"callback_status": "pending", "queue": "vip"}
            )
        seen: list[str] = []
        cursor = None
        while True:
            page = await sup.api("GET", "/api/callbacks" + (f"?before={cursor}" if cursor else ""))
            seen += [e["call_id"] for e in page["items"] if e["call_id"].startswith("missed-")]
            cursor = page["next"]
            if cursor is None:
                break
        assert seen == [f"missed-{i}" for i in reversed(range(120))]
    finally:
        await sup.close()


async def test_a_call_back_the_customer_does_not_pick_up_is_carded_as_such_and_stays_on_the_list(server) -> None:
    (number, customer), *_ = await _customers_with_phones(server, 1)
    missed = await _missed_call(server, number, "billing")
    op = await _signed_in(server, queues=["support"])
    try:
        entry = next(e for e in (await op.api("GET", "/api/callbacks"))["items"] if e["call_id"] == missed)
        server.simulator.set_outbound_outcome("".join(c for c in entry["number"] if c.isdigit()), "busy")
        back = (await op.api("POST", f"/api/callbacks/{entry['card_id']}/call"))["call_id"]
        await wait_for(lambda: server.simulator.snapshot()["ringing"])
        await op.api("POST", "/api/sim/answer")
        card = await wait_for(lambda: ended_card(server, back))
        assert (card.direction, card.outcome, card.customer_id, card.caller_number) == (
            "outbound",
            "busy",
            customer,
            entry["number"],
        )

        async def listed_again() -> bool:
            items = (await op.api("GET", "/api/callbacks"))["items"]
            return missed in [e["call_id"] for e in items]

        assert await wait_for(listed_again)
    finally:
        await op.close()


async def test_the_call_carries_the_ivr_path_and_the_routing_reason_to_the_screen(server) -> None:
    number, _customer = await _known_caller(server)
    op = Operator(server.url)
    try:
        await op.login("op1", server.passwords["op1"])
        await op.connect_socket()
        await sign_in_to_every_queue(server, op, "op1")
        call_id = server.simulator.place_inbound_call(number, via_ivr=True, ivr_digits=["0"])
        pop = await op.next_event("pop", lambda p: p["call_id"] == call_id, timeout=20)
        assert pop["ivr_path"][:3] == ["welcome", "identify", "main:0"] and pop["routing_reason"]
        call = await op.next_event("call", lambda c: c["call_id"] == call_id and c["ivr_path"])
        assert call["ivr_path"] == pop["ivr_path"] and call["routing_reason"] == pop["routing_reason"]
        await op.api("POST", "/api/sim/answer")
        me = await op.api("GET", "/api/me")
        assert me["call"]["ivr_path"] == pop["ivr_path"] and me["call"]["routing_reason"] == pop["routing_reason"]
    finally:
        await op.close()
