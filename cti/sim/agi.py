"""The simulated caller's side of a FastAGI session, played as Asterisk does:
environment block (LF only), one reply per command, AGIExecStart/End events,
``HANGUP`` lines after the channel is gone (README section (f))."""

from __future__ import annotations

import asyncio
import itertools
import logging
import shlex

from .call import Signal, SimCall
from .state import Pbx

log = logging.getLogger(__name__)
_cmd_ids = itertools.count(1)
AGI_TIMEOUT = 30.0


def _env(pbx: Pbx, call: SimCall, url: str, priority: int) -> bytes:
    ch = call.caller
    script = url.split("/", 3)[-1] if url.count("/") >= 3 else "ivr"
    pairs = [
        ("agi_network", "yes"),
        ("agi_network_script", script),
        ("agi_request", url),
        ("agi_channel", ch.name),
        ("agi_language", "en"),
        ("agi_type", "PJSIP"),
        ("agi_uniqueid", ch.uniqueid),
        ("agi_version", "22.10.1"),
        ("agi_callerid", ch.cid_num),
        ("agi_calleridname", ch.cid_name),
        ("agi_callingpres", "0"),
        ("agi_callingani2", "0"),
        ("agi_callington", "0"),
        ("agi_callingtns", "0"),
        ("agi_dnid", ch.exten),
        ("agi_rdnis", "unknown"),
        ("agi_context", ch.context),
        ("agi_extension", ch.exten),
        ("agi_priority", str(priority)),
        ("agi_enhanced", "0.0"),
        ("agi_accountcode", ""),
        ("agi_threadid", str(id(call))),
    ]
    return ("".join(f"{k}: {v}\n" for k, v in pairs) + "\n").encode()


class _Caller:
    """The digits the simulated caller presses, one entry per prompt."""

    def __init__(self, digits: list[str]) -> None:
        self.digits = list(digits)
        self.timeouts = 0

    def next(self) -> str | None:
        """Digits for the next prompt; "" = timed out; None = hangs up."""
        if self.digits:
            return self.digits.pop(0)
        self.timeouts += 1
        return "" if self.timeouts == 1 else None


