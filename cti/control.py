"""Call control: commands as frozen data, one executor turning them into AMI
actions and Asterisk's answers into ``ActionResult``."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from .calls import OriginateRequest
from .errors import ActionTimeout, NotConnected


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
    channel: str  # the agent's channel
    exten: str  # whom to consult
    context: str | None = None


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
class CliCommand:
    command: str


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueSummary:
    """Ask for each queue's figures; they arrive through the event stream as QueueStatsUpdated."""

    queue: str | None = None  # None: every queue


Command = (
    Originate
    | Hangup
    | BlindTransfer
    | Redirect
    | AttendedTransfer
    | QueueAdd
    | QueueRemove
    | QueuePause
    | CliCommand
    | QueueSummary
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
    ``ActionTimeout``; Asterisk's refusals come back as ``ok=False``.

    An Originate that raised is NOT to be retried by the caller: its fate
    arrives as an ``OriginateResult`` event (answered … or UNKNOWN after a
    resync that found no trace of it)."""

    def __init__(self, client: _Client, *, action_timeout: float = 10.0) -> None:
        self.client = client
        self.action_timeout = action_timeout

    async def execute(self, command: Command) -> ActionResult:
        if isinstance(command, Originate):
            return await self._originate(command)
        action, as_list = self._action(command)
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
        if isinstance(c, Hangup):
            a: dict[str, Any] = {"Action": "Hangup", "Channel": c.channel}
            if c.cause is not None:
                a["Cause"] = str(c.cause)
            return a, False
        if isinstance(c, BlindTransfer):
            return {"Action": "BlindTransfer", "Channel": c.channel, "Exten": c.exten, "Context": c.context}, False
        if isinstance(c, Redirect):
            return {
                "Action": "Redirect",
                "Channel": c.channel,
                "Exten": c.exten,
                "Context": c.context,
                "Priority": str(c.priority),
            }, False
        if isinstance(c, AttendedTransfer):
            a = {"Action": "Atxfer", "Channel": c.channel, "Exten": c.exten}
            if c.context:
                a["Context"] = c.context
            return a, False
        if isinstance(c, QueueAdd):
            a = {
                "Action": "QueueAdd",
                "Queue": c.queue,
                "Interface": c.interface,
                "Penalty": str(c.penalty),
                "Paused": _flag(c.paused),
            }
            if c.member_name:
                a["MemberName"] = c.member_name
            if c.reason:
                a["Reason"] = c.reason
            return a, False
        if isinstance(c, QueueRemove):
            return {"Action": "QueueRemove", "Queue": c.queue, "Interface": c.interface}, False
        if isinstance(c, QueuePause):
            a = {"Action": "QueuePause", "Interface": c.interface, "Paused": _flag(c.paused)}
            if c.queue:
                a["Queue"] = c.queue
            if c.reason:
                a["Reason"] = c.reason
            return a, False
        if isinstance(c, CliCommand):
            return {"Action": "Command", "Command": c.command}, False
        if isinstance(c, QueueSummary):
            return ({"Action": "QueueSummary", "Queue": c.queue} if c.queue else {"Action": "QueueSummary"}), True
        raise TypeError(f"not a CTI command: {c!r}")

    async def _originate(self, c: Originate) -> ActionResult:
        channel_id = c.channel_id or str(uuid.uuid4())
        action_id = f"orig-{channel_id}"
        a: dict[str, Any] = {
            "Action": "Originate",
            "ActionID": action_id,
            "Channel": c.destination,
            "ChannelId": channel_id,
            "Timeout": str(int(c.timeout * 1000)),
            "Async": _flag(c.asynchronous),
        }
        if c.application:
            a["Application"] = c.application
            if c.data is not None:
                a["Data"] = c.data
        else:
            a.update(Context=c.context or "default", Exten=c.exten or "s", Priority=str(c.priority))
        if c.caller_id:
            a["CallerID"] = c.caller_id
        variables = dict(c.variables)
        if c.correlation_id:
            variables.setdefault("CCDESK_CORRELATION", c.correlation_id)
        if variables:
            a["Variable"] = [f"{k}={v}" for k, v in variables.items()]
        self.client.note_originate(
            OriginateRequest(
                action_id=action_id,
                channel_id=channel_id,
                destination=c.destination,
                correlation_id=c.correlation_id,
                sync=not c.asynchronous,
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
