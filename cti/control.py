"""Call control: commands as frozen data, one executor turning them into AMI
actions and Asterisk's answers into ``ActionResult``."""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from . import values as v
from .calls import OriginateRequest
from .errors import ActionTimeout, InvalidValue, NotConnected


@dataclass(frozen=True, slots=True, kw_only=True)
class Originate:
    """Dial ``destination`` (e.g. ``PJSIP/79001234567@trunk``); when answered run
    ``application(data)`` or go to ``context,exten,priority`` (e.g. the dialer
    context that queues the debtor for an agent)."""

    destination: str
    context: str | None = None
    exten: str | None = None
    priority: int = 1
    application: str | None = None
    data: str | None = None
    caller_id: str | None = None  # "Contact Center <74950000000>"
    variables: Mapping[str, str] = field(default_factory=dict)
    timeout: float = 30.0  # seconds of ringing
    asynchronous: bool = True
    channel_id: str | None = None  # forced Uniqueid = call id; generated when None
    correlation_id: str | None = None  # the dialer's attempt id, also set as a variable


@dataclass(frozen=True, slots=True, kw_only=True)
class Hangup:
    channel: str
    cause: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class BlindTransfer:
    channel: str  # the transferring (agent's) channel; its peer is sent on
    exten: str
    context: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Redirect:
    channel: str  # e.g. the caller's channel, sent to another queue
    exten: str
    context: str
    priority: int = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class AttendedTransfer:
    """Start a consultation (Atxfer): the customer is held, ``exten@context`` rings.
    The extension travels as DTMF, so it must be digits."""

    channel: str  # the operator's channel
    exten: str  # whom to consult, digits
    context: str | None = "agents"


@dataclass(frozen=True, slots=True, kw_only=True)
class CompleteTransfer:
    """Finish an attended transfer: hang up the operator's own channel (s7)."""

    channel: str  # the operator's channel


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelTransfer:
    """Abandon a consultation: hang up the consult leg; Asterisk gives the
    operator the held customer back."""

    channel: str  # ConsultChanged.channel


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueSummary:
    queue: str | None = None  # None: every queue


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueStatus:
    queue: str | None = None
    member: str | None = None  # an interface


@dataclass(frozen=True, slots=True, kw_only=True)
class StartRecording:
    channel: str
    file: str  # e.g. 1796098811.0.wav (relative to Asterisk's monitor directory)
    options: str = "b"  # b: only while bridged


@dataclass(frozen=True, slots=True, kw_only=True)
class StopRecording:
    channel: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Spy:
    """Ring the supervisor's ``phone``; when answered it listens to ``target``
    (an operator's interface or channel, e.g. PJSIP/agent1)."""

    phone: str
    target: str
    options: str = "q"  # q: quiet (no beep); w would whisper
    caller_id: str | None = None
    timeout: float = 30.0


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueAdd:
    queue: str
    interface: str
    member_name: str | None = None
    penalty: int = 0
    paused: bool = False
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueRemove:
    queue: str
    interface: str


@dataclass(frozen=True, slots=True, kw_only=True)
class QueuePause:
    interface: str
    paused: bool
    queue: str | None = None  # None: every queue of the interface
    reason: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ChangeCallerPriority:
    """Move a waiting caller up (or down) its queue: AMI QueueChangePriorityCaller (Asterisk 15+). Asterisk
    puts the caller behind the callers of the same priority and ahead of every lower one."""

    queue: str
    channel: str  # the waiting caller's channel
    priority: int


@dataclass(frozen=True, slots=True, kw_only=True)
class CliCommand:
    command: str


Command = (
    Originate
    | Hangup
    | BlindTransfer
    | Redirect
    | AttendedTransfer
    | CompleteTransfer
    | CancelTransfer
    | QueueAdd
    | QueueRemove
    | QueuePause
    | QueueSummary
    | QueueStatus
    | StartRecording
    | StopRecording
    | Spy
    | ChangeCallerPriority
    | CliCommand
)


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionResult:
    ok: bool
    message: str | None  # Asterisk's own text ("Originate failed", "No such channel" …)
    action_id: str | None = None
    channel_id: str | None = None  # Originate: the call id to wait for
    output: tuple[str, ...] = ()  # CliCommand lines


class _Client(Protocol):
    async def send(
        self, action: dict[str, Any], *, timeout: float | None = None, as_list: bool | None = None
    ) -> Any: ...

    def note_originate(self, request: OriginateRequest) -> None: ...


def _flag(value: bool) -> str:
    return "true" if value else "false"


