"""Originate as Asterisk plays it for a PJSIP trunk (s3 transcript), with the
failure shapes of 04b/04c/04e: busy, no answer, congestion, no such number."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from .call import SimCall
from .channel import SimChannel
from .inbound import run_queues
from .queueing import CID_PRES, qos
from .state import Pbx

OUTCOMES = ("answered", "busy", "no_answer", "congestion", "failed", "machine")
# The dialplan contexts of the dialer (README, "Campaigns"): [dialer] runs AMD() then Queue(${EXTEN}); a call
# ccdesk redirects to [dialer-abandon] hears the recorded message naming the creditor and is hung up.
DIALER_CONTEXT = "dialer"
ABANDON_CONTEXT = "dialer-abandon"


@dataclass(frozen=True, slots=True, kw_only=True)
class OriginateSpec:
    action_id: str | None
    dial: str  # Channel header as sent: PJSIP/5555@trunk
    context: str | None
    exten: str | None
    priority: str | None
    application: str | None
    data: str | None
    caller_id: tuple[str, str]  # (name, number)
    timeout: float  # seconds
    variables: tuple[tuple[str, str], ...]
    channel_id: str | None
    sync: bool = False


def parse_callerid(value: str) -> tuple[str, str]:
    """``Contact Center <1000>`` → ("Contact Center", "1000")."""
    value = value.strip()
    if "<" in value and value.endswith(">"):
        name, _, num = value[:-1].partition("<")
        return name.strip().strip('"') or "<unknown>", num.strip() or "<unknown>"
    return "<unknown>", value or "<unknown>"


def decide(pbx: Pbx, number: str) -> str:
    override = pbx.outbound_overrides.get(number)
    if override:
        return override
    if not number.isdigit():
        return "failed"
    cfg = pbx.config
    roll = pbx.rng.random()
    if roll < cfg.outbound_answer_ratio:
        machine = cfg.outbound_machine_ratio > 0 and pbx.rng.random() < cfg.outbound_machine_ratio
        return "machine" if machine else "answered"
    roll -= cfg.outbound_answer_ratio
    if roll < cfg.outbound_busy_ratio:
        return "busy"
    roll -= cfg.outbound_busy_ratio
    return "no_answer" if roll < cfg.outbound_no_answer_ratio else "congestion"


async def originate(pbx: Pbx, spec: OriginateSpec) -> bool:
    """Play one originate; True when the called party answered."""
    tech_dest = spec.dial.split("/", 1)[-1]  # 5555@trunk
    number = tech_dest.split("@", 1)[0]
    phone = pbx.phones.get(spec.dial)  # calling an operator's own phone first
    device = spec.dial if phone is not None else f"PJSIP/{pbx.config.trunk}"
    # a phone's channel runs in its endpoint's context (s11); a trunk leg in the trunk's
    ch = pbx.new_channel(device, context="agents-out" if phone else "incoming", exten="s", uniqueid=spec.channel_id)
    ch.role = "agent" if phone is not None else "outbound"
    call = SimCall(call_id=ch.linkedid, caller=ch)
    ch.call = call
    pbx.chan_event("Newchannel", "call,all", ch)
    pbx.newexten(ch, 1, "AppDial2", "(Outgoing Line)")
    if phone is not None:
        outcome = "answered" if phone.reachable else "failed"
    elif "@" not in tech_dest:  # PJSIP/<endpoint> that does not exist
        outcome = "failed"
    else:
        outcome = decide(pbx, number)
    if outcome == "failed":
        pbx.hangup(ch, 0, "Unknown")
        _response(pbx, spec, None, 0, "<unknown>", "<unknown>")
        pbx.device_state(device, "NOT_INUSE")
        return False
    for name, value in spec.variables:
        pbx.varset(ch, name, value)
    ch.cid_name, ch.cid_num = spec.caller_id
    pbx.chan_event("NewCallerid", "call,all", ch, CID_PRES)
    ch.cl_name, ch.cl_num = spec.caller_id
    pbx.chan_event("NewConnectedLine", "call,all", ch)
    pbx.emit("DialBegin", "call,all", [*ch.block("Dest"), ("DialString", tech_dest)])
    if outcome in ("busy", "congestion"):
        status, cause, text, reason = (
            ("BUSY", 17, "User busy", 5) if outcome == "busy" else ("CONGESTION", 34, "Circuit/channel congestion", 8)
        )
        pbx.emit("DialEnd", "call,all", [*ch.block("Dest"), ("DialStatus", status)])
        pbx.hangup(ch, cause, text)
        _response(pbx, spec, None, reason, *reversed(spec.caller_id))
        pbx.device_state(device, "NOT_INUSE")
        return False
    pbx.newstate(ch, 5)
    pbx.emit("DialState", "call,all", [*ch.block("Dest"), ("DialStatus", "RINGING")])
    pbx.device_state(device, "RINGING")
    if phone is not None:
        answered = await _wait_phone(pbx, phone.interface, ch, call, spec.timeout)
    elif outcome in ("answered", "machine"):
        ring = pbx.config.outbound_ring_time
        delay = pbx.rng.uniform(*ring) if ring else pbx.config.outbound_answer_delay
        answered = await _no_hangup(call, min(delay, spec.timeout))
    else:
        await _no_hangup(call, spec.timeout)
        answered = False
    if not answered:
        _response(pbx, spec, None, 3, *reversed(spec.caller_id))
        pbx.hangup(ch, 19, "User alerting, no answer")
        pbx.device_state(device, "NOT_INUSE")
        return False
    pbx.newstate(ch, 6)
    pbx.emit("DialEnd", "call,all", [*ch.block("Dest"), ("DialStatus", "ANSWER")])
    _response(pbx, spec, ch.name, 4, *reversed(spec.caller_id), uniqueid=ch.uniqueid)
    pbx.device_state(device, "INUSE")
    pbx.spawn(_after_answer(pbx, call, spec, machine=outcome == "machine"))
    return True


async def _after_answer(pbx: Pbx, call: SimCall, spec: OriginateSpec, *, machine: bool = False) -> None:
    ch = call.caller
    if machine and spec.context == DIALER_CONTEXT:  # AMD() heard a machine: [dialer] hangs up before Queue()
        pbx.newexten(ch, 1, "AMD", "")
        pbx.varset(ch, "AMDSTATUS", "MACHINE")
        pbx.newexten(ch, 2, "Hangup", "")
        qos(pbx, ch)
        pbx.hangup(ch, 16, "Normal Clearing")
        pbx.device_state(ch.device, "NOT_INUSE")
        return
    if spec.exten is not None:  # Context/Exten: e.g. the dialer context → Queue(debt)
        ch.context, ch.exten = spec.context or ch.context, spec.exten
        call.talk_time = pbx.rng.uniform(*pbx.config.talk_time)
        call.patience = pbx.rng.uniform(*pbx.config.abandon_patience)
        await run_queues(pbx, call, pbx.queue_for(spec.exten), int(spec.priority or 1))
        return
    app = (spec.application or "").lower()
    if app == "dial" and ch.role == "agent":  # ccdesk's callbacks: the operator's phone dials the customer
        target = dial_target(pbx, spec.data or "")
        if target is not None:
            from .dialout import dial_trunk

            number, timeout = target
            await dial_trunk(pbx, call, ch, number, timeout=timeout or None, priority=1)
            return
    if app == "chanspy" and ch.role == "agent":
        from .spy import chanspy

        await chanspy(pbx, call, spec.data or "")
        return
    # Application (Wait(n), Playback…): runs on the answered channel, then hangs up.
    try:
        seconds = float(spec.data or 0) if (spec.application or "").lower() == "wait" else call.talk_time
    except ValueError:
        seconds = call.talk_time
    hung_up = not await _no_hangup(call, seconds)
    qos(pbx, ch)
    if hung_up:
        pbx.chan_event("HangupRequest", "call,all", ch)
    pbx.hangup(ch, 16 if hung_up else 0, "Normal Clearing" if hung_up else "Unknown")
    pbx.device_state(ch.device, "NOT_INUSE")


async def _no_hangup(call: SimCall, seconds: float) -> bool:
    """Sleep ``seconds``; False if the channel was hung up (AMI Hangup) meanwhile."""
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while True:
        sig = await call.next_signal(end - loop.time())
        if sig is None:
            return True
        if sig.kind in ("caller_hangup", "agent_hangup"):
            return False


async def _wait_phone(pbx: Pbx, interface: str, ch: SimChannel, call: SimCall, timeout: float) -> bool:
    phone = pbx.phones[interface]
    loop = asyncio.get_running_loop()
    # The auto-answer timer holds this ring, not ``phone.ring``: a timer left over from a ring that ended
    # early must not pick up the phone's next call before its time.
    ring: asyncio.Future[None] = loop.create_future()
    phone.ring = ring
    phone.ring_call, phone.ring_channel = call, ch
    phone.busy = True
    delay = phone.auto_answer
    pick_up = None
    if delay is not None and delay < timeout:
        pick_up = loop.call_later(delay, lambda: None if ring.done() else ring.set_result(None))
    try:
        # Not wait_for: on Python 3.11 it drops a cancellation (the simulator stopping) that comes with the
        # answer. asyncio.wait neither does that nor cancels the ring when the time is up.
        await asyncio.wait({ring}, timeout=timeout)
        return ring.done() and not ring.cancelled()  # not done: no answer in time; cancelled: called off
    finally:
        if pick_up is not None:
            pick_up.cancel()
        if phone.ring is ring:
            phone.ring = None
        phone.busy = False


def _response(
    pbx: Pbx, spec: OriginateSpec, channel: str | None, reason: int, num: str, name: str, *, uniqueid: str = "<unknown>"
) -> None:
    """OriginateResponse: on failure Channel is the dial string and Uniqueid
    ``<unknown>`` (gotcha 11). Sync originates get no event (README (d))."""
    pairs = [
        ("ActionID", spec.action_id or ""),
        ("Response", "Success" if reason == 4 else "Failure"),
        ("Channel", channel or spec.dial),
    ]
    if spec.exten is not None:
        pairs += [("Context", spec.context or ""), ("Exten", spec.exten)]
    else:
        pairs += [("Application", spec.application or ""), ("Data", spec.data or "")]
    pairs += [("Reason", str(reason)), ("Uniqueid", uniqueid), ("CallerIDNum", num), ("CallerIDName", name)]
    if spec.sync:
        return
    pbx.emit("OriginateResponse", "call,all", pairs)


def dial_target(pbx: Pbx, data: str) -> tuple[str, float] | None:
    """``PJSIP/79161234567@trunk,30`` → ("79161234567", 30.0); None for anything else."""
    dial, _, rest = data.partition(",")
    tech, _, dest = dial.partition("/")
    number, _, trunk = dest.partition("@")
    if tech.upper() != "PJSIP" or trunk != pbx.config.trunk or not number:
        return None
    try:
        timeout = float(rest.split(",", 1)[0]) if rest.split(",", 1)[0] else 0.0
    except ValueError:
        timeout = 0.0
    return number, timeout
