"""Given the real server, operators reach only what is theirs: their own call cards (and those of the
customers they serve), their own queues; bad ids and references are 404/400, never 500; every look at a
customer is in the audit log, and reading customers in bulk is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from crm_store.models import AuditEntry, Customer, User
from tests.serving import wait_for

from .client import Operator, ended_card

pytestmark = pytest.mark.integration

HUGE = 2**63  # one past BIGINT


async def _login(server, username: str, socket: bool = False) -> Operator:  # type: ignore[no-untyped-def]
    op = Operator(server.url)
    assert (await op.login(username, server.passwords[username])).status == 302
    if socket:
        await op.connect_socket()
    return op


async def _callers(server, n: int) -> list[tuple[str, int]]:  # type: ignore[no-untyped-def]
    async with server.db.read_session() as s:
        rows = (
            await s.execute(
                text("SELECT min(raw), customer_id FROM phones GROUP BY customer_id ORDER BY customer_id LIMIT :n"),
                {"n": n},
            )
        ).all()
    return [(r[0], r[1]) for r in rows]


async def _answered(server, op: Operator, number: str) -> tuple[str, int]:  # type: ignore[no-untyped-def]
    """An inbound call to `op`, answered: its call id and its card id."""
    call_id = server.simulator.place_inbound_call(number, queue="support")
    pop = await op.next_event("pop", lambda p: p["call_id"] == call_id)
    await op.api("POST", "/api/sim/answer")
    await op.next_event("call", lambda c: c["call_id"] == call_id and c["state"] == "talking")
    me = await wait_for(lambda: _me_with_card(op))
    assert me["card"]["call_id"] == call_id and pop["matches"]
    return call_id, me["card"]["id"]


async def _me_with_card(op: Operator):  # type: ignore[no-untyped-def]
    me = await op.api("GET", "/api/me")
    return me if me["card"] else None


async def test_an_operator_cannot_read_or_overwrite_another_operators_call_card(server) -> None:
    (number, customer_id), (_other_number, _other_customer) = await _callers(server, 2)
    op1, op2, sup = await _login(server, "op1", True), await _login(server, "op2", True), await _login(server, "sup")
    try:
        await op1.api("POST", "/api/presence/sign-in", {"queues": ["support"]})
        call_id, card_id = await _answered(server, op1, number)
        # While the call is live, the other operator neither reads nor writes its card.
        hidden = await op2.api("GET", f"/api/cards/{card_id}", expect=404)
        assert hidden["code"] == "card_not_found"
        assert (await op2.api("POST", f"/api/cards/{card_id}", {"notes": "mine now"}, expect=404))["code"] == (
            "card_not_found"
        )
        # A card that does not exist answers the same: the ids tell nothing.
        assert (await op2.api("GET", f"/api/cards/{card_id + 100000}", expect=404))["code"] == "card_not_found"
        await op1.api("POST", f"/api/cards/{card_id}", {"notes": "own notes"})
        await op1.api("POST", f"/api/calls/{call_id}/hangup")
        await wait_for(lambda: ended_card(server, call_id))
        assert (await op1.api("GET", f"/api/cards/{card_id}"))["notes"] == "own notes"
        assert (await op2.api("GET", f"/api/cards/{card_id}", expect=404))["code"] == "card_not_found"
        # Supervisors see and correct every card.
        assert (await sup.api("GET", f"/api/cards/{card_id}"))["notes"] == "own notes"
        await sup.api("POST", f"/api/cards/{card_id}", {"notes": "checked by the supervisor"})

        # The same customer calls again and reaches op2: op2 now serves them and may read the earlier card
        # (to see what was said), but not change it.
        await op1.api("POST", "/api/presence/sign-out")
        await op2.api("POST", "/api/presence/sign-in", {"queues": ["support"]})
        second_call, second_card = await _answered(server, op2, number)
        seen = await op2.api("GET", f"/api/cards/{card_id}")
        assert seen["notes"] == "checked by the supervisor" and seen["customer_id"] == customer_id
        refused = await op2.api("POST", f"/api/cards/{card_id}", {"notes": "overwritten"}, expect=403)
        assert refused["code"] == "card_not_yours"
        assert (await sup.api("GET", f"/api/cards/{card_id}"))["notes"] == "checked by the supervisor"
        await op2.api("POST", f"/api/calls/{second_call}/hangup")
        await wait_for(lambda: ended_card(server, second_call))
        await op2.api("POST", f"/api/cards/{second_card}", {"notes": "done"})  # the wrap-up ends with the save
        # Served no more: the earlier card is out of sight again.
        assert (await op2.api("GET", f"/api/cards/{card_id}", expect=404))["code"] == "card_not_found"
    finally:
        for op in (op1, op2, sup):
            await op.close()


async def test_an_operator_signs_in_only_to_their_assigned_queues(server) -> None:
    op2 = await _login(server, "op2")
    try:
        refused = await op2.api("POST", "/api/presence/sign-in", {"queues": ["support", "billing"]}, expect=403)
        assert refused["code"] == "queue_not_assigned" and refused["params"]["queues"] == "billing"
        # A refused sign-in changes nothing, not even the phone of a hot-desk move sent with it.
        await op2.api("POST", "/api/presence/sign-in", {"queues": ["billing"], "extension": "1077"}, expect=403)
        async with server.db.read_session() as s:
            assert await s.scalar(select(User.extension).where(User.username == "op2")) == "1002"
        assert (await op2.api("GET", "/api/me"))["presence"]["state"] == "signed_out"
        assert (await op2.api("POST", "/api/presence/sign-in", {"queues": ["support"]}))["queues"] == ["support"]
    finally:
        await op2.close()


async def test_bad_ids_are_404_and_bad_references_400_never_500(server) -> None:
    op = await _login(server, "op1")
    sup = await _login(server, "sup")
    try:
        for path in (
            f"/api/cards/{HUGE}",
            f"/api/customers/{HUGE}/pop",
            f"/api/customers/{HUGE}/timeline",
            "/api/customers/987654321/timeline",
            "/api/customers/987654321/pop",
            f"/api/kb/{HUGE * 10}",
        ):
            assert (await op.api("GET", path, expect=404))["code"] in ("not_found", "customer_not_found"), path
        assert (await op.api("POST", f"/api/cards/{HUGE}", {"notes": "x"}, expect=404))["code"] == "not_found"
        assert (await op.api("POST", f"/api/callbacks/{HUGE}/call", {}, expect=404))["code"] == "not_found"
        await sup.api("POST", f"/api/kb/{HUGE}", {"title": "t", "body": "b"}, expect=404)
        await sup.api("DELETE", f"/api/kb/{HUGE}", expect=404)
        async with server.db.read_session() as s:
            customer_id = await s.scalar(select(Customer.id).order_by(Customer.id).limit(1))
            customers_before = await s.scalar(select(func.count()).select_from(Customer))
        for payload in (
            {"customer_id": HUGE},
            {"customer_id": 987654321},
            {"customer_id": customer_id, "card_id": 987654321},
            {"customer_id": customer_id, "account_id": -1},
        ):
            bad = await op.api("POST", "/api/applications", {"type": "meter", "text": "x", **payload}, expect=400)
            assert bad["code"] == "bad_reference", (payload, bad)
        due = "2026-12-01T10:00:00"
        assert (await op.api("POST", "/api/tasks", {"due_at": due, "card_id": HUGE}, expect=400))["code"] == (
            "bad_reference"
        )
        assert (await op.api("GET", f"/api/offers?customer_id={HUGE}", expect=400))["code"] == "bad_reference"
        # Too long for its column: refused here on every backend (PostgreSQL would refuse it with a 500).
        forty = "7" * 40
        long_number = await op.api("POST", "/api/originate", {"number": forty}, expect=400)
        assert long_number["code"] == "field_too_long" and long_number["params"] == {"field": "number", "limit": 32}
        missing = await op.api("POST", "/api/originate", {"number": "+74951234567", "customer_id": 987654321}, 400)
        assert missing["code"] == "bad_reference"
        for field, limit in (("full_name", 300), ("email", 200), ("account_number", 32), ("address", 400)):
            body = {"full_name": "Иванов Иван", field: "я" * (limit + 1)}
            too_long = await op.api("POST", "/api/customers", body, expect=400)
            assert too_long["params"] == {"field": field, "limit": limit}, field
        long_phone = await op.api("POST", "/api/customers", {"full_name": "И", "phones": ["1" * 65]}, expect=400)
        assert long_phone["code"] == "field_too_long"
        assert (await op.api("POST", "/api/tasks", {"due_at": due, "phone": "9" * 21}, expect=400))["params"] == {
            "field": "phone",
            "limit": 20,
        }
        nul = await op.api("POST", f"/api/customers/{customer_id}/contacts", {"full_name": "a\x00b"}, expect=400)
        assert nul["code"] == "field_not_text"
        async with server.db.read_session() as s:
            assert await s.scalar(select(func.count()).select_from(Customer)) == customers_before
    finally:
        await op.close()
        await sup.close()


async def _views(server, customer_id: int) -> list[tuple[int | None, str]]:  # type: ignore[no-untyped-def]
    await server.workstation.drain()
    async with server.db.read_session() as s:
        rows = (
            await s.execute(
                select(AuditEntry.user_id, AuditEntry.details)
                .where(AuditEntry.action == "customer.view", AuditEntry.entity_id == str(customer_id))
                .order_by(AuditEntry.id)
            )
        ).all()
    return [(r[0], r[1]["via"]) for r in rows]


async def test_who_viewed_a_customer_is_in_the_audit_log_and_bulk_reading_is_refused(server) -> None:
    ((number, customer_id),) = await _callers(server, 1)
    op1, op2 = await _login(server, "op1", True), await _login(server, "op2")
    try:
        async with server.db.read_session() as s:
            op1_id = await s.scalar(select(User.id).where(User.username == "op1"))
            op2_id = await s.scalar(select(User.id).where(User.username == "op2"))
        await op1.api("POST", "/api/presence/sign-in", {"queues": ["support"]})
        call_id = server.simulator.place_inbound_call(number, queue="support")
        await op1.next_event("pop", lambda p: p["call_id"] == call_id)
        assert (op1_id, "pop") in await wait_for(lambda: _views(server, customer_id))
        await op2.api("GET", f"/api/customers/{customer_id}/pop")
        await op2.api("GET", f"/api/customers/{customer_id}/timeline")
        views = await _views(server, customer_id)
        assert views[-2:] == [(op2_id, "customer"), (op2_id, "timeline")]

        # Reading customers faster than a person does is refused, per user.
        server.workstation.reads.reads_per_window = 5  # op2 has read twice already
        for q in ("а", "б"):
            await op2.api("GET", f"/api/customers/search?q={q}")
        await op2.api("GET", f"/api/customers/{customer_id}/timeline")
        refused = await op2.api("GET", f"/api/customers/{customer_id}/pop", expect=429)
        assert refused["code"] == "too_many_reads" and refused["params"]["seconds"] > 0
        assert (await op2.api("GET", "/api/customers/search?q=x", expect=429))["code"] == "too_many_reads"
        assert (await _views(server, customer_id))[-1] == (op2_id, "timeline")  # the refused read is no view
        await op1.api("GET", f"/api/customers/{customer_id}/pop")  # another user reads on
    finally:
        await op1.close()
        await op2.close()
