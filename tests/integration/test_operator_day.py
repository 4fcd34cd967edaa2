"""Given the real server with per-queue after-call work, the PBX simulator over TCP and Socket.IO clients,
when operators take calls one after another, miss a ring, log out, or join while the server runs, then the
PBX offers them calls only when they are ready, and supervisors see the queues as they are."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text, update

from crm_store.models import User, WebSession
from crm_store.users import create_user
from cti import control as cc
from cti.sim import MemberConfig, PbxSimulator, QueueConfig, SimConfig
from web import keys
from web.passwords import hash_password

from ..serving import Running, prepare_database, settings_for_test, start, wait_for
from .client import Operator
from .queues import assign_queues

pytestmark = pytest.mark.integration

OP1 = "PJSIP/1001"
RULES = """
[queues]
support = { title = "Support", wrap_up_seconds = 30 }
billing = { title = "Billing", wrap_up_seconds = 30 }
vip = { title = "VIP", wrap_up_seconds = 1 }
debt = { title = "Debt", wrap_up_seconds = 1, require_result = true }

[default]
queue = "support"
reason = "default"
"""


@pytest.fixture
async def day(tmp_path: Path) -> AsyncIterator[Running]:
    """The real app whose queues have after-call work (support and billing 30 s, vip 1 s, debt 1 s + result)."""
    rules = tmp_path / "rules.toml"
    rules.write_text(RULES, encoding="utf-8")
    url = await prepare_database(tmp_path / "ccdesk.db")
    running = await start(settings_for_test(tmp_path, url, routing_rules=rules))
    yield running
    await running.stop()


async def _caller(server: Running, offset: int = 0) -> str:
    async with server.db.read_session() as s:
        return str(await s.scalar(text("SELECT raw FROM phones ORDER BY id LIMIT 1 OFFSET :o"), {"o": offset}))


async def _operator(server: Running, username: str = "op1", queues: list[str] | None = None) -> Operator:
    if queues:
        await assign_queues(server, username, queues)
    op = Operator(server.url)
    assert (await op.login(username, server.passwords[username])).status == 302
    await op.connect_socket()
    if queues:
        presence = await op.api("POST", "/api/presence/sign-in", {"queues": queues})
        assert presence["state"] == "available"
    return op


def _member(server: Running, queue: str, interface: str = OP1) -> dict[str, Any] | None:
    member: dict[str, Any] | None = server.simulator.snapshot()["queues"][queue]["members"].get(interface)
    return member


def _ringing(server: Running, interface: str = OP1) -> bool:
    return interface in server.simulator.snapshot()["ringing"]


def _call_state(server: Running, call_id: str) -> str | None:
    call = server.workstation.calls.get(call_id)
    return call.state if call else None


async def _presence(op: Operator) -> dict[str, Any]:
    me = await op.api("GET", "/api/me")
    presence: dict[str, Any] = me["presence"]
    return presence


async def _presence_is(op: Operator, state: str) -> dict[str, Any]:
    async def check() -> dict[str, Any] | None:
        presence = await _presence(op)
        return presence if presence["state"] == state else None

    found: dict[str, Any] = await wait_for(check)
    return found


async def _stays(predicate: Callable[[], bool], seconds: float) -> None:
    """`predicate` holds the whole time (a bounded watch: what must NOT happen, e.g. a ring during wrap-up)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while loop.time() < end:
        assert predicate()
        await asyncio.sleep(0.05)


async def _take_call(server: Running, op: Operator, call_id: str) -> None:
    """The phone rings with the caller's pop, the operator answers, talks and hangs up."""
    await op.next_event("pop", lambda p: p["call_id"] == call_id)
    await op.api("POST", "/api/sim/answer")
    await wait_for(lambda: _call_state(server, call_id) == "talking")
    await op.api("POST", f"/api/calls/{call_id}/hangup")
    await wait_for(lambda: _call_state(server, call_id) == "ended")