class CallControl:
    """Executes commands. Transport problems raise ``NotConnected`` /
    ``ActionTimeout``; Asterisk's refusals come back as ``ok=False``; a value
    that may not reach the PBX raises ``InvalidValue`` before anything is sent.

    An Originate that raised is NOT to be retried by the caller: its fate
    arrives as an ``OriginateResult`` event (answered … or UNKNOWN after a
    resync that found no trace of it)."""

    def __init__(self, client: _Client, *, action_timeout: float = 10.0) -> None:
        self.client = client
        self.action_timeout = action_timeout

    async def execute(self, command: Command) -> ActionResult:
        if isinstance(command, Originate | Spy):
            return await self._originate(command if isinstance(command, Originate) else spy_originate(command))
        action, as_list = self._action(command)
        v.check_action(action)
        response = await self.client.send(action, timeout=self.action_timeout, as_list=as_list)
        if isinstance(response, list):
            response = response[0]
        output = response.get("Output")
        lines = tuple(output if isinstance(output, list) else [output] if output else [])
        return ActionResult(
            ok=response.get("Response") == "Success",
            message=response.get("Message") or None,
            action_id=response.get("ActionID"),
            output=lines,
        )

    def _action(self, c: Command) -> tuple[dict[str, Any], bool | None]:
        return action_of(c)

    async def _originate(self, c: Originate) -> ActionResult:
        channel_id = c.channel_id or str(uuid.uuid4())
        action_id = f"orig-{channel_id}"
        a = originate_action(c, action_id=action_id, channel_id=channel_id)
        v.check_action(a)
        self.client.note_originate(
            OriginateRequest(
                action_id=action_id,
                channel_id=channel_id,
                destination=c.destination,
                correlation_id=c.correlation_id,
                sync=not c.asynchronous,
                exten=c.exten if c.application is None else None,
                application=c.application,
                data=c.data if c.application is not None else None,
            )
        )
        # A sync Originate answers only once the party answered (or not):
        # wait the ringing time on top of the usual action timeout.
        timeout = self.action_timeout + (0 if c.asynchronous else c.timeout)
        try:
            response = await self.client.send(a, timeout=timeout, as_list=False)
        except (NotConnected, ActionTimeout):
            raise  # its fate is settled by the tracker (resync), never by re-sending
        return ActionResult(
            ok=response.get("Response") == "Success",
            message=response.get("Message") or None,
            action_id=action_id,
            channel_id=channel_id,
        )


def _hangup(channel: str, cause: int | None = None) -> dict[str, Any]:
    a: dict[str, Any] = {"Action": "Hangup", "Channel": v.channel("channel", channel)}
    if cause is not None:
        a["Cause"] = str(int(cause))
    return a


