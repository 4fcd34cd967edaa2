"""The call tracker: AMI frames in, typed call events out.

Pure: no I/O, no clock. ``feed(frame, at)`` takes one AMI message (a mapping
of header → first value) and the time the bridge read it, and returns the
domain events it causes. Calls are keyed by Linkedid; a call ends (and is
evicted) when its last channel hangs up, so memory stays bounded however many
calls go through. Works with PJSIP single channels and Local ``;1/;2`` pairs,
and never assumes Uniqueids are numbers (``SystemName`` prefixes them).
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Mapping
from datetime import datetime

from . import resync
from .calls import (
    Call,
    Channel,
    OriginateRequest,
    PendingOriginate,
    Ringing,
    interface_of,
    known,
    number_of,
)
from .events import (
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
    TransferKind,
)
from .members import member_event

log = logging.getLogger(__name__)

Frame = Mapping[str, str]

# OriginateResponse Reason = the last AST_CONTROL frame seen (README table (d)).
_REASONS = {
    4: OriginateOutcome.ANSWERED,
    5: OriginateOutcome.BUSY,
    3: OriginateOutcome.NO_ANSWER,
    8: OriginateOutcome.CONGESTION,
    1: OriginateOutcome.FAILED,
    0: OriginateOutcome.FAILED,
}


def _int(value: str | None, default: int = 0) -> int:
    try:
        return int(value) if value else default
    except ValueError:
        return default


class CallTracker:
    def __init__(self, *, ended_memory: int = 10_000) -> None:
        self.calls: dict[str, Call] = {}
        self.channel_index: dict[str, str] = {}  # channel uniqueid -> call id
        self.originates: dict[str, PendingOriginate] = {}  # by action id
        self.originates_by_channel: dict[str, PendingOriginate] = {}  # by ChannelId
        self.recently_ended: OrderedDict[str, None] = OrderedDict()
        # action ids of originates already reported, so a late OriginateResponse
        # (after a resync settled it) is not reported twice
        self.settled_originates: OrderedDict[str, None] = OrderedDict()
        self._ended_memory = ended_memory
        self.resync = resync.ResyncState()
        self._handlers: dict[str, Callable[[Frame, datetime, list[Event]], None]] = {
            "Newchannel": self._newchannel,
            "NewCallerid": self._newcallerid,
            "Newstate": self._newstate,
            "Newexten": self._newexten,
            "VarSet": self._varset,
            "DialBegin": self._dialbegin,
            "DialEnd": self._dialend,
            "AgentCalled": self._agentcalled,
            "AgentRingNoAnswer": self._ringnoanswer,
            "AgentConnect": self._agentconnect,
            "AgentComplete": self._agentcomplete,
            "QueueCallerJoin": self._queuejoin,
            "QueueCallerLeave": self._queueleave,
            "QueueCallerAbandon": self._queueabandon,
            "HangupRequest": self._hanguprequest,
            "Hangup": self._hangup,
            "BlindTransfer": self._blindtransfer,
            "AttendedTransfer": self._attendedtransfer,
            "AGIExecStart": self._agiexec,
            "OriginateResponse": self._originateresponse,
        }
        for name in resync.LIST_EVENTS:
            self._handlers[name] = self._list_item
        for name in (
            "QueueMemberStatus",
            "QueueMemberAdded",
            "QueueMemberRemoved",
            "QueueMemberPause",
            "QueueMemberPaused",
            "QueueMemberPenalty",
        ):
            self._handlers[name] = self._member

    # ------------------------------------------------------------------ inputs

    def feed(self, frame: Frame, at: datetime) -> tuple[Event, ...]:
        event = frame.get("Event")
        if event is None:
            if "Response" in frame:
                return self._response(frame, at)
            return ()
        handler = self._handlers.get(event)
        if handler is None:
            return ()
        out: list[Event] = []
        handler(frame, at, out)
        return tuple(out)

    def expect_originate(self, request: OriginateRequest, at: datetime) -> None:
        pending = PendingOriginate(request, at)
        self.originates[request.action_id] = pending
        if request.channel_id:
            self.originates_by_channel[request.channel_id] = pending

    def connection_lost(self, at: datetime) -> None:
        """Originates sent before a drop are settled by the next resync."""
        for pending in self.originates.values():
            pending.before_drop = True

    def stats(self) -> dict[str, int]:
        return {
            "calls": len(self.calls),
            "channels": len(self.channel_index),
            "originates": len(self.originates),
            "ended_memory": len(self.recently_ended),
        }

    # ----------------------------------------------------------------- helpers

    def _call_of(self, frame: Frame, key: str = "Uniqueid", linked: str = "Linkedid") -> Call | None:
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

    def _new_call(self, call_id: str, at: datetime) -> Call:
        call = Call(call_id=call_id, first_seen=at, touched=True)
        self.calls[call_id] = call
        return call

    def _add_channel(self, call: Call, frame: Frame, prefix: str = "") -> Channel:
        uid = frame[prefix + "Uniqueid"]
        chan = Channel(
            uniqueid=uid,
            name=frame.get(prefix + "Channel", ""),
            caller_number=known(frame.get(prefix + "CallerIDNum")),
            caller_name=known(frame.get(prefix + "CallerIDName")),
            exten=known(frame.get(prefix + "Exten")),
            state=frame.get(prefix + "ChannelState", "0"),
        )
        call.channels[uid] = chan
        self.channel_index[uid] = call.call_id
        if call.origin is None:
            call.origin = uid
        pending = self.originates_by_channel.get(uid)
        if pending is None and call.origin == uid and self.originates:
            pending = self._match_originate(chan.name)
        if pending is not None and call.originate is None:
            call.originate = pending
            pending.call_id = call.call_id
            call.direction = Direction.OUTBOUND
        return chan

    def _match_originate(self, channel_name: str) -> PendingOriginate | None:
        """An Originate sent without ChannelId: its first channel is named after
        the dial string (``Local/123@ctx`` → ``Local/123@ctx-0000001c;1``)."""
        for pending in self.originates.values():
            req = pending.request
            if req.channel_id is None and not pending.linked and channel_name.startswith(req.destination + "-"):
                pending.linked = True
                return pending
        return None

    def _call_of_originate(self, pending: PendingOriginate) -> Call | None:
        if pending.call_id is not None and pending.call_id in self.calls:
            return self.calls[pending.call_id]
        cid = pending.request.channel_id
        if cid:
            return self.calls.get(self.channel_index.get(cid, "")) or self.calls.get(cid)
        return None

    def _customer(self, call: Call) -> Channel | None:
        uid = call.customer or call.origin
        return call.channels.get(uid) if uid else None

    def _offer(self, call: Call, at: datetime, out: list[Event], *, seeded: bool = False) -> None:
        if call.offered:
            return
        call.offered = True
        call.offered_at = at
        origin = call.channels.get(call.origin) if call.origin else None
        if call.direction is Direction.OUTBOUND and call.originate is not None:
            req = call.originate.request
            number = number_of(req.destination)
            out.append(
                CallOffered(
                    call_id=call.call_id,
                    at=at,
                    direction=Direction.OUTBOUND,
                    caller_number=number,
                    caller_name=None,
                    dialed_number=number,
                    channel=origin.name if origin else req.destination,
                    correlation_id=req.correlation_id or req.channel_id,
                    action_id=req.action_id,
                    seeded=seeded,
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

    def _finish(self, call: Call, at: datetime, out: list[Event], *, lost: bool = False) -> None:
        if call.originate is not None and not call.originate.settled and not lost:
            # Asterisk sends the Hangup of a failed originate before its
            # OriginateResponse: keep the call until we know the outcome.
            call.awaiting_result = True
            return
        self._offer(call, at, out)
        if call.pending_abandon is not None:
            self._abandon(call, at, out, AbandonReason.CALLER_HANGUP)
        talk = (at - call.answered_at).total_seconds() if call.answered_at else None
        start = call.offered_at or call.first_seen
        out.append(
            CallEnded(
                call_id=call.call_id,
                at=at,
                direction=call.direction,
                answered=call.answered or (call.direction is Direction.OUTBOUND and call.customer_answered),
                queue=call.queue,
                agent=call.agent,
                talk_seconds=talk,
                duration_seconds=(at - start).total_seconds(),
                cause=call.cause,
                cause_text=call.cause_text,
                ended_by=call.ended_by,
                lost_in_disconnect=lost,
            )
        )
        self._evict(call)

    def _evict(self, call: Call) -> None:
        self.calls.pop(call.call_id, None)
        for uid in call.channels:
            self.channel_index.pop(uid, None)
        if call.originate is not None:
            self._forget_originate(call.originate)
        self.recently_ended[call.call_id] = None
        if len(self.recently_ended) > self._ended_memory:
            self.recently_ended.popitem(last=False)

    def _forget_originate(self, pending: PendingOriginate) -> None:
        self.originates.pop(pending.request.action_id, None)
        if pending.settled:
            self.settled_originates[pending.request.action_id] = None
            if len(self.settled_originates) > self._ended_memory:
                self.settled_originates.popitem(last=False)
        if pending.request.channel_id:
            self.originates_by_channel.pop(pending.request.channel_id, None)

    def _abandon(self, call: Call, at: datetime, out: list[Event], reason: AbandonReason) -> None:
        info, wait = call.pending_abandon or ({}, 0.0)
        call.pending_abandon = None
        out.append(
            CallAbandoned(
                call_id=call.call_id,
                at=at,
                queue=info.get("Queue", call.queue or ""),
                position=_int(info.get("Position")),
                original_position=_int(info.get("OriginalPosition")),
                wait_seconds=wait,
                reason=reason,
            )
        )

    def _settle(
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
        if pending.settled:
            return
        pending.settled = True
        req = pending.request
        call_id = call.call_id if call else (req.channel_id or f"originate:{req.action_id}")
        if call is not None:
            self._offer(call, at, out)
            if outcome is OriginateOutcome.ANSWERED:
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
            )
        )
        if call is not None and call.awaiting_result:
            self._finish(call, at, out)
        elif call is None:
            self._forget_originate(pending)

    # ---------------------------------------------------------------- handlers

    def _newchannel(self, f: Frame, at: datetime, out: list[Event]) -> None:
        uid = f.get("Uniqueid")
        if uid is None or uid in self.channel_index:
            return
        call_id = f.get("Linkedid") or uid
        call = self.calls.get(call_id) or self._new_call(call_id, at)
        chan = self._add_channel(call, f)
        if not call.offered and call.origin == uid and (call.direction is Direction.OUTBOUND or chan.caller_number):
            self._offer(call, at, out)

    def _newcallerid(self, f: Frame, at: datetime, out: list[Event]) -> None:
        call = self._call_of(f)
        if call is None:
            return
        chan = call.channels.get(f.get("Uniqueid", ""))
        if chan is not None:
            chan.caller_number = known(f.get("CallerIDNum")) or chan.caller_number
            chan.caller_name = known(f.get("CallerIDName")) or chan.caller_name

    def _newstate(self, f: Frame, at: datetime, out: list[Event]) -> None:
        call = self._call_of(f)
        if call is None:
            return
        uid = f.get("Uniqueid", "")
        chan = call.channels.get(uid)
        if chan is not None:
            chan.state = f.get("ChannelState", chan.state)
            if chan.caller_number is None:
                chan.caller_number = known(f.get("CallerIDNum"))
        if uid == call.origin and f.get("ChannelState") == "6":
            self._offer(call, at, out)

    def _newexten(self, f: Frame, at: datetime, out: list[Event]) -> None:
        if f.get("Application") != "AGI":
            return
        call = self._call_of(f)
        if call is None or call.ivr:
            return
        self._offer(call, at, out)
        call.ivr = True
        out.append(IvrStarted(call_id=call.call_id, at=at, channel=f.get("Channel", ""), script=f.get("AppData", "")))

    def _agiexec(self, f: Frame, at: datetime, out: list[Event]) -> None:
        call = self._call_of(f)
        if call is None or call.ivr:
            return
        self._offer(call, at, out)
        call.ivr = True
        out.append(IvrStarted(call_id=call.call_id, at=at, channel=f.get("Channel", ""), script=""))

    def _varset(self, f: Frame, at: datetime, out: list[Event]) -> None:
        # Three quarters of the traffic: one key test and out.
        if f.get("Variable") != "QUEUESTATUS":
            return
        call = self._call_of(f)
        if call is None or call.pending_abandon is None:
            return
        value = f.get("Value", "")
        reason = (
            AbandonReason.TIMEOUT
            if value == "TIMEOUT"
            else (AbandonReason.CALLER_HANGUP if value in ("", "CONTINUE") else AbandonReason.OTHER)
        )
        self._abandon(call, at, out, reason)

    def _dialbegin(self, f: Frame, at: datetime, out: list[Event]) -> None:
        call = self._call_of(f, "DestUniqueid", "DestLinkedid") if "Channel" not in f else self._call_of(f)
        if call is None:
            return
        if "Channel" not in f:  # Originate is the dialer: the dest is our outbound leg
            if call.originate is None and self.originates:
                dial = f.get("DialString", "")
                for pending in self.originates.values():
                    req = pending.request
                    if req.channel_id is None and not pending.linked and dial and (req.destination.endswith(dial)):
                        pending.linked, pending.call_id = True, call.call_id
                        call.originate, call.direction = pending, Direction.OUTBOUND
                        break
            self._offer(call, at, out)
            return
        self._offer(call, at, out)
        dest = f.get("DestUniqueid", "")
        if dest in call.ringing or call.in_queue:
            return  # queue members are announced by AgentCalled
        agent = interface_of(f.get("DestChannel", ""))
        call.ringing[dest] = Ringing(agent, None, None, at)
        out.append(
            AgentRinging(
                call_id=call.call_id,
                at=at,
                queue=None,
                agent=agent,
                agent_name=None,
                agent_channel=f.get("DestChannel", ""),
                caller_number=known(f.get("CallerIDNum")),
                caller_name=known(f.get("CallerIDName")),
            )
        )

    def _dialend(self, f: Frame, at: datetime, out: list[Event]) -> None:
        if "Channel" not in f:
            return
        call = self._call_of(f)
        if call is None:
            return
        ring = call.ringing.pop(f.get("DestUniqueid", ""), None)
        if ring is None or f.get("DialStatus") != "ANSWER" or ring.queue is not None:
            return
        # A direct Dial (no queue) answered: that is the connect.
        call.answered = True
        call.answered_at = at
        call.agent, call.agent_name = ring.agent, None
        call.agent_channel = f.get("DestChannel")
        out.append(
            CallAnswered(
                call_id=call.call_id,
                at=at,
                queue=None,
                agent=ring.agent,
                agent_name=None,
                agent_channel=call.agent_channel,
                wait_seconds=(at - (call.offered_at or call.first_seen)).total_seconds(),
                ring_seconds=(at - ring.since).total_seconds(),
            )
        )

    def _agentcalled(self, f: Frame, at: datetime, out: list[Event]) -> None:
        call = self._call_of(f)
        if call is None:
            return
        self._offer(call, at, out)
        agent = f.get("Interface") or interface_of(f.get("DestChannel", ""))
        name = known(f.get("MemberName"))
        call.ringing[f.get("DestUniqueid", "")] = Ringing(agent, name, f.get("Queue"), at)
        cust = self._customer(call)
        out.append(
            AgentRinging(
                call_id=call.call_id,
                at=at,
                queue=f.get("Queue"),
                agent=agent,
                agent_name=name,
                agent_channel=f.get("DestChannel", ""),
                caller_number=(cust.caller_number if cust else None) or known(f.get("CallerIDNum")),
                caller_name=(cust.caller_name if cust else None) or known(f.get("CallerIDName")),
            )
        )

    def _ringnoanswer(self, f: Frame, at: datetime, out: list[Event]) -> None:
        call = self._call_of(f)
        if call is None:
            return
        ring = call.ringing.pop(f.get("DestUniqueid", ""), None)
        out.append(
            AgentRingNoAnswer(
                call_id=call.call_id,
                at=at,
                queue=f.get("Queue"),
                agent=f.get("Interface") or (ring.agent if ring else ""),
                agent_name=known(f.get("MemberName")),
                ring_seconds=_int(f.get("RingTime")) / 1000.0,  # milliseconds here (gotcha 13)
            )
        )

    def _queuejoin(self, f: Frame, at: datetime, out: list[Event]) -> None:
        call = self._call_of(f)
        if call is None:
            return
        self._offer(call, at, out)
        queue = f.get("Queue", "")
        if call.answered and call.agent is not None and not call.transferred:
            # A bridged caller sent to another queue: Redirect (05c). Its
            # AgentComplete only arrives when the caller finally hangs up.
            out.append(
                CallTransferred(
                    call_id=call.call_id,
                    at=at,
                    kind=TransferKind.REDIRECT,
                    from_agent=call.agent,
                    to_queue=queue,
                )
            )
        elif call.transferred and call.agent is None:
            pass  # a blind transfer landing in a queue: already announced
        call.transferred = False
        call.agent = call.agent_name = call.agent_channel = None
        call.customer = f.get("Uniqueid")
        call.queue, call.in_queue, call.joined_at = queue, True, at
        call.position = _int(f.get("Position"))
        cust = self._customer(call)
        out.append(
            CallQueued(
                call_id=call.call_id,
                at=at,
                queue=queue,
                position=call.position,
                caller_number=(cust.caller_number if cust else None) or known(f.get("CallerIDNum")),
            )
        )

    def _queueleave(self, f: Frame, at: datetime, out: list[Event]) -> None:
        call = self._call_of(f)
        if call is not None:
            call.in_queue = False

    def _queueabandon(self, f: Frame, at: datetime, out: list[Event]) -> None:
        call = self._call_of(f)
        if call is None:
            return
        call.ringing.clear()
        info = {k: f.get(k, "") for k in ("Queue", "Position", "OriginalPosition")}
        wait = (at - call.joined_at).total_seconds() if call.joined_at else float(_int(f.get("HoldTime")))
        call.pending_abandon = (info, wait)
        if call.hangup_requested:
            self._abandon(call, at, out, AbandonReason.CALLER_HANGUP)
        # else: a queue timeout also sends QueueCallerAbandon (03c); the
        # QUEUESTATUS VarSet (or the caller's hangup) tells which it was.

    def _agentconnect(self, f: Frame, at: datetime, out: list[Event]) -> None:
        call = self._call_of(f)
        if call is None:
            return
        ring = call.ringing.pop(f.get("DestUniqueid", ""), None)
        call.ringing.clear()
        call.in_queue = False
        call.answered = True
        call.answered_at = call.answered_at or at
        call.agent = f.get("Interface") or (ring.agent if ring else None)
        call.agent_name = known(f.get("MemberName"))
        call.agent_channel = f.get("DestChannel")
        wait = (at - call.joined_at).total_seconds() if call.joined_at else float(_int(f.get("HoldTime")))
        out.append(
            CallAnswered(
                call_id=call.call_id,
                at=at,
                queue=f.get("Queue"),
                agent=call.agent,
                agent_name=call.agent_name,
                agent_channel=call.agent_channel,
                wait_seconds=wait,
                ring_seconds=(at - ring.since).total_seconds() if ring else float(_int(f.get("RingTime"))),
            )
        )

    def _agentcomplete(self, f: Frame, at: datetime, out: list[Event]) -> None:
        call = self._call_of(f)
        if call is None:
            return
        reason = f.get("Reason")
        if reason == "transfer" and not call.transferred:
            call.transferred = True
            out.append(
                CallTransferred(
                    call_id=call.call_id,
                    at=at,
                    kind=TransferKind.BLIND,
                    from_agent=f.get("Interface") or call.agent,
                )
            )
            call.agent = call.agent_name = call.agent_channel = None
        elif (
            reason != "transfer" and call.ended_by is None and (call.agent is None or f.get("Interface") == call.agent)
        ):
            # Late AgentCompletes of earlier legs (after a Redirect) name
            # another member: only the current agent's says who hung up.
            call.ended_by = reason

    def _hanguprequest(self, f: Frame, at: datetime, out: list[Event]) -> None:
        call = self._call_of(f)
        if call is None:
            return
        if f.get("Uniqueid") == (call.customer or call.origin):
            call.hangup_requested = True

    def _hangup(self, f: Frame, at: datetime, out: list[Event]) -> None:
        call = self._call_of(f)
        if call is None:
            return
        uid = f.get("Uniqueid", "")
        chan = call.channels.pop(uid, None)
        self.channel_index.pop(uid, None)
        call.ringing.pop(uid, None)
        if uid == (call.customer or call.origin) or (chan is not None and call.cause is None and not call.channels):
            call.cause = _int(f.get("Cause"), -1)
            call.cause_text = f.get("Cause-txt")
            if call.pending_abandon is not None and uid == (call.customer or call.origin):
                self._abandon(call, at, out, AbandonReason.CALLER_HANGUP)
        if not call.channels:
            self._finish(call, at, out)

    def _blindtransfer(self, f: Frame, at: datetime, out: list[Event]) -> None:
        if f.get("Result", "Success") != "Success":
            return
        call = self._call_of(f, "TransfereeUniqueid", "TransfereeLinkedid")
        if call is None:
            return
        call.transferred = True
        out.append(
            CallTransferred(
                call_id=call.call_id,
                at=at,
                kind=TransferKind.BLIND,
                from_agent=call.agent,
                to_context=f.get("Context"),
                to_extension=f.get("Extension"),
            )
        )
        call.agent = call.agent_name = call.agent_channel = None

    def _attendedtransfer(self, f: Frame, at: datetime, out: list[Event]) -> None:
        if f.get("Result", "Success") != "Success":
            return
        call = self._call_of(f, "TransfereeUniqueid", "TransfereeLinkedid") or self._call_of(
            f, "OrigTransfererUniqueid", "OrigTransfererLinkedid"
        )
        if call is None:
            return
        target = f.get("TransferTargetChannel", "")
        to_agent = interface_of(target) if target else None
        out.append(
            CallTransferred(
                call_id=call.call_id,
                at=at,
                kind=TransferKind.ATTENDED,
                from_agent=call.agent,
                to_agent=to_agent,
            )
        )
        # The consultation leg may live under another Linkedid (a call the
        # agent placed from the phone): fold its channels into this call.
        other_id = self.channel_index.get(f.get("TransferTargetUniqueid", ""))
        if other_id and other_id != call.call_id:
            other = self.calls.pop(other_id, None)
            if other is not None:
                for uid, chan in other.channels.items():
                    call.channels[uid] = chan
                    self.channel_index[uid] = call.call_id
        call.agent, call.agent_name = to_agent, None
        call.agent_channel = target or None

    def _originateresponse(self, f: Frame, at: datetime, out: list[Event]) -> None:
        action_id = f.get("ActionID", "")
        pending = self.originates.get(action_id)
        code = _int(f.get("Reason"), -1)
        if f.get("Response") == "Success":
            outcome = OriginateOutcome.ANSWERED
        else:
            outcome = _REASONS.get(code, OriginateOutcome.FAILED)
            if outcome is OriginateOutcome.ANSWERED:
                outcome = OriginateOutcome.FAILED
        uid = known(f.get("Uniqueid"))
        call = self.calls.get(self.channel_index.get(uid, "")) if uid else None
        if pending is None and action_id in self.settled_originates:
            return
        if pending is None:
            if call is None and uid:
                call = self.calls.get(uid)
            # Not ours (another AMI client, or sent before we started): still report it.
            if call is not None:
                self._offer(call, at, out)
            out.append(
                OriginateResult(
                    call_id=call.call_id if call else (uid or f"originate:{action_id}"),
                    at=at,
                    outcome=outcome,
                    action_id=action_id or None,
                    channel_id=None,
                    destination=f.get("Channel"),
                    correlation_id=None,
                    reason_code=code,
                )
            )
            return
        if call is None:
            call = self._call_of_originate(pending)
        self._settle(call, pending, outcome, at, out, reason=code)

    def _response(self, f: Frame, at: datetime) -> tuple[Event, ...]:
        pending = self.originates.get(f.get("ActionID", ""))
        if pending is None or pending.settled:
            return ()
        out: list[Event] = []
        call = self._call_of_originate(pending)
        if f.get("Response") == "Error":
            # Sync originate failure ("Originate failed", no reason) or a refused action.
            self._settle(call, pending, OriginateOutcome.FAILED, at, out, message=f.get("Message"))
        elif pending.request.sync:
            # A sync Originate only answers Success once the party answered,
            # and no OriginateResponse event follows.
            self._settle(call, pending, OriginateOutcome.ANSWERED, at, out, reason=4)
        return tuple(out)

    def _member(self, f: Frame, at: datetime, out: list[Event]) -> None:
        event = member_event(f, at)
        if event is not None:
            out.append(event)

    def _list_item(self, f: Frame, at: datetime, out: list[Event]) -> None:
        resync.on_list_frame(self, f, at, out)