async def test_back_to_back_calls_wait_for_the_wrap_up_and_ready_ends_it(day: Running) -> None:
    op = await _operator(day, queues=["support", "billing"])
    try:
        first = day.simulator.place_inbound_call(await _caller(day), queue="support", patience=120)
        await _take_call(day, op, first)
        wrap = await _presence_is(op, "wrap_up")
        assert wrap["call_id"] == first and wrap["wrap_up_until"] and wrap["wrap_up_requires_result"] is False
        assert {k: _member(day, q)["reason"] for q in ("support", "billing") for k in [q]} == {  # type: ignore[index]
            "support": "after_call_work",
            "billing": "after_call_work",
        }
        # The next caller, in the other queue, waits: the PBX does not offer the call during the wrap-up.
        second = day.simulator.place_inbound_call(await _caller(day, 1), queue="billing", patience=120)
        await wait_for(lambda: _call_state(day, second) == "queued")
        await _stays(lambda: not _ringing(day) and _call_state(day, second) == "queued", 1.5)
        me = await op.api("GET", "/api/me")
        assert me["call"]["call_id"] == first and me["card"]["call_id"] == first, "the card to finish stays on screen"

        ready = await op.api("POST", "/api/presence/ready")
        # The waiting caller may be offered the instant the phone is unpaused: the answer then already says so.
        assert ready["state"] in ("available", "ringing") and ready["wrap_up_until"] is None
        await op.next_event("pop", lambda p: p["call_id"] == second)
        assert not _member(day, "billing")["paused"]  # type: ignore[index]

        # Saving the card of the second call ends its wrap-up too.
        await op.api("POST", "/api/sim/answer")
        await wait_for(lambda: _call_state(day, second) == "talking")
        await op.api("POST", f"/api/calls/{second}/hangup")
        await _presence_is(op, "wrap_up")
        card = (await op.api("GET", "/api/me"))["card"]
        await op.api("POST", f"/api/cards/{card['id']}", {"topic": "balance", "result": "consulted", "notes": ""})
        await _presence_is(op, "available")
        await wait_for(lambda: not _member(day, "support")["paused"])  # type: ignore[index]
    finally:
        await op.close()


async def test_the_wrap_up_ends_by_itself_at_its_timeout_and_the_next_call_rings(day: Running) -> None:
    op = await _operator(day, queues=["vip"])
    try:
        first = day.simulator.place_inbound_call(await _caller(day), queue="vip", patience=120)
        await _take_call(day, op, first)
        second = day.simulator.place_inbound_call(await _caller(day, 1), queue="vip", patience=120)
        await op.next_event("presence", lambda p: p["state"] == "wrap_up")
        await wait_for(lambda: (_member(day, "vip") or {}).get("reason") == "after_call_work")
        await op.next_event("pop", lambda p: p["call_id"] == second, timeout=10)
        assert not _member(day, "vip")["paused"]  # type: ignore[index]
        # In order: the wrap-up, its end at the timeout, then (only then) the second call's pop.
        seen = [(e, d.get("state") or d.get("call_id")) for e, d in op.events if e in ("presence", "pop")]
        wrap_up = seen.index(("presence", "wrap_up"))
        # The end of the wrap-up is the first presence after it that is not wrap-up (available, or at once
        # ringing when the waiting call is offered the moment the phone is unpaused).
        ended = next(i for i, (e, s) in enumerate(seen) if i > wrap_up and e == "presence" and s != "wrap_up")
        assert seen.index(("pop", second)) > ended
    finally:
        await op.close()


async def test_a_queue_requiring_a_result_keeps_the_operator_in_wrap_up_until_the_card_has_one(day: Running) -> None:
    op = await _operator(day, queues=["debt"])
    try:
        call_id = day.simulator.place_inbound_call(await _caller(day), queue="debt", patience=120)
        await _take_call(day, op, call_id)
        wrap = await _presence_is(op, "wrap_up")
        assert wrap["wrap_up_requires_result"] is True
        await _stays(lambda: day.workstation.presence[OP1].state == "wrap_up", 1.5)  # its 1 s timeout has passed
        refused = await op.api("POST", "/api/presence/ready", expect=400)
        assert refused["code"] == "result_required"
        card = (await op.api("GET", "/api/me"))["card"]
        await op.api("POST", f"/api/cards/{card['id']}", {"topic": "balance", "notes": "без результата"})
        assert (await _presence(op))["state"] == "wrap_up"
        await op.api("POST", f"/api/cards/{card['id']}", {"topic": "balance", "result": "consulted"})
        await _presence_is(op, "available")
        await wait_for(lambda: not _member(day, "debt")["paused"])  # type: ignore[index]
    finally:
        await op.close()


async def test_a_missed_ring_gives_no_wrap_up_and_the_next_call_rings_at_once(day: Running) -> None:
    op = await _operator(day, queues=["support"])
    try:
        missed = day.simulator.place_inbound_call(await _caller(day), queue="support", patience=120)
        await op.next_event("pop", lambda p: p["call_id"] == missed)
        assert day.simulator.hangup_caller(missed)
        await wait_for(lambda: _call_state(day, missed) == "ended")
        presence = await _presence_is(op, "available")
        assert presence["wrap_up_until"] is None and not _member(day, "support")["paused"]  # type: ignore[index]
        next_call = day.simulator.place_inbound_call(await _caller(day, 1), queue="support", patience=120)
        await op.next_event("pop", lambda p: p["call_id"] == next_call)
    finally:
        await op.close()


