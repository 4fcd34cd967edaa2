"""Given calls recorded on a real Asterisk (s6 desk phone dials out, s7 attended transfer completed, s7b the
consultee never answers), fed frame by frame through the tracker into the workstation, then the operator
sees what happened on their screen and the card stores it. No simulator: the PBX's own frames."""

from __future__ import annotations

from typing import Any

import pytest

from crm_store import customers, interactions
from crm_store.db import Database
from crm_store.users import create_user
from cti.tracker import CallTracker
from tests.cti.transcripts import T0, items
from workstation.directory import Directory
from workstation.service import Workstation

pytestmark = pytest.mark.integration


class Screens:
    """What each operator's browser was sent (the Notifier the workstation talks to)."""

    def __init__(self) -> None:
        self.sent: list[tuple[int | str, str, Any]] = []

    async def to_user(self, user_id: int, event: str, data: Any) -> None:
        self.sent.append((user_id, event, data))

    async def to_operators(self, event: str, data: Any) -> None:
        self.sent.append(("operators", event, data))

    async def to_supervisors(self, event: str, data: Any) -> None:
        self.sent.append(("supervisors", event, data))

    def of(self, user_id: int, event: str) -> list[Any]:
        return [d for u, e, d in self.sent if u == user_id and e == event]


async def _replay(db: Database, name: str) -> tuple[Workstation, Screens]:
    screens = Screens()

    async def refuse(command: object) -> object:
        raise AssertionError(f"nothing is sent to the PBX in a replay: {command!r}")

    ws = Workstation(db=db, directory=Directory(db), notifier=screens, execute=refuse, clock=lambda: T0)
    await ws.start()
    tracker = CallTracker()
    try:
        for item in items(name):
            if item.frame is None or item.direction != "recv":
                continue
            for event in tracker.feed(item.frame, item.at):
                await ws.handle(event)
        await ws.call_service.settle()  # the pops spawned on the way are done
        await ws.drain()
    finally:
        await ws.close()
    return ws, screens


async def _operator(db: Database, name: str, extension: str) -> int:
    return await create_user(db, username=name, role="operator", password_hash="x", extension=extension)


async def test_a_desk_phone_dialling_out_pops_the_customer_called_and_registers_an_answered_card(db) -> None:
    agent4 = await _operator(db, "agent4", "agent4")
    customer = await customers.create_customer(db, full_name="Иванов Иван", phones=["+79161234567"])
    _ws, screens = await _replay(db, "s6-sip-phone-dials-out-answered")
    calls = screens.of(agent4, "call")
    assert calls and all(c["customer_number"] == "79161234567" for c in calls)
    assert calls[0]["direction"] == "outbound" and calls[0]["state"] == "dialing"
    assert "talking" in [c["state"] for c in calls]
    (pop,) = screens.of(agent4, "pop")
    assert pop["customer_id"] == customer and pop["matches"][0]["customer"]["id"] == customer
    card = await interactions.get_call_card(db, call_id=calls[0]["call_id"])
    assert (card.direction, card.outcome, card.customer_id, card.agent_id) == ("outbound", "answered", customer, agent4)
    assert card.caller_number == "+79161234567"


async def test_an_attended_transfer_keeps_the_first_operator_in_control_until_it_completes(db) -> None:
    agent1 = await _operator(db, "agent1", "agent1")
    agent2 = await _operator(db, "agent2", "agent2")
    ws, screens = await _replay(db, "s7-sip-atxfer-complete")
    consults = [c["consult"]["state"] for c in screens.of(agent1, "call") if c["consult"]]
    assert consults[:2] == ["ringing", "talking"]
    assert all(c["agent"] == "PJSIP/agent1" for c in screens.of(agent1, "call") if c["consult"])
    call_id = screens.of(agent1, "call")[0]["call_id"]
    card = await interactions.get_call_card(db, call_id=call_id)
    ended = ws.calls.get(call_id)
    assert ended is not None and ended.transferred_at is not None and ended.answered_at is not None
    assert card.agent_id == agent1 and card.transferred_to == "PJSIP/agent2"
    assert card.talk_seconds == round((ended.transferred_at - ended.answered_at).total_seconds())
    assert screens.of(agent2, "call"), "the consultee's screen follows the call once it is theirs"
    (pop,) = screens.of(agent2, "pop")
    assert pop["call_id"] == call_id and pop["customer_number"] == "sipp"


async def test_a_consultee_who_never_answers_leaves_the_call_with_the_operator(db) -> None:
    agent1 = await _operator(db, "agent1", "agent1")
    await _operator(db, "agent2", "agent2")
    _ws, screens = await _replay(db, "s7b-sip-atxfer-no-answer")
    calls = screens.of(agent1, "call")
    assert [c["consult"]["state"] for c in calls if c["consult"]][-1] == "failed"
    assert all(c["agent"] == "PJSIP/agent1" for c in calls)
    card = await interactions.get_call_card(db, call_id=calls[0]["call_id"])
    assert (card.agent_id, card.transferred_to, card.outcome) == (agent1, None, "answered")
