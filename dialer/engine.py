"""The running dialer as one pure state machine: `step(state, event, now) -> (state, commands)`.

It knows the running campaigns, the operators of their queues (from AgentStateChanged), the calls it placed
and the debtors due now (handed in by the service from the store). On a Tick it paces (pacing.py) and asks
compliance.clear for each debtor: only a Dial becomes a PlaceCall, so nothing is dialled outside a window
or over a limit. When a debtor answers it decides at once: an operator is free → the call goes on to the
queue and is recorded; none is → the call hears the recorded message and is counted as abandoned.
The service (service.py) only executes the commands.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from immutables import Map

from cti import events as ev

from . import pacing
from .compliance import Dial, Policy, Refusal, clear
from .debtor import Debtor
from .vocabulary import AttemptResult, PacingMode

NO_REST = 0.0  # State.rest of a queue without after-call work
FREE_STATUSES = frozenset({ev.DeviceStatus.NOT_INUSE, ev.DeviceStatus.UNKNOWN})
RESULT_OF = {
    ev.OriginateOutcome.BUSY: AttemptResult.BUSY,
    ev.OriginateOutcome.NO_ANSWER: AttemptResult.NO_ANSWER,
    ev.OriginateOutcome.CONGESTION: AttemptResult.CONGESTION,
    ev.OriginateOutcome.FAILED: AttemptResult.FAILED,
    ev.OriginateOutcome.UNKNOWN: AttemptResult.FAILED,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Run:
    """A running campaign as the engine needs it."""

    campaign_id: int
    queue: str
    mode: PacingMode
    policy: Policy
    dial_level: float = 1.0  # the supervisor's scale of the predictive estimate
    caller_id: str = ""
    creditor: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Placed:
    campaign_id: int
    debtor_id: int
    e164: str
    at: datetime
    channel: str | None = None
    answered_at: datetime | None = None
    queued: bool = False
    agent: str | None = None  # the operator who took it
    connected_at: datetime | None = None
    abandoned: bool = False
    phone_first: bool = False  # preview: the operator's phone rings first, then dials the debtor
    queue: str | None = None  # the campaign's queue when it was placed (a call answered after a stop keeps it)
    ringing: str | None = None  # answered and queued: the operator's phone it rings now (no longer free)


@dataclass(frozen=True, slots=True, kw_only=True)
class State:
    prefix: str  # call ids are f"{prefix}-{seq}": ccdesk's own ChannelIds, unique per start
    seq: int = 0
    runs: dict[int, Run] = field(default_factory=dict)
    pacers: dict[int, pacing.Pacer] = field(default_factory=dict)
    # (queue, interface) → free. Persistent maps (a HAMT): a member event or a call's end makes a new state
    # in O(log n); copying a dict of 2,000 phones for each was a walk over the floor per event.
    members: Map[tuple[str, str], bool] = field(default_factory=Map)
    calls: dict[str, Placed] = field(default_factory=dict)
    due: dict[int, tuple[Debtor, ...]] = field(default_factory=dict)
    do_not_call: frozenset[str] = frozenset()
    # After-call work: how long an operator of a queue may be held after a call (0: none). The PBX shows them
    # free the moment the call ends and ccdesk's wrap-up pause follows a moment later; dialling for them in
    # between rings a debtor for an operator who will not be free when the debtor answers (an abandon).
    rest: Callable[[str | None], float] = lambda _queue: NO_REST
    # interface → (free again at the latest, its wrap-up pause seen): held out of the free operators until the
    # pause that began after the call is lifted (the card saved, "Готов", the timer) or the time is up
    resting: Map[str, tuple[datetime, bool]] = field(default_factory=Map)


# ------------------------------------------------------------------ events of the service (CTI events too)


@dataclass(frozen=True, slots=True, kw_only=True)
class Tick:
    """Time to pace."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RunsChanged:
    runs: tuple[Run, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class DebtorsDue:
    campaign_id: int
    debtors: tuple[Debtor, ...]
    do_not_call: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True, kw_only=True)
class PreviewDial:
    """The operator pressed Dial on a preview card (or its time ran out): dial from their phone, if allowed."""

    campaign_id: int
    debtor: Debtor
    agent: str  # the operator's phone interface


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceFailed:
    """The Originate was refused or never reached the PBX: the attempt ends as failed."""

    call_id: str


Event = (
    Tick
    | RunsChanged
    | DebtorsDue
    | PreviewDial
    | PlaceFailed
    | ev.OriginateResult
    | ev.CallOffered
    | ev.CallQueued
    | ev.AgentRinging
    | ev.AgentRingNoAnswer
    | ev.CallAnswered
    | ev.CallEnded
    | ev.AgentStateChanged
)

