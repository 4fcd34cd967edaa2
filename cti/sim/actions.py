"""AMI actions of the simulated PBX, with Asterisk 22's response texts
(EVENT-CATALOG "Response / Message pairs") and the events they cause."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from . import listing
from .call import SimCall
from .channel import SimChannel
from .outbound import OriginateSpec, originate, parse_callerid
from .safety import has_control
from .state import Member, Phone
from .supervision import queue_change_priority_caller

if TYPE_CHECKING:
    from .server import AmiSession, Request

Handler = Callable[["AmiSession", "Request"], None]
PRE_AUTH = {"login", "challenge", "logoff"}


def dispatch(s: AmiSession, req: Request) -> None:
    name = req.action
    if not name:
        s.error(req, "Missing action in request")
        _bad_format(s, "")
        return
    key = name.lower()
    if any(has_control(value) for values in req.values.values() for value in values):
        # A bare CR (or another control character) inside a value: refuse the whole action, so that
        # nothing smuggled into a value is ever echoed into events or taken for a header of its own.
        s.error(req, "Control characters are not allowed in header values")
        return
    if not s.authenticated and key not in PRE_AUTH:
        s.error(req, "Permission denied")
        return
    handler = HANDLERS.get(key)
    if handler is None:
        s.error(req, f"Invalid/unknown command: {name}. Use Action: ListCommands to show available commands.")
        _bad_format(s, name)
        return
    handler(s, req)


def _bad_format(s: AmiSession, name: str) -> None:
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"
    s.event(
        "RequestBadFormat",
        [
            ("EventTV", now),
            ("Severity", "Error"),
            ("Service", "AMI"),
            ("EventVersion", "1"),
            ("SessionID", hex(id(s))),
            ("LocalAddress", f"IPV4/TCP/{s.server.host}/{s.server.port}"),
            ("RemoteAddress", f"IPV4/TCP/{s.peer[0]}/{s.peer[1]}"),
            ("RequestType", f"Action: {name}"),
            ("SessionTV", now),
            ("AccountID", s.username),
        ],
        "security,all",
    )


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


# ------------------------------------------------------------------- session


def login(s: AmiSession, req: Request) -> None:
    if s.authenticated:
        s.respond(req, "Success", message="Already authenticated")
        return
    if not s.check_login(req):
        # Asterisk answers after ~1 s and then closes the socket (gotcha 3).
        def fail() -> None:
            s.error(req, "Authentication failed")
            s.close()

        s.closing = True
        asyncio.get_running_loop().call_later(s.pbx.config.login_failure_delay, fail)
        return
    s.authenticated = True
    s.username = req.get("username") or ""
    s.events = (req.get("events") or "on").lower() != "off"
    s.respond(req, "Success", message="Authentication accepted")
    if s.events:
        s.fully_booted()
        s.security_event("SuccessfulAuth", [("AccountID", s.username), ("UsingPassword", "0")])
        s.subscribe()


def challenge(s: AmiSession, req: Request) -> None:
    if (req.get("authtype") or "").lower() != "md5":
        s.error(req, "Must specify AuthType")
        return
    s.respond(req, "Success", ("Challenge", s.new_challenge()))


def logoff(s: AmiSession, req: Request) -> None:
    s.respond(req, "Goodbye", message="Thanks for all the fish.")
    s.close()


def ping(s: AmiSession, req: Request) -> None:
    s.respond(req, "Success", ("Ping", "Pong"), ("Timestamp", f"{time.time():.6f}"))


def events(s: AmiSession, req: Request) -> None:
    mask = (req.get("eventmask") or "").strip().lower()
    s.events = mask != "off"
    if s.events:
        s.subscribe()
    else:
        s._unsubscribe()
    s.respond(req, "Success", ("Events", "On" if s.events else "Off"))


def core_status(s: AmiSession, req: Request) -> None:
    started = datetime.fromtimestamp(s.pbx.started)
    s.respond(
        req,
        "Success",
        ("CoreStartupDate", started.strftime("%Y-%m-%d")),
        ("CoreStartupTime", started.strftime("%H:%M:%S")),
        ("CoreReloadDate", started.strftime("%Y-%m-%d")),
        ("CoreReloadTime", started.strftime("%H:%M:%S")),
        ("CoreCurrentCalls", str(len({c.linkedid for c in s.pbx.channels.values()}))),
        ("CoreProcessedCalls", str(s.pbx.processed_calls)),
    )


def core_settings(s: AmiSession, req: Request) -> None:
    s.respond(
        req,
        "Success",
        ("AMIversion", "11.0.0"),
        ("AsteriskVersion", "22.10.1"),
        ("SystemName", s.pbx.config.system_name),
        ("CoreMaxCalls", "0"),
        ("CoreMaxLoadAvg", "0.000000"),
        ("CoreRunUser", ""),
        ("CoreRunGroup", ""),
        ("CoreMaxFilehandles", "0"),
        ("CoreRealTimeEnabled", "No"),
        ("CoreCDRenabled", "No"),
        ("CoreHTTPenabled", "No"),
        ("SoundsSearchCustomDir", "No"),
    )


def list_commands(s: AmiSession, req: Request) -> None:
    s.respond(req, "Success", *[(name.title(), "(simulated)") for name in sorted(HANDLERS)])


def command(s: AmiSession, req: Request) -> None:
    cmd = (req.get("command") or "").strip()
    ok, lines = listing.cli(s.pbx, cmd)
    s.respond(
        req, "Success" if ok else "Error", *[("Output", line) for line in lines], message="Command output follows"
    )


# ------------------------------------------------------------------ variables


def setvar(s: AmiSession, req: Request) -> None:
    var = req.get("variable")
    if not var:
        s.error(req, "No variable specified")
        return
    chan = req.get("channel")
    if chan:
        ch = s.pbx.channels.get(chan)
        if ch is None:
            s.error(req, "Channel not found")
            return
        s.pbx.varset(ch, var, req.get("value") or "")
    else:
        s.pbx.globals[var] = req.get("value") or ""
    s.respond(req, "Success", message="Variable Set")


def getvar(s: AmiSession, req: Request) -> None:
    var = req.get("variable") or ""
    chan = req.get("channel")
    if chan:
        ch = s.pbx.channels.get(chan)
        if ch is None:
            s.error(req, "No such channel")
            return
        value = ch.variables.get(var, "")
    else:
        value = s.pbx.globals.get(var, "")
    s.respond(req, "Success", ("Variable", var), ("Value", value))


# -------------------------------------------------------------- call control


def hangup(s: AmiSession, req: Request) -> None:
    chan = req.get("channel")
    if not chan:
        s.error(req, "No channel specified")
        return
    if chan.startswith("/") and chan.endswith("/") and len(chan) > 1:
        pattern = re.compile(chan[1:-1])
        hit = [c for c in list(s.pbx.channels.values()) if pattern.search(c.name)]
        s.respond(req, "Success", ("EventList", "start"), message="Channels hung up will follow")
        for ch in hit:
            s.event("ChannelHungup", [("Channel", ch.name)] + ([("ActionID", req.action_id)] if req.action_id else []))
            _hangup_channel(s, ch)
        listing.complete(s, req, "ChannelsHungupListComplete", len(hit))
        return
    one = s.pbx.channels.get(chan)
    if one is None:
        s.error(req, "No such channel")
        return
    s.respond(req, "Success", message="Channel Hungup")
    _hangup_channel(s, one)


def _hangup_channel(s: AmiSession, ch: SimChannel) -> None:
    call = ch.call
    if call is None:
        return
    s.pbx.chan_event("SoftHangupRequest", "call,all", ch, ("Cause", "16"))
    # The flow that owns the channel tells the parties apart by the role, and the
    # consultation (Atxfer) also by the channel: its transferer and its target.
    kind = {"agent": "agent_hangup", "consult": "consult_hangup"}.get(ch.role, "caller_hangup")
    call.signal(kind, channel=ch.name)


def redirect(s: AmiSession, req: Request) -> None:
    chan = req.get("channel")
    if not chan:
        s.error(req, "Channel not specified")
        return
    ch = s.pbx.channels.get(chan)
    if ch is None:
        s.error(req, f"Channel does not exist: {chan}")
        return
    if not req.get("exten") or not req.get("context"):
        s.error(req, "Context and Extension must be set")
        return
    s.respond(req, "Success", message="Redirect successful")
    if ch.call is not None:
        ch.call.signal(
            "redirect",
            context=req.get("context") or "",
            exten=req.get("exten") or "",
        )


def blind_transfer(s: AmiSession, req: Request) -> None:
    chan = req.get("channel")
    if not chan:
        s.error(req, "No channel specified")
        return
    ch = s.pbx.channels.get(chan)
    if ch is None:
        s.error(req, "Channel specified does not exist")
        return
    if not req.get("exten"):
        s.error(req, "No extension specified")
        return
    if ch.call is None or getattr(ch.call, "agent", None) is None:
        s.error(req, "Transfer failed")
        return
    s.respond(req, "Success", message="Transfer succeeded")
    ch.call.signal(
        "transfer",
        context=req.get("context") or ch.context,
        exten=req.get("exten") or "",
    )


def atxfer(s: AmiSession, req: Request) -> None:
    chan = req.get("channel")
    if not chan:
        s.error(req, "No channel specified")
        return
    ch = s.pbx.channels.get(chan)
    if ch is None:
        s.error(req, "Channel specified does not exist")
        return
    exten = req.get("exten")
    if not exten:
        s.error(req, "No extension specified")
        return
    call = ch.call
    if not isinstance(call, SimCall) or call.agent is not ch:
        s.error(req, "Failed to attended transfer")
        return
    s.respond(req, "Success", message="Atxfer successfully queued")
    call.signal("atxfer", exten=exten, context=req.get("context") or "agents")


def originate_action(s: AmiSession, req: Request) -> None:
    chan = req.get("channel")
    if not chan:
        s.error(req, "Channel not specified")
        return
    app = req.get("application")
    exten = req.get("exten")
    if not app and (not exten or not req.get("context") or not req.get("priority")):
        if not exten:
            exten = "s"
        if not req.get("context") or not req.get("priority"):
            s.error(req, "Originate with 'Exten' requires 'Context' and 'Priority'")
            return
    raw_timeout = req.get("timeout")
    try:
        timeout = float(raw_timeout) / 1000 if raw_timeout else s.pbx.config.outbound_timeout
        if timeout <= 0:
            raise ValueError
    except ValueError:
        s.error(req, "Invalid timeout")
        return
    variables: list[tuple[str, str]] = []
    for item in req.getall("variable"):
        for part in item.split(","):
            name, _, value = part.partition("=")
            if name:
                variables.append((name.strip(), value))
    sync = not _truthy(req.get("async"))
    spec = OriginateSpec(
        action_id=req.action_id,
        dial=chan,
        context=req.get("context") if not app else None,
        exten=exten if not app else None,
        priority=req.get("priority"),
        application=app,
        data=req.get("data"),
        caller_id=parse_callerid(req.get("callerid") or ""),
        timeout=timeout,
        variables=tuple(variables),
        channel_id=req.get("channelid"),
        sync=sync,
    )
    if not sync:
        s.respond(req, "Success", message="Originate successfully queued")
        s.pbx.spawn(originate(s.pbx, spec))
        return

    async def run_sync() -> None:
        if await originate(s.pbx, spec):
            s.respond(req, "Success", message="Originate successfully queued")
        else:
            s.error(req, "Originate failed")

    s.pbx.spawn(run_sync())


def mix_monitor(s: AmiSession, req: Request) -> None:
    """s10: a bare Success (no Message), VarSet MIXMONITOR_FILENAME, MixMonitorStart."""
    ch = _channel_for(s, req)
    if ch is None:
        return
    name = req.get("file") or f"/var/spool/asterisk/monitor/{ch.uniqueid}.wav"
    s.respond(req, "Success")
    s.pbx.varset(ch, "MIXMONITOR_FILENAME", name)
    ch.recording = True
    s.pbx.chan_event("MixMonitorStart", "call,all", ch)


def stop_mix_monitor(s: AmiSession, req: Request) -> None:
    ch = _channel_for(s, req)
    if ch is None:
        return
    if not ch.recording:
        s.error(req, "Could not stop MixMonitor")
        return
    ch.recording = False
    s.respond(req, "Success")
    s.pbx.chan_event("MixMonitorStop", "call,all", ch)


def _channel_for(s: AmiSession, req: Request) -> SimChannel | None:
    name = req.get("channel")
    if not name:
        s.error(req, "No channel specified")
        return None
    ch = s.pbx.channels.get(name)
    if ch is None:
        s.error(req, "No such channel")
    return ch


def play_dtmf(s: AmiSession, req: Request) -> None:
    ch = s.pbx.channels.get(req.get("channel") or "")
    if ch is None:
        s.error(req, "Channel not found")
        return
    digit = (req.get("digit") or "")[:1]
    if not digit:
        s.error(req, "No digit specified")
        return
    s.respond(req, "Success", message="DTMF successfully queued")
    for name in ("DTMFBegin", "DTMFEnd"):
        s.pbx.chan_event(name, "dtmf,all", ch, ("Digit", digit), ("Direction", "Received"))


# -------------------------------------------------------------------- queues


def queue_add(s: AmiSession, req: Request) -> None:
    iface = req.get("interface")
    qname = req.get("queue")
    if not iface:
        s.error(req, "'Interface' not specified.")
        return
    q = s.pbx.queues.get(qname or "")
    if q is None:
        s.error(req, "Unable to add interface to queue: No such queue")
        return
    if iface in q.members:
        s.error(req, "Unable to add interface: Already there")
        return
    now = int(time.time())
    m = Member(
        q.name,
        iface,
        req.get("membername") or iface,
        True,
        now,
        penalty=int(req.get("penalty") or 0),
        paused=_truthy(req.get("paused")),
        paused_reason=req.get("reason") or "",
    )
    q.members[iface] = m
    if iface not in s.pbx.phones:
        s.pbx.phones[iface] = Phone(iface, s.pbx.operator_answer_delay)
    s.respond(req, "Success", message="Added interface to queue")
    s.pbx.device_state(f"Queue:{q.name}_avail", "NOT_INUSE")
    s.pbx.member_event("QueueMemberAdded", m)
    q.wake()


def queue_remove(s: AmiSession, req: Request) -> None:
    iface = req.get("interface") or ""
    q = s.pbx.queues.get(req.get("queue") or "")
    if q is None:
        s.error(req, "Unable to remove interface from queue: No such queue")
        return
    m = q.members.get(iface)
    if m is None:
        s.error(req, "Unable to remove interface: Not there")
        return
    if not m.dynamic:  # queues.conf members stay (app_queue RES_NOT_DYNAMIC)
        s.error(req, "Member not dynamic")
        return
    del q.members[iface]
    s.respond(req, "Success", message="Removed interface from queue")
    s.pbx.member_event("QueueMemberRemoved", m)


def queue_pause(s: AmiSession, req: Request) -> None:
    iface = req.get("interface")
    paused_raw = req.get("paused")
    if not iface or paused_raw is None:
        s.error(req, "Need 'Interface' and 'Paused' parameters.")
        return
    paused = _truthy(paused_raw)
    qname = req.get("queue")
    targets = [q.members[iface] for q in s.pbx.queues.values() if iface in q.members and (not qname or q.name == qname)]
    if not targets:
        s.error(req, "Interface not found")
        return
    s.respond(req, "Success", message="Interface paused successfully" if paused else "Interface unpaused successfully")
    reason = (req.get("reason") or "") if paused else ""
    # Without Queue, every queue of the interface, one event each (05b).
    for m in sorted(targets, key=lambda m: m.queue):
        m.paused, m.paused_reason = paused, reason
        m.last_pause = int(time.time()) if paused else m.last_pause
        s.pbx.device_state(f"Queue:{m.queue}_pause_{m.interface}", "INUSE" if paused else "NOT_INUSE")  # s9
        s.pbx.member_event("QueueMemberPause", m)
        if not paused:
            s.pbx.queues[m.queue].wake()


def queue_penalty(s: AmiSession, req: Request) -> None:
    iface = req.get("interface")
    if not iface:
        s.error(req, "Need 'Interface' and 'Penalty' parameters.")
        return
    hits = [
        q.members[iface]
        for q in s.pbx.queues.values()
        if iface in q.members and (not req.get("queue") or q.name == req.get("queue"))
    ]
    if not hits:
        s.error(req, "Invalid interface, queuename or penalty")
        return
    s.respond(req, "Success", message="Interface penalty set successfully")
    for m in hits:
        m.penalty = int(req.get("penalty") or 0)
        s.pbx.member_event("QueueMemberPenalty", m)


HANDLERS: dict[str, Handler] = {
    "login": login,
    "challenge": challenge,
    "logoff": logoff,
    "ping": ping,
    "events": events,
    "corestatus": core_status,
    "coresettings": core_settings,
    "listcommands": list_commands,
    "command": command,
    "setvar": setvar,
    "getvar": getvar,
    "hangup": hangup,
    "redirect": redirect,
    "blindtransfer": blind_transfer,
    "atxfer": atxfer,
    "originate": originate_action,
    "queueadd": queue_add,
    "queueremove": queue_remove,
    "queuepause": queue_pause,
    "queuepenalty": queue_penalty,
    "coreshowchannels": listing.core_show_channels,
    "status": listing.status,
    "queuestatus": listing.queue_status,
    "queuesummary": listing.queue_summary,
    "devicestatelist": listing.device_state_list,
    "playdtmf": play_dtmf,
    "mixmonitor": mix_monitor,
    "stopmixmonitor": stop_mix_monitor,
    "queuechangeprioritycaller": queue_change_priority_caller,
}
