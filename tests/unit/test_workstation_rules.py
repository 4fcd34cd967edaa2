"""The workstation's pure rules as tables: events in, call state / card fields / presence out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cti import control as cc
from cti import events as ev
from workstation import presence as pr
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


def member(
    change: ev.MemberChange, queue: str = "support", paused: bool = False, reason: str = ""
) -> ev.AgentStateChanged:
    return ev.AgentStateChanged(
        at=T0,
        agent=ME,
        agent_name="A",
        queue=queue,
        change=change,
        status=ev.DeviceStatus.NOT_INUSE,
        paused=paused,
        pause_reason=reason,
        in_call=False,
        calls_taken=0,
        dynamic=True,
    )


@pytest.mark.parametrize(
    ("events", "state", "queues", "reason"),
    [
        ([], "signed_out", (), None),
        ([member(ev.MemberChange.SNAPSHOT)], "available", ("support",), None),
        (
            [member(ev.MemberChange.ADDED), member(ev.MemberChange.ADDED, "billing")],
            "available",
            ("support", "billing"),
            None,
        ),
        (
            [member(ev.MemberChange.ADDED), member(ev.MemberChange.PAUSED, paused=True, reason="lunch")],
            "paused",
            ("support",),
            "lunch",
        ),
        ([member(ev.MemberChange.ADDED), member(ev.MemberChange.REMOVED)], "signed_out", (), None),
        ([member(ev.MemberChange.ADDED), ringing()], "ringing", ("support",), None),
        ([member(ev.MemberChange.ADDED), ringing(), answered()], "talking", ("support",), None),
        ([member(ev.MemberChange.ADDED), ringing(), answered(), ended(True)], "wrap_up", ("support",), None),
    ],
)
def test_presence_is_rebuilt_from_pbx_events(
    events: list[object], state: str, queues: tuple[str, ...], reason: str | None
) -> None:
    p = pr.Presence(interface=ME)
    for event in events:
        p = pr.apply(p, event)
    assert (p.state, p.queues, p.paused_reason) == (state, queues, reason)


def test_sign_in_adds_missing_queues_and_removes_dropped_ones() -> None:
    p = pr.Presence(interface=ME, queues=("support", "debt"))
    commands = pr.sign_in(p, ("support", "billing"), "Анна")
    assert commands == (
        cc.QueueAdd(queue="billing", interface=ME, member_name="Анна"),
        cc.QueueRemove(queue="debt", interface=ME),
    )


@pytest.mark.parametrize(
    ("presence", "reason", "error"),
    [
        (pr.Presence(interface=ME, queues=("support",)), "nap", "unknown pause reason"),
        (pr.Presence(interface=ME), "lunch", "sign in"),
    ],
)
def test_pause_needs_a_known_reason_and_a_queue(presence: pr.Presence, reason: str, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        pr.pause(presence, reason)
