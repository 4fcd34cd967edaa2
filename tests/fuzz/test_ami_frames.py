"""Fuzz: whatever bytes or frames the PBX sends, the parser and the tracker
never raise, forget ended calls, and tell every call in order."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cti.events import CallEnded, CallEvent, CallOffered, Event, OriginateResult
from cti.frames import Frame, FrameParser, encode
from cti.tracker import CallTracker
from tests.cti.test_tracker_replay import ALL
from tests.cti.transcripts import T0, received, require_transcripts, transcripts_dir

from .budget import budget

FAST = budget(60)

# Headers the tracker reads, so random frames reach its handlers and not only the "unknown event" exit.
EVENTS = [
    "Newchannel", "NewCallerid", "Newstate", "Newexten", "AGIExecStart", "VarSet", "DialBegin", "DialEnd",
    "HangupRequest", "Hangup", "AgentCalled", "AgentRingNoAnswer", "AgentConnect", "AgentComplete",
    "QueueCallerJoin", "QueueCallerLeave", "QueueCallerAbandon", "Hold", "Unhold", "BlindTransfer",
    "AttendedTransfer", "OriginateResponse", "ChanSpyStart", "ChanSpyStop", "MixMonitorStart", "MixMonitorStop",
    "QueueMemberStatus", "QueueMemberPause", "QueueMember", "QueueParams", "QueueEntry", "CoreShowChannel",
    "CoreShowChannelsComplete", "QueueStatusComplete", "QueueSummary",
]  # fmt: skip
KEYS = [
    "Uniqueid", "Linkedid", "Channel", "ChannelState", "CallerIDNum", "CallerIDName", "Exten", "Context",
    "DestUniqueid", "DestLinkedid", "DestChannel", "DialStatus", "DialString", "Cause", "Queue", "Interface",
    "MemberName", "Position", "HoldTime", "Variable", "Value", "Response", "Reason", "ActionID", "Application",
    "AppData", "BridgeUniqueid", "SpyerUniqueid", "SpyeeUniqueid", "SpyeeLinkedid", "Paused", "Status", "EventList",
]  # fmt: skip
IDS = st.sampled_from(["1.0", "1.1", "1.2", "2.0", "2.1", ""])
VALUES = st.one_of(
    IDS,
    st.sampled_from(["PJSIP/trunk-00000001", "PJSIP/agent1-00000002", "Local/1001@agents-00000003;1", "6", "0"]),
    st.text(max_size=30),
    st.integers(min_value=5_000, max_value=200_000).map(lambda n: "7" * n),  # huge values
)


def _frame(pairs: list[tuple[str, str]]) -> Frame:
    return Frame(pairs)


random_frames = st.builds(
    _frame,
    st.lists(
        st.one_of(
            st.tuples(st.just("Event"), st.sampled_from(EVENTS)),
            st.tuples(st.sampled_from(KEYS), VALUES),
            st.tuples(st.text(max_size=10), st.text(max_size=10)),
        ),
        max_size=12,
    ),
)


def check_told_in_order(events: list[Event]) -> None:
    """One CallOffered per call id, every other event of the call between it and
    its CallEnded, nothing after. OriginateResult of an attempt that never created
    a channel is the one event allowed without a call (cti/events.py)."""
    state: dict[str, str] = {}
    for e in events:
        if not isinstance(e, CallEvent):
            continue
        seen = state.get(e.call_id)
        if isinstance(e, CallOffered):
            assert seen is None, f"{e.call_id} offered again after {seen}"
            state[e.call_id] = "offered"
        elif isinstance(e, CallEnded):
            assert seen == "offered", f"{e.call_id} ended while {seen}"
            state[e.call_id] = "ended"
        elif isinstance(e, OriginateResult) and seen is None:
            state[e.call_id] = "settled"
        else:
            assert seen == "offered", f"{type(e).__name__} for {e.call_id} while {seen}"


def feed_all(tracker: CallTracker, frames: list[Frame]) -> list[Event]:
    events: list[Event] = []
    for n, frame in enumerate(frames):
        events += tracker.feed(frame, T0 + timedelta(seconds=n))
    return events


def hang_up_everything(tracker: CallTracker, frames: list[Frame], at_offset: int) -> list[Event]:
    """Asterisk's Hangup for every channel the frames named: afterwards nothing may be left."""
    uids = {f["Uniqueid"]: f.get("Linkedid", "") for f in frames if f.get("Uniqueid")}
    hangups = [
        Frame([("Event", "Hangup"), ("Uniqueid", u), ("Linkedid", lid), ("Cause", "16")]) for u, lid in uids.items()
    ]
    return feed_all_from(tracker, hangups, at_offset)


