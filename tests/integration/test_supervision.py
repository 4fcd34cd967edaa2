"""Given the real server, the PBX simulator over TCP, an operator and a supervisor with a desk phone of the
registry, when the supervisor pauses, unpauses, logs out or moves the operator, listens to their call, takes
over a waiting call or moves it up its queue, then the PBX does it and the operator's presence follows; an
operator is refused, and forged values are refused with a clear error before anything reaches the PBX."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from crm_store.db import open_database
from crm_store.desk_phones import add_phone
from crm_store.models import AuditEntry
from cti.sim import MemberConfig, PbxSimulator, QueueConfig, SimConfig

from ..serving import Running, prepare_database, settings_for_test, start, wait_for
from .client import Operator

pytestmark = pytest.mark.integration

OP1 = "PJSIP/1001"
SUP_PHONE = "1009"


@pytest.fixture(scope="module")
async def prepared(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated database with demo data and the supervisor's desk phone 1009; each test runs on a copy."""
    path = tmp_path_factory.mktemp("supervision") / "ccdesk.db"
    url = await prepare_database(path, customers=20)
    db = open_database(url)
    try:
        await add_phone(db, SUP_PHONE, label="supervisor's desk", owner="sup")
    finally:
        await db.dispose()
    return path


@pytest.fixture
async def floor(prepared: Path, tmp_path: Path) -> AsyncIterator[tuple[Running, Operator, Operator]]:
    """The server, op1 signed in to support and billing, the supervisor signed in; the desk phone 1009 is theirs."""
    shutil.copy(prepared, tmp_path / "ccdesk.db")
    server = await start(settings_for_test(tmp_path, f"sqlite:///{tmp_path / 'ccdesk.db'}"))
    op, sup = Operator(server.url), Operator(server.url)
    try:
        assert (await op.login("op1", server.passwords["op1"])).status == 302
        await op.connect_socket()
        await op.api("POST", "/api/presence/sign-in", {"queues": ["support", "billing"]})
        assert (await sup.login("sup", server.passwords["sup"])).status == 302
        await sup.connect_socket("/supervisor")
        assert sup.sio is not None
        for name in ("spies", "floor_call"):  # the supervisor's own events, beside "agent" and "call"
            sup.sio.on(name, sup._recorder(name), namespace="/supervisor")
        yield server, op, sup
    finally:
        await op.close()
        await sup.close()
        await server.stop()


def _member(server: Running, queue: str, interface: str = OP1) -> dict[str, Any] | None:
    member: dict[str, Any] | None = server.simulator.snapshot()["queues"][queue]["members"].get(interface)
    return member


def _waiting(server: Running, queue: str) -> list[str]:
    return list(server.simulator.snapshot()["queues"][queue]["waiting"])


def _channels_of(server: Running, interface: str) -> list[dict[str, Any]]:
    return [c for c in server.simulator.snapshot()["channels"] if c["channel"].startswith(interface + "-")]


async def _agent(sup: Operator, interface: str = OP1) -> dict[str, Any]:
    board = await sup.api("GET", "/api/supervision")
    return next(a for a in board["agents"] if a["interface"] == interface)


async def _audited(server: Running, action: str) -> list[dict[str, Any]]:
    async with server.db.read_session() as s:
        rows = (
            await s.execute(
                select(AuditEntry.user_id, AuditEntry.entity_id, AuditEntry.details).where(AuditEntry.action == action)
            )
        ).all()
    return [{"user_id": r.user_id, "entity_id": r.entity_id, **r.details} for r in rows]


async def _own_presence_entries(server: Running, user_id: int) -> int:
    """The operator's own pause, resume and sign-out entries."""
    async with server.db.read_session() as s:
        return int(
            await s.scalar(
                select(func.count())
                .select_from(AuditEntry)
                .where(
                    AuditEntry.action.in_(("presence.pause", "presence.resume", "presence.sign_out")),
                    AuditEntry.user_id == user_id,
                )
            )
            or 0
        )