# ------------------------------------------------------------------ commands


@dataclass(frozen=True, slots=True, kw_only=True)
class PlaceCall:
    call_id: str
    campaign_id: int
    dial: Dial
    queue: str
    caller_id: str
    creditor: str
    agent: str | None = None  # preview: ring this phone first, it dials the debtor


@dataclass(frozen=True, slots=True, kw_only=True)
class Defer:
    campaign_id: int
    refusal: Refusal


@dataclass(frozen=True, slots=True, kw_only=True)
class Record:
    call_id: str
    channel: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PlayAbandonMessage:
    call_id: str
    channel: str
    creditor: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AttemptOver:
    call_id: str
    campaign_id: int
    debtor_id: int
    result: AttemptResult
    at: datetime
    answered_at: datetime | None = None
    talk_seconds: int | None = None
    agent: str | None = None


Command = PlaceCall | Defer | Record | PlayAbandonMessage | AttemptOver
Result = tuple[State, tuple[Command, ...]]


def free_operators(state: State, queue: str, now: datetime) -> int:
    """Free members of the queue (not in their after-call work) less the answered calls already on their way
    to one of them."""
    free = sum(
        1
        for (q, interface), is_free in state.members.items()
        if q == queue and is_free and not _resting(state, interface, now)
    )
    waiting = sum(
        1
        for c in state.calls.values()
        if c.answered_at is not None
        and c.agent is None
        and c.ringing is None  # the phone it rings shows busy already: not counted twice
        and not c.abandoned
        and _queue(state, c) == queue
    )
    return max(0, free - waiting)


def _resting(state: State, interface: str, now: datetime) -> bool:
    rest = state.resting.get(interface)
    return rest is not None and now < rest[0]


def _rest_after(state: State, event: ev.CallEnded) -> State:
    """An operator's answered call ended: they are held for their queue's after-call work."""
    if not event.answered or event.agent is None:
        return state
    seconds = state.rest(event.queue)
    if seconds <= 0:
        return state
    # One hold per phone, so `resting` is bounded by the phones; an ended hold is simply past (`_resting`).
    # Sweeping the ended ones out here walked every phone on every call's end.
    return replace(state, resting=state.resting.set(event.agent, (event.at + timedelta(seconds=seconds), False)))


def _member_rest(state: State, event: ev.AgentStateChanged) -> State:
    rest = state.resting.get(event.agent)
    if rest is None:
        return state
    if event.paused:
        return replace(state, resting=state.resting.set(event.agent, (rest[0], True)))
    if rest[1] and not event.in_call:
        return replace(state, resting=state.resting.delete(event.agent))  # the wrap-up pause was lifted: free now
    return state


def _queue(state: State, call: Placed) -> str | None:
    if call.queue is not None:
        return call.queue
    run = state.runs.get(call.campaign_id)
    return run.queue if run else None


def step(state: State, event: Event, now: datetime) -> Result:
    if isinstance(event, Tick):
        return _pace(state, now)
    if isinstance(event, RunsChanged):
        runs = {r.campaign_id: r for r in event.runs}
        pacers = {cid: state.pacers.get(cid, pacing.Pacer()) for cid in runs}
        due = {cid: d for cid, d in state.due.items() if cid in runs}
        return replace(state, runs=runs, pacers=pacers, due=due), ()
    if isinstance(event, DebtorsDue):
        if event.campaign_id not in state.runs:
            return state, ()
        busy = {c.debtor_id for c in state.calls.values()}
        debtors = tuple(d for d in event.debtors if d.debtor_id not in busy)
        return replace(state, due={**state.due, event.campaign_id: debtors}, do_not_call=event.do_not_call), ()
    if isinstance(event, ev.AgentStateChanged):
        key = (event.queue, event.agent)
        free = not event.paused and not event.in_call and event.status in FREE_STATUSES
        if event.change is ev.MemberChange.REMOVED:
            members = state.members.delete(key) if key in state.members else state.members
        elif state.members.get(key) is free:
            members = state.members  # ringing -> in a call: busy either way, the map stays as it is
        else:
            members = state.members.set(key, free)
        return _member_rest(replace(state, members=members) if members is not state.members else state, event), ()
    if isinstance(event, ev.CallEnded):
        state = _rest_after(state, event)  # any call of the operator's: inbound calls of a blended queue too
    if isinstance(event, PlaceFailed):
        return _over(state, event.call_id, AttemptResult.FAILED, now)
    if isinstance(event, PreviewDial):
        return _preview_dial(state, event, now)
    call = state.calls.get(event.call_id)
    if call is None:
        return state, ()
    if isinstance(event, ev.CallOffered):
        return _put(state, event.call_id, replace(call, channel=call.channel or event.channel)), ()
    if isinstance(event, ev.CallQueued):
        return _put(state, event.call_id, replace(call, queued=True)), ()
    if isinstance(event, ev.AgentRinging):
        return _put(state, event.call_id, replace(call, ringing=event.agent)), ()
    if isinstance(event, ev.AgentRingNoAnswer):
        return _put(state, event.call_id, replace(call, ringing=None)), ()
    if isinstance(event, ev.OriginateResult):
        return _originated(state, event, call, now)
    if isinstance(event, ev.CallAnswered):
        if event.agent is None:
            return state, ()
        connected = replace(call, agent=event.agent, connected_at=event.at)
        if call.phone_first:  # the debtor picked up on the operator's line: the conversation is recorded
            connected = replace(connected, answered_at=event.at)
            channel = event.agent_channel or call.channel or ""
            return _put(state, event.call_id, connected), (Record(call_id=event.call_id, channel=channel),)
        return _put(state, event.call_id, connected), ()
    return _ended(state, event, call, now)


