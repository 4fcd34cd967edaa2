"""The tracker fed with the recorded transcripts themselves."""

from __future__ import annotations

import pytest

from cti.calls import OriginateRequest
from cti.events import (
    AbandonReason,
    AgentRinging,
    AgentRingNoAnswer,
    CallAbandoned,
    CallAnswered,
    CallEnded,
    CallOffered,
    CallQueued,
    CallTransferred,
    Direction,
    Event,
    IvrStarted,
    OriginateOutcome,
    OriginateResult,
    PbxResynced,
    TransferKind,
)
from cti.tracker import CallTracker

from .transcripts import items

ALL = [
    "01-login",
    "02-inbound-queue-answered",
    "02b-inbound-queue-agent-hangs-up",
    "03a-queue-abandon-ringnoanswer",
    "03c-queue-timeout",
    "04a-originate-answered-to-queue",
    "04b-originate-busy",
    "04c-originate-noanswer",
    "04e-originate-nonexistent",
    "04f-originate-sync-busy",
    "05a-actions-basic",
    "05b-queue-member-mgmt",
    "05c-redirect-during-call",
    "06a-fastagi-ivr",
    "06b-fastagi-agi-hangup",
    "07-shutdown-restart",
    "s1-sip-inbound-answered",
    "s2-sip-inbound-abandoned",
    "s3-sip-originate-answered",
    "s5-sip-status-actions",
]


def replay(name: str, *, own_originates: bool = False) -> tuple[CallTracker, list[Event]]:
    """Feed every received frame; with ``own_originates`` the Originates the
    recorder sent are announced first, as the bridge does for its own."""
    tracker = CallTracker()
    events: list[Event] = []
    for item in items(name):
        if item.direction == "note" and "EOF" in item.note:
            tracker.connection_lost(item.at)
        if item.frame is None:
            continue
        if item.direction == "send":
            f = item.frame
            if own_originates and (f.get("Action") or "").lower() == "originate":
                tracker.expect_originate(
                    OriginateRequest(
                        action_id=f.get("ActionID", ""),
                        channel_id=f.get("ChannelId"),
                        destination=f.get("Channel", ""),
                        sync=(f.get("Async") or "false").lower() != "true",
                    ),
                    item.at,
                )
            continue
        events.extend(tracker.feed(item.frame, item.at))
    return tracker, events


def of(events: list[Event], kind: type) -> list:  # type: ignore[type-arg]
    return [e for e in events if isinstance(e, kind)]


@pytest.mark.parametrize("name", ALL)
def test_every_transcript_leaves_no_state_behind(name: str) -> None:
    tracker, events = replay(name, own_originates=name.startswith(("04", "s3")))
    offered = {e.call_id for e in of(events, CallOffered)}
    ended = [e.call_id for e in of(events, CallEnded)]
    assert sorted(offered) == sorted(ended), "every call offered once and ended once"
    assert len(ended) == len(set(ended))
    assert tracker.stats()["calls"] == 0 and tracker.stats()["channels"] == 0


def test_s1_answered_inbound() -> None:
    _, ev = replay("s1-sip-inbound-answered")
    assert [type(e) for e in ev if hasattr(e, "call_id")] == [
        CallOffered,
        CallQueued,
        AgentRinging,
        CallAnswered,
        CallEnded,
    ]
    offered, answered, ended = of(ev, CallOffered)[0], of(ev, CallAnswered)[0], of(ev, CallEnded)[0]
    assert offered.call_id == "1795459869.0" and offered.direction is Direction.INBOUND
    assert offered.caller_number == "sipp" and offered.dialed_number == "support"
    assert answered.agent == "PJSIP/agent1" and answered.agent_name == "Agent One"
    assert 1.9 < answered.wait_seconds < 2.1
    assert ended.answered and ended.ended_by == "caller" and ended.cause == 16
    assert 5 < ended.talk_seconds < 6


