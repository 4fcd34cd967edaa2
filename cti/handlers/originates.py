"""Originate results: ours (matched by ActionID) and other clients' (matched
by the channel they created), one OriginateResult per attempt."""

from __future__ import annotations

from datetime import datetime

from ..calls import Call, known
from ..codes import DIAL_APPLICATION, ORIGINATE_OUTCOMES, ControlFrame
from ..events import Event, OriginateOutcome
from ..table import CallTable, Frame, as_int


def _outcome(f: Frame, code: int) -> OriginateOutcome:
    if f.get("Response") == "Success":
        return OriginateOutcome.ANSWERED
    try:
        outcome = ORIGINATE_OUTCOMES.get(ControlFrame(code), OriginateOutcome.FAILED)
    except ValueError:
        return OriginateOutcome.FAILED
    # a Failure with Reason 4 (answered, then lost) is still a failure
    return OriginateOutcome.FAILED if outcome is OriginateOutcome.ANSWERED else outcome


def originateresponse(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    action_id = f.get("ActionID", "")
    code = as_int(f.get("Reason"), -1)
    outcome = _outcome(f, code)
    uid = known(f.get("Uniqueid"))
    call = t.calls.get(t.channel_index.get(uid, "")) if uid else None
    pending = t.originates.get(action_id)
    if pending is not None:
        t.settle_originate(call or t.call_of_originate(pending), pending, outcome, at, out, reason=code)
        return
    if action_id in t.settled_originates:
        return
    # Not ours: another AMI client's (or sent before we started).
    dial = f.get("Channel", "")
    if call is None and uid:
        call = t.calls.get(uid)
    if call is None:
        if dial in t.foreign_told:
            del t.foreign_told[dial]  # its channels were gone first: already told
            return
        call = _call_by_dial(t, dial)
    if call is None:
        call = t.rung_phone(uid, dial)
        if call is not None:
            _phone_rung_for_nothing(t, call, f, outcome, at, out, action_id)
        return  # else no channel was ever created: no call to tell about
    if call.originated is None and call.origin is not None:
        call.originated = call.origin
    call.dial = call.dial or dial
    if _rings_a_phone_first(t, call):
        _phone_first(t, call, f, outcome, at, out, action_id)
        return
    t.settle_foreign(call, outcome, at, out, reason=code, action_id=action_id or None)


def _rings_a_phone_first(t: CallTable, call: Call) -> bool:
    if call.foreign_settled or call.originate is not None or call.originated != call.origin:
        return False
    first = call.first
    return first is not None and not t.is_trunk(first.name)


def _dialled_number(t: CallTable, f: Frame) -> str | None:
    """What another client's Originate has the answered phone dial: Application Dial
    to a trunk (its Data), the customer's number."""
    if f.get("Application", "").lower() != DIAL_APPLICATION:
        return None
    return t.trunk_number(f.get("Data"))


def _phone_first(
    t: CallTable,
    call: Call,
    f: Frame,
    outcome: OriginateOutcome,
    at: datetime,
    out: list[Event],
    action: str,
) -> None:
    """Another client's click-to-dial rang the operator's phone first (ccdesk's own call-back
    shape): its Reason only tells the phone. Answered: the result is the customer's leg's,
    told at its DialEnd; not answered: one call-back attempt that failed at the phone."""
    call.foreign_action = action or None
    call.callback_number = call.callback_number or _dialled_number(t, f)
    if outcome is OriginateOutcome.ANSWERED:
        call.result_due = True
        if call.dial_outcome is not None:  # the customer's DialEnd came first
            t.tell_due_result(call, call.dial_outcome, at, out)
        return
    if call.callback_number is None:
        return  # a phone rung for something else (ChanSpy, an internal call): not a call
    t.offer(call, at, out, final=True)
    call.result_due = True
    t.tell_due_result(call, outcome, at, out)
    if not call.channels:
        t.end_call(call, at, out)


def _phone_rung_for_nothing(
    t: CallTable,
    call: Call,
    f: Frame,
    outcome: OriginateOutcome,
    at: datetime,
    out: list[Event],
    action: str,
) -> None:
    """The phone's Hangup came first (Asterisk's order): the call is told now, whole."""
    number = _dialled_number(t, f)
    if number is None or outcome is OriginateOutcome.ANSWERED:
        return
    call.silent = False
    _phone_first(t, call, f, outcome, at, out, action)


def _call_by_dial(t: CallTable, dial: str) -> Call | None:
    """A failed OriginateResponse names the dial string, not a channel (gotcha 11)."""
    if not dial:
        return None
    for call in t.calls.values():
        if call.foreign_settled or call.originate is not None:
            continue
        first = call.first
        if call.dial == dial or (first is not None and first.name.startswith(dial + "-")):
            return call
    return None


def response(t: CallTable, f: Frame, at: datetime) -> tuple[Event, ...]:
    pending = t.originates.get(f.get("ActionID", ""))
    if pending is None or pending.settled:
        return ()
    out: list[Event] = []
    call = t.call_of_originate(pending)
    if f.get("Response") == "Error":
        # Sync originate failure ("Originate failed", no reason) or a refused action.
        t.settle_originate(call, pending, OriginateOutcome.FAILED, at, out, message=f.get("Message"))
    elif pending.request.sync:
        # A sync Originate only answers Success once the party answered,
        # and no OriginateResponse event follows.
        t.settle_originate(call, pending, OriginateOutcome.ANSWERED, at, out, reason=ControlFrame.ANSWER)
    return tuple(out)
