"""What each CTI event means for the call card (pure): the card registers itself, nobody clicks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crm_store.phones import normalize_phone
from cti import events as ev

from .live import LiveCall


@dataclass(frozen=True, slots=True, kw_only=True)
class CardChange:
    call_id: str
    open: bool = False  # register the card (idempotent) before applying `fields`
    fields: dict[str, Any] = field(default_factory=dict)
    agent_interface: str | None = None  # resolve to the operator's user id
    look_up_caller: bool = False  # find the customer by the caller's number


def caller_e164(number: str | None) -> str | None:
    """The number as stored on cards: E.164 when it is a valid number, else as the PBX sent it."""
    if not number:
        return None
    return normalize_phone(number) or number


def card_change(event: object, call: LiveCall | None) -> CardChange | None:
    match event:
        case ev.CallOffered():
            return CardChange(
                call_id=event.call_id,
                open=True,
                look_up_caller=True,
                fields={
                    "direction": str(event.direction),
                    "caller_number": caller_e164(event.caller_number),
                    "called_number": event.dialed_number,
                    "offered_at": event.at,
                    "state": "offered",
                },
            )
        case ev.IvrStarted():
            return CardChange(call_id=event.call_id, fields={"state": "ivr"})
        case ev.CallQueued():
            return CardChange(call_id=event.call_id, fields={"state": "queued", "queue": event.queue})
        case ev.AgentRinging():
            return CardChange(
                call_id=event.call_id,
                agent_interface=event.agent,
                fields={"state": "ringing", "queue": event.queue, "agent_interface": event.agent},
            )
        case ev.CallAnswered():
            fields: dict[str, Any] = {
                "state": "talking",
                "answered_at": event.at,
                "wait_seconds": round(event.wait_seconds),
                "agent_interface": event.agent,
            }
            if event.queue:
                fields["queue"] = event.queue
            return CardChange(call_id=event.call_id, agent_interface=event.agent, fields=fields)
        case ev.CallTransferred():
            target = event.to_queue or event.to_agent or event.to_extension
            return CardChange(call_id=event.call_id, fields={"transferred_to": target})
        case ev.CallAbandoned():
            # Inbound callers who gave up wait in the call-back list until someone calls them.
            return CardChange(
                call_id=event.call_id,
                fields={
                    "outcome": "abandoned",
                    "wait_seconds": round(event.wait_seconds),
                    "queue": event.queue,
                    "callback_status": "pending" if call is None or call.direction == "inbound" else None,
                },
            )
        case ev.CallEnded():
            return CardChange(call_id=event.call_id, fields=_ended_fields(event, call))
        case ev.OriginateResult() if event.outcome != ev.OriginateOutcome.ANSWERED:
            call_id = event.channel_id or event.call_id
            return CardChange(
                call_id=call_id,
                open=True,
                fields={
                    "direction": "outbound",
                    "state": "ended",
                    "ended_at": event.at,
                    "offered_at": event.at,
                    "outcome": _ORIGINATE_OUTCOMES.get(event.outcome, "failed"),
                },
            )
    return None


_ORIGINATE_OUTCOMES = {
    ev.OriginateOutcome.BUSY: "busy",
    ev.OriginateOutcome.NO_ANSWER: "no_answer",
    ev.OriginateOutcome.CONGESTION: "failed",
    ev.OriginateOutcome.FAILED: "failed",
    ev.OriginateOutcome.UNKNOWN: "failed",
}


def _ended_fields(event: ev.CallEnded, call: LiveCall | None) -> dict[str, Any]:
    fields: dict[str, Any] = {"state": "ended", "ended_at": event.at}
    if event.talk_seconds is not None:
        fields["talk_seconds"] = round(event.talk_seconds)
    if event.answered:
        fields["outcome"] = "answered"
    elif call is not None and call.abandoned:
        pass  # CallAbandoned already said so
    elif event.direction == ev.Direction.OUTBOUND:
        fields["outcome"] = "no_answer"
    elif event.queue is None and (call is None or call.queue is None):
        fields["outcome"] = "ivr_only"
    else:
        fields["outcome"] = "abandoned"
        fields["callback_status"] = "pending"
    if event.lost_in_disconnect:
        fields["outcome"] = fields.get("outcome", "failed")
    return fields