def test_s2_abandoned_by_the_caller() -> None:
    _, ev = replay("s2-sip-inbound-abandoned")
    ab = of(ev, CallAbandoned)[0]
    assert ab.reason is AbandonReason.CALLER_HANGUP and ab.queue == "support"
    assert 4 < ab.wait_seconds < 5.5
    assert not of(ev, CallEnded)[0].answered


def test_02_ringall_loser_does_not_confuse_the_answer() -> None:
    _, ev = replay("02-inbound-queue-answered")
    assert [r.agent for r in of(ev, AgentRinging)] == ["Local/agent2@agents/n", "Local/agent1@agents/n"]
    assert [a.agent for a in of(ev, CallAnswered)] == ["Local/agent1@agents/n"]
    assert of(ev, CallOffered)[0].caller_number == "79001234567"


def test_02b_agent_hangs_up() -> None:
    _, ev = replay("02b-inbound-queue-agent-hangs-up")
    assert of(ev, CallEnded)[0].ended_by == "agent"


def test_03a_ring_no_answer_then_abandon() -> None:
    _, ev = replay("03a-queue-abandon-ringnoanswer")
    assert [r.ring_seconds for r in of(ev, AgentRingNoAnswer)] == [4.0]
    assert len(of(ev, AgentRinging)) == 2  # rung again after the retry
    assert of(ev, CallAbandoned)[0].reason is AbandonReason.CALLER_HANGUP
    assert not of(ev, CallEnded)[0].answered


def test_03c_queue_timeout_is_not_an_abandon_by_the_caller() -> None:
    _, ev = replay("03c-queue-timeout")
    assert of(ev, CallAbandoned)[0].reason is AbandonReason.TIMEOUT


@pytest.mark.parametrize(
    "name, outcome, code",
    [
        ("04a-originate-answered-to-queue", OriginateOutcome.ANSWERED, 4),
        ("04b-originate-busy", OriginateOutcome.BUSY, 5),
        ("04c-originate-noanswer", OriginateOutcome.NO_ANSWER, 3),
        ("04e-originate-nonexistent", OriginateOutcome.FAILED, 0),
    ],
)
def test_04_originate_outcomes_belong_to_their_call(name: str, outcome: OriginateOutcome, code: int) -> None:
    _, ev = replay(name, own_originates=True)
    result = [r for r in of(ev, OriginateResult) if r.action_id.startswith("dial")] or of(ev, OriginateResult)
    assert result[-1].outcome is outcome and result[-1].reason_code == code
    call_id = result[-1].call_id
    offered = [o for o in of(ev, CallOffered) if o.call_id == call_id]
    assert offered and offered[0].direction is Direction.OUTBOUND
    kinds = [type(e) for e in ev if getattr(e, "call_id", None) == call_id]
    assert kinds.index(OriginateResult) < kinds.index(CallEnded)


def test_04f_sync_originate_failure_has_no_event_but_is_settled() -> None:
    _, ev = replay("04f-originate-sync-busy", own_originates=True)
    assert [r.outcome for r in of(ev, OriginateResult)] == [OriginateOutcome.FAILED]
    assert of(ev, OriginateResult)[0].message == "Originate failed"


def test_05c_redirect_of_a_bridged_caller() -> None:
    _, ev = replay("05c-redirect-during-call")
    moves = of(ev, CallTransferred)
    assert [(m.kind, m.from_agent, m.to_queue) for m in moves] == [
        (TransferKind.REDIRECT, "Local/agent1@agents/n", "debt")
    ]
    assert of(ev, CallEnded)[0].agent == "Local/agent4@agents/n"
    assert of(ev, PbxResynced)[0].active_calls == 1  # a CoreShowChannels mid-call


def test_06a_ivr_call() -> None:
    _, ev = replay("06a-fastagi-ivr")
    assert of(ev, IvrStarted)[0].script.startswith("agi://127.0.0.1:4573/ivr")
    assert not of(ev, CallQueued)
