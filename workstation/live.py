"""The live picture of calls, built from CTI events (pure: no I/O, no clock)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from cti import events as ev

ENDED_KEEP = 2_000  # ended calls kept for a late look-up (wrap-up after a restart); oldest dropped first


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveCall:
    call_id: str
    direction: str
    state: str  # offered | ivr | queued | ringing | talking | ended
    caller_number: str | None
    dialed_number: str | None
    offered_at: datetime
    queue: str | None = None
    agent: str | None = None  # member interface ringing or talking (PJSIP/1001)
    agent_channel: str | None = None
    answered_at: datetime | None = None
    ended_at: datetime | None = None
    correlation_id: str | None = None
    abandoned: bool = False

    def to_json(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        for key in ("offered_at", "answered_at", "ended_at"):
            data[key] = data[key].isoformat() if data[key] else None
        return data


class LiveCalls:
    """Calls in progress keyed by call id, plus a bounded memory of the ones that ended."""

    def __init__(self) -> None:
        self.active: dict[str, LiveCall] = {}
        self.ended: dict[str, LiveCall] = {}

    def get(self, call_id: str) -> LiveCall | None:
        return self.active.get(call_id) or self.ended.get(call_id)

    def for_agent(self, interface: str) -> LiveCall | None:
        """The call ringing or talking on this phone, if any."""
        for call in self.active.values():
            if call.agent == interface and call.state in ("ringing", "talking"):
                return call
        return None

    def apply(self, event: object) -> LiveCall | None:
        """Fold one event in; returns the call as it is now (None when the event is not about a call)."""
        if isinstance(event, ev.CallOffered):
            call = self.active.get(event.call_id) or LiveCall(
                call_id=event.call_id,
                direction=str(event.direction),
                state="offered",
                caller_number=event.caller_number,
                dialed_number=event.dialed_number,
                offered_at=event.at,
                correlation_id=event.correlation_id,
            )
            return self._put(call)
        call = self.active.get(getattr(event, "call_id", ""))
        if call is None:
            return None
        match event:
            case ev.IvrStarted():
                call = replace(call, state="ivr")
            case ev.CallQueued(queue=queue):
                call = replace(call, state="queued", queue=queue, agent=None, agent_channel=None)
            case ev.AgentRinging(agent=agent, agent_channel=channel, queue=queue):
                call = replace(call, state="ringing", agent=agent, agent_channel=channel, queue=queue or call.queue)
            case ev.AgentRingNoAnswer(agent=agent) if call.agent == agent and call.state == "ringing":
                call = replace(call, state="queued", agent=None, agent_channel=None)
            case ev.CallAnswered(agent=agent, agent_channel=channel, queue=queue):
                call = replace(
                    call,
                    state="talking",
                    agent=agent or call.agent,
                    agent_channel=channel or call.agent_channel,
                    queue=queue or call.queue,
                    answered_at=call.answered_at or event.at,
                )
            case ev.CallTransferred(kind=kind, to_agent=to_agent) if kind == ev.TransferKind.ATTENDED and to_agent:
                call = replace(call, agent=to_agent, agent_channel=None)
            case ev.CallTransferred():
                call = replace(call, state="queued", agent=None, agent_channel=None)
            case ev.CallAbandoned():
                call = replace(call, abandoned=True)
            case ev.CallEnded():
                call = replace(call, state="ended", ended_at=event.at)
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
