"""A desk phone dialling out through the trunk (s6 answered, s6b busy).

Dialplan played (artifacts/sip2/extensions.conf):
    [agents-out]
    exten => _XXXXX.,1,NoOp(Outbound call from ${CALLERID(all)} to ${EXTEN})
     same => n,Dial(PJSIP/${EXTEN}@trunk,30)
     same => n,Hangup()

The operator's own channel (``PJSIP/<ext>-…``) is the first leg, with the
dialled digits as Exten; nothing queue-related appears. The same trunk leg is
played when an Originate to the operator's phone runs ``Dial(PJSIP/<n>@trunk)``
(what ccdesk does for callbacks).
"""

from __future__ import annotations

import time

from .call import Signal, SimCall
from .channel import SimChannel
from .outbound import decide
from .queueing import CID_PRES, bridge_block, qos
from .state import Pbx

DIAL_VARS = (
    "DIALSTATUS",
    "DIALEDPEERNUMBER",
    "DIALEDPEERNAME",
    "ANSWEREDTIME",
    "ANSWEREDTIME_MS",
    "DIALEDTIME",
    "DIALEDTIME_MS",
    "RINGTIME",
    "RINGTIME_MS",
    "PROGRESSTIME",
    "PROGRESSTIME_MS",
)
# outcome → DialStatus, Hangup cause, cause text, the SIP response (TechCause)
FAILURES = {
    "busy": ("BUSY", 17, "User busy", "486"),
    "congestion": ("CONGESTION", 34, "Circuit/channel congestion", "503"),
    "failed": ("CHANUNAVAIL", 1, "Unallocated (unassigned) number", "404"),
}


def start_dial_out(pbx: Pbx, interface: str, number: str, *, name: str) -> SimCall:
    """The operator picks up the desk phone and dials: the dialplan up to Dial()."""
    endpoint = interface.split("/", 1)[-1]
    op = pbx.new_channel(
        interface, context="agents-out", exten=number, state=4, cid_num=endpoint, cid_name=name or endpoint
    )
    op.role = "agent"
    phone = pbx.phones.get(interface)
    if phone is not None:  # off the hook from now: no queue may ring it before Dial() runs
        phone.busy = True
    call = SimCall(call_id=op.linkedid, caller=op)
    op.call = call
    pbx.chan_event("Newchannel", "call,all", op)
    pbx.varset(op, "SIPDOMAIN", "127.0.0.1")
    pbx.newexten(op, 1, "NoOp", f'Outbound call from "{op.cid_name}" <{op.cid_num}> to {number}')
    pbx.processed_calls += 1
    return call


async def dial_trunk(
    pbx: Pbx,
    call: SimCall,
    op: SimChannel,
    number: str,
    *,
    outcome: str | None = None,
    talk_time: float | None = None,
    timeout: float | None = None,
    priority: int = 2,
) -> str:
    """Dial(PJSIP/<number>@trunk) from ``op``; returns the DIALSTATUS. ``op``'s phone
    is busy until the call ends."""
    cfg = pbx.config
    dial = f"{number}@{cfg.trunk}"
    outcome = outcome or decide(pbx, number)
    if outcome == "machine":  # no AMD() on a desk phone's call: the operator hears the machine
        outcome = "answered"
    timeout = cfg.dial_timeout if timeout is None else timeout
    phone = pbx.phones.get(op.device)
    if phone is not None:
        phone.busy = True
    started = time.monotonic()
    pbx.newexten(op, priority, "Dial", f"PJSIP/{dial},{int(timeout)}")
    for var in DIAL_VARS:
        pbx.varset(op, var, "")
    tr = pbx.new_channel(f"PJSIP/{cfg.trunk}", linkedid=op.linkedid, context="incoming", exten="s")
    tr.role, tr.call = "outbound", call
    pbx.chan_event("Newchannel", "call,all", tr)
    pbx.varset(tr, "DIALEDPEERNUMBER", dial)
    tr.cid_num, tr.exten = number, number
    tr.cl_num, tr.cl_name = op.cid_num, op.cid_name
    pbx.newexten(tr, 1, "AppDial", "(Outgoing Line)")
    pbx.chan_event("NewCallerid", "call,all", tr, CID_PRES)
    pbx.chan_event("NewConnectedLine", "call,all", tr)
    try:
        if outcome in FAILURES:
            return _refused(pbx, op, tr, outcome, priority, dial)
        return await _ring_and_talk(pbx, call, op, tr, outcome, dial, started, timeout, talk_time, priority)
    finally:
        if phone is not None:
            phone.busy = phone.in_call = False
            pbx.member_status_all(op.device)
            from .talk import poke_queues_of

            poke_queues_of(pbx, op.device)