async def _talking(server: Running, op: Operator) -> str:
    """A call in support that op1 answers; returns its call id once op1 talks on it."""
    call_id = server.simulator.place_inbound_call("79161234567", queue="support", patience=600, talk_time=600)
    await wait_for(lambda: OP1 in server.simulator.snapshot()["ringing"])
    assert server.simulator.answer(OP1)
    await op.next_event("presence", lambda p: p["state"] == "talking")
    return str(call_id)


async def test_the_supervisor_pauses_unpauses_and_logs_out_an_operator_who_sees_each_change(floor: Any) -> None:
    server, op, sup = floor
    assert set((await _agent(sup))["actions"]) == {"pause", "move", "log_out"}
    op_id = (await op.api("GET", "/api/me"))["user"]["id"]
    own_entries = await _own_presence_entries(server, op_id)

    paused = await sup.api("POST", "/api/supervision/agents/pause", {"interface": OP1, "reason": "training"})
    assert (paused["state"], paused["paused_reason"]) == ("paused", "training")
    await op.next_event("presence", lambda p: p["state"] == "paused" and p["paused_reason"] == "training")
    assert _member(server, "support")["paused"] and _member(server, "billing")["reason"] == "training"  # type: ignore[index]
    await sup.next_event("agent", lambda a: a["interface"] == OP1 and a["state"] == "paused")
    assert "unpause" in (await _agent(sup))["actions"]

    op.events.clear()
    await sup.api("POST", "/api/supervision/agents/unpause", {"interface": OP1})
    await op.next_event("presence", lambda p: p["state"] == "available")
    assert not _member(server, "support")["paused"]  # type: ignore[index]

    op.events.clear()
    out = await sup.api("POST", "/api/supervision/agents/log-out", {"interface": OP1})
    assert out["state"] == "signed_out"
    await op.next_event("presence", lambda p: p["state"] == "signed_out")
    assert _member(server, "support") is None and _member(server, "billing") is None
    assert (await _agent(sup))["actions"] == []

    sup_id = (await sup.api("GET", "/api/me"))["user"]["id"]
    for action in ("supervisor.pause", "supervisor.unpause", "supervisor.log_out"):
        [entry] = await _audited(server, action)  # one entry each: who did it, to whom
        assert (entry["user_id"], entry["interface"], entry["entity_id"]) == (sup_id, OP1, str(op_id))
    assert (await _audited(server, "supervisor.pause"))[0]["reason"] == "training"
    # and none under the operator's own name, as if they had paused, resumed or signed out themselves
    assert await _own_presence_entries(server, op_id) == own_entries


async def test_the_supervisor_moves_an_operator_from_one_queue_to_another(floor: Any) -> None:
    server, op, sup = floor
    await sup.api("POST", "/api/supervision/agents/move", {"interface": OP1, "from": "billing", "to": "vip"})
    assert _member(server, "vip") and _member(server, "billing") is None
    await op.next_event("presence", lambda p: sorted(p["queues"]) == ["support", "vip"])
    assert sorted((await _agent(sup))["queues"]) == ["support", "vip"]
    [entry] = await _audited(server, "supervisor.move")
    assert (entry["from"], entry["to"]) == ("billing", "vip")

    refused = await sup.api(
        "POST", "/api/supervision/agents/move", {"interface": OP1, "from": "billing", "to": "debt"}, expect=400
    )
    assert (refused["code"], refused["params"]) == ("not_in_queue", {"queue": "billing"})


