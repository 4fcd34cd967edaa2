"""What each CTI event means for the call card (pure): the card registers itself, nobody clicks.

The rules, each once:
* one call, one card, whoever ends up talking: after a transfer the card keeps the operator who answered
  first, and their talk time ends at the hand-over;
* only an answer puts an operator on the card: a phone that merely rang leaves no agent, so an abandoned
  (or otherwise unanswered) inbound call has none;
* ``ivr_only`` means the IVR ran and the caller left there; an inbound call that reached neither the IVR
  nor a queue is ``unanswered``;
* the consultation of an attended transfer is not a new operator on the call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crm_store.phones import normalize_phone
from crm_store.records import KeepFirst
from crm_store.vocabulary import CallbackStatus, CallOutcome, CallState, Direction
from cti import events as ev

from .live import LiveCall, is_consult_leg


@dataclass(frozen=True, slots=True, kw_only=True)
class CardChange:
    call_id: str
    open: bool = False  # register the card (idempotent) before applying `fields`
    fields: dict[str, Any] = field(default_factory=dict)
    agent_interface: str | None = None  # resolve to the operator's user id
    agent_kept_first: bool = False  # that operator only fills a card with no operator yet
    look_up_caller: bool = False  # find the customer by the caller's number


def caller_e164(number: str | None) -> str | None:
    """The number as stored on cards: E.164 when it is a valid number, else as the PBX sent it."""
    if not number:
        return None
    return normalize_phone(number) or number


NO_AGENT = {"agent_id": None, "agent_interface": None}


def card_change(event: object, call: LiveCall | None, before: LiveCall | None = None) -> CardChange | None:
    """The card step for `event`; `call` is the call after the event, `before` the call before it."""
    if is_consult_leg(before, event):
        return None
    match event:
        case ev.CallOffered():
            number = call.customer_number if call is not None else event.caller_number
            # Outbound through an operator's phone: the operator who dialled is on the card from the start.
            dialler = event.agent if event.direction == ev.Direction.OUTBOUND else None
            return CardChange(
                call_id=event.call_id,
                open=True,
                look_up_caller=True,
                agent_interface=dialler,
                fields={
                    "direction": str(event.direction),
                    "caller_number": caller_e164(number),
                    "called_number": event.dialed_number,
                    "offered_at": event.at,
                    "state": (CallState.DIALING if dialler else CallState.OFFERED).value,
                    **({"agent_interface": dialler} if dialler else {}),
                },
            )
        case ev.IvrStarted():
            return CardChange(call_id=event.call_id, fields={"state": CallState.IVR.value})
        case ev.CallQueued():
            return CardChange(call_id=event.call_id, fields={"state": CallState.QUEUED.value, "queue": event.queue})
        case ev.AgentRinging():
            fields: dict[str, Any] = {"state": CallState.RINGING.value}
            if event.queue:
                fields["queue"] = event.queue
            return CardChange(call_id=event.call_id, fields=fields)
        case ev.CallAnswered(seeded=True):
            # Found talking by a resync after a restart: its answer time is a guess and its wait unknown, so
            # they (and who answered, and where) only fill what the card does not hold from the live answer.
            fields = {"state": CallState.TALKING.value, "answered_at": KeepFirst(event.at)}
            if event.agent:
                fields["agent_interface"] = KeepFirst(event.agent)
            if event.queue:
                fields["queue"] = KeepFirst(event.queue)
            return CardChange(call_id=event.call_id, agent_interface=event.agent, agent_kept_first=True, fields=fields)
        case ev.CallAnswered():
            if before is not None and before.transferred_at is not None:
                return None  # the next operator after a transfer: the card stays the first operator's
            fields = {
                "state": CallState.TALKING.value,
                "answered_at": event.at,
                "wait_seconds": round(event.wait_seconds),
            }
            if event.agent:
                fields["agent_interface"] = event.agent
            if event.queue:
                fields["queue"] = event.queue
            return CardChange(call_id=event.call_id, agent_interface=event.agent, fields=fields)
        case ev.CallTransferred():
            if before is not None and before.transferred_at is not None:
                return None  # handed on again (or the same hand-over reported twice): the first one counts
            fields = {}
            target = event.to_queue or event.to_agent or event.to_extension
            if target is None and before is not None and before.consult is not None:
                target = before.consult.target
            if target:
                fields["transferred_to"] = target
            answered_at = before.answered_at if before is not None else None
            if answered_at is not None:
                fields["talk_seconds"] = max(0, round((event.at - answered_at).total_seconds()))
            return CardChange(call_id=event.call_id, fields=fields)
        case ev.CallAbandoned():
            inbound = call is None or call.direction == Direction.INBOUND
            return CardChange(
                call_id=event.call_id,
                fields={
                    "outcome": CallOutcome.ABANDONED.value,
                    "wait_seconds": round(event.wait_seconds),
                    "queue": event.queue,
                    # Inbound callers who gave up wait in the call-back list until someone calls them.
                    "callback_status": CallbackStatus.PENDING.value if inbound else None,
                    **NO_AGENT,
                },
            )
        case ev.CallEnded():
            return CardChange(call_id=event.call_id, fields=ended_fields(event, call))
        case ev.OriginateResult() if event.outcome != ev.OriginateOutcome.ANSWERED:
            # Every attempt has its card, with the number dialled and its true result (busy, no answer…),
            # also one that never got as far as a call.
            return CardChange(
                call_id=event.call_id,
                open=True,
                fields={
                    "direction": Direction.OUTBOUND.value,
                    "caller_number": caller_e164(event.customer_number),
                    "state": CallState.ENDED.value,
                    "ended_at": event.at,
                    "offered_at": event.at,
                    "outcome": originate_outcome(str(event.outcome)),
                },
            )
    return None


_ORIGINATE_OUTCOMES = {
    ev.OriginateOutcome.BUSY.value: CallOutcome.BUSY,
    ev.OriginateOutcome.NO_ANSWER.value: CallOutcome.NO_ANSWER,
}


def originate_outcome(outcome: str) -> str:
    """A call attempt's true result: busy and no answer as such, everything else (congestion, a number
    that does not exist, an unknown fate) as failed."""
    return _ORIGINATE_OUTCOMES.get(outcome, CallOutcome.FAILED).value


def ended_fields(event: ev.CallEnded, call: LiveCall | None) -> dict[str, Any]:
    fields: dict[str, Any] = {"state": CallState.ENDED.value, "ended_at": event.at}
    transferred = call is not None and call.transferred_at is not None
    if event.talk_seconds is not None and not transferred:
        fields["talk_seconds"] = round(event.talk_seconds)
    outbound = event.direction == ev.Direction.OUTBOUND or (call is not None and call.direction == Direction.OUTBOUND)
    if event.answered:
        fields["outcome"] = CallOutcome.ANSWERED.value
    elif call is not None and call.abandoned:
        fields.update(NO_AGENT)  # CallAbandoned already said what happened
    elif outbound:
        # The attempt's own result: what Asterisk said of the originate, else nobody picked up.
        hint = str(event.outcome) if event.outcome else (call.originate_outcome if call is not None else None)
        fields["outcome"] = originate_outcome(hint) if hint else CallOutcome.NO_ANSWER.value
    else:
        fields.update(NO_AGENT)
        queue = event.queue or (call.queue if call is not None else None)
        if queue is not None:
            fields["outcome"] = CallOutcome.ABANDONED.value
            fields["callback_status"] = CallbackStatus.PENDING.value
        elif call is not None and call.ivr_ran:
            fields["outcome"] = CallOutcome.IVR_ONLY.value
        else:
            fields["outcome"] = CallOutcome.UNANSWERED.value
            fields["callback_status"] = CallbackStatus.PENDING.value
    if event.lost_in_disconnect:
        fields["outcome"] = fields.get("outcome", CallOutcome.FAILED.value)
    return fields
