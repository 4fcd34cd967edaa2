"""Table-driven tests of the pure call tracker with plain frame lists."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cti.calls import OriginateRequest, interface_of
from cti.events import (
    AgentStateChanged,
    CallAbandoned,
    CallAnswered,
    CallEnded,
    CallOffered,
    CallQueued,
    CallTransferred,
    Direction,
    MemberChange,
    OriginateOutcome,
    OriginateResult,
    PbxResynced,
    TransferKind,
)
from cti.tracker import CallTracker

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def chan(event: str, name: str, uid: str, lid: str, **kw: str) -> dict[str, str]:
    f = {
        "Event": event,
        "Channel": name,
        "ChannelState": kw.pop("state", "6"),
        "CallerIDNum": kw.pop("num", "79001234567"),
        "CallerIDName": "Ivan",
        "Exten": kw.pop("exten", "support"),
        "Uniqueid": uid,
        "Linkedid": lid,
    }
    f.update(kw)
    return f


def agent_block(name: str, uid: str, lid: str) -> dict[str, str]:
    return {"DestChannel": name, "DestUniqueid": uid, "DestLinkedid": lid}


def answered_call(lid: str = "sys-1.0", agent: str = "PJSIP/1001") -> list[dict[str, str]]:
    caller = f"PJSIP/trunk-{lid[-1]}0000000"
    ag = f"{agent}-0000000a"
    ag_uid = lid + "a"
    return [
        chan("Newchannel", caller, lid, lid, state="4"),
        chan("QueueCallerJoin", caller, lid, lid, Queue="support", Position="1", Count="1"),
        chan("Newchannel", ag, ag_uid, lid, state="0", num="<unknown>"),
        {
            **chan("AgentCalled", caller, lid, lid),
            **agent_block(ag, ag_uid, lid),
            "Queue": "support",
            "Interface": agent,
            "MemberName": "Olga",
        },
        {
            **chan("AgentConnect", caller, lid, lid),
            **agent_block(ag, ag_uid, lid),
            "Queue": "support",
            "Interface": agent,
            "MemberName": "Olga",
            "HoldTime": "2",
            "RingTime": "1",
        },
    ]


def hangups(lid: str, *uids: str) -> list[dict[str, str]]:
    return [chan("Hangup", "x", uid, lid, Cause="16", **{"Cause-txt": "Normal Clearing"}) for uid in uids]


def feed(tracker: CallTracker, frames: list[dict[str, str]], start: float = 0.0) -> list:  # type: ignore[type-arg]
    out = []
    for i, frame in enumerate(frames):
        out.extend(tracker.feed(frame, at(start + i)))
    return out


@pytest.mark.parametrize(
    "channel, interface",
    [
        ("PJSIP/1001-0000000a", "PJSIP/1001"),
        ("PJSIP/agent1-00000001", "PJSIP/agent1"),
        ("Local/agent1@agents-00000021;1", "Local/agent1@agents"),
        ("SIP/my-trunk", "SIP/my-trunk"),
    ],
)
def test_interface_of_channel(channel: str, interface: str) -> None:
    assert interface_of(channel) == interface


def test_systemname_prefixed_ids_are_plain_keys() -> None:
    tracker = CallTracker()
    events = feed(
        tracker,
        answered_call("astsip-1795459869.0")
        + hangups("astsip-1795459869.0", "astsip-1795459869.0a", "astsip-1795459869.0"),
    )
    kinds = [type(e) for e in events]
    assert kinds == [CallOffered, CallQueued, AgentRingingType(), CallAnswered, CallEnded]
    assert {e.call_id for e in events} == {"astsip-1795459869.0"}


def AgentRingingType() -> type:
    from cti.events import AgentRinging

    return AgentRinging


@pytest.mark.parametrize(
    "frames, kind, extra",
    [
        (
            [
                {
                    "Event": "BlindTransfer",
                    "Result": "Success",
                    "TransfereeUniqueid": "c1",
                    "TransfereeLinkedid": "c1",
                    "Context": "incoming",
                    "Extension": "billing",
                }
            ],
            TransferKind.BLIND,
            {"to_extension": "billing", "to_context": "incoming"},
        ),
        (
            [
                {
                    "Event": "AttendedTransfer",
                    "Result": "Success",
                    "TransfereeUniqueid": "c1",
                    "TransfereeLinkedid": "c1",
                    "TransferTargetChannel": "PJSIP/1002-0000000f",
                    "TransferTargetUniqueid": "t1",
                    "DestType": "Bridge",
                }
            ],
            TransferKind.ATTENDED,
            {"to_agent": "PJSIP/1002"},
        ),
        (
            [
                {
                    **chan("AgentComplete", "PJSIP/trunk-c0000000", "c1", "c1"),
                    "Reason": "transfer",
                    "Interface": "PJSIP/1001",
                    "Queue": "support",
                }
            ],
            TransferKind.BLIND,
            {},
        ),
        (
            [chan("QueueCallerJoin", "PJSIP/trunk-c0000000", "c1", "c1", Queue="debt", Position="1", Count="1")],
            TransferKind.REDIRECT,
            {"to_queue": "debt"},
        ),
    ],
)
def test_transfers(frames: list[dict[str, str]], kind: TransferKind, extra: dict[str, str]) -> None:
    tracker = CallTracker()
    feed(tracker, answered_call("c1"))
    events = feed(tracker, frames, 10)
    moved = [e for e in events if isinstance(e, CallTransferred)]
    assert len(moved) == 1 and moved[0].kind is kind and moved[0].from_agent == "PJSIP/1001"
    for key, value in extra.items():
        assert getattr(moved[0], key) == value


def test_abandon_waits_for_queuestatus_to_tell_a_timeout() -> None:
    tracker = CallTracker()
    abandon = chan(
        "QueueCallerAbandon", "t", "c1", "c1", Queue="support", Position="1", OriginalPosition="1", HoldTime="6"
    )
    frames = [*answered_call("c1")[:2], abandon]
    assert not [e for e in feed(tracker, frames) if isinstance(e, CallAbandoned)]
    events = feed(tracker, [chan("VarSet", "t", "c1", "c1", Variable="QUEUESTATUS", Value="TIMEOUT")], 5)
    assert events[0].reason.value == "timeout" and events[0].wait_seconds == 1.0


def test_calls_are_evicted_so_memory_stays_bounded() -> None:
    tracker = CallTracker(ended_memory=100)
    for n in range(2000):
        lid = f"1.{n}"
        feed(tracker, answered_call(lid) + hangups(lid, lid + "a", lid))
    assert tracker.stats() == {"calls": 0, "channels": 0, "originates": 0, "ended_memory": 100, "rung_phones": 0}


def _core_show(uid: str, lid: str, app: str, bridge: str = "", dur: str = "00:00:30") -> dict[str, str]:
    return {
        "Event": "CoreShowChannel",
        "ActionID": "r1",
        "Channel": f"PJSIP/x-{uid}",
        "ChannelState": "6",
        "CallerIDNum": "79007770001",
        "CallerIDName": "Petr",
        "Exten": "support",
        "Uniqueid": uid,
        "Linkedid": lid,
        "Application": app,
        "ApplicationData": "support,,,,60",
        "Duration": dur,
        "BridgeId": bridge,
    }


def test_resync_seeds_running_calls_and_ends_vanished_ones() -> None:
    tracker = CallTracker()
    feed(tracker, answered_call("gone"))  # will not be in the snapshot
    frames = [
        {"Event": "QueueEntry", "ActionID": "r0", "Queue": "billing", "Position": "2", "Uniqueid": "w1", "Wait": "12"},
        _core_show("a1", "a1", "Queue", bridge="B"),
        _core_show("a2", "a1", "AppQueue", bridge="B"),
        _core_show("w1", "w1", "Queue"),
        {"Event": "CoreShowChannelsComplete", "ActionID": "r1", "EventList": "Complete", "ListItems": "3"},
    ]
    events = feed(tracker, frames, 100)
    ended = [e for e in events if isinstance(e, CallEnded)]
    assert [(e.call_id, e.lost_in_disconnect) for e in ended] == [("gone", True)]
    offered = {e.call_id: e for e in events if isinstance(e, CallOffered)}
    assert set(offered) == {"a1", "w1"} and all(e.seeded for e in offered.values())
    answered = [e for e in events if isinstance(e, CallAnswered)]
    assert [(e.call_id, e.agent, e.queue) for e in answered] == [("a1", "PJSIP/x", "support")]
    queued = [e for e in events if isinstance(e, CallQueued)]
    assert [(e.call_id, e.queue, e.position) for e in queued] == [("w1", "billing", 2)]
    assert isinstance(events[-1], PbxResynced) and events[-1].seeded_calls == 2
    # a second identical snapshot changes nothing: no call doubled
    again = feed(tracker, frames[1:], 200)
    assert [type(e) for e in again] == [PbxResynced]


@pytest.mark.parametrize(
    "in_snapshot, outcome",
    [
        (False, OriginateOutcome.UNKNOWN),
        (True, OriginateOutcome.ANSWERED),
    ],
)
def test_originate_cut_by_a_disconnect_is_settled_by_the_resync(in_snapshot: bool, outcome: OriginateOutcome) -> None:
    tracker = CallTracker()
    tracker.expect_originate(
        OriginateRequest(
            action_id="o1", channel_id="dial-1", destination="PJSIP/79001234567@trunk", correlation_id="att-7"
        ),
        at(0),
    )
    tracker.connection_lost(at(1))
    snapshot = [_core_show("dial-1", "dial-1", "Queue")] if in_snapshot else []
    events = feed(tracker, [*snapshot, {"Event": "CoreShowChannelsComplete", "ActionID": "r1"}], 5)
    results = [e for e in events if isinstance(e, OriginateResult)]
    assert [(r.outcome, r.correlation_id, r.call_id) for r in results] == [(outcome, "att-7", "dial-1")]
    if in_snapshot:
        offered = next(e for e in events if isinstance(e, CallOffered))
        assert offered.direction is Direction.OUTBOUND and offered.seeded
    # the late OriginateResponse (if it ever comes) does not report twice
    late = feed(
        tracker,
        [{"Event": "OriginateResponse", "ActionID": "o1", "Response": "Success", "Reason": "4", "Uniqueid": "dial-1"}],
        9,
    )
    assert not [e for e in late if isinstance(e, OriginateResult)]


@pytest.mark.parametrize(
    "event, paused, change",
    [
        ("QueueMemberAdded", "0", MemberChange.ADDED),
        ("QueueMemberRemoved", "0", MemberChange.REMOVED),
        ("QueueMemberPause", "1", MemberChange.PAUSED),
        ("QueueMemberPause", "0", MemberChange.UNPAUSED),
        ("QueueMemberStatus", "0", MemberChange.STATUS),
    ],
)
def test_member_events(event: str, paused: str, change: MemberChange) -> None:
    events = CallTracker().feed(
        {
            "Event": event,
            "Queue": "support",
            "MemberName": "Olga",
            "Interface": "PJSIP/1001",
            "Membership": "dynamic",
            "Status": "1",
            "Paused": paused,
            "PausedReason": "lunch" if paused == "1" else "",
            "InCall": "0",
            "CallsTaken": "3",
        },
        at(0),
    )
    (ev,) = events
    assert isinstance(ev, AgentStateChanged) and ev.change is change
    assert ev.agent == "PJSIP/1001" and ev.dynamic and ev.calls_taken == 3
    assert ev.pause_reason == ("lunch" if paused == "1" else None)


def test_unknown_and_malformed_frames_are_ignored() -> None:
    tracker = CallTracker()
    for frame in (
        {},
        {"Event": "Hangup"},
        {"Event": "AgentConnect", "Uniqueid": "zz"},
        {"Response": "Success"},
        {"Event": "Whatever", "Linkedid": "1"},
    ):
        assert tracker.feed(frame, at(0)) == ()
    assert tracker.stats()["calls"] == 0


def _leg(event: str, name: str, uid: str, lid: str, state: str = "0", **kw: str) -> dict[str, str]:
    return {"Event": event, "Channel": name, "Uniqueid": uid, "Linkedid": lid, "ChannelState": state, **kw}


def _dest(event: str, name: str, uid: str, lid: str, **kw: str) -> dict[str, str]:
    """DialBegin/DialEnd with no Channel: an Originate is the dialler."""
    return {"Event": event, "DestChannel": name, "DestUniqueid": uid, "DestLinkedid": lid, **kw}


def test_another_clients_congested_originate_is_one_call_told_once() -> None:
    """The channels are gone before the OriginateResponse (04d shape on a PJSIP trunk)."""
    tracker = CallTracker()
    events = feed(
        tracker,
        [
            _leg("Newchannel", "PJSIP/trunk-00000001", "o1", "o1", CallerIDNum="74950000000"),
            _dest("DialBegin", "PJSIP/trunk-00000001", "o1", "o1", DialString="79001234567@trunk"),
            _dest("DialEnd", "PJSIP/trunk-00000001", "o1", "o1", DialStatus="CONGESTION"),
            _leg("Hangup", "PJSIP/trunk-00000001", "o1", "o1", Cause="34"),
            {
                "Event": "OriginateResponse",
                "ActionID": "their-7",
                "Response": "Failure",
                "Channel": "PJSIP/79001234567@trunk",
                "Reason": "8",
                "Uniqueid": "<unknown>",
            },
        ],
    )
    assert [type(e) for e in events] == [CallOffered, OriginateResult, CallEnded]
    offered, result, ended = events
    assert offered.direction is Direction.OUTBOUND and offered.caller_number == "79001234567"
    assert result.outcome is OriginateOutcome.CONGESTION and result.foreign and result.call_id == "o1"
    assert ended.outcome is OriginateOutcome.CONGESTION and not ended.answered
    assert tracker.stats()["calls"] == 0


def test_another_tools_click_to_dial_rings_the_operator_first_then_the_customer() -> None:
    tracker = CallTracker()
    events = feed(
        tracker,
        [
            _leg("Newchannel", "PJSIP/agent1-00000001", "k1", "k1", CallerIDNum="<unknown>"),
            _dest("DialBegin", "PJSIP/agent1-00000001", "k1", "k1", DialString="agent1"),
            _leg("Newstate", "PJSIP/agent1-00000001", "k1", "k1", state="6"),
            _dest("DialEnd", "PJSIP/agent1-00000001", "k1", "k1", DialStatus="ANSWER"),
            {
                "Event": "OriginateResponse",
                "ActionID": "crm-1",
                "Response": "Success",
                "Channel": "PJSIP/agent1-00000001",
                "Reason": "4",
                "Uniqueid": "k1",
            },
            _leg("Newchannel", "PJSIP/trunk-00000002", "k2", "k1"),
            {
                **_leg("DialBegin", "PJSIP/agent1-00000001", "k1", "k1", state="6"),
                **_dest("DialBegin", "PJSIP/trunk-00000002", "k2", "k1", DialString="79001234567@trunk"),
            },
            {
                **_leg("DialEnd", "PJSIP/agent1-00000001", "k1", "k1", state="6"),
                **_dest("DialEnd", "PJSIP/trunk-00000002", "k2", "k1", DialStatus="ANSWER"),
            },
            *hangups("k1", "k2", "k1"),
        ],
    )
    assert [type(e) for e in events] == [CallOffered, OriginateResult, CallAnswered, CallEnded]
    offered, result, answered, ended = events
    assert (offered.direction, offered.caller_number, offered.agent) == (
        Direction.OUTBOUND,
        "79001234567",
        "PJSIP/agent1",
    )
    # one result for the attempt, the customer's (its Reason 4 only told the phone's pickup)
    assert (result.outcome, result.foreign, result.action_id) == (OriginateOutcome.ANSWERED, True, "crm-1")
    assert answered.agent == "PJSIP/agent1" and answered.agent_channel == "PJSIP/agent1-00000001"
    assert ended.answered and ended.agent == "PJSIP/agent1" and ended.outcome is OriginateOutcome.ANSWERED


def test_an_attended_transfer_joining_two_calls_ends_the_consultation_call() -> None:
    """The operator consulted from the phone (its own Linkedid), then transferred."""
    tracker = CallTracker()
    feed(tracker, answered_call("c1"))
    consult = [
        _leg("Newchannel", "PJSIP/1001-0000000b", "k1", "k1", state="4", CallerIDNum="1001", Exten="1002"),
        _leg("Newchannel", "PJSIP/1002-0000000c", "k2", "k1"),
        {
            **_leg("DialBegin", "PJSIP/1001-0000000b", "k1", "k1", state="4"),
            **_dest("DialBegin", "PJSIP/1002-0000000c", "k2", "k1", DialString="1002"),
        },
        {
            **_leg("DialEnd", "PJSIP/1001-0000000b", "k1", "k1", state="4"),
            **_dest("DialEnd", "PJSIP/1002-0000000c", "k2", "k1", DialStatus="ANSWER"),
        },
    ]
    internal = feed(tracker, consult, 10)
    assert {e.call_id for e in internal} == {"k1"}  # an internal call, its own card
    transfer = {
        "Event": "AttendedTransfer",
        "Result": "Success",
        "TransfereeUniqueid": "c1",
        "TransfereeLinkedid": "c1",
        "TransferTargetChannel": "PJSIP/1002-0000000c",
        "TransferTargetUniqueid": "k2",
    }
    events = feed(tracker, [transfer], 20)
    assert [(type(e), e.call_id) for e in events] == [(CallTransferred, "c1"), (CallEnded, "k1")]
    assert events[1].ended_by == "transfer"
    rest = feed(tracker, hangups("c1", "c1a", "k1", "k2", "c1"), 30)
    assert [(type(e), e.call_id) for e in rest] == [(CallEnded, "c1")]
    assert rest[0].agent == "PJSIP/1002"
    assert tracker.stats()["calls"] == 0 and tracker.stats()["channels"] == 0
