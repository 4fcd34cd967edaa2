"""A call-back that rings the operator's phone first (ccdesk's own, or another AMI client's
identical click-to-dial): the phone answers, then its channel dials the customer over the trunk.

Frames as Asterisk (and the simulator) send them: the Originate's own Reason 4 only says the
operator picked up; the customer's fate is the DialEnd of the trunk leg the phone dialled.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cti.calls import OriginateRequest
from cti.events import CallAnswered, CallEnded, CallOffered, Direction, Event, OriginateOutcome, OriginateResult
from cti.tracker import CallTracker

T0 = datetime(2026, 1, 1, tzinfo=UTC)
PHONE = "PJSIP/1001-00000000"
TRUNK = "PJSIP/trunk-00000001"
NUMBER = "79161234567"
DATA = f"PJSIP/{NUMBER}@trunk"
Frame = dict[str, str]


def _leg(event: str, name: str, uid: str, lid: str, state: str = "0", **kw: str) -> Frame:
    return {"Event": event, "Channel": name, "Uniqueid": uid, "Linkedid": lid, "ChannelState": state, **kw}


def _dest(event: str, name: str, uid: str, lid: str, **kw: str) -> Frame:
    return {"Event": event, "DestChannel": name, "DestUniqueid": uid, "DestLinkedid": lid, **kw}


def _response(action: str, reason: int, *, uid: str, channel: str, exten: bool) -> Frame:
    how = {"Context": "agents-out", "Exten": NUMBER} if exten else {"Application": "Dial", "Data": DATA}
    return {
        "Event": "OriginateResponse",
        "ActionID": action,
        "Response": "Success" if reason == 4 else "Failure",
        "Channel": channel,
        **how,
        "Reason": str(reason),
        "Uniqueid": uid,
    }


def _phone_rings(uid: str) -> list[Frame]:
    return [
        _leg("Newchannel", PHONE, uid, uid, CallerIDNum="<unknown>", Context="agents-out", Exten="s"),
        _dest("DialBegin", PHONE, uid, uid, DialString="1001"),
        _leg("Newstate", PHONE, uid, uid, state="5"),
    ]


def _picked_up(uid: str, action: str, exten: bool) -> list[Frame]:
    """The operator answers; the phone's channel dials the customer."""
    return [
        *_phone_rings(uid),
        _leg("Newstate", PHONE, uid, uid, state="6"),
        _dest("DialEnd", PHONE, uid, uid, DialStatus="ANSWER"),
        _response(action, 4, uid=uid, channel=PHONE, exten=exten),
        _leg("Newchannel", TRUNK, "t-" + uid, uid, CallerIDNum=NUMBER, Exten=NUMBER),
        {
            **_leg("DialBegin", PHONE, uid, uid, state="6"),
            **_dest("DialBegin", TRUNK, "t-" + uid, uid, DialString=f"{NUMBER}@trunk"),
        },
    ]


def _customer(uid: str, status: str, cause: str) -> list[Frame]:
    frames = [_leg("Newstate", TRUNK, "t-" + uid, uid, state="6")] if status == "ANSWER" else []
    return [
        *frames,
        {**_leg("DialEnd", PHONE, uid, uid, state="6"), **_dest("DialEnd", TRUNK, "t-" + uid, uid, DialStatus=status)},
        _leg("Hangup", TRUNK, "t-" + uid, uid, Cause=cause),
        _leg("Hangup", PHONE, uid, uid, Cause=cause),
    ]


def _not_picked_up(uid: str, action: str, exten: bool) -> list[Frame]:
    """The operator's phone rings out: Asterisk hangs it up, then answers the Originate
    (a failure names the dial string, not the channel, and no Uniqueid)."""
    return [
        *_phone_rings(uid),
        _dest("DialEnd", PHONE, uid, uid, DialStatus="NOANSWER"),
        _leg("Hangup", PHONE, uid, uid, Cause="19"),
        _response(action, 3, uid="<unknown>", channel="PJSIP/1001", exten=exten),
    ]


WHO = ["ours-dial", "ours-exten", "foreign"]