def _dial_block(op: SimChannel, tr: SimChannel, *extra: tuple[str, str]) -> list[tuple[str, str]]:
    return op.block() + tr.block("Dest") + list(extra)


def _refused(pbx: Pbx, op: SimChannel, tr: SimChannel, outcome: str, priority: int, dial: str) -> str:
    """Busy/congestion/no such number before any ringing (s6b): no DeviceStateChange at all."""
    status, cause, text, tech = FAILURES[outcome]
    pbx.emit("DialBegin", "call,all", _dial_block(op, tr, ("DialString", dial)))
    pbx.chan_event("HangupRequest", "call,all", tr, ("Cause", str(cause)), ("TechCause", tech))
    op.cl_num, op.cl_name = tr.cid_num, tr.cid_name
    pbx.chan_event("NewConnectedLine", "call,all", op)
    pbx.emit("DialEnd", "call,all", _dial_block(op, tr, ("DialStatus", status)))
    pbx.varset(op, "DIALSTATUS", status)
    pbx.newexten(op, priority + 1, "Hangup", "")
    pbx.chan_event("SoftHangupRequest", "call,all", op, ("Cause", "16"))
    pbx.chan_event("Hangup", "call,all", tr, ("Cause", str(cause)), ("Cause-txt", text), ("TechCause", tech))
    pbx.drop_channel(tr)
    pbx.chan_event("Hangup", "call,all", op, ("Cause", str(cause)), ("Cause-txt", text), ("TechCause", tech))
    pbx.drop_channel(op)
    return status


async def _ring_and_talk(
    pbx: Pbx,
    call: SimCall,
    op: SimChannel,
    tr: SimChannel,
    outcome: str,
    dial: str,
    started: float,
    timeout: float,
    talk_time: float | None,
    priority: int,
) -> str:
    cfg = pbx.config
    pbx.newstate(tr, 5)
    pbx.emit("DialBegin", "call,all", _dial_block(op, tr, ("DialString", dial)))
    op.cl_num, op.cl_name = tr.cid_num, tr.cid_name
    pbx.chan_event("NewConnectedLine", "call,all", op)
    pbx.varset(op, "RINGTIME", "0")
    pbx.varset(op, "RINGTIME_MS", str(int((time.monotonic() - started) * 1000)))
    pbx.device_state(tr.device, "RINGING")
    pbx.device_state(op.device, "INUSE")
    phone = pbx.phones.get(op.device)
    if phone is not None:
        phone.in_call = True  # the phone is in use from the moment the customer rings (s6)
    pbx.member_status_all(op.device)
    pbx.emit("DialState", "call,all", _dial_block(op, tr, ("DialStatus", "RINGING")))
    ring_for = min(cfg.outbound_answer_delay, timeout) if outcome == "answered" else timeout
    sig = await _wait(call, ring_for)
    if sig is not None or outcome != "answered":
        # the operator gave up (AMI Hangup / hung up) or the customer never answered (Dial timeout)
        status = "CANCEL" if sig is not None else "NOANSWER"
        if sig is not None:
            pbx.chan_event("HangupRequest", "call,all", op)
        pbx.emit("DialEnd", "call,all", _dial_block(op, tr, ("DialStatus", status)))
        pbx.hangup(
            tr, 16 if sig is not None else 19, "Normal Clearing" if sig is not None else "User alerting, no answer"
        )
        pbx.varset(op, "DIALSTATUS", status)
        if sig is None:
            pbx.newexten(op, priority + 1, "Hangup", "")
        pbx.hangup(op, 16, "Normal Clearing")
        pbx.device_state(op.device, "NOT_INUSE")
        pbx.device_state(tr.device, "NOT_INUSE")
        return status
    return await _talk(pbx, call, op, tr, dial, started, talk_time, priority)


