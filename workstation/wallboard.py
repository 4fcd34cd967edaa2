"""The wallboard's live figures (a pure fold): per queue, per operator and per 15-minute interval of the day.

`WallboardStats.apply(event)` folds one CTI event in and returns only the figures it changed (what a pusher
sends); nothing reads a clock: the day and every "since" come from the events' `at`. The statistics of the
day (offered, answered, abandoned, service level, ASA, AHT, the interval charts, each operator's calls) are
the stored call cards summed: the fold keeps, for each call in progress, the card as the card writer stores
it — the same rules (cards.card_change over the same live call fold), applied as CardWriter applies them —
and moves that call's part of the figures (crm_store.stats.card_counts) whenever its card changes. So the
live figures equal, by construction, the recomputation from the stored cards (crm_store.stats.day_stats),
which is how `WallboardStats.seeded` rebuilds them after a restart. The definitions are in crm_store/stats.py.
Not followed: the workstation's own bookkeeping of the calls ccdesk originates (CallService._own_originate),
which changes no figure (those calls reach no queue, and their answer is an event like any other). A card
changes no figure after its call's CallEnded (the tracker sends nothing that changes it afterwards).

What cards do not hold is the present: callers waiting and the longest wait (workstation.queue_load's fold,
corrected by the PBX's queue summary) and the operators' states with their time in state (the member
events; after a restart the PBX's member snapshot). Those restart from the PBX, not from the cards.

Operator states: offline (in no queue, or the phone is unreachable), ringing, talking (also dialling out),
wrap_up (paused for after-call work), paused (with its reason), free. A queue's operators: free; busy =
ringing, talking or in wrap-up; paused = paused for another reason (offline members are not counted).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from crm_store import stats as st
from crm_store.vocabulary import CallState
from cti import events as ev

from . import queue_load as ql
from .cards import CardChange, card_change
from .live import LiveCall, LiveCalls
from .presence import AFTER_CALL_WORK

DEFAULT_TZ = "Europe/Moscow"
_OPEN_KEYS = ("direction", "caller_number", "called_number", "offered_at")  # set only when the card is created
_UNREACHABLE = (ev.DeviceStatus.UNAVAILABLE, ev.DeviceStatus.INVALID)


class OperatorState:
    OFFLINE = "offline"
    FREE = "free"
    RINGING = "ringing"
    TALKING = "talking"
    WRAP_UP = "wrap_up"
    PAUSED = "paused"


# ------------------------------------------------------------------ the figures (what the page shows)


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueFigures:
    queue: str
    day: st.Counts  # the day so far (see crm_store/stats.py for every definition)
    threshold_seconds: int
    waiting: int
    waiting_since: datetime | None  # the longest-waiting caller joined then: longest wait = now - this
    operators_free: int
    operators_busy: int
    operators_paused: int

    def to_json(self) -> dict[str, Any]:
        return {
            "queue": self.queue,
            **self.day.to_json(),
            "threshold_seconds": self.threshold_seconds,
            "waiting": self.waiting,
            "waiting_since": _iso(self.waiting_since),
            "operators_free": self.operators_free,
            "operators_busy": self.operators_busy,
            "operators_paused": self.operators_paused,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class OperatorFigures:
    interface: str
    name: str | None
    state: str  # an OperatorState
    pause_reason: str | None
    since: datetime | None  # in this state since: time in state = now - this
    queues: tuple[str, ...]
    day: st.OperatorCounts

    def to_json(self) -> dict[str, Any]:
        return {
            "interface": self.interface,
            "name": self.name,
            "state": self.state,
            "pause_reason": self.pause_reason,
            "since": _iso(self.since),
            "queues": list(self.queues),
            "answered": self.day.answered,
            "talk_seconds": self.day.talk_seconds,
            "aht_seconds": self.day.talk_seconds / self.day.talked if self.day.talked else None,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class IntervalFigures:
    queue: str
    index: int  # 0 = the first 15 minutes of the day
    start: datetime  # local time
    counts: st.Counts

    @property
    def average_waiting(self) -> float:
        """Calls waiting on average during the interval: the waits of its calls / its length."""
        return self.counts.waited_seconds / st.INTERVAL.total_seconds()

    def to_json(self) -> dict[str, Any]:
        return {
            "queue": self.queue,
            "index": self.index,
            "start": self.start.isoformat(),
            **self.counts.to_json(),
            "average_waiting": self.average_waiting,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class Changes:
    """What one event changed: the pusher sends these. `new_day`: every figure of the day restarts."""

    queues: tuple[QueueFigures, ...] = ()
    operators: tuple[OperatorFigures, ...] = ()
    intervals: tuple[IntervalFigures, ...] = ()
    new_day: bool = False

    def __bool__(self) -> bool:
        return bool(self.queues or self.operators or self.intervals or self.new_day)

    def to_json(self) -> dict[str, Any]:
        return {
            "new_day": self.new_day,
            "queues": [q.to_json() for q in self.queues],
            "operators": [o.to_json() for o in self.operators],
            "intervals": [i.to_json() for i in self.intervals],
        }


@dataclass(slots=True)
class Touched:
    """The figures that events changed since they were last sent (names, not values: a figure is read when it
    is sent, so the newest value goes out however many events moved it)."""

    queues: set[str] = field(default_factory=set)
    operators: set[str] = field(default_factory=set)
    intervals: set[tuple[str, int]] = field(default_factory=set)
    new_day: bool = False

    def __bool__(self) -> bool:
        return bool(self.queues or self.operators or self.intervals or self.new_day)


@dataclass(frozen=True, slots=True, kw_only=True)
class Wallboard:
    day: date
    queues: tuple[QueueFigures, ...]
    operators: tuple[OperatorFigures, ...]
    intervals: tuple[IntervalFigures, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "queues": [q.to_json() for q in self.queues],
            "operators": [o.to_json() for o in self.operators],
            "intervals": [i.to_json() for i in self.intervals],
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


# ------------------------------------------------------------------ operators (from member and call events)


@dataclass(frozen=True, slots=True, kw_only=True)
class _Operator:
    interface: str
    name: str | None = None
    queues: frozenset[str] = frozenset()
    paused: bool = False
    pause_reason: str | None = None
    unreachable: bool = False
    call_id: str | None = None
    call_state: str | None = None  # ringing | talking
    state: str = OperatorState.OFFLINE
    shown_reason: str | None = None  # the pause reason of `state` (a new reason is a new state)
    since: datetime | None = None

    def settled(self, at: datetime) -> _Operator:
        """With its state derived again; `since` moves only when the state (or pause reason) does."""
        if self.call_state is not None:
            state = self.call_state
        elif not self.queues or self.unreachable:
            state = OperatorState.OFFLINE
        elif self.paused and self.pause_reason == AFTER_CALL_WORK:
            state = OperatorState.WRAP_UP
        elif self.paused:
            state = OperatorState.PAUSED
        else:
            state = OperatorState.FREE
        reason = self.pause_reason if state == OperatorState.PAUSED else None
        if (state, reason) == (self.state, self.shown_reason):
            return self
        return _with(self, state=state, shown_reason=reason, since=at)


def _with(op: _Operator, **changes: Any) -> _Operator:
    values = {n: getattr(op, n) for n in _Operator.__dataclass_fields__}
    return _Operator(**{**values, **changes})


# ------------------------------------------------------------------ the fold


@dataclass(slots=True)
class WallboardStats:
    """The live wallboard. Feed every CTI event to `apply` (or register `handle` on the event stream)."""

    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TZ))
    service_levels: Mapping[str, int] = field(default_factory=dict)  # queue -> threshold seconds
    default_service_level: int = st.DEFAULT_SERVICE_LEVEL_SECONDS
    day: date | None = None
    day_start: datetime | None = None
    day_end: datetime | None = None
    intervals: dict[tuple[str, int], st.Counts] = field(default_factory=dict)
    queue_totals: dict[str, st.Counts] = field(default_factory=dict)
    operator_totals: dict[str, st.OperatorCounts] = field(default_factory=dict)
    cards: dict[str, st.CardFacts] = field(default_factory=dict)  # calls in progress, as their cards are
    calls: LiveCalls = field(default_factory=LiveCalls)
    board: ql.Board = field(default_factory=dict)
    operators: dict[str, _Operator] = field(default_factory=dict)
    on_call: dict[str, set[str]] = field(default_factory=dict)  # call id -> interfaces ringing/talking on it
    members: dict[str, set[str]] = field(default_factory=dict)  # queue -> interfaces
    # queue -> operator state -> how many of its members are in it: kept as operators change, so a queue's
    # figures never walk its members (2,000 of them on a large floor, for every event)
    states: dict[str, Counter[str]] = field(default_factory=dict)

    # -------------------------------------------------------------- building and rebuilding
    @classmethod
    def seeded(
        cls,
        stored: st.DayStats,
        *,
        tz: ZoneInfo | None = None,
        service_levels: Mapping[str, int] | None = None,
        default_service_level: int = st.DEFAULT_SERVICE_LEVEL_SECONDS,
        writer_restarted: bool = True,
    ) -> WallboardStats:
        """The figures of the day rebuilt from the stored cards (crm_store.stats.day_stats over `day_bounds`);
        the calls still in progress go on from their cards.

        The card rules look at a call's history (was it handed on, abandoned…). `writer_restarted`: the card
        writer restarted with us (one process) and knows the calls only from the events it sees from now on
        (the tracker's resync re-offers them): follow them the same way. False: the writer kept running, so
        the calls' history is taken from their cards, as far as cards tell it."""
        board = cls(
            tz=tz or ZoneInfo(DEFAULT_TZ),
            service_levels=dict(service_levels or {}),
            default_service_level=default_service_level,
        )
        board.day = stored.start.astimezone(board.tz).date()
        board.day_start, board.day_end = stored.start, stored.end
        board.intervals = dict(stored.intervals)
        for (queue, _), counts in stored.intervals.items():
            board.queue_totals[queue] = board.queue_totals.get(queue, st.ZERO) + counts
        board.operator_totals = dict(stored.operators)
        for card in stored.open_cards:
            board.cards[card.call_id] = card
            if not writer_restarted:
                board.calls.active[card.call_id] = _live_call_of(card)
        return board

    def day_bounds(self, day: date) -> tuple[datetime, datetime]:
        return day_bounds(day, self.tz)

    # -------------------------------------------------------------- events in
    async def handle(self, event: object) -> None:
        """The event-stream subscriber that only keeps the figures (a pusher calls `apply` for the changes)."""
        self.fold_into(event, Touched())

    def apply(self, event: object) -> Changes:
        """Fold `event` in; the figures it changed (all of them, `new_day`, when it starts a new day)."""
        touched = Touched()
        self.fold_into(event, touched)
        return self.changes_of(touched)

    def fold_into(self, event: object, touched: Touched) -> None:
        """Fold `event` in and add what it changed to `touched`: the figures themselves are built only when
        they are sent (`changes_of`), once for all the events of a push, not once per event."""
        at = getattr(event, "at", None)
        if isinstance(at, datetime) and self._roll(at):
            touched.new_day = True
        self._follow_card(event, touched.queues, touched.intervals, touched.operators)
        before = self.board
        self.board = ql.fold_owned(self.board, event)
        if self.board is not before:
            touched.queues.update(q for q in self.board if self.board[q] is not before.get(q))
        touched.operators.update(self._follow_operators(event, touched.queues))

    def changes_of(self, touched: Touched) -> Changes:
        """The figures as they are now of what `touched` names (every figure after a new day)."""
        if touched.new_day:
            return self.figures_as_changes()
        return Changes(
            queues=tuple(self.queue_figures(q) for q in sorted(touched.queues)),
            operators=tuple(self.operator_figures(i) for i in sorted(touched.operators)),
            intervals=tuple(self.interval_figures(q, i) for q, i in sorted(touched.intervals)),
        )

    def tick(self, now: datetime) -> Changes:
        """The clock passed midnight with no event: a new day starts with empty figures."""
        return self.figures_as_changes() if self._roll(now) else Changes()

    def _roll(self, at: datetime) -> bool:
        local = at.astimezone(self.tz).date()
        if self.day is not None and local <= self.day:
            return False
        fresh = self.day is not None
        self.day = local
        self.day_start, self.day_end = self.day_bounds(local)
        self.intervals, self.queue_totals, self.operator_totals = {}, {}, {}
        # Calls still going on belong to the day they were offered: they add nothing to the new one. Cards
        # of calls whose end never came are forgotten after a day, as the rebuild does (st.OPEN_LOOKBACK).
        oldest = self.day_start - st.OPEN_LOOKBACK
        self.cards = {k: card for k, card in self.cards.items() if card.offered_at >= oldest}
        return fresh

    # -------------------------------------------------------------- call cards
    def _follow_card(
        self, event: object, queues: set[str], intervals: set[tuple[str, int]], operators: set[str]
    ) -> None:
        call_id = getattr(event, "call_id", None)
        before = self.calls.get(call_id) if call_id else None
        call = self.calls.apply(event)
        change = card_change(event, call, before)
        if change is not None:
            self._store(change, queues, intervals, operators)
        if isinstance(event, ev.CallEnded):
            self.cards.pop(event.call_id, None)  # its card is final: its part of the figures stays as it is

    def _store(
        self, change: CardChange, queues: set[str], intervals: set[tuple[str, int]], operators: set[str]
    ) -> None:
        """The card as CardWriter leaves it after `change`: created once (an open of an existing card changes
        only the other fields), updated only when it exists."""
        fields = dict(change.fields)
        old = self.cards.get(change.call_id)
        card = old
        if change.open:
            opened = {k: fields.pop(k) for k in _OPEN_KEYS if k in fields}
            if card is None and "offered_at" in opened:
                card = st.CardFacts(call_id=change.call_id, **opened)
        if card is None:
            return
        if fields.get("state") == CallState.IVR.value:
            fields["ivr_ran"] = True
        card = card.changed(fields)
        self.cards[change.call_id] = card
        if card is not old:
            self._move(old, card, queues, intervals, operators)

    def _move(
        self,
        old: st.CardFacts | None,
        new: st.CardFacts,
        queues: set[str],
        intervals: set[tuple[str, int]],
        operators: set[str],
    ) -> None:
        for card, sign in ((old, -1), (new, 1)):
            if card is None or not self._in_day(card.offered_at):
                continue
            assert self.day_start is not None
            if card.queue is not None:
                key = (card.queue, st.interval_index(self.day_start, card.offered_at))
                counts = st.card_counts(card, self.threshold(card.queue))
                _add(self.intervals, key, counts, sign, st.ZERO)
                _add(self.queue_totals, card.queue, counts, sign, st.ZERO)
                queues.add(card.queue)
                intervals.add(key)
            part = st.operator_counts(card)
            if card.agent_interface is not None and part != st.NO_OPERATOR_COUNTS:
                _add(self.operator_totals, card.agent_interface, part, sign, st.NO_OPERATOR_COUNTS)
                operators.add(card.agent_interface)

    def _in_day(self, at: datetime) -> bool:
        return self.day_start is not None and self.day_end is not None and self.day_start <= at < self.day_end

    def threshold(self, queue: str) -> int:
        return self.service_levels.get(queue, self.default_service_level)

    # -------------------------------------------------------------- operators
    def _follow_operators(self, event: object, queues: set[str]) -> set[str]:
        """Fold the event into the operators; returns those that changed (and adds the queues they touch)."""
        changed: dict[str, _Operator] = {}

        def get(interface: str) -> _Operator:
            return changed.get(interface) or self.operators.get(interface) or _Operator(interface=interface)

        match event:
            case ev.AgentStateChanged():
                op = get(event.agent)
                member_of = (
                    op.queues - {event.queue} if event.change is ev.MemberChange.REMOVED else op.queues | {event.queue}
                )
                changed[event.agent] = _with(
                    op,
                    name=event.agent_name or op.name,
                    queues=member_of,
                    paused=event.paused,
                    pause_reason=(event.pause_reason or None) if event.paused else None,
                    unreachable=event.status in _UNREACHABLE,
                )
            case ev.CallOffered(agent=str() as agent) if event.direction == ev.Direction.OUTBOUND:
                changed[agent] = _with(get(agent), call_id=event.call_id, call_state=OperatorState.TALKING)
            case ev.AgentRinging():
                op = get(event.agent)
                if op.call_state != OperatorState.TALKING:
                    changed[event.agent] = _with(op, call_id=event.call_id, call_state=OperatorState.RINGING)
            case ev.AgentRingNoAnswer():
                op = get(event.agent)
                if op.call_state == OperatorState.RINGING and op.call_id == event.call_id:
                    changed[event.agent] = _with(op, call_id=None, call_state=None)
            case ev.CallAnswered():
                for interface in self.on_call.get(event.call_id, set()) - {event.agent}:
                    op = get(interface)
                    if op.call_state == OperatorState.RINGING and op.call_id == event.call_id:
                        changed[interface] = _with(op, call_id=None, call_state=None)  # another phone took it
                if event.agent:
                    changed[event.agent] = _with(
                        get(event.agent), call_id=event.call_id, call_state=OperatorState.TALKING
                    )
            case ev.CallTransferred():
                if event.from_agent:
                    op = get(event.from_agent)
                    if op.call_id == event.call_id:
                        changed[event.from_agent] = _with(op, call_id=None, call_state=None)
                if event.to_agent:
                    changed[event.to_agent] = _with(
                        get(event.to_agent), call_id=event.call_id, call_state=OperatorState.TALKING
                    )
            case ev.CallAbandoned() | ev.CallEnded():
                for interface in self.on_call.get(event.call_id, set()):
                    op = get(interface)
                    if op.call_id == event.call_id:
                        changed[interface] = _with(op, call_id=None, call_state=None)
        at = getattr(event, "at", None)
        moved: set[str] = set()
        for interface, op in changed.items():
            previous = self.operators.get(interface)
            settled = op.settled(at) if isinstance(at, datetime) else op
            if settled == previous:
                continue
            if previous is not None and previous.call_id and previous.call_id != settled.call_id:
                self._off_call(previous.call_id, interface)
            if settled.call_id:
                self.on_call.setdefault(settled.call_id, set()).add(interface)
            left = previous.queues - settled.queues if previous else frozenset()
            for q in left:
                self.members.get(q, set()).discard(interface)
            for q in settled.queues:
                self.members.setdefault(q, set()).add(interface)
            if previous is not None:
                for q in previous.queues:
                    self.states[q][previous.state] -= 1
            for q in settled.queues:
                self.states.setdefault(q, Counter())[settled.state] += 1
            queues.update(left | settled.queues)
            self.operators[interface] = settled
            moved.add(interface)
        return moved

    def _off_call(self, call_id: str, interface: str) -> None:
        on = self.on_call.get(call_id)
        if on is not None:
            on.discard(interface)
            if not on:
                del self.on_call[call_id]

    # -------------------------------------------------------------- figures out
    def queue_figures(self, queue: str) -> QueueFigures:
        q = self.board.get(queue)
        load_waiting = (len(q.waiting) + q.unseen) if q is not None else 0
        joined = [*q.waiting.values(), *([q.unseen_since] if q.unseen and q.unseen_since else [])] if q else []
        states = self.states.get(queue) or Counter()
        return QueueFigures(
            queue=queue,
            day=self.queue_totals.get(queue, st.ZERO),
            threshold_seconds=self.threshold(queue),
            waiting=load_waiting,
            waiting_since=min(joined) if joined else None,
            operators_free=states[OperatorState.FREE],
            operators_busy=states[OperatorState.RINGING]
            + states[OperatorState.TALKING]
            + states[OperatorState.WRAP_UP],
            operators_paused=states[OperatorState.PAUSED],
        )

    def operator_figures(self, interface: str) -> OperatorFigures:
        op = self.operators.get(interface) or _Operator(interface=interface)
        return OperatorFigures(
            interface=interface,
            name=op.name,
            state=op.state,
            pause_reason=op.shown_reason,
            since=op.since,
            queues=tuple(sorted(op.queues)),
            day=self.operator_totals.get(interface, st.NO_OPERATOR_COUNTS),
        )

    def interval_figures(self, queue: str, index: int) -> IntervalFigures:
        assert self.day_start is not None
        return IntervalFigures(
            queue=queue,
            index=index,
            start=(self.day_start + index * st.INTERVAL).astimezone(self.tz),
            counts=self.intervals.get((queue, index), st.ZERO),
        )

    def figures(self) -> Wallboard:
        queues = sorted({*self.queue_totals, *self.board, *self.members})
        interfaces = sorted({*self.operators, *self.operator_totals})
        return Wallboard(
            day=self.day or date.min,
            queues=tuple(self.queue_figures(q) for q in queues),
            operators=tuple(self.operator_figures(i) for i in interfaces),
            intervals=tuple(self.interval_figures(q, i) for q, i in sorted(self.intervals)),
        )

    def figures_as_changes(self) -> Changes:
        board = self.figures()
        return Changes(queues=board.queues, operators=board.operators, intervals=board.intervals, new_day=True)


def day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The local day [midnight, next midnight) as aware instants."""
    start = datetime.combine(day, time(), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=tz)
    # In UTC: arithmetic on a zoned datetime is wall-clock arithmetic, wrong across a DST change.
    return start.astimezone(UTC), end.astimezone(UTC)


def _add(totals: dict[Any, Any], key: Any, part: Any, sign: int, zero: Any) -> None:
    """Add (sign 1) or take back (-1) a card's part; a total back to zero is dropped, as the SQL has no row."""
    total = totals.get(key, zero)
    total = total + part if sign > 0 else total - part
    if total == zero:
        totals.pop(key, None)
    else:
        totals[key] = total


def _live_call_of(card: st.CardFacts) -> LiveCall:
    """The live call a stored card stands for, as far as the card rules look at it (after a restart)."""
    return LiveCall(
        call_id=card.call_id,
        direction=card.direction,
        state=card.state,
        caller_number=card.caller_number,
        dialed_number=card.called_number,
        customer_number=card.caller_number,
        offered_at=card.offered_at,
        queue=card.queue,
        agent=card.agent_interface,
        answered_at=card.answered_at,
        abandoned=card.outcome == st.ABANDONED,
        ivr_ran=card.ivr_ran,
        transferred_at=card.offered_at if card.transferred_to else None,
    )