async def test_listening_rings_the_supervisors_phone_which_answered_spies_on_the_operators_call(floor: Any) -> None:
    server, op, sup = floor
    call_id = await _talking(server, op)
    agent = await _agent(sup)
    assert {"listen", "whisper", "barge"} <= set(agent["actions"])
    board = await sup.api("GET", "/api/supervision")
    assert [(c["call_id"], c["state"], c["agent"]) for c in board["calls"]] == [(call_id, "talking", OP1)]

    answer = await sup.api(
        "POST", "/api/supervision/agents/spy", {"interface": OP1, "mode": "listen", "phone": SUP_PHONE}
    )
    assert answer["spy_call_id"]
    await wait_for(lambda: f"PJSIP/{SUP_PHONE}" in server.simulator.snapshot()["ringing"])
    await sup.api("POST", "/api/supervision/sim/answer", {"phone": SUP_PHONE})

    spies = await sup.next_event("spies", lambda s: len(s) == 1)
    assert (spies[0]["spy"], spies[0]["spied_agent"], spies[0]["call_id"]) == (f"PJSIP/{SUP_PHONE}", OP1, call_id)
    assert (await _agent(sup))["spied_by"] == [f"PJSIP/{SUP_PHONE}"]
    [leg] = _channels_of(server, f"PJSIP/{SUP_PHONE}")
    assert leg["state"] == 6 and leg["call_id"] != call_id, "the spy leg is a call of its own"
    [entry] = await _audited(server, "supervisor.listen")
    assert (entry["interface"], entry["phone"]) == (OP1, f"PJSIP/{SUP_PHONE}")

    # The operator's call ends: ChanSpy (option E) ends with it and the supervisor's page says so.
    server.simulator.hangup_caller(call_id)
    await sup.next_event("spies", lambda s: s == [])
    await wait_for(lambda: not _channels_of(server, f"PJSIP/{SUP_PHONE}"))


async def test_taking_over_a_waiting_call_rings_the_supervisors_phone_and_the_caller_leaves_the_queue(
    floor: Any,
) -> None:
    server, _op, sup = floor
    await sup.api("POST", "/api/supervision/agents/pause", {"interface": OP1, "reason": "break"})
    call_id = server.simulator.place_inbound_call("79161112233", queue="support", patience=600, talk_time=600)
    await wait_for(lambda: _waiting(server, "support") == [call_id])
    board = await wait_for(lambda: _waiting_on_board(sup, "support"))
    assert board[0]["call_id"] == call_id and board[0]["actions"] == ["take_over", "priority"]

    await sup.api("POST", f"/api/supervision/calls/{call_id}/take-over", {"phone": SUP_PHONE})
    await wait_for(lambda: f"PJSIP/{SUP_PHONE}" in server.simulator.snapshot()["ringing"])
    assert _waiting(server, "support") == []
    await sup.api("POST", "/api/supervision/sim/answer", {"phone": SUP_PHONE})
    [leg] = await wait_for(lambda: [c for c in _channels_of(server, f"PJSIP/{SUP_PHONE}") if c["state"] == 6])
    assert leg["call_id"] == call_id, "the supervisor talks to the caller, on the caller's call"
    assert await wait_for(lambda: _not_waiting_on_board(sup, "support"))
    pushed = [d for e, d in sup.events if e == "floor_call" and d["call_id"] == call_id]
    assert [d.get("state", "gone") for d in pushed][:3] == ["queued", "gone", "talking"], "left the queue, taken"
    [entry] = await _audited(server, "supervisor.take_over")
    assert (entry["queue"], entry["phone"]) == ("support", f"PJSIP/{SUP_PHONE}")


async def test_a_higher_priority_moves_a_waiting_caller_ahead_of_the_others(floor: Any) -> None:
    server, _op, sup = floor
    await sup.api("POST", "/api/supervision/agents/pause", {"interface": OP1, "reason": "break"})
    first = server.simulator.place_inbound_call("79161112233", queue="support", patience=600)
    await wait_for(lambda: _waiting(server, "support") == [first])
    second = server.simulator.place_inbound_call("79162223344", queue="support", patience=600)
    await wait_for(lambda: _waiting(server, "support") == [first, second])
    await wait_for(lambda: _count_on_board(sup, "support", 2))

    await sup.api("POST", f"/api/supervision/calls/{second}/priority", {"priority": 5})
    assert _waiting(server, "support") == [second, first]
    await sup.next_event("floor_call", lambda c: c["call_id"] == second and c["priority"] == 5)
    rows = await _waiting_on_board(sup, "support")
    assert {r["call_id"]: r["priority"] for r in rows} == {first: None, second: 5}
    [entry] = await _audited(server, "supervisor.priority")
    assert entry["priority"] == 5


