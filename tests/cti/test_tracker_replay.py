"""The tracker fed with the recorded transcripts themselves."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cti.calls import OriginateRequest
from cti.events import (
    AbandonReason,
    AgentRinging,
    AgentRingNoAnswer,
    AgentStateChanged,
    CallAbandoned,
    CallAnswered,
    CallEnded,
    CallOffered,
    CallQueued,
    CallTransferred,
    ConsultChanged,
    ConsultState,
    Direction,
    Event,
    IvrStarted,
    MemberChange,
    OriginateOutcome,
    OriginateResult,
    PbxResynced,
    RecordingStarted,
    RecordingStopped,
    SpyStarted,
    SpyStopped,
    TransferKind,
)
from cti.tracker import CallTracker, unread_frame

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
    "s6-sip-phone-dials-out-answered",
    "s6b-sip-phone-dials-out-busy",
    "s7-sip-atxfer-complete",
    "s7b-sip-atxfer-no-answer",
    "s8-sip-wrapup-back-to-back",
    "s9-sip-pause-reason",
    "s10-sip-mixmonitor",
    "s11-sip-chanspy",
    "s12-sip-blindtransfer-to-queue",
]
ORIGINATING = ("04", "s3", "s10", "s11")


def replay(
    name: str, *, own_originates: bool = False, skip: Callable[[bytes], bool] | None = None
) -> tuple[CallTracker, list[Event]]:
    """Feed every received frame; with ``own_originates`` the Originates the
    recorder sent are announced first, as the bridge does for its own."""
    tracker = CallTracker()
    events: list[Event] = []
    for item in items(name, skip=skip):
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
                        exten=f.get("Exten") if not f.get("Application") else None,
                        application=f.get("Application"),
                    ),
                    item.at,
                )
            continue
        events.extend(tracker.feed(item.frame, item.at))
    return tracker, events


def of(events: list[Event], kind: type) -> list:  # type: ignore[type-arg]
    return [e for e in events if isinstance(e, kind)]


@pytest.mark.parametrize("own", [True, False], ids=["ours", "foreign"])
@pytest.mark.parametrize("name", ALL)
def test_every_transcript_leaves_no_state_behind(name: str, own: bool) -> None:
    tracker, events = replay(name, own_originates=own and name.startswith(ORIGINATING))
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


# --------------------------------------------------------------- outbound


def calls_of(events: list[Event]) -> dict[str, list[Event]]:
    """Events per call id, in order (what one card would see)."""
    by: dict[str, list[Event]] = {}
    for e in events:
        call_id = getattr(e, "call_id", None)
        if call_id is not None:
            by.setdefault(call_id, []).append(e)
    return by


@pytest.mark.parametrize("own", [True, False], ids=["ours", "another client's"])
@pytest.mark.parametrize(
    "name, number, outcome",
    [
        ("04a-originate-answered-to-queue", "79001110001", OriginateOutcome.ANSWERED),
        ("04b-originate-busy", "79001110002", OriginateOutcome.BUSY),
        ("04c-originate-noanswer", "79001110003", OriginateOutcome.NO_ANSWER),
        ("04e-originate-nonexistent", "79009999999", OriginateOutcome.FAILED),
        ("s3-sip-originate-answered", "5555", OriginateOutcome.ANSWERED),
        ("s10-sip-mixmonitor", "79161234567", OriginateOutcome.ANSWERED),
    ],
)
def test_an_originate_is_one_outbound_call_with_the_dialled_number(
    name: str, number: str, outcome: OriginateOutcome, own: bool
) -> None:
    _, ev = replay(name, own_originates=own)
    calls = calls_of(ev)
    assert len(calls) == 1, "one attempt, one call: no second card with an invented id"
    ((call_id, seen),) = calls.items()
    assert not call_id.startswith("originate:")
    kinds = [type(e) for e in seen]
    assert kinds[0] is CallOffered and kinds[-1] is CallEnded
    assert kinds.count(OriginateResult) == 1 and kinds.index(OriginateResult) < kinds.index(CallEnded)
    offered, result, ended = of(seen, CallOffered)[0], of(seen, OriginateResult)[0], of(seen, CallEnded)[0]
    assert offered.direction is Direction.OUTBOUND
    assert offered.caller_number == number, "the customer's number, not our caller ID"
    assert result.outcome is outcome and result.customer_number == number and result.foreign is (not own)
    assert ended.direction is Direction.OUTBOUND and ended.outcome is outcome
    assert ended.answered is (outcome is OriginateOutcome.ANSWERED)


def test_04f_failed_sync_originate_of_another_client_is_one_call_with_the_true_result() -> None:
    _, ev = replay("04f-originate-sync-busy")
    calls = calls_of(ev)
    assert len(calls) == 1
    (seen,) = calls.values()
    assert of(seen, CallOffered)[0].caller_number == "79001110002"
    assert of(seen, OriginateResult)[0].outcome is OriginateOutcome.BUSY
    assert of(seen, CallEnded)[0].outcome is OriginateOutcome.BUSY


def test_04f_our_failed_sync_originate_is_one_result_and_no_second_call() -> None:
    _, ev = replay("04f-originate-sync-busy", own_originates=True)
    assert len(calls_of(ev)) == 1
    assert not of(ev, CallOffered)


def test_s6_desk_phone_dialling_out_is_an_outbound_call_answered_by_the_operator() -> None:
    _, ev = replay("s6-sip-phone-dials-out-answered")
    assert [type(e) for e in ev if hasattr(e, "call_id")] == [CallOffered, CallAnswered, CallEnded]
    offered, answered, ended = of(ev, CallOffered)[0], of(ev, CallAnswered)[0], of(ev, CallEnded)[0]
    assert offered.direction is Direction.OUTBOUND
    assert offered.caller_number == "79161234567" and offered.agent == "PJSIP/agent4"
    assert answered.agent == "PJSIP/agent4" and answered.agent_channel == "PJSIP/agent4-00000000"
    assert 2.9 < answered.ring_seconds < 3.1  # the customer rang 3 s
    assert ended.answered and ended.agent == "PJSIP/agent4" and ended.outcome is OriginateOutcome.ANSWERED
    assert 4.9 < ended.talk_seconds < 5.1


def test_s6b_desk_phone_dialling_a_busy_number() -> None:
    _, ev = replay("s6b-sip-phone-dials-out-busy")
    assert [type(e) for e in ev if hasattr(e, "call_id")] == [CallOffered, CallEnded]
    offered, ended = of(ev, CallOffered)[0], of(ev, CallEnded)[0]
    assert offered.direction is Direction.OUTBOUND and offered.caller_number == "79161234567"
    assert not ended.answered and ended.outcome is OriginateOutcome.BUSY and ended.cause == 17
    assert ended.agent == "PJSIP/agent4"  # the operator who placed it


def test_the_lab_inbound_caller_made_by_an_originate_stays_inbound() -> None:
    """02 fakes a caller with Originate Local/s@incoming: the channels say inbound."""
    _, ev = replay("02-inbound-queue-answered")
    assert of(ev, CallOffered)[0].direction is Direction.INBOUND
    assert not of(ev, OriginateResult)


# --------------------------------------------------------------- transfers


def test_s7_attended_transfer_completed() -> None:
    _, ev = replay("s7-sip-atxfer-complete")
    consult = of(ev, ConsultChanged)
    assert [c.state for c in consult] == [ConsultState.RINGING, ConsultState.TALKING, ConsultState.COMPLETED]
    assert all(c.agent == "PJSIP/agent1" and c.target == "1002" for c in consult)
    assert consult[0].channel == "Local/1002@agents-00000000;1"
    assert consult[1].target_agent == "PJSIP/agent2"
    (moved,) = of(ev, CallTransferred)
    assert (moved.kind, moved.from_agent, moved.to_agent) == (TransferKind.ATTENDED, "PJSIP/agent1", "PJSIP/agent2")
    assert [r.agent for r in of(ev, AgentRinging)] == ["PJSIP/agent1"], "the consultee does not ring the card"
    ended = of(ev, CallEnded)[0]
    assert ended.agent == "PJSIP/agent2" and ended.answered


def test_s7b_attended_transfer_not_answered_leaves_the_operator_with_the_customer() -> None:
    _, ev = replay("s7b-sip-atxfer-no-answer")
    assert [c.state for c in of(ev, ConsultChanged)] == [ConsultState.RINGING, ConsultState.FAILED]
    assert not of(ev, CallTransferred)
    ended = of(ev, CallEnded)[0]
    assert ended.agent == "PJSIP/agent1" and ended.ended_by == "caller"


def test_s12_blind_transfer_to_a_queue() -> None:
    _, ev = replay("s12-sip-blindtransfer-to-queue")
    (moved,) = of(ev, CallTransferred)
    assert (moved.kind, moved.from_agent, moved.to_context, moved.to_extension) == (
        TransferKind.BLIND,
        "PJSIP/agent1",
        "transfer",
        "billing",
    )
    kinds = [type(e) for e in ev if hasattr(e, "call_id")]
    assert kinds[kinds.index(CallTransferred) :] == [CallTransferred, CallQueued, AgentRinging, CallAnswered, CallEnded]
    assert of(ev, CallQueued)[-1].queue == "billing"
    assert of(ev, CallAnswered)[-1].agent == "PJSIP/agent2"
    assert of(ev, CallEnded)[0].agent == "PJSIP/agent2"
    assert moved.at < of(ev, CallAnswered)[-1].at  # agent1's part ended at the transfer


def test_an_abandoned_call_has_no_agent_but_says_who_was_rung() -> None:
    _, ev = replay("03a-queue-abandon-ringnoanswer")
    ended, abandoned = of(ev, CallEnded)[0], of(ev, CallAbandoned)[0]
    assert ended.agent is None and abandoned.rung_agents == ("Local/noans@agents/n",)
    assert ended.rung_agents == ("Local/noans@agents/n",)


# --------------------------------------------------------------- listening, recording, pauses, wrap-up


@pytest.mark.parametrize("own", [True, False], ids=["ours", "another client's"])
def test_s11_the_spy_leg_is_not_a_call(own: bool) -> None:
    _, ev = replay("s11-sip-chanspy", own_originates=own)
    calls = calls_of(ev)
    assert list(calls) == ["1796098785.0"], "only the customer's call"
    assert len(of(ev, CallOffered)) == 1 and not of(ev, OriginateResult)
    started, stopped = of(ev, SpyStarted)[0], of(ev, SpyStopped)[0]
    assert started.call_id == stopped.call_id == "1796098785.0"
    assert (started.spy, started.spied_agent) == ("PJSIP/agent4", "PJSIP/agent1")


def test_s10_recording_carries_the_file_name() -> None:
    _, ev = replay("s10-sip-mixmonitor")
    started, stopped = of(ev, RecordingStarted)[0], of(ev, RecordingStopped)[0]
    assert started.file == stopped.file == "/var/spool/asterisk/monitor/s10-mixmonitor.wav"
    assert started.channel == "PJSIP/trunk-00000000" and started.call_id == of(ev, CallOffered)[0].call_id


def test_s9_pause_carries_its_reason() -> None:
    _, ev = replay("s9-sip-pause-reason")
    pauses = [e for e in of(ev, AgentStateChanged) if e.change in (MemberChange.PAUSED, MemberChange.UNPAUSED)]
    assert [(p.change, p.pause_reason) for p in pauses] == [(MemberChange.PAUSED, "ACW"), (MemberChange.UNPAUSED, None)]
    assert pauses[0].in_call


def test_s8_back_to_back_calls_during_wrap_up_are_two_right_cards() -> None:
    _, ev = replay("s8-sip-wrapup-back-to-back")
    calls = calls_of(ev)
    assert len(calls) == 2
    for seen in calls.values():
        assert [type(e) for e in seen if not isinstance(e, AgentRinging)] == [
            CallOffered,
            CallQueued,
            CallAnswered,
            CallEnded,
        ]
        ended = of(seen, CallEnded)[0]
        assert ended.answered and ended.agent == "PJSIP/agent3" and ended.queue == "wrap"
    first, second = calls.values()
    rung_again = of(second, AgentRinging)[-1]
    # the second caller waited for agent3's wrap-up (wrapuptime 5) after the first call ended
    assert 4.9 < (rung_again.at - of(first, CallEnded)[0].at).total_seconds() < 5.2


@pytest.mark.parametrize("own", [True, False], ids=["ours", "foreign"])
@pytest.mark.parametrize("name", ALL)
def test_frames_the_reader_skips_unparsed_change_no_event(name: str, own: bool) -> None:
    """The bridge drops VarSets of variables the tracker ignores before parsing them (unread_frame)."""
    own = own and name.startswith(ORIGINATING)
    assert replay(name, own_originates=own, skip=unread_frame)[1] == replay(name, own_originates=own)[1]


def test_the_variables_the_tracker_reads_are_never_skipped() -> None:
    queuestatus = (
        b"Event: VarSet\r\nPrivilege: dialplan,all\r\nChannel: PJSIP/x\r\nVariable: QUEUESTATUS\r\nValue: TIMEOUT"
    )
    other = b"Event: VarSet\r\nPrivilege: dialplan,all\r\nChannel: PJSIP/x\r\nVariable: QUEUESTATUSX\r\nValue: 1"
    assert not unread_frame(queuestatus)
    assert unread_frame(other)
    assert not unread_frame(b"Event: Hangup\r\nVariable: nothing")
    assert not unread_frame(b"Event: VarSet\r\nValue: 1\r\nVariable: MIXMONITOR_FILENAME"), "the last line too"
