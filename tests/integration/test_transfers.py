"""Given the real server and the simulator over TCP, when an operator transfers a call (blind, or attended:
consult, then complete or cancel, or the consultee never answers), then the operator stays in control of
the customer's call until it is handed on, and the card says who talked and for how long."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from tests.serving import wait_for

from .client import Operator, ended_card
from .test_call_flow import _known_caller, _signed_in

pytestmark = pytest.mark.integration


async def _talking(server: Any, op: Operator) -> str:
    number, _ = await _known_caller(server)
    call_id = server.simulator.place_inbound_call(number, queue="support")
    await op.next_event("pop", lambda p: p["call_id"] == call_id)
    await op.api("POST", "/api/sim/answer")
    await op.next_event("call", lambda c: c["call_id"] == call_id and c["state"] == "talking")
    return call_id


async def _consult(op: Operator, call_id: str, state: str) -> dict[str, Any]:
    call = await op.next_event(
        "call", lambda c: c["call_id"] == call_id and (c.get("consult") or {}).get("state") == state
    )
    return call


async def test_a_blind_transfer_ends_the_first_operators_talk_time(server) -> None:
    op1 = await _signed_in(server, "op1", ["support"])
    op2 = await _signed_in(server, "op2", ["support"])
    try:
        await op2.api("POST", "/api/presence/pause", {"reason": "break"})  # the call goes to op1 first
        call_id = await _talking(server, op1)
        await op2.api("POST", "/api/presence/resume")
        answered = server.workstation.calls.get(call_id).answered_at
        await op1.api("POST", f"/api/calls/{call_id}/transfer", {"target": "queue:support", "kind": "blind"})
        transferred = await wait_for(lambda: server.workstation.calls.get(call_id).transferred_at)
        await op2.next_event("pop", lambda p: p["call_id"] == call_id)
        await op2.api("POST", "/api/sim/answer")
        await op2.next_event("call", lambda c: c["call_id"] == call_id and c["state"] == "talking")
        # op2 talks on for a while after the hand-over before hanging up.
        await wait_for(lambda: (server.workstation.clock() - transferred).total_seconds() > 2.0, timeout=5)
        await op2.api("POST", f"/api/calls/{call_id}/hangup")
        card = await wait_for(lambda: ended_card(server, call_id))
        op1_id = (await op1.api("GET", "/api/me"))["user"]["id"]
        assert card.agent_id == op1_id and card.transferred_to
        assert card.talk_seconds == max(0, round((transferred - answered).total_seconds()))
        assert (card.ended_at - card.answered_at).total_seconds() > card.talk_seconds + 1.5
    finally:
        await op1.close()
        await op2.close()


async def test_an_attended_transfer_consults_then_completes(server) -> None:
    op1 = await _signed_in(server, "op1", ["support"])
    op2 = await _signed_in(server, "op2", ["support"])
    try:
        await op2.api("POST", "/api/presence/pause", {"reason": "break"})  # not in the queue's way
        call_id = await _talking(server, op1)
        await op1.api("POST", f"/api/calls/{call_id}/transfer", {"target": "agent:1002", "kind": "attended"})
        await _consult(op1, call_id, "ringing")
        await wait_for(lambda: "PJSIP/1002" in server.simulator.snapshot()["ringing"])
        await op2.api("POST", "/api/sim/answer")
        await _consult(op1, call_id, "talking")
        await op1.api("POST", f"/api/calls/{call_id}/transfer/complete")
        moved = await wait_for(lambda: server.workstation.calls.get(call_id).agent == "PJSIP/1002")
        assert moved
        await op2.api("POST", f"/api/calls/{call_id}/hangup")
        card = await wait_for(lambda: ended_card(server, call_id))
        op1_id = (await op1.api("GET", "/api/me"))["user"]["id"]
        assert (card.agent_id, card.transferred_to, card.outcome) == (op1_id, "PJSIP/1002", "answered")
    finally:
        await op1.close()
        await op2.close()


async def test_a_cancelled_consultation_gives_the_operator_the_customer_back(server) -> None:
    op1 = await _signed_in(server, "op1", ["support"])
    op2 = await _signed_in(server, "op2", ["support"])
    try:
        await op2.api("POST", "/api/presence/pause", {"reason": "break"})
        call_id = await _talking(server, op1)
        await op1.api("POST", f"/api/calls/{call_id}/transfer", {"target": "1002", "kind": "attended"})
        await wait_for(lambda: "PJSIP/1002" in server.simulator.snapshot()["ringing"])
        await op2.api("POST", "/api/sim/answer")
        await _consult(op1, call_id, "talking")
        cancelled = await op1.api("POST", f"/api/calls/{call_id}/transfer/cancel")
        assert cancelled["call"]["consult"] is None
        me = await op1.api("GET", "/api/me")
        assert me["call"]["call_id"] == call_id and me["call"]["consult"] is None
        await op1.api("POST", f"/api/calls/{call_id}/hangup")  # still the operator's call: hang-up works
        card = await wait_for(lambda: ended_card(server, call_id))
        assert card.transferred_to is None and card.outcome == "answered"
    finally:
        await op1.close()
        await op2.close()


async def test_a_consultee_who_does_not_answer_leaves_the_operator_in_control(server) -> None:
    pbx = server.simulator.pbx
    pbx.config = replace(pbx.config, atxfer_noanswer_timeout=1.0)
    op2 = await _signed_in(server, "op2", ["support"])
    await op2.api("POST", "/api/presence/sign-out")  # a logged-out operator: the phone rings, nobody answers
    op1 = await _signed_in(server, "op1", ["support"])
    try:
        call_id = await _talking(server, op1)
        await op1.api("POST", f"/api/calls/{call_id}/transfer", {"target": "agent:1002", "kind": "attended"})
        failed = await _consult(op1, call_id, "failed")
        assert failed["agent"] == "PJSIP/1001"
        refused = await op1.api(
            "POST", f"/api/calls/{call_id}/transfer", {"target": "agent:1002", "kind": "blind"}, expect=400
        )
        assert refused["code"] == "operator_signed_out"  # blind to nobody would strand the customer
        again = await op1.api("POST", f"/api/calls/{call_id}/transfer", {"target": "queue:billing", "kind": "blind"})
        assert again["ok"]  # transfer is not refused after a failed consultation…
        assert await wait_for(lambda: server.workstation.calls.get(call_id).transferred_at)
    finally:
        await op1.close()
        await op2.close()


async def test_transfer_targets_are_checked_before_the_pbx_sees_them(server) -> None:
    op1 = await _signed_in(server, "op1", ["support"])
    try:
        call_id = await _talking(server, op1)
        for target, code in (
            ("queue:nowhere", "unknown_queue"),
            ("agent:9999", "unknown_extension"),
            ("12ab", "invalid_number"),
            ("", "field_required"),
        ):
            refused = await op1.api("POST", f"/api/calls/{call_id}/transfer", {"target": target}, expect=400)
            assert refused["code"] == code, (target, refused)
        refused = await op1.api(
            "POST", f"/api/calls/{call_id}/transfer", {"target": "queue:billing", "kind": "attended"}, expect=400
        )
        assert refused["code"] == "attended_to_queue"
        refused = await op1.api("POST", f"/api/calls/{call_id}/transfer/complete", expect=400)
        assert refused["code"] == "no_consult"
        await op1.api("POST", f"/api/calls/{call_id}/hangup")
    finally:
        await op1.close()