def feed_all_from(tracker: CallTracker, frames: list[Frame], offset: int) -> list[Event]:
    events: list[Event] = []
    for n, frame in enumerate(frames):
        events += tracker.feed(frame, T0 + timedelta(seconds=offset + n))
    return events


# ------------------------------------------------------------------ the parser


@FAST
@given(st.binary(max_size=3000), st.lists(st.integers(min_value=0, max_value=3000), max_size=8))
def test_parser_never_raises_on_garbage_however_it_is_split(data: bytes, cuts: list[int]) -> None:
    whole = FrameParser().feed(data)
    parser, frames, start = FrameParser(), [], 0
    for cut in sorted({min(c, len(data)) for c in cuts}) + [len(data)]:
        frames += parser.feed(data[start:cut])
        start = cut
    assert frames == whole, "the frames do not depend on how the bytes arrived"
    assert all(isinstance(k, str) and isinstance(v, str) for f in frames for k, v in f.pairs())


@FAST
@given(
    st.lists(st.binary(max_size=200).filter(lambda b: b"\r\n\r\n" not in b), max_size=5),
    st.lists(
        st.lists(
            st.tuples(
                st.sampled_from(KEYS),
                st.text(alphabet=st.characters(min_codepoint=32, exclude_characters="\x7f\r\n"), max_size=40),
            ),
            min_size=1,
            max_size=6,
        ),
        min_size=1,
        max_size=5,
    ),
    st.integers(min_value=1, max_value=64),
)
def test_valid_frames_after_terminated_garbage_come_through_intact(
    garbage: list[bytes], messages: list[list[tuple[str, str]]], chunk: int
) -> None:
    """Garbage that ends like a message (blank line) costs that garbage only."""
    body = b"".join(g + b"\r\n\r\n" for g in garbage)
    stream = b"Asterisk Call Manager/11.0.0\r\n" + body
    for pairs in messages:
        stream += encode([("Event", "UserEvent"), *pairs])
    parser, frames = FrameParser(), []
    for i in range(0, len(stream), chunk):
        frames += parser.feed(stream[i : i + chunk])
    tail = frames[len(frames) - len(messages) :]
    assert [list(f.pairs()) for f in tail] == [[("Event", "UserEvent"), *_first_key_order(pairs)] for pairs in messages]
    assert parser.banner == "Asterisk Call Manager/11.0.0"


