"""Channels coming and going, dialling and answering (Newchannel … Hangup)."""

from __future__ import annotations

from datetime import datetime

from ..calls import Call, Ringing, interface_of, known, number_of
from ..codes import DIAL_ANSWERED, DIAL_OUTCOMES, MIXMONITOR_FILENAME, QUEUESTATUS, ChannelState
from ..events import AbandonReason, AgentRinging, CallAnswered, Direction, Event, IvrStarted, OriginateOutcome
from ..table import CallTable, Frame, as_int
from . import monitoring, transfers


def newchannel(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    uid = f.get("Uniqueid")
    if uid is None or uid in t.channel_index:
        return
    call_id = f.get("Linkedid") or uid
    call = t.calls.get(call_id)
    if call is None:
        if call_id in t.recently_ended:  # a late leg of a call already ended: never the same call twice
            return
        call = t.new_call(call_id, at)
    chan = t.add_channel(call, f)
    if transfers.consult_leg_created(t, call, chan, at, out):
        return
    if not call.offered and call.origin == uid and (call.originate is not None or chan.caller_number):
        t.offer(call, at, out)


def newcallerid(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    call = t.call_of(f)
    if call is None:
        return
    chan = call.channels.get(f.get("Uniqueid", ""))
    if chan is not None:
        chan.caller_number = known(f.get("CallerIDNum")) or chan.caller_number
        chan.caller_name = known(f.get("CallerIDName")) or chan.caller_name


def newstate(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    call = t.call_of(f)
    if call is None:
        return
    uid = f.get("Uniqueid", "")
    chan = call.channels.get(uid)
    if chan is not None:
        chan.state = f.get("ChannelState", chan.state)
        if chan.caller_number is None:
            chan.caller_number = known(f.get("CallerIDNum"))
    if uid == call.origin and f.get("ChannelState") == ChannelState.UP:
        t.offer(call, at, out)


def newexten(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    if f.get("Application") != "AGI":
        return
    _ivr(t, f, at, out, f.get("AppData", ""))


def agiexec(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    _ivr(t, f, at, out, "")


def _ivr(t: CallTable, f: Frame, at: datetime, out: list[Event], script: str) -> None:
    call = t.call_of(f)
    if call is None or call.ivr:
        return
    t.offer(call, at, out, fallback=Direction.INBOUND)  # a phone calling the IVR is a caller
    if call.silent:
        return
    call.ivr = True
    out.append(IvrStarted(call_id=call.call_id, at=at, channel=f.get("Channel", ""), script=script))


def varset(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    # Three quarters of the traffic, nearly all of it skipped unparsed (READ_VARIABLES, cti/frames.py).
    read = READ_VARIABLES.get(f.get("Variable", ""))
    if read is not None:
        read(t, f, at, out)


def _queuestatus(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    call = t.call_of(f)
    if call is None or call.pending_abandon is None:
        return
    value = f.get("Value", "")
    reason = (
        AbandonReason.TIMEOUT
        if value == "TIMEOUT"
        else (AbandonReason.CALLER_HANGUP if value in ("", "CONTINUE") else AbandonReason.OTHER)
    )
    t.abandon(call, at, out, reason)


def _recording_file(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    monitoring.recording_file(t, f)


# The channel variables the tracker reads; a VarSet of any other is skipped before it is parsed.
READ_VARIABLES = {QUEUESTATUS: _queuestatus, MIXMONITOR_FILENAME: _recording_file}


def dialbegin(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    if "Channel" not in f:
        _originate_dials(t, f, at, out)
        return
    call = t.call_of(f)
    if call is None:
        return
    dest = f.get("DestUniqueid", "")
    dest_name = f.get("DestChannel", "")
    if transfers.consult_dials(call, f.get("Uniqueid", ""), dest, dest_name):
        return
    if t.is_trunk(dest_name):
        if not call.decided or (call.direction is Direction.OUTBOUND and call.customer is None):
            _dials_customer(t, call, f, at, out)
        return
    t.offer(call, at, out, fallback=Direction.INBOUND)  # a phone dialling a phone: the caller is the first
    if call.silent or dest in call.ringing or call.in_queue:
        return  # queue members are announced by AgentCalled
    if call.pending_abandon is not None and f.get("Uniqueid") == (call.customer or call.origin):
        # The caller dials a phone after Queue() with no hangup and no QUEUESTATUS: a Redirect took them out of
        # the queue (a supervisor's take-over). app_queue counts that as an abandon; the caller did not abandon.
        call.pending_abandon = None
    agent = interface_of(dest_name)
    call.ringing[dest] = Ringing(agent, None, None, at)
    if agent not in call.rung:
        call.rung.append(agent)
    out.append(
        AgentRinging(
            call_id=call.call_id,
            at=at,
            queue=None,
            agent=agent,
            agent_name=None,
            agent_channel=dest_name,
            caller_number=call.customer_number if call.direction is Direction.OUTBOUND else known(f.get("CallerIDNum")),
            caller_name=None if call.direction is Direction.OUTBOUND else known(f.get("CallerIDName")),
        )
    )


def _dials_customer(t: CallTable, call: Call, f: Frame, at: datetime, out: list[Event]) -> None:
    """A phone (or the dialplan behind it) dials the trunk: an outbound call
    whose operator is that phone (desk phone dialling out, s6; a call-back)."""
    dialler = f.get("Channel", "")
    phone = call.first if dialler.startswith("Local/") and call.first is not None else None
    operator_channel = phone.name if phone is not None else dialler
    number = number_of(f.get("DialString")) or known(f.get("DestExten")) or known(f.get("DestCallerIDNum"))
    t.make_outbound(
        call,
        customer=f.get("DestUniqueid"),
        number=call.customer_number or number,
        operator=call.operator or interface_of(operator_channel),
        operator_channel=call.operator_channel or operator_channel,
    )
    call.dial_since = at
    t.offer(call, at, out)


def _originate_dials(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    """DialBegin with no Channel: an Originate (anyone's) is the dialler, the
    destination is the leg it created."""
    call = t.call_of(f, "DestUniqueid", "DestLinkedid")
    if call is None:
        return
    dest = f.get("DestUniqueid", "")
    if call.consult is not None and dest in call.consult.channels:
        return
    if dest != call.origin:
        return
    tech = f.get("DestChannel", "").split("/", 1)[0]
    dial = f.get("DialString", "")
    call.originated = dest
    call.dial = f"{tech}/{dial}" if dial else None
    call.dial_since = at
    if call.originate is None and t.originates:
        pending = t.match_originate_dial(dial)
        if pending is not None:
            t.attach_originate(call, pending)
    t.offer(call, at, out)


def dialend(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    status = f.get("DialStatus", "")
    if "Channel" not in f:
        call = t.call_of(f, "DestUniqueid", "DestLinkedid")
        if call is None:
            return
        dest = f.get("DestUniqueid", "")
        if transfers.consult_dial_ended(call, dest, status, at, out):
            return
        if dest == call.originated:
            outcome = DIAL_OUTCOMES.get(status, OriginateOutcome.FAILED)
            if t.is_trunk(f.get("DestChannel", "")):
                call.dial_outcome = outcome
            else:  # an operator's phone rung first: its pickup is not the customer's
                call.phone_outcome = outcome
        return
    call = t.call_of(f)
    if call is None:
        return
    dest = f.get("DestUniqueid", "")
    if transfers.consult_dial_ended(call, dest, status, at, out):
        return
    if dest == call.customer and call.operator is not None and call.direction is Direction.OUTBOUND:
        _customer_answers(t, call, status, at, out)
        return
    ring = call.ringing.pop(dest, None)
    if ring is None or status != DIAL_ANSWERED or ring.queue is not None:
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


def _customer_answers(t: CallTable, call: Call, status: str, at: datetime, out: list[Event]) -> None:
    """The customer dialled from an operator's phone answered (or not)."""
    call.dial_outcome = DIAL_OUTCOMES.get(status, OriginateOutcome.FAILED)
    t.tell_due_result(call, call.dial_outcome, at, out)  # a phone-first Originate's one result
    if status != DIAL_ANSWERED or call.answered:
        return
    call.answered = True
    call.answered_at = at
    call.agent, call.agent_channel = call.operator, call.operator_channel
    since = call.dial_since or call.offered_at or call.first_seen
    out.append(
        CallAnswered(
            call_id=call.call_id,
            at=at,
            queue=None,
            agent=call.operator,
            agent_name=None,
            agent_channel=call.operator_channel,
            wait_seconds=(at - since).total_seconds(),
            ring_seconds=(at - since).total_seconds(),
        )
    )


def hanguprequest(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    call = t.call_of(f)
    if call is None:
        return
    if f.get("Uniqueid") == (call.customer or call.origin):
        call.hangup_requested = True


def hangup(t: CallTable, f: Frame, at: datetime, out: list[Event]) -> None:
    call = t.call_of(f)
    if call is None:
        return
    uid = f.get("Uniqueid", "")
    chan = t.drop_channel(call, uid)
    if transfers.consult_leg_gone(call, uid, at, out) and call.channels:
        return
    customer = call.customer or call.origin
    if uid == customer or (chan is not None and call.cause is None and not call.channels):
        call.cause = as_int(f.get("Cause"), -1)
        call.cause_text = f.get("Cause-txt")
        if call.pending_abandon is not None and uid == customer:
            t.abandon(call, at, out, AbandonReason.CALLER_HANGUP)
    if not call.channels:
        t.end_call(call, at, out)
