"""Live queue load (pure fold + a thin holder): callers waiting, the longest wait and free agents per queue.

Routing's overflow rule and the supervisor's live view read it. It follows the call events as they come
(CallQueued adds a caller; answered, abandoned, transferred or ended calls leave) and the members' state
(AgentStateChanged), and a periodic QueueSummary (QueueStatsUpdated) corrects it: the PBX's count of
callers wins — callers no event told of are counted as `unseen`, tracked callers beyond its count are the
oldest ones (their end was missed) and are dropped. Member events are reliable, so the free agents come
from them, with the summary's figure standing until the next member event of that queue.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from cti import control as cc
from cti import events as ev
from cti.errors import CtiError
from routing import QueueLoad

log = logging.getLogger(__name__)

SUMMARY_INTERVAL_S = 30.0
_FREE = (ev.DeviceStatus.NOT_INUSE, ev.DeviceStatus.UNKNOWN)  # as Asterisk counts "Available"


@dataclass(frozen=True, slots=True, kw_only=True)
class Member:
    paused: bool
    status: ev.DeviceStatus
    in_call: bool

    @property
    def available(self) -> bool:
        return not self.paused and not self.in_call and self.status in _FREE


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueState:
    waiting: Mapping[str, datetime] = field(default_factory=dict)  # call id -> queued at, oldest first
    unseen: int = 0  # callers the PBX counted that no event told of
    unseen_since: datetime | None = None  # when the longest-waiting of them joined
    members: Mapping[str, Member] = field(default_factory=dict)  # by interface
    available_pbx: int | None = None  # the last summary's figure, until a member event


Board = Mapping[str, QueueState]


def fold(board: Board, event: object) -> Board:
    """The board after one CTI event (the input is never changed)."""
    match event:
        case ev.CallQueued():
            out = _leave_all(board, event.call_id)
            q = out.get(event.queue, QueueState())
            return {**out, event.queue: replace(q, waiting={**q.waiting, event.call_id: event.at})}
        case ev.CallAnswered() | ev.CallAbandoned():
            queue = event.queue
            if queue and queue in board and event.call_id not in board[queue].waiting and board[queue].unseen:
                q = board[queue]  # one of the callers only the summary knew of
                unseen = q.unseen - 1
                board = {**board, queue: replace(q, unseen=unseen, unseen_since=q.unseen_since if unseen else None)}
            return _leave_all(board, event.call_id)
        case ev.CallTransferred() | ev.CallEnded():
            return _leave_all(board, event.call_id)
        case ev.AgentStateChanged():
            q = board.get(event.queue, QueueState())
            return {**board, event.queue: _member_changed(q, event, dict(q.members))}
        case ev.QueueStatsUpdated():
            return {**board, event.queue: _corrected(board.get(event.queue, QueueState()), event)}
    return board


def fold_owned(board: Board, event: object) -> Board:
    """`fold` for a holder whose board is its own: a member event changes the member in its queue's dict in
    place (a new QueueState still marks the queue as changed). Copying a queue's members on every member
    event cost O(operators) per event: 2,000 members, several member events a call, 100 calls a second."""
    if isinstance(event, ev.AgentStateChanged):
        q = board.get(event.queue) or QueueState()
        members = q.members if isinstance(q.members, dict) else dict(q.members)
        return {**board, event.queue: _member_changed(q, event, members)}
    return fold(board, event)


def _member_changed(q: QueueState, event: ev.AgentStateChanged, members: dict[str, Member]) -> QueueState:
    """`q` with the member as the event says, written into `members` (a copy, or the holder's own dict)."""
    if event.change is ev.MemberChange.REMOVED:
        members.pop(event.agent, None)
    else:
        members[event.agent] = Member(paused=event.paused, status=event.status, in_call=event.in_call)
    return replace(q, members=members, available_pbx=None)


def _leave_all(board: Board, call_id: str) -> Board:
    if not any(call_id in q.waiting for q in board.values()):
        return board
    return {
        name: replace(q, waiting={c: t for c, t in q.waiting.items() if c != call_id}) if call_id in q.waiting else q
        for name, q in board.items()
    }


def _corrected(q: QueueState, summary: ev.QueueStatsUpdated) -> QueueState:
    calls = sorted(q.waiting.items(), key=lambda item: item[1])
    kept = dict(calls[len(calls) - summary.callers :]) if summary.callers < len(calls) else dict(calls)
    unseen = max(0, summary.callers - len(kept))
    since = summary.at - timedelta(seconds=summary.longest_hold_seconds) if unseen else None
    return replace(q, waiting=kept, unseen=unseen, unseen_since=since, available_pbx=summary.available)


def load_of(q: QueueState, now: datetime) -> QueueLoad:
    joined = [*q.waiting.values(), *([q.unseen_since] if q.unseen and q.unseen_since else [])]
    longest = max((now - t).total_seconds() for t in joined) if joined else 0.0
    available = q.available_pbx if q.available_pbx is not None else sum(m.available for m in q.members.values())
    return QueueLoad(
        waiting=len(q.waiting) + q.unseen, available_agents=available, longest_wait_seconds=max(0, int(longest))
    )


class LiveQueueLoad(Mapping[str, QueueLoad]):
    """The board kept up to date: register `handle` as a subscriber of the CTI event stream; read it as a
    mapping of queue name -> QueueLoad (what routing's CallFacts.load and the supervisor's view take)."""

    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self.board: Board = {}

    async def handle(self, event: object) -> None:
        # The holder's board is its own; readers get QueueLoads computed from it, never the dicts.
        self.board = fold_owned(self.board, event)

    def snapshot(self) -> dict[str, QueueLoad]:
        now = self.clock()
        return {name: load_of(q, now) for name, q in self.board.items()}

    def __getitem__(self, queue: str) -> QueueLoad:
        return load_of(self.board[queue], self.clock())

    def __iter__(self) -> Iterator[str]:
        return iter(self.board)

    def __len__(self) -> int:
        return len(self.board)


async def correct_periodically(execute: Callable[[Any], Awaitable[Any]], interval: float = SUMMARY_INTERVAL_S) -> None:
    """Ask the PBX for a QueueSummary every `interval` seconds; its answer comes back through the event stream
    as QueueStatsUpdated, in order with the call events, and corrects the board there. Run it as a kept task
    (cancel it on shutdown); a PBX that is away is simply asked again next time."""
    while True:
        await asyncio.sleep(interval)
        try:
            await execute(cc.QueueSummary())
        except CtiError as exc:
            log.debug("queue summary not sent: %s", exc)
