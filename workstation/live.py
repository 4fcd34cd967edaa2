"""The live picture of calls, built from CTI events (pure: no I/O, no clock)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from crm_store.vocabulary import CallState, ConsultState, Direction
from cti import events as ev

ENDED_KEEP = 2_000  # ended calls kept for a late look-up (wrap-up after a restart); oldest dropped first


@dataclass(frozen=True, slots=True, kw_only=True)
class Consult:
    """An attended transfer's consultation: the customer is held while the operator talks to `target`."""

    target: str  # as the operator chose it: "agent:1002" or a number
    state: ConsultState = ConsultState.RINGING
    agent: str | None = None  # the consultee's phone interface, once it rings
    channel: str | None = None  # the consultation leg's channel (what a cancel hangs up)

    def to_json(self) -> dict[str, Any]:
        return {"state": self.state.value, "target": self.target}


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveCall:
    call_id: str
    direction: str
    state: str  # a CallState code
    caller_number: str | None
    dialed_number: str | None
    customer_number: str | None = None  # the other party, the customer: never the operator's extension
    offered_at: datetime
    queue: str | None = None
    agent: str | None = None  # member interface ringing or talking (PJSIP/1001)
    agent_channel: str | None = None
    customer_channel: str | None = None  # the customer's own leg (inbound: the trunk channel that called)
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    correlation_id: str | None = None
    abandoned: bool = False
    ivr_ran: bool = False  # the IVR answered this call (IvrStarted)
    transferred_at: datetime | None = None  # the first operator handed the call on (blind or attended)
    consult: Consult | None = None
    customer_id: int | None = None  # known before any lookup: the customer an operator calls back
    ivr_path: tuple[str, ...] = ()
    routing_reason: str | None = None
    originate_outcome: str | None = None  # what Asterisk said of an originate that was not answered

    def to_json(self) -> dict[str, Any]:
        return {
            "call_id": self.call_id,
            "direction": self.direction,
            "state": self.state,
            "customer_number": self.customer_number,
            "caller_number": self.caller_number,
            "dialed_number": self.dialed_number,
            "customer_id": self.customer_id,
            "queue": self.queue,
            "agent": self.agent,
            "offered_at": _iso(self.offered_at),
            "answered_at": _iso(self.answered_at),
            "ended_at": _iso(self.ended_at),
            "transferred_at": _iso(self.transferred_at),
            "abandoned": self.abandoned,
            "consult": self.consult.to_json() if self.consult else None,
            "ivr_path": list(self.ivr_path),
            "routing_reason": self.routing_reason,
        }


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def is_consult_leg(call: LiveCall | None, event: object) -> bool:
    """During a consultation the consultee's phone rings and answers on the same call: that is the consult,
    not a new operator taking the customer (the operator who consults stays in control)."""
    if call is None or call.consult is None or call.consult.state is ConsultState.FAILED:
        return False
    if not isinstance(event, ev.AgentRinging | ev.CallAnswered | ev.AgentRingNoAnswer):
        return False
    agent = event.agent
    return agent is not None and agent != call.agent