def _tracker(who: str, uid: str, action: str) -> CallTracker:
    tracker = CallTracker()
    if who == "ours-dial":
        request = OriginateRequest(
            action_id=action, channel_id=uid, destination="PJSIP/1001", application="Dial", data=DATA
        )
        tracker.expect_originate(request, T0)
    elif who == "ours-exten":
        request = OriginateRequest(action_id=action, channel_id=uid, destination="PJSIP/1001", exten=NUMBER)
        tracker.expect_originate(request, T0)
    return tracker


def _feed(tracker: CallTracker, frames: list[Frame], start: float = 1.0) -> list[Event]:
    out: list[Event] = []
    for i, frame in enumerate(frames):
        out.extend(tracker.feed(frame, T0 + timedelta(seconds=start + i)))
    return out


def _call_events(events: list[Event]) -> list[Event]:
    return [e for e in events if isinstance(e, CallOffered | OriginateResult | CallAnswered | CallEnded)]


def _assert_offered_to_the_customer(offered: Event, uid: str) -> None:
    assert isinstance(offered, CallOffered)
    assert (offered.call_id, offered.direction, offered.caller_number, offered.dialed_number, offered.agent) == (
        uid,
        Direction.OUTBOUND,
        NUMBER,
        NUMBER,
        "PJSIP/1001",
    )


@pytest.mark.parametrize("who", WHO)
def test_the_customer_answers_the_call_back(who: str) -> None:
    uid, action = "cb-1", "orig-cb-1"
    tracker = _tracker(who, uid, action)
    early = _call_events(_feed(tracker, _picked_up(uid, action, exten=who == "ours-exten")[:-1]))
    assert early == [], "the operator's own phone answering is no call yet"
    events = _call_events(_feed(tracker, _picked_up(uid, action, exten=who == "ours-exten")[-1:], 10))
    events += _call_events(_feed(tracker, _customer(uid, "ANSWER", "16"), 20))
    assert [type(e) for e in events] == [CallOffered, OriginateResult, CallAnswered, CallEnded]
    offered, result, answered, ended = events
    _assert_offered_to_the_customer(offered, uid)
    assert isinstance(result, OriginateResult) and isinstance(answered, CallAnswered) and isinstance(ended, CallEnded)
    assert (result.call_id, result.outcome, result.customer_number, result.foreign) == (
        uid,
        OriginateOutcome.ANSWERED,
        NUMBER,
        who == "foreign",
    )
    assert result.reason_code is None  # Reason 4 told the phone's pickup, not the customer's
    assert answered.agent == "PJSIP/1001" and answered.agent_channel == PHONE and answered.queue is None
    assert answered.wait_seconds == 11.0  # the customer rang from the phone's DialBegin (10 s) to the DialEnd (21 s)
    assert (ended.answered, ended.outcome, ended.agent, ended.direction) == (
        True,
        OriginateOutcome.ANSWERED,
        "PJSIP/1001",
        Direction.OUTBOUND,
    )
    assert tracker.stats() == {"calls": 0, "channels": 0, "originates": 0, "ended_memory": 1, "rung_phones": 0}


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize(
    "status, cause, outcome",
    [
        ("BUSY", "17", OriginateOutcome.BUSY),
        ("NOANSWER", "19", OriginateOutcome.NO_ANSWER),
        ("CONGESTION", "34", OriginateOutcome.CONGESTION),
        ("CHANUNAVAIL", "0", OriginateOutcome.FAILED),
    ],
)
def test_the_customer_does_not_answer_the_call_back(
    who: str, status: str, cause: str, outcome: OriginateOutcome
) -> None:
    uid, action = "cb-2", "orig-cb-2"
    tracker = _tracker(who, uid, action)
    frames = _picked_up(uid, action, exten=who == "ours-exten") + _customer(uid, status, cause)
    events = _call_events(_feed(tracker, frames))
    assert [type(e) for e in events] == [CallOffered, OriginateResult, CallEnded]
    offered, result, ended = events
    _assert_offered_to_the_customer(offered, uid)
    assert isinstance(result, OriginateResult) and isinstance(ended, CallEnded)
    assert (result.outcome, result.customer_number, result.foreign) == (outcome, NUMBER, who == "foreign")
    assert (ended.answered, ended.outcome, ended.agent, ended.talk_seconds) == (False, outcome, "PJSIP/1001", None)
    assert tracker.stats()["calls"] == 0 and tracker.stats()["originates"] == 0