ACTIONS = [
    ("GET", "/supervisor", None),
    ("GET", "/api/supervision", None),
    ("POST", "/api/supervision/agents/pause", {"interface": OP1, "reason": "break"}),
    ("POST", "/api/supervision/agents/unpause", {"interface": OP1}),
    ("POST", "/api/supervision/agents/log-out", {"interface": OP1}),
    ("POST", "/api/supervision/agents/move", {"interface": OP1, "from": "billing", "to": "vip"}),
    ("POST", "/api/supervision/agents/spy", {"interface": OP1, "mode": "listen", "phone": "1001"}),
    ("POST", "/api/supervision/calls/x/take-over", {"phone": "1001"}),
    ("POST", "/api/supervision/calls/x/priority", {"priority": 9}),
    ("POST", "/api/supervision/sim/answer", {"phone": "1001"}),
]


async def test_an_operator_is_refused_every_supervisor_action_and_nothing_changes(floor: Any) -> None:
    server, op, _sup = floor
    before = server.simulator.snapshot()
    for method, path, body in ACTIONS:
        async with op.http.request(method, path, json=body, headers={"X-CSRF-Token": op.csrf}) as response:
            assert response.status == 403, (path, response.status)
    assert server.simulator.snapshot() == before
    assert (await op.api("GET", "/api/me"))["presence"]["state"] == "available"


FORGED = [
    # (path, body, status, code): each refused before anything is sent to the PBX
    (
        "/api/supervision/agents/pause",
        {"interface": OP1, "reason": "break\r\nAction: Originate"},
        400,
        "unknown_pause_reason",
    ),
    ("/api/supervision/agents/pause", {"interface": OP1, "reason": "after_call_work"}, 400, "unknown_pause_reason"),
    (
        "/api/supervision/agents/pause",
        {"interface": OP1 + "\r\nAction: Hangup", "reason": "break"},
        404,
        "unknown_operator",
    ),
    ("/api/supervision/agents/pause", {"interface": ["PJSIP/1001"], "reason": "break"}, 400, "field_required"),
    ("/api/supervision/agents/move", {"interface": OP1, "from": "billing", "to": "nope"}, 400, "unknown_queue"),
    ("/api/supervision/agents/move", {"interface": OP1, "from": "billing", "to": "vip\r\nX: y"}, 400, "unknown_queue"),
    ("/api/supervision/agents/move", {"interface": OP1, "from": "billing", "to": "support"}, 400, "already_in_queue"),
    ("/api/supervision/agents/spy", {"interface": OP1, "mode": "listen", "phone": SUP_PHONE}, 400, "no_call_to_spy"),
    ("/api/supervision/calls/nope/take-over", {"phone": SUP_PHONE}, 404, "call_not_found"),
    ("/api/supervision/calls/nope/priority", {"priority": 3}, 404, "call_not_found"),
    ("/api/supervision/calls/nope/priority", {"priority": "3\r\n"}, 400, "bad_priority"),
    ("/api/supervision/calls/nope/priority", {"priority": -1}, 400, "bad_priority"),
    ("/api/supervision/calls/nope/priority", {"priority": True}, 400, "bad_priority"),
    ("/api/supervision/sim/answer", {"phone": "10\r\n09"}, 400, "bad_extension"),
    ("/api/supervision/sim/answer", {"phone": "1010"}, 400, "phone_not_allowed"),
    ("/api/supervision/sim/answer", {"phone": "1001"}, 400, "phone_not_allowed"),
]


async def test_forged_values_are_refused_with_a_clear_error_and_nothing_reaches_the_pbx(floor: Any) -> None:
    server, op, sup = floor
    before = server.simulator.snapshot()
    for path, body, status, code in FORGED:
        answer = await sup.api("POST", path, body, expect=status)
        assert answer["code"] == code, (path, body, answer)
    assert server.simulator.snapshot() == before
    # A forged supervisor's phone on a real action: the call goes on untouched, no phone rings.
    call_id = await _talking(server, op)
    during = server.simulator.snapshot()
    for phone, code in (("10\r\n09", "bad_extension"), ("1010", "phone_not_allowed"), (["1009"], "bad_extension")):
        body = {"interface": OP1, "mode": "listen", "phone": phone}
        assert (await sup.api("POST", "/api/supervision/agents/spy", body, expect=400))["code"] == code
    body = {"interface": OP1, "mode": "listen; rm", "phone": SUP_PHONE}
    assert (await sup.api("POST", "/api/supervision/agents/spy", body, expect=400))["code"] == "unknown_spy_mode"
    assert server.simulator.snapshot()["channels"] == during["channels"]
    assert call_id and await _audited(server, "supervisor.listen") == []