def _preview_dial(state: State, event: PreviewDial, now: datetime) -> Result:
    run = state.runs.get(event.campaign_id)
    if run is None:
        return state, ()
    busy = {c.debtor_id for c in state.calls.values()}
    if event.debtor.debtor_id in busy:
        return state, ()
    verdict = clear(run.policy, event.debtor, now, do_not_call=state.do_not_call, may_abandon=False)
    if isinstance(verdict, Refusal):
        return state, (Defer(campaign_id=run.campaign_id, refusal=verdict),)
    call_id = f"{state.prefix}-{state.seq + 1}"
    placed = Placed(
        campaign_id=run.campaign_id,
        debtor_id=verdict.debtor_id,
        e164=verdict.e164,
        at=now,
        phone_first=True,
        queue=run.queue,
    )
    state = replace(state, seq=state.seq + 1, calls={**state.calls, call_id: placed})
    place = PlaceCall(
        call_id=call_id,
        campaign_id=run.campaign_id,
        dial=verdict,
        queue=run.queue,
        caller_id=run.caller_id,
        creditor=run.creditor,
        agent=event.agent,
    )
    return state, (place,)


def _put(state: State, call_id: str, call: Placed) -> State:
    return replace(state, calls={**state.calls, call_id: call})


def _originated(state: State, event: ev.OriginateResult, call: Placed, now: datetime) -> Result:
    run = state.runs.get(call.campaign_id)
    policy = run.policy if run else Policy()
    ring = (event.at - call.at).total_seconds()
    if call.phone_first:  # the operator's phone answered or not; the debtor's side comes with CallAnswered/Ended
        if event.outcome is ev.OriginateOutcome.ANSWERED:
            return state, ()
        return _over(state, event.call_id, AttemptResult.FAILED, event.at)
    if event.outcome is not ev.OriginateOutcome.ANSWERED:
        result = RESULT_OF[event.outcome]
        state = _observe(state, call.campaign_id, pacing.Settled(result=result, ring_seconds=ring), policy, now)
        return _over(state, event.call_id, result, event.at)
    channel = call.channel or event.destination or ""
    queue = _queue(state, call)
    free = free_operators(state, queue, now) if queue else 0
    if free > 0:
        answered = replace(call, answered_at=event.at, channel=channel)
        return _put(state, event.call_id, answered), (Record(call_id=event.call_id, channel=channel),)
    # No operator to take the debtor: the recorded message, the hang-up, an abandoned call.
    dropped = replace(call, answered_at=event.at, channel=channel, abandoned=True)
    creditor = run.creditor if run else ""
    return _put(state, event.call_id, dropped), (
        PlayAbandonMessage(call_id=event.call_id, channel=channel, creditor=creditor),
    )


