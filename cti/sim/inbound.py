"""An inbound PJSIP call from the trunk: Answer, then a queue or the IVR
(FastAGI), and wherever Redirect/BlindTransfer send it afterwards.

Dialplan played (see extensions.conf.sample):
    exten => <DID>,1,NoOp(SIP inbound ${CHANNEL} from ${CALLERID(all)})
     same => n,Answer()
     same => n,Queue(<queue>,,,,<timeout>)      ; or AGI(agi://host:port/ivr)
     same => n,Hangup()
"""

from __future__ import annotations

import asyncio

from .agi import run_agi
from .call import SimCall
from .queueing import QueueRun, qos
from .state import Pbx
from .supervision import dial_phone, phone_of


async def inbound_call(
    pbx: Pbx, call: SimCall, *, did: str, queue: str | None, via_ivr: bool, ivr_digits: list[str] | None
) -> None:
    caller = call.caller
    pbx.chan_event("Newchannel", "call,all", caller)
    pbx.varset(caller, "SIPDOMAIN", "127.0.0.1")
    pbx.newexten(caller, 1, "NoOp", f'SIP inbound {caller.name} from "{caller.cid_name}" <{caller.cid_num}>')
    pbx.newexten(caller, 2, "Answer", "")
    pbx.newstate(caller, 6)
    pbx.device_state(caller.device, "INUSE")
    pbx.processed_calls += 1
    if await _hung_up_during(call, pbx.config.answer_wait):
        return _hangup_caller(pbx, call)
    priority = 3
    if via_ivr:
        outcome = await run_agi(pbx, call, priority, ivr_digits or [])
        if outcome == "hangup":
            return _hangup_caller(pbx, call, cause=16)
        queue = caller.variables.get("CCDESK_QUEUE") or None
        try:
            call.priority = int(caller.variables.get("CCDESK_PRIORITY", "0") or 0)
        except ValueError:
            call.priority = 0
        priority += 1
        if queue is None:  # the caller self-served: the dialplan hangs up
            pbx.newexten(caller, priority, "Hangup", "")
            return _hangup_caller(pbx, call, cause=16)
    await run_queues(pbx, call, queue, priority)


async def run_queues(pbx: Pbx, call: SimCall, queue: str | None, priority: int) -> None:
    """Queue() and, when a Redirect/BlindTransfer moves the caller, the next one."""
    caller = call.caller
    while True:
        if caller.context == "dialer-abandon":  # the recorded message naming the creditor, then the hang-up
            pbx.newexten(caller, 1, "Playback", "ccdesk/abandon")
            hung_up = await _hung_up_during(call, pbx.config.abandon_message_seconds)
            pbx.newexten(caller, 2, "Hangup", "")
            return _hangup_caller(pbx, call, cause=0 if hung_up else 16)
        q = pbx.queues.get(queue or "")
        if q is None:
            pbx.newexten(caller, priority, "Hangup", "")
            return _hangup_caller(pbx, call, cause=16)
        outcome, sig = await QueueRun(pbx, call, q, priority, q.config.timeout).run()
        if outcome == "timeout":
            pbx.newexten(caller, priority + 1, "Hangup", "")
            qos(pbx, caller)
            pbx.hangup(caller, 16, "Normal Clearing")
            pbx.device_state(caller.device, "NOT_INUSE")
            return
        if outcome != "moved" or sig is None:
            return
        # Redirect / BlindTransfer: the caller runs <context>,<exten>,1.
        caller.context = sig.data.get("context", caller.context)
        caller.exten = sig.data.get("exten", caller.exten)
        phone = phone_of(pbx, caller.context, caller.exten)
        if phone is not None:  # taken over: the caller dials the desk phone it was sent to ([agents])
            return await dial_phone(pbx, call, phone)
        queue = pbx.queue_for(caller.exten)
        priority = 1


async def _hung_up_during(call: SimCall, seconds: float) -> bool:
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while True:
        sig = await call.next_signal(end - loop.time())
        if sig is None:
            return False
        if sig.kind in ("caller_hangup", "agent_hangup"):
            return True


def _hangup_caller(pbx: Pbx, call: SimCall, cause: int = 0) -> None:
    caller = call.caller
    if caller.hungup:
        return
    qos(pbx, caller)
    if cause == 0:
        pbx.chan_event("HangupRequest", "call,all", caller)
    pbx.hangup(caller, cause, "Normal Clearing" if cause == 16 else "Unknown")
    pbx.device_state(caller.device, "NOT_INUSE")