async def _waiting_on_board(sup: Operator, queue: str) -> list[dict[str, Any]]:
    board = await sup.api("GET", "/api/supervision")
    return [c for c in board["calls"] if c["queue"] == queue and c["state"] in ("queued", "ringing")]


async def _not_waiting_on_board(sup: Operator, queue: str) -> bool:
    return not await _waiting_on_board(sup, queue)


async def _count_on_board(sup: Operator, queue: str, count: int) -> bool:
    return len(await _waiting_on_board(sup, queue)) == count


async def test_a_static_member_cannot_be_moved_out_of_its_queue_and_the_supervisor_is_told_so(
    prepared: Path, tmp_path: Path
) -> None:
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
                QueueConfig(name="vip"),
            ),
        )
    )
    await pbx.start()
    shutil.copy(prepared, tmp_path / "ccdesk.db")
    settings = settings_for_test(tmp_path, f"sqlite:///{tmp_path / 'ccdesk.db'}")
    server = await start(replace(settings, pbx=f"ami://ami:ami-secret@127.0.0.1:{pbx.port}"))
    op, sup = Operator(server.url), Operator(server.url)
    try:
        await op.login("op1", server.passwords["op1"])
        await op.api("POST", "/api/presence/sign-in", {"queues": ["support"]})
        await sup.login("sup", server.passwords["sup"])
        agent = await wait_for(lambda: _static_agent(sup))
        assert (agent["queues"], agent["static_queues"]) == (["support"], ["billing"])
        before = pbx.snapshot()

        body = {"interface": OP1, "from": "billing", "to": "vip"}
        refused = await sup.api("POST", "/api/supervision/agents/move", body, expect=400)
        assert (refused["code"], refused["params"]) == ("member_static", {"queue": "billing"})
        assert pbx.snapshot() == before, "nothing was sent"

        # The dynamic membership moves as usual; the static one stays.
        await sup.api("POST", "/api/supervision/agents/move", {"interface": OP1, "from": "support", "to": "vip"})
        members = pbx.snapshot()["queues"]
        assert OP1 in members["vip"]["members"] and OP1 in members["billing"]["members"]
        assert OP1 not in members["support"]["members"]
    finally:
        await op.close()
        await sup.close()
        await server.stop()
        await pbx.stop()


async def _static_agent(sup: Operator) -> dict[str, Any] | None:
    board = await sup.api("GET", "/api/supervision")
    agent: dict[str, Any] | None = next((a for a in board["agents"] if a["interface"] == OP1), None)
    return agent if agent and agent["static_queues"] and agent["queues"] else None


async def test_a_pbx_that_allows_only_listening_is_never_asked_to_whisper_or_barge(
    prepared: Path, tmp_path: Path
) -> None:
    shutil.copy(prepared, tmp_path / "ccdesk.db")
    settings = settings_for_test(tmp_path, f"sqlite:///{tmp_path / 'ccdesk.db'}", spy_modes="listen")
    server = await start(settings)
    op, sup = Operator(server.url), Operator(server.url)
    try:
        await op.login("op1", server.passwords["op1"])
        await op.connect_socket()
        await op.api("POST", "/api/presence/sign-in", {"queues": ["support"]})
        await sup.login("sup", server.passwords["sup"])
        await _talking(server, op)
        board = await sup.api("GET", "/api/supervision")
        assert board["spy_modes"] == ["listen"]
        assert [m for m in (await _agent(sup))["actions"] if m in ("listen", "whisper", "barge")] == ["listen"]
        before = server.simulator.snapshot()
        for mode in ("whisper", "barge"):
            body = {"interface": OP1, "mode": mode, "phone": SUP_PHONE}
            refused = await sup.api("POST", "/api/supervision/agents/spy", body, expect=400)
            assert refused["code"] == "spy_mode_disabled"
        assert server.simulator.snapshot()["channels"] == before["channels"]
    finally:
        await op.close()
        await sup.close()
        await server.stop()