def _first_key_order(pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Frame.pairs() groups a repeated key's values at its first position."""
    order: dict[str, list[str]] = {}
    for k, v in pairs:
        order.setdefault(k, []).append(v)
    return [(k, v) for k, vs in order.items() for v in vs]


@budget(10)
@given(st.integers(min_value=1, max_value=5), st.integers(min_value=100, max_value=5000))
def test_an_endless_unterminated_message_keeps_memory_bounded(reads: int, size: int) -> None:
    parser = FrameParser(max_frame=1000)
    got = parser.feed(b"Asterisk Call Manager/11.0.0\r\n")
    for _ in range(reads):
        got += parser.feed(b"Event: Junk\r\nX: " + b"y" * size)
        assert len(parser._buf) <= 1000  # the bound is the point
    got += parser.feed(b"\r\n\r\n" + encode([("Event", "Hangup"), ("Uniqueid", "1.0")]))
    assert got[-1] == {"Event": "Hangup", "Uniqueid": "1.0"}
    assert parser.oversized >= (1 if reads * size > 1000 else 0)


# ----------------------------------------------------------------- the tracker


@FAST
@given(st.lists(random_frames, max_size=40))
def test_tracker_never_raises_on_random_frames_and_forgets_hung_up_calls(frames: list[Frame]) -> None:
    tracker = CallTracker()
    events = feed_all(tracker, frames)
    events += hang_up_everything(tracker, frames, len(frames))
    check_told_in_order(events)
    assert tracker.stats()["calls"] == 0 and tracker.stats()["channels"] == 0


def _transcripts() -> list[str]:
    return [n for n in ALL if (transcripts_dir() / f"{n}.jsonl").is_file()]


AVAILABLE = _transcripts()
recorded = st.sampled_from(AVAILABLE or ["-"])
# The recordings live beside the project (../shared), not in it: without them there is nothing to replay.
needs_transcripts = pytest.mark.skipif(
    not AVAILABLE, reason=f"AMI transcripts not available in {transcripts_dir()} (set CCDESK_TRANSCRIPTS_DIR)"
)


def _recorded_frames(name: str) -> list[Frame]:
    return [i.frame for i in received(name) if i.frame is not None]


@needs_transcripts
@FAST
@given(recorded, st.randoms(use_true_random=False), st.sampled_from(["shuffle", "drop", "swap", "repeat", "truncate"]))
def test_real_calls_in_the_wrong_order_keep_the_events_in_order(name: str, rnd, how: str) -> None:  # type: ignore[no-untyped-def]
    """Recorded frames shuffled, partly lost, swapped, repeated or cut short of their headers."""
    frames = _recorded_frames(name)
    if how == "shuffle":
        rnd.shuffle(frames)
    elif how == "drop":
        frames = [f for f in frames if rnd.random() > 0.2]
    elif how == "swap":
        for _ in range(5):
            a, b = rnd.randrange(len(frames)), rnd.randrange(len(frames))
            frames[a], frames[b] = frames[b], frames[a]
    elif how == "repeat":
        frames = [f for f in frames for _ in range(2 if rnd.random() < 0.2 else 1)]
    else:  # missing headers: Event, Uniqueid, Linkedid or anything
        frames = [Frame([(k, v) for k, v in f.pairs() if rnd.random() > 0.15]) for f in frames]
    tracker = CallTracker()
    events = feed_all(tracker, frames)
    events += hang_up_everything(tracker, frames, len(frames))
    check_told_in_order(events)
    assert tracker.stats()["calls"] == 0 and tracker.stats()["channels"] == 0


@budget(20)
@given(st.lists(st.binary(max_size=400), max_size=10))
def test_garbage_bytes_through_parser_and_tracker(chunks: list[bytes]) -> None:
    """Non-UTF-8 and binary data: the parser turns it into text frames the tracker shrugs off."""
    parser, tracker = FrameParser(), CallTracker()
    events: list[Event] = []
    for n, chunk in enumerate(chunks):
        for frame in parser.feed(chunk):
            events += tracker.feed(frame, T0 + timedelta(seconds=n))
    check_told_in_order(events)


# ------------------------------------------------------------------ what the fuzzing found, pinned


def test_a_call_heard_again_after_it_ended_is_not_a_new_call() -> None:
    """Was a second CallOffered (and CallEnded) for the same call id: a late leg re-created the ended call."""
    require_transcripts("s1-sip-inbound-answered")
    frames = _recorded_frames("s1-sip-inbound-answered")
    tracker = CallTracker()
    first = feed_all(tracker, frames)
    again = feed_all_from(tracker, frames, len(frames))
    assert next(type(e) for e in first if isinstance(e, CallEvent)) is CallOffered
    assert [e for e in again if isinstance(e, CallEvent)] == []
    assert tracker.stats()["calls"] == 0


def test_an_answer_before_the_call_is_known_is_not_told() -> None:
    """Was a CallAnswered for a call never offered: AgentConnect read before the caller's channel was placed."""
    newchannel = Frame(
        [
            ("Event", "Newchannel"),
            ("Channel", "PJSIP/agent1-00000001"),
            ("ChannelState", "0"),
            ("Uniqueid", "9.1"),
            ("Linkedid", "9.0"),
        ]
    )
    connect = Frame(
        [
            ("Event", "AgentConnect"),
            ("Queue", "support"),
            ("Uniqueid", "9.0"),
            ("Linkedid", "9.0"),
            ("DestUniqueid", "9.1"),
            ("DestChannel", "PJSIP/agent1-00000001"),
            ("Interface", "PJSIP/agent1"),
            ("HoldTime", "2"),
        ]
    )
    events = feed_all(CallTracker(), [newchannel, connect])
    check_told_in_order(events)