@pytest.mark.parametrize("who", WHO)
def test_the_operator_does_not_pick_up_their_phone(who: str) -> None:
    uid, action = "cb-3", "orig-cb-3"
    tracker = _tracker(who, uid, action)
    events = _call_events(_feed(tracker, _not_picked_up(uid, action, exten=who == "ours-exten")))
    assert [type(e) for e in events] == [CallOffered, OriginateResult, CallEnded]
    offered, result, ended = events
    _assert_offered_to_the_customer(offered, uid)
    assert isinstance(result, OriginateResult) and isinstance(ended, CallEnded)
    assert (result.call_id, result.outcome, result.customer_number, result.foreign) == (
        uid,
        OriginateOutcome.NO_ANSWER,
        NUMBER,
        who == "foreign",
    )
    assert (ended.answered, ended.outcome, ended.agent) == (False, OriginateOutcome.NO_ANSWER, "PJSIP/1001")
    assert tracker.stats() == {"calls": 0, "channels": 0, "originates": 0, "ended_memory": 1, "rung_phones": 0}


def test_call_backs_back_to_back_each_told_once() -> None:
    """The same operator: a call-back nobody picks up, one the customer is busy for, one answered."""
    tracker = CallTracker()
    frames = (
        _not_picked_up("a", "crm-a", exten=False)
        + _picked_up("b", "crm-b", exten=False)
        + _customer("b", "BUSY", "17")
        + _picked_up("c", "crm-c", exten=False)
        + _customer("c", "ANSWER", "16")
    )
    events = _call_events(_feed(tracker, frames))
    results = [(e.call_id, e.outcome) for e in events if isinstance(e, OriginateResult)]
    ended = [(e.call_id, e.outcome, e.answered) for e in events if isinstance(e, CallEnded)]
    assert results == [
        ("a", OriginateOutcome.NO_ANSWER),
        ("b", OriginateOutcome.BUSY),
        ("c", OriginateOutcome.ANSWERED),
    ]
    assert ended == [
        ("a", OriginateOutcome.NO_ANSWER, False),
        ("b", OriginateOutcome.BUSY, False),
        ("c", OriginateOutcome.ANSWERED, True),
    ]
    assert tracker.stats()["calls"] == 0 and tracker.stats()["rung_phones"] == 0


def test_a_phone_rung_for_a_listener_is_no_call() -> None:
    """Another client's ChanSpy Originate rings the supervisor's phone, which hangs up unanswered."""
    tracker = CallTracker()
    frames = [
        *_phone_rings("s1"),
        _dest("DialEnd", PHONE, "s1", "s1", DialStatus="NOANSWER"),
        _leg("Hangup", PHONE, "s1", "s1", Cause="19"),
        {
            "Event": "OriginateResponse",
            "ActionID": "spy-1",
            "Response": "Failure",
            "Channel": "PJSIP/1001",
            "Application": "ChanSpy",
            "Data": "PJSIP/1002,q",
            "Reason": "3",
            "Uniqueid": "<unknown>",
        },
    ]
    assert _call_events(_feed(tracker, frames)) == []
    assert tracker.stats()["calls"] == 0 and tracker.stats()["rung_phones"] == 0


def test_an_unanswered_phone_without_its_response_is_forgotten_in_bounds() -> None:
    """A sync Originate's response goes to its client only: the remembered phone legs stay bounded."""
    from cti.table import RUNG_PHONES_KEPT

    tracker = CallTracker()
    for i in range(RUNG_PHONES_KEPT + 50):
        uid = f"p{i}"
        frames = [*_phone_rings(uid), _leg("Hangup", PHONE, uid, uid, Cause="19")]
        assert _call_events(_feed(tracker, frames, i * 10)) == []
    assert tracker.stats()["rung_phones"] == RUNG_PHONES_KEPT and tracker.stats()["calls"] == 0
