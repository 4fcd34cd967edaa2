"""The workstation's pure rules as tables: events in, call state / card fields out (presence: test_presence.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cti import events as ev
from workstation.cards import card_change
from workstation.live import LiveCalls

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ME = "PJSIP/1001"


def offered(call_id: str = "c1", direction: ev.Direction = ev.Direction.INBOUND) -> ev.CallOffered:
    return ev.CallOffered(
        call_id=call_id,
        at=T0,
        direction=direction,
        caller_number="89161234567",
        caller_name=None,
        dialed_number="88005550100",
        channel="PJSIP/trunk-0001",
    )


def queued(at: int = 1) -> ev.CallQueued:
    return ev.CallQueued(call_id="c1", at=T0 + timedelta(seconds=at), queue="support", position=1, caller_number=None)


def ringing(agent: str = ME) -> ev.AgentRinging:
    return ev.AgentRinging(
        call_id="c1",
        at=T0 + timedelta(seconds=2),
        queue="support",
        agent=agent,
        agent_name="A",
        agent_channel=f"{agent}-0002",
        caller_number="89161234567",
        caller_name=None,
    )


def answered(agent: str = ME) -> ev.CallAnswered:
    return ev.CallAnswered(
        call_id="c1",
        at=T0 + timedelta(seconds=5),
        queue="support",
        agent=agent,
        agent_name="A",
        agent_channel=f"{agent}-0002",
        wait_seconds=4.6,
    )


def abandoned() -> ev.CallAbandoned:
    return ev.CallAbandoned(
        call_id="c1",
        at=T0 + timedelta(seconds=30),
        queue="support",
        position=1,
        original_position=1,
        wait_seconds=29.4,
        reason=ev.AbandonReason.CALLER_HANGUP,
    )


def ended(
    answered_: bool, queue: str | None = "support", direction: ev.Direction = ev.Direction.INBOUND
) -> ev.CallEnded:
    return ev.CallEnded(
        call_id="c1",
        at=T0 + timedelta(seconds=60),
        direction=direction,
        answered=answered_,
        queue=queue,
        agent=ME if answered_ else None,
        talk_seconds=55.2 if answered_ else None,
        duration_seconds=60,
        cause=16,
        cause_text="Normal Clearing",
        ended_by="caller",
    )


def ivr() -> ev.IvrStarted:
    return ev.IvrStarted(call_id="c1", at=T0, channel="PJSIP/trunk-0001", script="agi://127.0.0.1:4573/ivr")


@pytest.mark.parametrize(
    ("events", "state", "agent"),
    [
        ([offered()], "offered", None),
        ([offered(), ivr()], "ivr", None),
        ([offered(), queued()], "queued", None),
        ([offered(), queued(), ringing()], "ringing", ME),
        (
            [
                offered(),
                queued(),
                ringing(),
                ev.AgentRingNoAnswer(call_id="c1", at=T0, queue="support", agent=ME, agent_name=None, ring_seconds=15),
            ],
            "queued",
            None,
        ),
        ([offered(), queued(), ringing(), answered()], "talking", ME),
        ([offered(), queued(), ringing(), answered(), ended(True)], "ended", ME),
    ],
)
def test_live_call_state_follows_the_events(events: list[object], state: str, agent: str | None) -> None:
    calls = LiveCalls()
    for event in events:
        call = calls.apply(event)
    assert call is not None and (call.state, call.agent) == (state, agent)
    assert ("c1" in calls.active) == (state != "ended")


@pytest.mark.parametrize(
    ("history", "event", "expected"),
    [
        ([], offered(), {"direction": "inbound", "caller_number": "+79161234567", "state": "offered"}),
        ([offered()], queued(), {"state": "queued", "queue": "support"}),
        ([offered(), queued()], answered(), {"state": "talking", "wait_seconds": 5, "agent_interface": ME}),
        (
            [offered(), queued()],
            abandoned(),
            {"outcome": "abandoned", "callback_status": "pending", "wait_seconds": 29},
        ),
        ([offered(), queued(), answered()], ended(True), {"state": "ended", "outcome": "answered", "talk_seconds": 55}),
        ([offered(), queued(), abandoned()], ended(False), {"state": "ended"}),
        ([offered(), ivr()], ended(False, queue=None), {"state": "ended", "outcome": "ivr_only"}),
        (
            [offered(direction=ev.Direction.OUTBOUND)],
            ended(False, None, ev.Direction.OUTBOUND),
            {"outcome": "no_answer"},
        ),
    ],
)
def test_every_call_event_fills_the_card(history: list[object], event: object, expected: dict[str, object]) -> None:
    calls = LiveCalls()
    for past in history:
        calls.apply(past)
    change = card_change(event, calls.apply(event))
    assert change is not None
    assert {k: change.fields.get(k) for k in expected} == expected
    if event == ended(False) and abandoned() in history:
        assert "outcome" not in change.fields  # the abandon already said what happened


def test_a_failed_originate_still_gets_a_card() -> None:
    result = ev.OriginateResult(
        call_id="cb-1",
        at=T0,
        outcome=ev.OriginateOutcome.BUSY,
        action_id="a",
        channel_id="cb-1",
        destination="PJSIP/1001",
        correlation_id=None,
        reason_code=5,
    )
    change = card_change(result, None)
    assert change is not None and change.open and change.fields["outcome"] == "busy"