async def test_logout_takes_the_phone_out_of_its_queues(day: Running) -> None:
    op = await _operator(day, queues=["support", "billing"])
    try:
        await wait_for(lambda: _member(day, "support") and _member(day, "billing"))
        response = await op.http.post("/logout", headers={"X-CSRF-Token": op.csrf}, allow_redirects=False)
        assert response.status == 302
        await wait_for(lambda: _member(day, "support") is None and _member(day, "billing") is None)
        assert day.workstation.presence[OP1].state == "signed_out"
        # The desk is empty, so a call waits for somebody else instead of ringing it.
        call_id = day.simulator.place_inbound_call(await _caller(day), queue="support", patience=120)
        await wait_for(lambda: _call_state(day, call_id) == "queued")
        await _stays(lambda: not _ringing(day), 0.5)
    finally:
        await op.close()


async def test_a_user_added_while_the_server_runs_gets_the_pop_of_the_very_next_call(day: Running) -> None:
    # As `ccdesk user add` does, beside the running server; the phone is already in the queue on the PBX.
    await create_user(
        day.db,
        username="op3",
        role="operator",
        password_hash=hash_password("op3-password"),
        full_name="OP3",
        extension="1003",
        queues=["support"],
    )
    day.passwords["op3"] = "op3-password"
    result = await day.app[keys.CONTROL].execute(
        cc.QueueAdd(queue="support", interface="PJSIP/1003", member_name="OP3")
    )
    assert result.ok
    op = await _operator(day, "op3")
    try:
        call_id = day.simulator.place_inbound_call(await _caller(day), queue="support", patience=120)
        pop = await op.next_event("pop", lambda p: p["call_id"] == call_id, timeout=5)
        assert pop["matches"], "the pop carries the caller"
    finally:
        await op.close()


async def test_queue_load_follows_the_waiting_calls_and_returns_to_zero(day: Running) -> None:
    sup = await _operator(day, "sup")

    async def support() -> dict[str, Any]:
        live = await sup.api("GET", "/api/supervisor/live")
        queue: dict[str, Any] = next(q for q in live["queues"] if q["name"] == "support")
        return queue

    async def waiting(count: int) -> dict[str, Any] | None:
        queue = await support()
        return queue if queue["waiting"] == count else None

    try:
        await wait_for(lambda: waiting(0))
        calls = [
            day.simulator.place_inbound_call(await _caller(day, i), queue="support", patience=120) for i in range(3)
        ]
        queue = await wait_for(lambda: waiting(3))
        assert queue["available"] == 0
        assert queue["longest_wait_seconds"] is not None
        for call_id in calls:
            assert day.simulator.hangup_caller(call_id)
        await wait_for(lambda: waiting(0))
    finally:
        await sup.close()


async def test_an_expired_session_takes_the_phone_out_of_its_queues(day: Running) -> None:
    op = await _operator(day, queues=["support"])
    other = await _operator(day, "op2", queues=["support"])
    try:
        await wait_for(lambda: _member(day, "support") and _member(day, "support", "PJSIP/1002"))
        now = datetime.now(UTC)
        async with day.db.write_session() as s, s.begin():
            op1 = select(User.id).where(User.username == "op1").scalar_subquery()
            await s.execute(update(WebSession).where(WebSession.user_id == op1).values(expires_at=now - timedelta(1)))
        async with day.db.read_session() as s:
            live = set(await s.scalars(select(WebSession.user_id).where(WebSession.expires_at > now)))
        assert await day.workstation.presence_service.sign_out_absent(live) == [OP1]
        await wait_for(lambda: _member(day, "support") is None)
        assert _member(day, "support", "PJSIP/1002"), "an operator still signed in keeps the phone in the queue"
    finally:
        await op.close()
        await other.close()