async def _next_of(call: SimCall, reader: asyncio.StreamReader) -> tuple[Signal | None, bytes | None]:
    """The call's next signal and/or the script's next line, whichever comes first (both when they come
    in the same turn: neither may be lost); (None, None) when the script stays silent for AGI_TIMEOUT."""
    sig_task = asyncio.ensure_future(call.next_signal(None))
    line_task = asyncio.ensure_future(reader.readline())
    try:
        await asyncio.wait({sig_task, line_task}, timeout=AGI_TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (sig_task, line_task):
            if not task.done():
                task.cancel()
        await asyncio.gather(sig_task, line_task, return_exceptions=True)
    sig = None if sig_task.cancelled() else sig_task.result()
    raw = None if line_task.cancelled() else line_task.result()
    return sig, raw


async def run_agi(pbx: Pbx, call: SimCall, priority: int, digits: list[str]) -> str:
    """Run AGI(agi://<agi_address>/ivr). Returns "done", "failure" or "hangup"."""
    ch = call.caller
    address = pbx.config.agi_address or "127.0.0.1:4573"
    url = f"agi://{address}/ivr"
    pbx.newexten(ch, priority, "AGI", url)
    host, _, port = address.rpartition(":")
    try:
        async with asyncio.timeout(5.0):  # not wait_for: it can drop the simulator's stop (Python 3.11)
            reader, writer = await asyncio.open_connection(host or "127.0.0.1", int(port))
    except (OSError, TimeoutError, ValueError):
        log.warning("FastAGI server %s unreachable: AGISTATUS=FAILURE", address)
        pbx.varset(ch, "AGISTATUS", "FAILURE")
        # A real dialplan would route on AGISTATUS; ours sends the caller to
        # the first queue rather than dropping the call.
        ch.variables.setdefault("CCDESK_QUEUE", next(iter(pbx.queues), ""))
        return "failure"
    caller = _Caller(digits)
    dead = False  # the channel hung up: every later reply is preceded by HANGUP
    status = "SUCCESS"
    try:
        writer.write(_env(pbx, call, url, priority))
        await writer.drain()
        while True:
            sig, raw = await _next_of(call, reader)
            if sig is not None and sig.kind == "caller_hangup" and not dead:
                dead = True
                status = "HANGUP"
                writer.write(b"HANGUP\n")
                await writer.drain()
            if raw is None:
                if sig is not None:
                    continue
                break  # the script went silent
            if not raw:
                break  # the script closed the socket: the dialplan goes on
            command = raw.decode("utf-8", "replace").strip()
            if not command:
                continue
            reply, hangs_up = _execute(pbx, call, command, caller, dead)
            cid = str(next(_cmd_ids))
            pbx.chan_event("AGIExecStart", "agi,all", ch, ("CommandId", cid), ("Command", command))
            code = reply.split("result=", 1)[-1].split(" ", 1)[0] if "result=" in reply else "510"
            pbx.chan_event(
                "AGIExecEnd",
                "agi,all",
                ch,
                ("CommandId", cid),
                ("Command", command),
                ("ResultCode", code or "0"),
                ("Result", "Failure" if code.startswith("-") else "Success"),
            )
            writer.write((("HANGUP\n" if dead else "") + reply + "\n").encode())
            await writer.drain()
            if hangs_up and not dead:
                dead = True
                status = "HANGUP"
    except (OSError, asyncio.IncompleteReadError):
        status = "FAILURE"
    finally:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass
    pbx.varset(ch, "AGISTATUS", status)
    return "hangup" if dead else "done"


def _execute(pbx: Pbx, call: SimCall, command: str, caller: _Caller, dead: bool) -> tuple[str, bool]:
    """Reply to one AGI command; the bool says the channel hangs up now."""
    try:
        words = shlex.split(command)
    except ValueError:
        words = command.split()
    verb = " ".join(words[:2]).upper()
    first = words[0].upper() if words else ""
    ch = call.caller
    if first == "ANSWER":
        return "200 result=0", False
    if first in ("VERBOSE", "NOOP"):
        return "200 result=1" if first == "VERBOSE" else "200 result=0", False
    if first == "HANGUP":
        return "200 result=1", True
    if verb == "SET VARIABLE" and len(words) >= 4:
        pbx.varset(ch, words[2], words[3])
        return "200 result=1", False
    if verb == "GET VARIABLE" and len(words) >= 3:
        value = ch.variables.get(words[2], pbx.globals.get(words[2]))
        return (f"200 result=1 ({value})") if value is not None else "200 result=0", False
    if verb == "CHANNEL STATUS":
        return "200 result=6", False
    if verb in ("STREAM FILE", "CONTROL STREAM") or first in ("SAY", "RECORD"):
        return ("200 result=-1 endpos=0" if dead else "200 result=0 endpos=8000"), False
    if verb in ("GET DATA", "WAIT FOR", "GET OPTION"):
        if dead:
            return "200 result=-1", False
        pressed = caller.next()
        if pressed is None:
            return "200 result=-1", True
        if verb == "WAIT FOR":
            return f"200 result={ord(pressed[0]) if pressed else 0}", False
        return (f"200 result={pressed}" if pressed else "200 result= (timeout)"), False
    if verb in ("DATABASE PUT", "DATABASE GET", "DATABASE DEL"):
        return "200 result=1", False
    if first == "EXEC":
        app = words[1].lower() if len(words) > 1 else ""
        known = {"noop", "playback", "wait", "set", "background", "read", "answer"}
        return ("200 result=0" if app in known else "200 result=-2"), False
    return "510 Invalid or unknown command", False