def _ended(state: State, event: ev.CallEnded, call: Placed, now: datetime) -> Result:
    run = state.runs.get(call.campaign_id)
    policy = run.policy if run else Policy()
    if call.phone_first and call.connected_at is None:  # preview: the debtor's leg ended unanswered
        outcome = event.outcome or ev.OriginateOutcome.FAILED
        return _over(state, event.call_id, RESULT_OF.get(outcome, AttemptResult.FAILED), event.at)
    if call.answered_at is None:  # ended before the OriginateResult said how: its outcome says
        outcome = event.outcome or ev.OriginateOutcome.FAILED
        result = RESULT_OF.get(outcome, AttemptResult.FAILED)
        if outcome is ev.OriginateOutcome.ANSWERED:
            result = AttemptResult.MACHINE
        return _over(state, event.call_id, result, event.at)
    ring = (call.answered_at - call.at).total_seconds()
    if call.agent is not None and call.connected_at is not None:
        talk = round(event.talk_seconds) if event.talk_seconds is not None else None
        result = AttemptResult.ANSWERED
        talked = float((event.at - call.connected_at).total_seconds())
        state = _observe(state, call.campaign_id, pacing.Talked(talk_seconds=talked, wrap_seconds=15.0), policy, now)
    elif call.abandoned or call.queued:
        result, talk = AttemptResult.ABANDONED, None
    else:  # answered, never queued, not sent away by us: AMD in [dialer] heard a machine
        result, talk = AttemptResult.MACHINE, None
    state = _observe(state, call.campaign_id, pacing.Settled(result=result, ring_seconds=ring), policy, now)
    return _over(state, event.call_id, result, event.at, talk=talk)


def _observe(state: State, campaign_id: int, outcome: pacing.Outcome, policy: Policy, now: datetime) -> State:
    pacer = state.pacers.get(campaign_id)
    if pacer is None:
        return state
    return replace(state, pacers={**state.pacers, campaign_id: pacing.observe(policy, pacer, outcome, now)})


def _over(state: State, call_id: str, result: AttemptResult, at: datetime, *, talk: int | None = None) -> Result:
    call = state.calls.get(call_id)
    if call is None:
        return state, ()
    calls = {k: v for k, v in state.calls.items() if k != call_id}
    over = AttemptOver(
        call_id=call_id,
        campaign_id=call.campaign_id,
        debtor_id=call.debtor_id,
        result=result,
        at=at,
        answered_at=call.answered_at,
        talk_seconds=talk,
        agent=call.agent,
    )
    return replace(state, calls=calls), (over,)


def floor_of(state: State, run: Run, now: datetime) -> pacing.Floor:
    """The floor of the run's queue: campaigns sharing a queue share its operators, so their calls all count."""
    ours = [c for c in state.calls.values() if not c.phone_first and _queue(state, c) == run.queue]
    ringing = tuple((now - c.at).total_seconds() for c in ours if c.answered_at is None)
    talking = tuple((now - c.connected_at).total_seconds() for c in ours if c.connected_at is not None)
    return pacing.Floor(free=free_operators(state, run.queue, now), talking=talking, ringing=ringing)


def _pace(state: State, now: datetime) -> Result:
    commands: list[Command] = []
    for run in state.runs.values():
        if run.mode is PacingMode.PREVIEW:
            continue
        pacer = state.pacers.get(run.campaign_id, pacing.Pacer())
        floor = floor_of(state, run, now)
        wanted = pacing.calls_to_place(run.policy, run.mode, pacer, floor, now)
        progressive = max(0, floor.free - len(floor.ringing))
        if run.mode is PacingMode.PREDICTIVE and wanted > progressive:  # the supervisor's dial level scales the lead
            wanted = progressive + int((wanted - progressive) * run.dial_level)
        if wanted <= 0:
            continue
        may_abandon = run.mode is PacingMode.PREDICTIVE and wanted > progressive
        left: list[Debtor] = []
        debtors = list(state.due.get(run.campaign_id, ()))
        while debtors:
            debtor = debtors.pop(0)
            if wanted <= 0:
                left.append(debtor)
                continue
            verdict = clear(run.policy, debtor, now, do_not_call=state.do_not_call, may_abandon=may_abandon)
            if isinstance(verdict, Refusal):
                commands.append(Defer(campaign_id=run.campaign_id, refusal=verdict))
                continue
            call_id = f"{state.prefix}-{state.seq + 1}"
            placed = Placed(
                campaign_id=run.campaign_id, debtor_id=debtor.debtor_id, e164=verdict.e164, at=now, queue=run.queue
            )
            state = replace(state, seq=state.seq + 1, calls={**state.calls, call_id: placed})
            commands.append(
                PlaceCall(
                    call_id=call_id,
                    campaign_id=run.campaign_id,
                    dial=verdict,
                    queue=run.queue,
                    caller_id=run.caller_id,
                    creditor=run.creditor,
                )
            )
            wanted -= 1
        state = replace(state, due={**state.due, run.campaign_id: tuple(left)})
    return state, tuple(commands)
