"""What a supervisor does to waiting callers, as Asterisk plays it: QueueChangePriorityCaller (Asterisk 15+)
moves a caller up its queue, and a Redirect to ``<extension>@agents`` takes a caller out of the queue to a
desk phone (the supervisor's), which rings and, answered, talks to the caller.

Dialplan played (extensions.conf.sample):
    [agents]
    exten => _XXXX,1,Dial(PJSIP/${EXTEN},20)
     same => n,Hangup()

No recording of either exists among the transcripts: the response texts are app_queue's
(``manager_change_priority_caller_on_queue``) and the Dial events follow s6 and the queue's own ring (s1).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING

from .call import SimCall
from .channel import SimChannel
from .queueing import CID_PRES, answer_phone, bridge_block, qos
from .state import Pbx

if TYPE_CHECKING:
    from .server import AmiSession, Request

PHONE_CONTEXT = "agents"  # Redirect/BlindTransfer to EXT@agents rings the desk phone EXT
DIAL_TIMEOUT = 20.0  # Dial(PJSIP/${EXTEN},20)


def queue_change_priority_caller(s: AmiSession, req: Request) -> None:
    """Asterisk re-inserts the caller behind every caller of the same or a higher priority; the positions of
    the others change with no event (05e), as they do in Asterisk."""
    qname, caller, raw = req.get("queue"), req.get("caller"), req.get("priority")
    if not qname:
        s.error(req, "'Queue' not specified.")
        return
    if not caller:
        s.error(req, "'Caller' not specified.")
        return
    if raw is None or not raw.strip():
        s.error(req, "'Priority' not specified.")
        return
    try:
        priority = int(raw)
    except ValueError:
        s.error(req, "'Priority' need integer.")
        return
    q = s.pbx.queues.get(qname)
    if q is None:
        s.error(req, "Unable to change priority caller on queue: No such queue")
        return
    call = next((c for c in q.waiting if c.caller.name == caller), None)
    if call is None:
        s.error(req, "Unable to change priority caller on queue: No such caller")
        return
    q.waiting.remove(call)
    call.priority = priority
    at = next((i for i, other in enumerate(q.waiting) if other.priority < priority), len(q.waiting))
    q.waiting.insert(at, call)
    s.respond(req, "Success", message="Priority change for caller on queue")
    q.wake()


def phone_of(pbx: Pbx, context: str, exten: str) -> str | None:
    """The desk phone a Redirect to ``exten@context`` rings, or None (not the phones' context, no such phone)."""
    if context != PHONE_CONTEXT:
        return None
    mapped = dict(pbx.config.extensions).get(exten)
    interface = mapped or f"PJSIP/{exten}"
    return interface if interface in pbx.phones else None


async def dial_phone(pbx: Pbx, call: SimCall, interface: str) -> None:
    """The caller runs ``Dial(<interface>,20)``: the phone rings; answered, the two talk until either hangs up
    (or the call's talk time runs out); not answered, the dialplan hangs the caller up."""
    caller = call.caller
    pbx.newexten(caller, 1, "Dial", f"{interface},{int(DIAL_TIMEOUT)}")
    phone = pbx.phones[interface]
    ag = pbx.new_channel(interface, linkedid=call.call_id, context=PHONE_CONTEXT, exten=caller.exten)
    ag.call, ag.role = call, "agent"
    pbx.chan_event("Newchannel", "call,all", ag)
    ag.cl_num, ag.cl_name = caller.cid_num, caller.cid_name
    pbx.chan_event("NewCallerid", "call,all", ag, CID_PRES)
    pbx.emit("DialBegin", "call,all", caller.block() + ag.block("Dest") + [("DialString", interface.split("/", 1)[-1])])
    if phone.busy or not phone.reachable:
        status = "BUSY" if phone.busy else "CHANUNAVAIL"
        pbx.emit("DialEnd", "call,all", caller.block() + ag.block("Dest") + [("DialStatus", status)])
        pbx.hangup(ag, 17 if phone.busy else 20, "User busy" if phone.busy else "Subscriber absent")
        return _hang_up_caller(pbx, call)
    pbx.newstate(ag, 5)
    pbx.emit("DialState", "call,all", caller.block() + ag.block("Dest") + [("DialStatus", "RINGING")])
    pbx.device_state(interface, "RINGING")
    loop = asyncio.get_running_loop()
    phone.busy = True
    phone.ring = loop.create_future()
    phone.ring_call, phone.ring_channel = call, ag
    pick_up = None
    if phone.auto_answer is not None:
        pick_up = loop.call_later(phone.auto_answer, answer_phone, pbx, interface, ag)
    try:
        answered = await _answered(call, ag, time.monotonic() + DIAL_TIMEOUT)
    finally:
        if pick_up is not None:
            pick_up.cancel()
        phone.ring = None
    if answered != "answered":
        phone.busy = False
        status = "CANCEL" if answered == "caller_hangup" else "NOANSWER"
        pbx.emit("DialEnd", "call,all", caller.block() + ag.block("Dest") + [("DialStatus", status)])
        pbx.hangup(ag, 0 if status == "CANCEL" else 19, "Unknown" if status == "CANCEL" else "User alerting, no answer")
        pbx.device_state(interface, "NOT_INUSE")
        return _hang_up_caller(pbx, call)
    await _talk(pbx, call, ag, interface)


async def _answered(call: SimCall, ag: SimChannel, until: float) -> str:
    while True:
        sig = await call.next_signal(until - time.monotonic())
        if sig is None:
            return "no_answer"
        if sig.kind == "caller_hangup":
            return "caller_hangup"
        if sig.kind == "answered" and sig.data.get("uniqueid") == ag.uniqueid:
            return "answered"


async def _talk(pbx: Pbx, call: SimCall, ag: SimChannel, interface: str) -> None:
    caller = call.caller
    phone = pbx.phones[interface]
    phone.in_call = True
    pbx.newstate(ag, 6)
    pbx.emit("DialEnd", "call,all", caller.block() + ag.block("Dest") + [("DialStatus", "ANSWER")])
    pbx.device_state(interface, "INUSE")
    bridge = pbx.bridge_id()
    pbx.emit("BridgeCreate", "call,all", bridge_block(bridge, 0))
    for n, ch in enumerate((ag, caller), start=1):
        ch.bridge_id = bridge
        pbx.emit("BridgeEnter", "call,all", bridge_block(bridge, n) + ch.block())
    pbx.varset(caller, "BRIDGEPEER", ag.name)
    pbx.varset(ag, "BRIDGEPEER", caller.name)
    try:
        end = time.monotonic() + call.talk_time
        first = None
        while first is None:
            sig = await call.next_signal(end - time.monotonic())
            if sig is None:
                first = caller
            elif sig.kind == "caller_hangup":
                first = caller
            elif sig.kind == "agent_hangup":
                first = ag
        other = ag if first is caller else caller
        qos(pbx, first)
        pbx.chan_event("HangupRequest", "call,all", first)
        for n, ch in enumerate((first, other)):
            ch.bridge_id = ""
            pbx.emit("BridgeLeave", "call,all", bridge_block(bridge, 1 - n) + ch.block())
        pbx.hangup(first, 16, "Normal Clearing")
        qos(pbx, other)
        pbx.hangup(other, 16, "Normal Clearing")
        pbx.emit("BridgeDestroy", "call,all", bridge_block(bridge, 0))
    finally:
        phone.in_call = phone.busy = False
        pbx.device_state(interface, "NOT_INUSE")
        pbx.device_state(caller.device, "NOT_INUSE")


def _hang_up_caller(pbx: Pbx, call: SimCall) -> None:
    caller = call.caller
    if caller.hungup:
        return
    pbx.newexten(caller, 2, "Hangup", "")
    qos(pbx, caller)
    pbx.hangup(caller, 16, "Normal Clearing")
    pbx.device_state(caller.device, "NOT_INUSE")
