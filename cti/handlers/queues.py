"""Queue frames: callers joining and leaving, members rung, connected, done."""

from __future__ import annotations

from datetime import datetime

from ..calls import Ringing, interface_of, known
from ..events import (
    AbandonReason,
    AgentRinging,
    AgentRingNoAnswer,
    CallAnswered,
    CallQueued,
    CallTransferred,
    Direction,
    Event,
    TransferKind,
)
from ..members import member_event
from ..table import CallTable, Frame, as_int

TRANSFER = "transfer"  # AgentComplete Reason of a member who transferred the caller


def agentcalled(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    call = t.call_of(f)
    if call is None:
        return
    t.offer(call, at, out, fallback=Direction.INBOUND)
    if call.silent:
        return
    agent = f.get("Interface") or interface_of(f.get("DestChannel", ""))
    name = known(f.get("MemberName"))
    call.ringing[f.get("DestUniqueid", "")] = Ringing(agent, name, f.get("Queue"), at)
    if agent not in call.rung:
        call.rung.append(agent)
    cust = t.customer_channel(call)
    number = call.customer_number if call.direction is Direction.OUTBOUND else None
    out.append(
        AgentRinging(
            call_id=call.call_id,
            at=at,
            queue=f.get("Queue"),
            agent=agent,
            agent_name=name,
            agent_channel=f.get("DestChannel", ""),
            caller_number=number or (cust.caller_number if cust else None) or known(f.get("CallerIDNum")),
            caller_name=(cust.caller_name if cust else None) or known(f.get("CallerIDName")),
        )
    )


def ringnoanswer(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    call = t.call_of(f)
    if call is None or call.silent:
        return
    ring = call.ringing.pop(f.get("DestUniqueid", ""), None)
    out.append(
        AgentRingNoAnswer(
            call_id=call.call_id,
            at=at,
            queue=f.get("Queue"),
            agent=f.get("Interface") or (ring.agent if ring else ""),
            agent_name=known(f.get("MemberName")),
            ring_seconds=as_int(f.get("RingTime")) / 1000.0,  # milliseconds here (gotcha 13)
        )
    )


def queuejoin(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    call = t.call_of(f)
    if call is None:
        return
    t.offer(call, at, out, fallback=Direction.INBOUND)
    if call.silent:
        return
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
    # (a blind transfer landing in a queue was announced by BlindTransfer)
    call.transferred = False
    call.agent = call.agent_name = call.agent_channel = None
    call.customer = f.get("Uniqueid")
    call.queue, call.in_queue, call.joined_at = queue, True, at
    call.position = as_int(f.get("Position"))
    cust = t.customer_channel(call)
    number = call.customer_number if call.direction is Direction.OUTBOUND else None
    out.append(
        CallQueued(
            call_id=call.call_id,
            at=at,
            queue=queue,
            position=call.position,
            caller_number=number or (cust.caller_number if cust else None) or known(f.get("CallerIDNum")),
        )
    )


def queueleave(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    call = t.call_of(f)
    if call is not None:
        call.in_queue = False


def queueabandon(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    call = t.call_of(f)
    if call is None or call.silent:
        return
    call.ringing.clear()
    info = {k: f.get(k, "") for k in ("Queue", "Position", "OriginalPosition")}
    wait = (at - call.joined_at).total_seconds() if call.joined_at else float(as_int(f.get("HoldTime")))
    call.pending_abandon = (info, wait)
    if call.hangup_requested:
        t.abandon(call, at, out, AbandonReason.CALLER_HANGUP)
    # else: a queue timeout also sends QueueCallerAbandon (03c); the
    # QUEUESTATUS VarSet (or the caller's hangup) tells which it was.


def agentconnect(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    call = t.call_of(f)
    if call is None or call.silent:
        return
    ring = call.ringing.pop(f.get("DestUniqueid", ""), None)
    call.ringing.clear()
    call.in_queue = False
    call.answered = True
    call.answered_at = call.answered_at or at
    call.agent = f.get("Interface") or (ring.agent if ring else None)
    call.agent_name = known(f.get("MemberName"))
    call.agent_channel = f.get("DestChannel")
    wait = (at - call.joined_at).total_seconds() if call.joined_at else float(as_int(f.get("HoldTime")))
    out.append(
        CallAnswered(
            call_id=call.call_id,
            at=at,
            queue=f.get("Queue"),
            agent=call.agent,
            agent_name=call.agent_name,
            agent_channel=call.agent_channel,
            wait_seconds=wait,
            ring_seconds=(at - ring.since).total_seconds() if ring else float(as_int(f.get("RingTime"))),
        )
    )


def agentcomplete(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    call = t.call_of(f)
    if call is None or call.silent:
        return
    reason = f.get("Reason")
    if reason == TRANSFER:
        if call.transferred or call.consult is not None:
            return  # told by BlindTransfer / AttendedTransfer (which may follow a consultation)
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
    elif call.ended_by is None and (call.agent is None or f.get("Interface") == call.agent):
        # Late AgentCompletes of earlier legs (after a Redirect) name
        # another member: only the current agent's says who hung up.
        call.ended_by = reason


def member(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    event = member_event(f, at)
    if event is not None:
        out.append(event)
