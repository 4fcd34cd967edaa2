"""The live queue load as a table: call and member events in, waiting / longest wait / free agents out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cti import events as ev
from routing import QueueLoad
from workstation.queue_load import Board, LiveQueueLoad, QueueState, fold, load_of

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def queued(call_id: str, queue: str = "billing", t: float = 0) -> ev.CallQueued:
    return ev.CallQueued(call_id=call_id, at=at(t), queue=queue, position=1, caller_number=None)


def answered(call_id: str, queue: str = "billing") -> ev.CallAnswered:
    return ev.CallAnswered(
        call_id=call_id, at=at(30), queue=queue, agent="PJSIP/1001", agent_name=None, agent_channel=None, wait_seconds=5
    )


def abandoned(call_id: str, queue: str = "billing") -> ev.CallAbandoned:
    return ev.CallAbandoned(
        call_id=call_id,
        at=at(30),
        queue=queue,
        position=1,
        original_position=1,
        wait_seconds=5,
        reason=ev.AbandonReason.CALLER_HANGUP,
    )


def ended(call_id: str) -> ev.CallEnded:
    return ev.CallEnded(
        call_id=call_id,
        at=at(30),
        direction=ev.Direction.INBOUND,
        answered=False,
        queue="billing",
        agent=None,
        talk_seconds=None,
        duration_seconds=None,
        cause=16,
        cause_text=None,
        ended_by=None,
    )


def transferred(call_id: str) -> ev.CallTransferred:
    return ev.CallTransferred(call_id=call_id, at=at(30), kind=ev.TransferKind.BLIND, from_agent="PJSIP/1001")


def agent(
    interface: str,
    change: ev.MemberChange = ev.MemberChange.ADDED,
    status: ev.DeviceStatus = ev.DeviceStatus.NOT_INUSE,
    paused: bool = False,
    in_call: bool = False,
    queue: str = "billing",
) -> ev.AgentStateChanged:
    return ev.AgentStateChanged(
        at=T0,
        agent=interface,
        agent_name=None,
        queue=queue,
        change=change,
        status=status,
        paused=paused,
        pause_reason=None,
        in_call=in_call,
        calls_taken=0,
        dynamic=True,
    )


def summary(callers: int, available: int = 0, longest: int = 0, t: float = 40) -> ev.QueueStatsUpdated:
    return ev.QueueStatsUpdated(
        at=at(t),
        queue="billing",
        logged_in=2,
        available=available,
        callers=callers,
        hold_seconds=0,
        talk_seconds=0,
        longest_hold_seconds=longest,
    )


NINE = [queued(f"c{i}", t=i) for i in range(9)]


TABLE = pytest.mark.parametrize(
    ("events", "load"),
    [
        ([], QueueLoad()),
        (NINE, QueueLoad(waiting=9, longest_wait_seconds=60)),
        (
            [*NINE, answered("c0"), abandoned("c1"), ended("c2"), transferred("c3")],
            QueueLoad(waiting=5, longest_wait_seconds=56),
        ),
        ([queued("c1"), abandoned("c1"), ended("c1")], QueueLoad()),
        # A call moved to another queue leaves the first one.
        ([queued("c1"), queued("c1", "support", t=10)], QueueLoad()),
        # Free agents from the member events: paused, busy, ringing or unreachable ones are not free.
        (
            [
                agent("PJSIP/1"),
                agent("PJSIP/2", paused=True),
                agent("PJSIP/3", status=ev.DeviceStatus.INUSE, in_call=True),
                agent("PJSIP/4", status=ev.DeviceStatus.RINGING),
                agent("PJSIP/5", status=ev.DeviceStatus.UNAVAILABLE),
                agent("PJSIP/6", ev.MemberChange.SNAPSHOT),
            ],
            QueueLoad(available_agents=2),
        ),
        ([agent("PJSIP/1"), agent("PJSIP/1", ev.MemberChange.REMOVED)], QueueLoad()),
        ([agent("PJSIP/1"), agent("PJSIP/1", ev.MemberChange.PAUSED, paused=True)], QueueLoad()),
        # The summary corrects: callers no event told of are counted, with their wait …
        ([queued("c1", t=50), summary(3, longest=40, t=55)], QueueLoad(waiting=3, longest_wait_seconds=45)),
        # … and leave as they are answered or give up,
        ([summary(2, longest=10), abandoned("x1"), ended("x1")], QueueLoad(waiting=1, longest_wait_seconds=30)),
        ([summary(1, longest=10), answered("x1")], QueueLoad()),
        # tracked callers beyond the PBX's count are the oldest (their end was missed),
        ([*NINE, summary(2)], QueueLoad(waiting=2, longest_wait_seconds=53)),
        ([*NINE, summary(0)], QueueLoad()),
        # its free-agent figure stands until the next member event.
        ([agent("PJSIP/1"), summary(0, available=0)], QueueLoad()),
        ([agent("PJSIP/1"), summary(0, available=0), agent("PJSIP/2")], QueueLoad(available_agents=2)),
    ],
)


@TABLE
def test_queue_load_follows_the_calls_and_the_pbx_corrects_it(events: list[object], load: QueueLoad) -> None:
    board: Board = {}
    for event in events:
        board = fold(board, event)
    assert load_of(board.get("billing", QueueState()), at(60)) == load


def test_other_queues_are_left_alone_and_the_board_is_not_changed_in_place() -> None:
    board = fold({}, queued("c1", "support"))
    after = fold(board, queued("c2"))
    assert set(after) == {"support", "billing"} and set(board) == {"support"}


async def test_the_live_load_reads_as_a_mapping_of_queue_loads() -> None:
    live = LiveQueueLoad(clock=lambda: at(60))
    for event in NINE:
        await live.handle(event)
    assert live["billing"] == QueueLoad(waiting=9, longest_wait_seconds=60)
    assert dict(live) == live.snapshot() == {"billing": QueueLoad(waiting=9, longest_wait_seconds=60)}


@TABLE
async def test_the_live_load_changes_members_in_place_and_reads_as_the_pure_fold(
    events: list[object], load: QueueLoad
) -> None:
    live = LiveQueueLoad(clock=lambda: at(60))
    for event in events:
        await live.handle(event)
    assert live.snapshot().get("billing", QueueLoad()) == load