class LiveCalls:
    """Calls in progress keyed by call id, plus a bounded memory of the ones that ended."""

    def __init__(self) -> None:
        self.active: dict[str, LiveCall] = {}
        self.ended: dict[str, LiveCall] = {}

    def get(self, call_id: str) -> LiveCall | None:
        return self.active.get(call_id) or self.ended.get(call_id)

    def for_agent(self, interface: str) -> LiveCall | None:
        """The call ringing, dialling or talking on this phone, if any."""
        for call in self.active.values():
            if call.agent == interface and call.state in (CallState.RINGING, CallState.DIALING, CallState.TALKING):
                return call
        return None

    def update(self, call: LiveCall) -> LiveCall:
        """Put back a call changed outside the event fold (a consultation started, the pop's IVR path)."""
        if call.call_id in self.active:
            self.active[call.call_id] = call
        return call

    def apply(self, event: object) -> LiveCall | None:
        """Fold one event in; returns the call as it is now (None when the event is not about a call)."""
        if isinstance(event, ev.CallOffered):
            # An outbound call through an operator's phone (desk-phone dialling, a call-back) is offered once
            # the phone dials the customer: the operator is on it, the customer's phone rings.
            through_phone = event.direction == ev.Direction.OUTBOUND and event.agent is not None
            offered = self.active.get(event.call_id) or LiveCall(
                call_id=event.call_id,
                direction=str(event.direction),
                state=CallState.DIALING if through_phone else CallState.OFFERED,
                caller_number=event.caller_number,
                dialed_number=event.dialed_number,
                customer_number=(
                    (event.caller_number or event.dialed_number)
                    if event.direction == ev.Direction.OUTBOUND
                    else event.caller_number
                ),
                offered_at=event.at,
                correlation_id=event.correlation_id,
                agent=event.agent if through_phone else None,
                agent_channel=event.channel if through_phone else None,
                customer_channel=None if event.direction == ev.Direction.OUTBOUND else (event.channel or None),
            )
            return self._put(offered)
        found = self.active.get(getattr(event, "call_id", ""))
        if found is None:
            return None
        call = found
        if is_consult_leg(call, event):
            return self._put(_consult_step(call, event))
        match event:
            case ev.IvrStarted():
                call = replace(call, state=CallState.IVR, ivr_ran=True)
            case ev.CallQueued(queue=queue):
                call = replace(call, state=CallState.QUEUED, queue=queue, agent=None, agent_channel=None)
            case ev.AgentRinging(agent=agent, agent_channel=channel, queue=queue):
                call = replace(
                    call, state=CallState.RINGING, agent=agent, agent_channel=channel, queue=queue or call.queue
                )
            case ev.AgentRingNoAnswer(agent=agent) if call.agent == agent and call.state == CallState.RINGING:
                call = replace(call, state=CallState.QUEUED, agent=None, agent_channel=None)
            case ev.CallAnswered(agent=agent, agent_channel=channel, queue=queue):
                call = replace(
                    call,
                    state=CallState.TALKING,
                    agent=agent or call.agent,
                    agent_channel=channel or call.agent_channel,
                    queue=queue or call.queue,
                    answered_at=call.answered_at or event.at,
                )
            case ev.CallTransferred() if call.transferred_at == event.at:
                return call  # the same hand-over reported twice (both legs of an attended transfer)
            case ev.CallTransferred(kind=kind) if kind == ev.TransferKind.ATTENDED or call.consult is not None:
                # The consultee has the customer now; the transferring operator's part of the call ends here.
                # The consult leg (a Local channel) is optimised away: the consultee's own channel is unknown.
                consult = call.consult
                agent = event.to_agent or (consult.agent if consult else None)
                call = replace(
                    call,
                    agent=agent,
                    agent_channel=None,
                    consult=None,
                    transferred_at=call.transferred_at or event.at,
                )
            case ev.CallTransferred():
                call = replace(
                    call,
                    state=CallState.QUEUED,
                    agent=None,
                    agent_channel=None,
                    transferred_at=call.transferred_at or event.at,
                )
            case ev.ConsultChanged():
                call = _consult_changed(call, event)
            case ev.OriginateResult() if event.outcome != ev.OriginateOutcome.ANSWERED:
                call = replace(call, originate_outcome=str(event.outcome))
            case ev.CallAbandoned():
                call = replace(call, abandoned=True, agent=None, agent_channel=None)
            case ev.CallEnded():
                call = replace(call, state=CallState.ENDED, ended_at=event.at, consult=None)
                del self.active[call.call_id]
                self.ended[call.call_id] = call
                while len(self.ended) > ENDED_KEEP:
                    del self.ended[next(iter(self.ended))]
                return call
            case _:
                return call
        return self._put(call)

    def _put(self, call: LiveCall) -> LiveCall:
        self.active[call.call_id] = call
        return call


def _consult_step(call: LiveCall, event: object) -> LiveCall:
    consult = call.consult
    assert consult is not None
    match event:
        case ev.AgentRinging():
            consult = replace(consult, state=ConsultState.RINGING, agent=event.agent, channel=event.agent_channel)
        case ev.CallAnswered():
            consult = replace(
                consult, state=ConsultState.TALKING, agent=event.agent, channel=event.agent_channel or consult.channel
            )
        case ev.AgentRingNoAnswer():
            consult = replace(consult, state=ConsultState.FAILED)
    return replace(call, consult=consult)


def _consult_changed(call: LiveCall, event: ev.ConsultChanged) -> LiveCall:
    """The PBX's word on the consultation: ringing, talking, failed (no answer: the operator has the
    customer back), cancelled (gone), completed (the CallTransferred that follows hands the call on)."""
    state = event.state.value
    if state == ev.ConsultState.CANCELLED.value:
        return replace(call, consult=None)
    if state == ev.ConsultState.COMPLETED.value:
        return call
    current = call.consult or Consult(target=f"agent:{event.target}" if event.target else "")
    return replace(
        call,
        consult=replace(
            current,
            state=ConsultState(state),
            agent=event.target_agent or current.agent,
            channel=event.channel or current.channel,
        ),
    )


def start_consult(call: LiveCall, target: str) -> LiveCall:
    return replace(call, consult=Consult(target=target))


def end_consult(call: LiveCall, state: ConsultState | None = None) -> LiveCall:
    """The consultation is over without a transfer: gone (cancelled) or shown as failed (no answer)."""
    if call.consult is None:
        return call
    return replace(call, consult=None if state is None else replace(call.consult, state=state))


__all__ = ["Consult", "Direction", "LiveCall", "LiveCalls", "end_consult", "is_consult_leg", "start_consult"]