async def _talk(
    pbx: Pbx, call: SimCall, op: SimChannel, tr: SimChannel, dial: str, started: float, talk: float | None, prio: int
) -> str:
    cfg = pbx.config
    pbx.newstate(tr, 6)
    pbx.varset(op, "DIALSTATUS", "ANSWER")
    pbx.varset(op, "DIALEDPEERNAME", tr.name)
    pbx.varset(op, "DIALEDPEERNUMBER", dial)
    pbx.device_state(tr.device, "INUSE")
    pbx.emit("DialEnd", "call,all", _dial_block(op, tr, ("DialStatus", "ANSWER")))
    pbx.newstate(op, 6)
    answered = time.monotonic()
    bridge = pbx.bridge_id()
    pbx.emit("BridgeCreate", "call,all", bridge_block(bridge, 0))
    tr.exten = ""
    pbx.newexten(tr, 1, "AppDial", "(Outgoing Line)")
    op.bridge_id = tr.bridge_id = bridge
    pbx.emit("BridgeEnter", "call,all", bridge_block(bridge, 1) + tr.block())
    pbx.emit("BridgeEnter", "call,all", bridge_block(bridge, 2) + op.block())
    op.pvt_callid = op.pvt_callid or f"{op.uniqueid}@sim"
    tr.pvt_callid = tr.pvt_callid or f"1-{tr.uniqueid}@127.0.0.1"
    for _ in range(3):  # three times per bridge, as recorded (s6)
        for ch, peer in ((op, tr), (tr, op)):
            pbx.varset(ch, "BRIDGEPEER", peer.name)
            pbx.varset(ch, "BRIDGEPVTCALLID", peer.pvt_callid)
    talk_for = talk if talk is not None else pbx.rng.uniform(*cfg.talk_time)
    sig = await _wait(call, talk_for)
    customer_first = sig is not None and sig.kind == "caller_hangup"
    first, second = (tr, op) if customer_first else (op, tr)
    qos(pbx, first, second)
    pbx.chan_event("HangupRequest", "call,all", first, ("Cause", "16"))
    for ch in (first, second):
        pbx.varset(ch, "BRIDGEPEER", "")
        pbx.varset(ch, "BRIDGEPVTCALLID", "")
    pbx.emit("BridgeLeave", "call,all", bridge_block(bridge, 1, "native_rtp") + first.block())
    now = time.monotonic()
    pbx.varset(op, "ANSWEREDTIME", str(int(now - answered)))
    pbx.varset(op, "ANSWEREDTIME_MS", str(int((now - answered) * 1000)))
    pbx.varset(op, "DIALEDTIME", str(int(now - started)))
    pbx.varset(op, "DIALEDTIME_MS", str(int((now - started) * 1000)))
    pbx.varset(op, "DIALSTATUS", "ANSWER")
    pbx.chan_event("SoftHangupRequest", "call,all", second if customer_first else op, ("Cause", "16"))
    pbx.emit("BridgeLeave", "call,all", bridge_block(bridge, 0, "native_rtp") + second.block())
    pbx.emit("BridgeDestroy", "call,all", bridge_block(bridge, 0, "native_rtp"))
    pbx.hangup(first, 16, "Normal Clearing")
    if customer_first:  # the dialplan goes on after Dial(): Hangup()
        pbx.newexten(op, prio + 1, "Hangup", "")
    qos(pbx, second)
    pbx.hangup(second, 16, "Normal Clearing")
    pbx.device_state(op.device, "NOT_INUSE")
    pbx.device_state(tr.device, "NOT_INUSE")
    return "ANSWER"


async def _wait(call: SimCall, seconds: float) -> Signal | None:
    """None after ``seconds``, or the hang-up signal that came first."""
    loop_end = time.monotonic() + seconds
    while True:
        sig = await call.next_signal(loop_end - time.monotonic())
        if sig is None or sig.kind in ("caller_hangup", "agent_hangup"):
            return sig
