"""Originate results: ours (matched by ActionID) and other clients' (matched
by the channel they created), one OriginateResult per attempt."""

from __future__ import annotations

from datetime import datetime

from ..calls import Call, known
from ..codes import ORIGINATE_OUTCOMES, ControlFrame
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
        return  # no channel was ever created: no call to tell about
    if call.originated is None and call.origin is not None:
        call.originated = call.origin
    call.dial = call.dial or dial
    t.settle_foreign(call, outcome, at, out, reason=code, action_id=action_id or None)


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
