"""Transfers: Hold/consultation (Atxfer), AttendedTransfer, BlindTransfer.

An Atxfer consultation shows as: ``Hold`` on the operator's channel, then new
channels in the same call (``Local/1002@agents-…;1/;2`` and the consultee's
phone). It ends in ``AttendedTransfer`` (the operator hung up, s7) or with the
consult legs hanging up (no answer, s7b; or cancelled)."""

from __future__ import annotations

from datetime import datetime

from ..calls import Call, Channel, Consult, interface_of
from ..codes import DIAL_ANSWERED
from ..events import CallTransferred, ConsultChanged, ConsultState, Event, TransferKind
from ..table import CallTable, Frame


def _consult_event(call: Call, consult: Consult, at: datetime, out: list[Event]) -> None:
    out.append(
        ConsultChanged(
            call_id=call.call_id,
            at=at,
            state=consult.state,
            agent=consult.agent,
            target=consult.target,
            target_agent=consult.target_agent,
            channel=consult.channel,
        )
    )


def hold(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    call = t.call_of(f)
    if call is not None and call.answered and f.get("Channel") == call.agent_channel:
        call.held = True


def unhold(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    call = t.call_of(f)
    if call is not None and f.get("Channel") == call.agent_channel:
        call.held = False


def consult_leg_created(t: CallTable, call: Call, chan: Channel, at: datetime, out: list[Event]) -> bool:
    """A channel appearing while the operator holds the customer is a consult leg."""
    consult = call.consult
    if consult is not None and consult.state in (ConsultState.RINGING, ConsultState.TALKING):
        consult.channels.add(chan.uniqueid)
        return True
    if not call.held or not call.answered or chan.uniqueid == call.origin:
        return False
    consult = Consult(agent=call.agent, target=chan.exten, channel=chan.name, channels={chan.uniqueid})
    call.consult = consult
    _consult_event(call, consult, at, out)
    return True


def consult_dials(call: Call, dialler: str, dest: str, dest_name: str) -> bool:
    """The consult leg dials the consultee's phone: no AgentRinging for the call's card."""
    consult = call.consult
    if consult is None or (dialler not in consult.channels and dest not in consult.channels):
        return False
    consult.channels.add(dest)
    if not dest_name.startswith("Local/"):
        consult.target_agent = interface_of(dest_name)
        consult.target_channel = dest_name
    return True


def consult_dial_ended(call: Call, dest: str, status: str, at: datetime, out: list[Event]) -> bool:
    consult = call.consult
    if consult is None or dest not in consult.channels:
        return False
    if status == DIAL_ANSWERED and consult.state is ConsultState.RINGING:
        consult.state = ConsultState.TALKING
        _consult_event(call, consult, at, out)
    return True


def consult_leg_gone(call: Call, uid: str, at: datetime, out: list[Event]) -> bool:
    """A consult leg hung up; the last one gone without a transfer ends the consultation."""
    consult = call.consult
    if consult is None or uid not in consult.channels:
        return False
    consult.channels.discard(uid)
    if not consult.channels:
        consult.state = ConsultState.CANCELLED if consult.state is ConsultState.TALKING else ConsultState.FAILED
        _consult_event(call, consult, at, out)
        call.consult = None
    return True


def blindtransfer(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    if f.get("Result", "Success") != "Success":
        return
    call = t.call_of(f, "TransfereeUniqueid", "TransfereeLinkedid")
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
    call.held = False


def attendedtransfer(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    if f.get("Result", "Success") != "Success":
        return
    call = t.call_of(f, "TransfereeUniqueid", "TransfereeLinkedid") or t.call_of(
        f, "OrigTransfererUniqueid", "OrigTransfererLinkedid"
    )
    if call is None:
        return
    consult = call.consult
    target = f.get("TransferTargetChannel", "")
    to_agent = consult.target_agent if consult is not None else (interface_of(target) if target else None)
    to_channel = consult.target_channel if consult is not None else (target or None)
    if consult is not None:
        consult.state = ConsultState.COMPLETED
        _consult_event(call, consult, at, out)
        call.consult = None
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
    other_id = t.channel_index.get(f.get("TransferTargetUniqueid", ""))
    if other_id and other_id != call.call_id:
        t.absorb(call, other_id, at, out)
    call.transferred = True
    call.held = False
    call.agent, call.agent_name = to_agent, None
    call.agent_channel = to_channel