async def test_sign_in_works_beside_a_static_membership_and_shows_it(tmp_path: Path) -> None:
    # A PBX of its own, as a real Asterisk whose queues.conf lists op1's phone as a member of billing.
    pbx = PbxSimulator(
        SimConfig(
            port=0,
            username="ami",
            secret="ami-secret",
            answer_wait=0.05,
            queues=(
                QueueConfig(name="support"),
                QueueConfig(name="billing", members=(MemberConfig(interface=OP1, name="OP1", bot=False),)),
            ),
            abandon_patience=(600, 600),
        )
    )
    await pbx.start()
    url = await prepare_database(tmp_path / "ccdesk.db")
    server = await start(replace(settings_for_test(tmp_path, url), pbx=f"ami://ami:ami-secret@127.0.0.1:{pbx.port}"))
    op = Operator(server.url)

    def member(queue: str) -> dict[str, Any] | None:
        found: dict[str, Any] | None = pbx.snapshot()["queues"][queue]["members"].get(OP1)
        return found

    try:
        await op.login("op1", server.passwords["op1"])
        await op.connect_socket()
        before = await wait_for(lambda: _static_in(op, "billing"))
        assert before["state"] == "available" and before["queues"] == []
        presence = await op.api("POST", "/api/presence/sign-in", {"queues": ["support"]})
        assert (presence["state"], presence["queues"], presence["static_queues"]) == (
            "available",
            ["support"],
            ["billing"],
        )
        assert member("support") and member("billing"), "signed in to support, still in billing"
        # Signing out leaves the static membership (no AMI action can remove it) but pauses it: nobody is there.
        out = await op.api("POST", "/api/presence/sign-out")
        assert (out["state"], out["static_queues"]) == ("signed_out", ["billing"])
        assert member("support") is None
        assert member("billing") and member("billing")["paused"]  # type: ignore[index]
        back = await op.api("POST", "/api/presence/sign-in", {"queues": ["support", "billing"]})
        assert (back["state"], back["queues"], back["static_queues"]) == ("available", ["support"], ["billing"])
        await wait_for(lambda: member("billing") and not member("billing")["paused"])  # type: ignore[index]
    finally:
        await op.close()
        await server.stop()
        await pbx.stop()


async def _static_in(op: Operator, queue: str) -> dict[str, Any] | None:
    presence = await _presence(op)
    return presence if queue in presence.get("static_queues", []) else None


async def test_the_card_of_a_call_long_gone_from_the_live_calls_reaches_the_operator_in_its_wrap_up(
    day: Running, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A busy floor ends thousands of calls during one wrap-up: the ended call is no longer among the live
    calls kept for look-ups when its card changes, and the card still goes to the operator wrapping it up."""
    from workstation import live

    monkeypatch.setattr(live, "ENDED_KEEP", 0)
    op = await _operator(day, queues=["support"])
    try:
        call_id = day.simulator.place_inbound_call(await _caller(day), queue="support", patience=120)
        await op.next_event("pop", lambda p: p["call_id"] == call_id)
        await op.api("POST", "/api/sim/answer")
        await wait_for(lambda: _call_state(day, call_id) == "talking")
        await op.api("POST", f"/api/calls/{call_id}/hangup")
        await _presence_is(op, "wrap_up")
        ended = await op.next_event("card", lambda c: c["call_id"] == call_id and c["state"] == "ended")
        assert ended["outcome"] == "answered"
    finally:
        await op.close()


async def test_wrap_up_timers_end_their_wrap_up_while_the_database_refuses_card_reads(
    day: Running, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """On a busy floor the database may refuse reads for a while (all its connections taken): a timer of a
    queue that needs no result does not read the card at all, and one of a queue that does counts a failed
    read as "no result". Neither timer dies, so no operator is left in after-call work for good."""
    from types import SimpleNamespace

    from sqlalchemy.exc import TimeoutError as PoolTimeout

    from workstation import presence_service

    async def refused(*_args: Any, **_kwargs: Any) -> Any:
        raise PoolTimeout("QueuePool limit of size 8 overflow 8 reached, connection timed out")

    # The presence service's reads only: the operator's own screen still reads the card.
    monkeypatch.setattr(presence_service, "interactions", SimpleNamespace(get_call_card=refused))
    op = await _operator(day, queues=["vip"])
    try:
        call_id = day.simulator.place_inbound_call(await _caller(day), queue="vip", patience=120)
        await _take_call(day, op, call_id)
        await _presence_is(op, "available")  # vip's 1 s of wrap-up ended by its timer
        await wait_for(lambda: not _member(day, "vip")["paused"])  # type: ignore[index]

        await op.api("POST", "/api/presence/sign-out")
        await assign_queues(day, "op1", ["debt"])
        assert (await op.api("POST", "/api/presence/sign-in", {"queues": ["debt"]}))["state"] == "available"
        second = day.simulator.place_inbound_call(await _caller(day, 1), queue="debt", patience=120)
        await _take_call(day, op, second)
        await _presence_is(op, "wrap_up")
        await _stays(lambda: day.workstation.presence[OP1].state == "wrap_up", 1.5)  # its 1 s timeout passed
        assert f"after-call work of call {second}: its card could not be read" in caplog.text
    finally:
        await op.close()
