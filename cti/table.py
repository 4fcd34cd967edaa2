"""The call table: every call the tracker follows, and the operations on it.

The live-frame handlers (``cti.handlers.*``) and the resync reconciler
(``cti.resync``) change calls only through these public operations: new call,
add/drop channel, make outbound, offer, settle originate, end call. Pure: no
I/O, no clock; ``at`` is passed in.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from datetime import datetime

from .calls import (
    Call,
    Channel,
    OriginateRequest,
    PendingOriginate,
    interface_of,
    known,
    number_of,
)
from .codes import CAUSE_OUTCOMES, DIAL_APPLICATION, SPY_APPLICATION, Cause, ChannelState
from .events import (
    AbandonReason,
    CallAbandoned,
    CallEnded,
    CallOffered,
    Direction,
    Event,
    OriginateOutcome,
    OriginateResult,
)
from .topology import Topology
from .values import NUMBER

Frame = Mapping[str, str]

# Phone legs another client's Originate rang for nothing, kept until its OriginateResponse
# (which follows the Hangup at once); a bound, as a response may never come (a sync Originate).
RUNG_PHONES_KEPT = 256


def as_int(value: str | None, default: int = 0) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


class CallTable:
    def __init__(self, *, topology: Topology | None = None, ended_memory: int = 10_000) -> None:
        self.topology = topology or Topology()
        self.calls: dict[str, Call] = {}
        self.channel_index: dict[str, str] = {}  # channel uniqueid -> call id
        self.originates: dict[str, PendingOriginate] = {}  # ours, by action id
        self.originates_by_channel: dict[str, PendingOriginate] = {}  # ours, by ChannelId
        self.recently_ended: OrderedDict[str, None] = OrderedDict()
        # action ids of our originates already reported, so a late
        # OriginateResponse (after a resync settled it) is not reported twice
        self.settled_originates: OrderedDict[str, None] = OrderedDict()
        # ours, failed before any channel showed (sync originate, 04f): the
        # channels that still follow are folded into that failure, never a call
        self.failed_early: OrderedDict[str, None] = OrderedDict()
        # another client's originates we settled ourselves (channels gone first):
        # their late OriginateResponse is already told
        self.foreign_told: OrderedDict[str, None] = OrderedDict()
        # another client's Originate rang a phone that hung up unanswered, its OriginateResponse
        # (which names the customer it would have dialled) still due: by the phone leg's uniqueid
        self.rung_phones: OrderedDict[str, Call] = OrderedDict()
        self.ended_memory = ended_memory
        # a resync in progress: CoreShowChannel items by ActionID, QueueEntry items by Uniqueid
        self.snapshot: dict[str, list[dict[str, str]]] = {}
        self.queue_entries: dict[str, tuple[str, int, int]] = {}

    # ------------------------------------------------------------- look-ups

    def call_of(self, frame: Frame, key: str = "Uniqueid", linked: str = "Linkedid") -> Call | None:
        uid = frame.get(key)
        if uid is not None:
            call_id = self.channel_index.get(uid)
            if call_id is not None:
                call = self.calls.get(call_id)
                if call is not None:
                    call.touched = True
                    return call
        lid = frame.get(linked)
        if lid is not None:
            call = self.calls.get(lid)
            if call is not None:
                call.touched = True
            return call
        return None

    def call_of_originate(self, pending: PendingOriginate) -> Call | None:
        if pending.call_id is not None and pending.call_id in self.calls:
            return self.calls[pending.call_id]
        cid = pending.request.channel_id
        if cid:
            return self.calls.get(self.channel_index.get(cid, "")) or self.calls.get(cid)
        return None

    def customer_channel(self, call: Call) -> Channel | None:
        uid = call.customer or call.origin
        return call.channels.get(uid) if uid else None

    def is_trunk(self, channel: str) -> bool:
        return self.topology.is_trunk(channel)

    # ------------------------------------------------------------ operations

    def new_call(self, call_id: str, at: datetime) -> Call:
        call = Call(call_id=call_id, first_seen=at, touched=True)
        self.calls[call_id] = call
        return call

    def add_channel(self, call: Call, frame: Frame, prefix: str = "") -> Channel:
        uid = frame[prefix + "Uniqueid"]
        chan = Channel(
            uniqueid=uid,
            name=frame.get(prefix + "Channel", ""),
            caller_number=known(frame.get(prefix + "CallerIDNum")),
            caller_name=known(frame.get(prefix + "CallerIDName")),
            exten=known(frame.get(prefix + "Exten")),
            state=frame.get(prefix + "ChannelState", ChannelState.DOWN),
        )
        call.channels[uid] = chan
        self.channel_index[uid] = call.call_id
        if call.origin is None:
            call.origin, call.first, call.first_state = uid, chan, chan.state
        if call.originate is None and call.origin == uid:
            pending = self.originates_by_channel.get(uid)
            if pending is None and self.originates:
                pending = self.match_originate(chan.name)
            if pending is not None:
                self.attach_originate(call, pending)
            elif self.failed_early and self._folds_into_failure(uid, chan.name):
                call.silent = True
        return chan

    def drop_channel(self, call: Call, uid: str) -> Channel | None:
        self.channel_index.pop(uid, None)
        call.ringing.pop(uid, None)
        return call.channels.pop(uid, None)

    def absorb(self, call: Call, other_id: str, at: datetime, out: list[Event]) -> None:
        """Fold another call's channels into ``call`` (an attended transfer joined
        them); the other call, if it was ever announced, ends here."""
        other = self.calls.get(other_id)
        if other is None:
            return
        for uid, chan in other.channels.items():
            call.channels[uid] = chan
            self.channel_index[uid] = call.call_id
        other.channels = {}
        other.ended_by = other.ended_by or "transfer"
        self.end_call(other, at, out, lost=False)

    def attach_originate(self, call: Call, pending: PendingOriginate) -> None:
        call.originate = pending
        pending.call_id = call.call_id
        if call.originated is None:
            call.originated = call.origin
        call.callback_number = self.callback_number(pending.request)

    def callback_number(self, req: OriginateRequest) -> str | None:
        """An Originate that rings an operator's phone first, which then dials the customer
        (Application Dial to a trunk, or an Exten that is a number): that customer's number."""
        if self.is_trunk(req.destination):
            return None
        if (req.application or "").lower() == DIAL_APPLICATION:
            return self.trunk_number(req.data)
        if req.application is None and req.exten and NUMBER.fullmatch(req.exten):
            return req.exten
        return None

    def trunk_number(self, data: str | None) -> str | None:
        """Dial()'s argument ``PJSIP/7916…@trunk&PJSIP/1002,30,tT``: the number of its first trunk target."""
        for target in (data or "").split(",", 1)[0].split("&"):
            target = target.strip()
            number = number_of(target) if target and self.is_trunk(target) else None
            if number and NUMBER.fullmatch(number):
                return number
        return None

    def match_originate(self, channel_name: str) -> PendingOriginate | None:
        """An Originate sent without ChannelId: its first channel is named after
        the dial string (``Local/123@ctx`` → ``Local/123@ctx-0000001c;1``)."""
        for pending in self.originates.values():
            req = pending.request
            if req.channel_id is None and not pending.linked and channel_name.startswith(req.destination + "-"):
                pending.linked = True
                return pending
        return None

    def match_originate_dial(self, dial: str) -> PendingOriginate | None:
        """The same by the Originate's DialBegin DialString (``5555@trunk``)."""
        for pending in self.originates.values():
            req = pending.request
            if req.channel_id is None and not pending.linked and dial and req.destination.endswith(dial):
                pending.linked = True
                return pending
        return None

    def make_outbound(
        self,
        call: Call,
        *,
        customer: str | None,
        number: str | None,
        operator: str | None = None,
        operator_channel: str | None = None,
    ) -> None:
        """The channels showed the call goes out to a customer."""
        call.direction = Direction.OUTBOUND
        call.decided = True
        call.customer = customer or call.customer
        call.customer_number = number or call.customer_number
        if operator is not None:
            call.operator = operator
            call.operator_channel = operator_channel

    def decide(self, call: Call, fallback: Direction | None = None, *, final: bool = False) -> bool:
        """Work out the direction from the channels; False while they do not tell yet.
        ``final``: the attempt is over (its result or its last Hangup), decide with what is known."""
        if call.decided or call.silent:
            return True
        if call.callback_number is not None:
            return self._decide_callback(call, final)
        pending = call.originate
        if pending is not None:  # ours: the request says what was dialled
            req = pending.request
            if (req.application or "").lower() == SPY_APPLICATION:
                call.silent = True
            else:
                self.make_outbound(call, customer=call.originated, number=number_of(req.destination))
            return True
        origin = call.first
        if call.originated is not None:
            leg = call.channels.get(call.originated)
            if self.is_trunk(leg.name if leg else call.dial or ""):
                number = number_of(call.dial) or (leg.exten if leg else None)
                self.make_outbound(call, customer=call.originated, number=number)
                return True
        elif origin is not None and self.is_trunk(origin.name) and call.first_state != ChannelState.DOWN:
            call.direction, call.decided = Direction.INBOUND, True  # a trunk leg that arrived ringing
            return True
        if fallback is not None:
            call.direction, call.decided = fallback, True
            return True
        return False

    def _decide_callback(self, call: Call, final: bool) -> bool:
        """A phone rung first by an Originate: a call once the phone dials the customer's trunk
        (DialBegin does that, a resync finds the trunk leg), or once the attempt is over — the
        operator did not pick up, the dial failed — so the dialled number is told all the same."""
        trunk = next((c for c in call.channels.values() if self.is_trunk(c.name)), None)
        if trunk is None and not final:
            return False
        phone = call.channels.get(call.originated or "") or call.first
        self.make_outbound(
            call,
            customer=trunk.uniqueid if trunk else None,
            number=call.callback_number,
            operator=interface_of(phone.name) if phone else None,
            operator_channel=phone.name if phone else None,
        )
        return True

    def offer(
        self,
        call: Call,
        at: datetime,
        out: list[Event],
        *,
        seeded: bool = False,
        fallback: Direction | None = None,
        final: bool = False,
    ) -> None:
        """Announce the call (CallOffered) once its direction is known."""
        if call.offered or call.silent or not self.decide(call, fallback, final=final) or call.silent:
            return
        call.offered = True
        call.offered_at = at
        origin = call.first
        if call.direction is Direction.OUTBOUND:
            req = call.originate.request if call.originate is not None else None
            number = call.customer_number
            out.append(
                CallOffered(
                    call_id=call.call_id,
                    at=at,
                    direction=Direction.OUTBOUND,
                    caller_number=number,
                    caller_name=None,
                    dialed_number=number,
                    channel=origin.name if origin else (req.destination if req else ""),
                    correlation_id=(req.correlation_id or req.channel_id) if req else None,
                    action_id=req.action_id if req else None,
                    seeded=seeded,
                    agent=call.operator,
                )
            )
            return
        number = name = did = None
        for chan in ([origin] if origin else []) + list(call.channels.values()):
            number = number or chan.caller_number
            name = name or chan.caller_name
        if origin is not None and origin.exten not in (None, "s"):
            did = origin.exten
        out.append(
            CallOffered(
                call_id=call.call_id,
                at=at,
                direction=call.direction,
                caller_number=number,
                caller_name=name,
                dialed_number=did,
                channel=origin.name if origin else "",
                seeded=seeded,
            )
        )

    def expect_originate(self, request: OriginateRequest, at: datetime) -> None:
        pending = PendingOriginate(request, at)
        self.originates[request.action_id] = pending
        if request.channel_id:
            self.originates_by_channel[request.channel_id] = pending

    def settle_originate(
        self,
        call: Call | None,
        pending: PendingOriginate,
        outcome: OriginateOutcome,
        at: datetime,
        out: list[Event],
        *,
        reason: int | None = None,
        message: str | None = None,
    ) -> None:
        """Our Originate's fate is known: one OriginateResult, after the call's
        CallOffered and before its CallEnded."""
        if pending.settled:
            return
        pending.settled = True
        pending.outcome = outcome
        req = pending.request
        if call is not None and call.silent:  # a listener (ChanSpy), not a call
            if call.awaiting_result:
                self.end_call(call, at, out)
            return
        number = self.callback_number(req)
        if call is not None and number is not None and outcome is OriginateOutcome.ANSWERED:
            # A phone-first Originate's Reason 4 only says the operator picked up: the
            # attempt's result is the customer's, told when their leg is answered or not.
            pending.outcome = None
            call.result_due = True
            if call.dial_outcome is not None:  # the customer's DialEnd came first
                self.tell_due_result(call, call.dial_outcome, at, out)
            if call.awaiting_result:
                self.end_call(call, at, out)
            return
        call_id = call.call_id if call else (req.channel_id or f"originate:{req.action_id}")
        if call is not None:
            self.offer(call, at, out, final=True)
            if outcome is OriginateOutcome.ANSWERED and call.operator is None:
                call.customer_answered = True
        out.append(
            OriginateResult(
                call_id=call_id,
                at=at,
                outcome=outcome,
                action_id=req.action_id,
                channel_id=req.channel_id,
                destination=req.destination,
                correlation_id=req.correlation_id,
                reason_code=reason,
                message=message,
                customer_number=call.customer_number if call else (number or req.exten or number_of(req.destination)),
            )
        )
        if call is not None and call.awaiting_result:
            self.end_call(call, at, out)
        elif call is None:
            self._remember(self.failed_early, req.channel_id or req.destination)
            self.forget_originate(pending)

    def settle_foreign(
        self,
        call: Call,
        outcome: OriginateOutcome,
        at: datetime,
        out: list[Event],
        *,
        reason: int | None = None,
        action_id: str | None = None,
    ) -> None:
        """Another client's Originate whose leg is the customer's: one OriginateResult."""
        if call.foreign_settled or call.originate is not None:
            return
        self.offer(call, at, out)
        if not call.offered or call.direction is not Direction.OUTBOUND or call.customer != call.originated:
            return  # the lab's fake inbound caller, a phone rung first: not a dial attempt to tell
        call.foreign_settled = True
        if outcome is OriginateOutcome.ANSWERED:
            call.customer_answered = True
        out.append(
            OriginateResult(
                call_id=call.call_id,
                at=at,
                outcome=outcome,
                action_id=action_id,
                channel_id=None,
                destination=call.dial,
                correlation_id=None,
                reason_code=reason,
                customer_number=call.customer_number,
                foreign=True,
            )
        )

    def tell_due_result(self, call: Call, outcome: OriginateOutcome, at: datetime, out: list[Event]) -> None:
        """A phone-first Originate (ours or another client's) whose phone answered: its one
        OriginateResult, with how the customer's leg ended up."""
        if not call.result_due or not call.offered:
            return
        if call.direction is not Direction.OUTBOUND or call.operator is None:
            return  # the phone's call went elsewhere (the lab's fake inbound caller, 02): no dial attempt
        call.result_due = False
        if outcome is OriginateOutcome.ANSWERED:
            call.customer_answered = True
        pending = call.originate
        if pending is not None:
            pending.outcome = outcome
            req = pending.request
            out.append(
                OriginateResult(
                    call_id=call.call_id,
                    at=at,
                    outcome=outcome,
                    action_id=req.action_id,
                    channel_id=req.channel_id,
                    destination=req.destination,
                    correlation_id=req.correlation_id,
                    reason_code=None,  # the Originate's Reason told the phone's pickup, not this
                    customer_number=call.customer_number,
                )
            )
            return
        call.foreign_settled = True
        out.append(
            OriginateResult(
                call_id=call.call_id,
                at=at,
                outcome=outcome,
                action_id=call.foreign_action,
                channel_id=None,
                destination=call.dial,
                correlation_id=None,
                reason_code=None,
                customer_number=call.customer_number,
                foreign=True,
            )
        )

    def forget_originate(self, pending: PendingOriginate) -> None:
        self.originates.pop(pending.request.action_id, None)
        if pending.settled:
            self._remember(self.settled_originates, pending.request.action_id)
        if pending.request.channel_id:
            self.originates_by_channel.pop(pending.request.channel_id, None)

    def abandon(self, call: Call, at: datetime, out: list[Event], reason: AbandonReason) -> None:
        info, wait = call.pending_abandon or ({}, 0.0)
        call.pending_abandon = None
        out.append(
            CallAbandoned(
                call_id=call.call_id,
                at=at,
                queue=info.get("Queue", call.queue or ""),
                position=as_int(info.get("Position")),
                original_position=as_int(info.get("OriginalPosition")),
                wait_seconds=wait,
                reason=reason,
                rung_agents=tuple(call.rung),
            )
        )

    def end_call(self, call: Call, at: datetime, out: list[Event], *, lost: bool = False) -> None:
        """The call's last channel is gone: CallEnded (unless it never was a call), then forget it."""
        if call.originate is not None and not call.originate.settled and not lost and not call.silent:
            # Asterisk sends the Hangup of a failed originate before its
            # OriginateResponse: keep the call until we know the outcome.
            call.awaiting_result = True
            return
        if not call.silent and not call.offered and not self.decide(call, final=True):
            origin = call.first
            if origin is not None and self.is_trunk(origin.name):  # a dialled trunk leg, never told by whom
                self.make_outbound(call, customer=call.origin, number=number_of(call.dial) or origin.exten)
            else:
                call.silent = True  # internal phones only, never reached a customer
                if call.originate is None and call.originated is not None and call.originated == call.origin:
                    # another client's Originate rang this phone: its OriginateResponse may
                    # still say it was to dial a customer (then it is a call after all)
                    self._remember_phone(call)
        if call.silent:
            self.evict(call)
            return
        self.offer(call, at, out, final=True)
        if call.result_due:
            self.tell_due_result(call, self.outcome_of(call), at, out)
        outbound = call.direction is Direction.OUTBOUND
        if outbound and call.originate is None and call.originated is not None and call.customer == call.originated:
            if not call.foreign_settled:  # another client's Originate, its channels gone before its response
                self.settle_foreign(call, self.outcome_of(call), at, out)
                if call.dial:
                    self._remember(self.foreign_told, call.dial)
        if call.pending_abandon is not None:
            self.abandon(call, at, out, AbandonReason.CALLER_HANGUP)
        talk = (at - call.answered_at).total_seconds() if call.answered_at else None
        start = call.offered_at or call.first_seen
        agent = call.agent if call.answered else None
        if outbound and agent is None:
            agent = call.operator
        out.append(
            CallEnded(
                call_id=call.call_id,
                at=at,
                direction=call.direction,
                answered=call.answered or (outbound and call.customer_answered),
                queue=call.queue,
                agent=agent,
                talk_seconds=talk,
                duration_seconds=(at - start).total_seconds(),
                cause=call.cause,
                cause_text=call.cause_text,
                ended_by=call.ended_by,
                lost_in_disconnect=lost,
                rung_agents=tuple(call.rung),
                outcome=self.outcome_of(call) if outbound else None,
            )
        )
        self.evict(call)

    def outcome_of(self, call: Call) -> OriginateOutcome:
        """How the customer's dialled leg ended up (outbound calls)."""
        if call.customer_answered or (call.operator is not None and call.answered):
            return OriginateOutcome.ANSWERED
        if call.dial_outcome is not None:
            return call.dial_outcome
        if call.originate is not None and call.originate.outcome is not None:
            return call.originate.outcome
        if call.phone_outcome is not None and call.phone_outcome is not OriginateOutcome.ANSWERED:
            return call.phone_outcome  # the operator's phone, rung first, was never picked up
        try:
            return CAUSE_OUTCOMES.get(Cause(call.cause or 0), OriginateOutcome.FAILED)
        except ValueError:
            return OriginateOutcome.FAILED

    def evict(self, call: Call) -> None:
        self.calls.pop(call.call_id, None)
        for uid in call.channels:
            self.channel_index.pop(uid, None)
        if call.originate is not None:
            self.forget_originate(call.originate)
        self._remember(self.recently_ended, call.call_id)

    # -------------------------------------------------------------- memory

    def _remember(self, memory: OrderedDict[str, None], key: str) -> None:
        memory[key] = None
        if len(memory) > self.ended_memory:
            memory.popitem(last=False)

    def _remember_phone(self, call: Call) -> None:
        if call.origin is None:
            return
        self.rung_phones[call.origin] = call
        if len(self.rung_phones) > RUNG_PHONES_KEPT:
            self.rung_phones.popitem(last=False)

    def rung_phone(self, uid: str | None, dial: str) -> Call | None:
        """The phone leg an Originate rang for nothing, by its uniqueid or its dial string."""
        if uid and uid in self.rung_phones:
            return self.rung_phones.pop(uid)
        for key, call in self.rung_phones.items():
            if dial and call.first is not None and call.first.name.startswith(dial + "-"):
                del self.rung_phones[key]
                return call
        return None

    def _folds_into_failure(self, uid: str, name: str) -> bool:
        for key in (uid, *(k for k in self.failed_early if name.startswith(k + "-"))):
            if key in self.failed_early:
                del self.failed_early[key]
                return True
        return False