def action_of(c: Command) -> tuple[dict[str, Any], bool | None]:
    """The AMI action of a command (not Originate), every value checked."""
    if isinstance(c, Hangup):
        return _hangup(c.channel, c.cause), False
    if isinstance(c, CompleteTransfer | CancelTransfer):
        return _hangup(c.channel), False
    if isinstance(c, BlindTransfer):
        return {
            "Action": "BlindTransfer",
            "Channel": v.channel("channel", c.channel),
            "Exten": v.exten("exten", c.exten),
            "Context": v.name("context", c.context),
        }, False
    if isinstance(c, Redirect):
        return {
            "Action": "Redirect",
            "Channel": v.channel("channel", c.channel),
            "Exten": v.exten("exten", c.exten),
            "Context": v.name("context", c.context),
            "Priority": str(int(c.priority)),
        }, False
    if isinstance(c, AttendedTransfer):
        exten = v.digits("exten", c.exten)
        a: dict[str, Any] = {"Action": "Atxfer", "Channel": v.channel("channel", c.channel), "Exten": exten}
        if c.context:
            a["Context"] = v.name("context", c.context)
        return a, False
    if isinstance(c, QueueAdd):
        a = {
            "Action": "QueueAdd",
            "Queue": v.name("queue", c.queue),
            "Interface": v.channel("interface", c.interface),
            "Penalty": str(int(c.penalty)),
            "Paused": _flag(c.paused),
        }
        if c.member_name:
            a["MemberName"] = v.text("member_name", c.member_name, max_length=128)
        if c.reason:
            a["Reason"] = v.name("reason", c.reason)
        return a, False
    if isinstance(c, QueueRemove):
        return {
            "Action": "QueueRemove",
            "Queue": v.name("queue", c.queue),
            "Interface": v.channel("interface", c.interface),
        }, False
    if isinstance(c, QueuePause):
        a = {"Action": "QueuePause", "Interface": v.channel("interface", c.interface), "Paused": _flag(c.paused)}
        if c.queue:
            a["Queue"] = v.name("queue", c.queue)
        if c.reason:
            a["Reason"] = v.name("reason", c.reason)
        return a, False
    if isinstance(c, QueueSummary):
        a = {"Action": "QueueSummary"}
        if c.queue:
            a["Queue"] = v.name("queue", c.queue)
        return a, True
    if isinstance(c, QueueStatus):
        a = {"Action": "QueueStatus"}
        if c.queue:
            a["Queue"] = v.name("queue", c.queue)
        if c.member:
            a["Member"] = v.channel("member", c.member)
        return a, True
    if isinstance(c, StartRecording):
        return {
            "Action": "MixMonitor",
            "Channel": v.channel("channel", c.channel),
            "File": v.matching("file", c.file, _FILE, "a file name"),
            "Options": v.matching("options", c.options, _OPTIONS, "MixMonitor options"),
        }, False
    if isinstance(c, StopRecording):
        return {"Action": "StopMixMonitor", "Channel": v.channel("channel", c.channel)}, False
    if isinstance(c, ChangeCallerPriority):
        if isinstance(c.priority, bool) or not isinstance(c.priority, int) or not 0 <= c.priority <= MAX_PRIORITY:
            raise InvalidValue("priority", f"not a whole number from 0 to {MAX_PRIORITY}")
        return {
            "Action": "QueueChangePriorityCaller",
            "Queue": v.name("queue", c.queue),
            "Caller": v.channel("caller", c.channel),
            "Priority": str(c.priority),
        }, False
    if isinstance(c, CliCommand):
        return {"Action": "Command", "Command": v.text("command", c.command, max_length=512)}, False
    raise TypeError(f"not a CTI command: {c!r}")


MAX_PRIORITY = 1000  # a queue priority is an int in Asterisk; ccdesk keeps it to a range people use
_FILE = re.compile(r"[A-Za-z0-9_.-]{1,128}")
_OPTIONS = re.compile(r"[A-Za-z]{0,8}")


def spy_originate(c: Spy) -> Originate:
    v.channel("phone", c.phone)
    v.channel("target", c.target)
    v.matching("options", c.options, _OPTIONS, "ChanSpy options")
    return Originate(
        destination=c.phone,
        application="ChanSpy",
        data=f"{c.target},{c.options}" if c.options else c.target,
        caller_id=c.caller_id,
        timeout=c.timeout,
    )


def originate_action(c: Originate, *, action_id: str, channel_id: str) -> dict[str, Any]:
    """The Originate action, every value checked (the dial string, the caller ID,
    each variable) before anything is written."""
    a: dict[str, Any] = {
        "Action": "Originate",
        "ActionID": v.text("action_id", action_id, max_length=128),
        "Channel": _dial_string(c.destination),
        "ChannelId": v.name("channel_id", channel_id),
        "Timeout": str(int(c.timeout * 1000)),
        "Async": _flag(c.asynchronous),
    }
    if c.application:
        a["Application"] = v.application("application", c.application)
        if c.data is not None:
            a["Data"] = v.text("data", c.data)
    else:
        a.update(
            Context=v.name("context", c.context or "default"),
            Exten=v.exten("exten", c.exten or "s"),
            Priority=str(int(c.priority)),
        )
    if c.caller_id:
        a["CallerID"] = v.text("caller_id", c.caller_id, max_length=128)
    variables = dict(c.variables)
    if c.correlation_id:
        variables.setdefault("CCDESK_CORRELATION", v.text("correlation_id", c.correlation_id, max_length=128))
    if variables:
        a["Variable"] = [
            f"{v.variable_name('variable', k)}={v.text(f'variable {k}', val, max_length=512)}"
            for k, val in variables.items()
        ]
    return a


def _dial_string(destination: str) -> str:
    """``PJSIP/79001234567@trunk`` / ``Local/79001234567@customers``: the number
    part must be a number; a bare interface (``PJSIP/agent4``) a channel name."""
    v.channel("destination", destination)
    _, _, resource = destination.partition("/")
    user, at, endpoint = resource.partition("@")
    if at:
        if not (v.NUMBER.fullmatch(user) or v.EXTEN.fullmatch(user)):
            raise InvalidValue("destination", "not a dial string (number@endpoint)")
        v.name("destination", endpoint)
    return destination
