"""Mutable per-call bookkeeping owned by the tracker (never shared outside it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .events import ConsultState, Direction, OriginateOutcome

UNKNOWN = "<unknown>"


def known(value: str | None) -> str | None:
    """AMI sends the literal ``<unknown>`` (or nothing) for unset values."""
    if not value or value == UNKNOWN:
        return None
    return value


def interface_of(channel: str) -> str:
    """Member interface of a channel name: ``PJSIP/1001-0000000a`` → ``PJSIP/1001``,
    ``Local/agent1@agents-00000021;1`` → ``Local/agent1@agents``."""
    name = channel.split(";", 1)[0]
    head, sep, tail = name.rpartition("-")
    if sep and tail and all(c in "0123456789abcdef" for c in tail):
        return head
    return name


def number_of(dial_string: str | None) -> str | None:
    """Customer number in a dial string: ``PJSIP/5555@trunk`` / ``5555@trunk`` /
    ``Local/79001110002@customers`` → the user part."""
    if not dial_string:
        return None
    part = dial_string.rsplit("/", 1)[-1]
    return known(part.split("@", 1)[0]) or None


@dataclass(slots=True)
class Channel:
    uniqueid: str
    name: str
    caller_number: str | None = None
    caller_name: str | None = None
    exten: str | None = None
    state: str = "0"


@dataclass(frozen=True, slots=True, kw_only=True)
class OriginateRequest:
    """Tracker input: the bridge is about to send an Originate. Fed before the
    action is written, so the tracker knows the call is ours when the first
    Newchannel arrives."""

    action_id: str
    channel_id: str | None
    destination: str  # dial string as sent (Channel header)
    correlation_id: str | None = None
    sync: bool = False
    exten: str | None = None  # where the answered leg goes (phone-first: the customer's number)
    application: str | None = None  # e.g. ChanSpy: the leg is a listener, not a call
    data: str | None = None  # the application's argument (Dial: what the answered phone dials)


@dataclass(slots=True)
class PendingOriginate:
    request: OriginateRequest
    sent_at: datetime
    before_drop: bool = False  # the connection dropped after it was sent
    settled: bool = False
    outcome: OriginateOutcome | None = None
    linked: bool = False  # matched to a channel by name (sent without ChannelId)
    call_id: str | None = None  # the call it became, once a channel was matched


@dataclass(slots=True)
class Ringing:
    agent: str
    agent_name: str | None
    queue: str | None
    since: datetime


@dataclass(slots=True)
class Consult:
    """The consultation leg(s) of an attended transfer in progress."""

    agent: str | None  # the transferring operator
    target: str | None  # what was dialled ("1002")
    channel: str  # the consult leg the operator talks to
    channels: set[str] = field(default_factory=set)  # uniqueids of every consult leg
    target_agent: str | None = None
    target_channel: str | None = None
    state: ConsultState = ConsultState.RINGING


@dataclass(slots=True)
class Call:
    call_id: str
    first_seen: datetime
    direction: Direction = Direction.INBOUND
    decided: bool = False  # direction known (from the channels), so it may be offered
    silent: bool = False  # not a customer call (a spy leg, a phone rung for nothing): no events
    channels: dict[str, Channel] = field(default_factory=dict)
    origin: str | None = None  # uniqueid of the first channel
    first: Channel | None = None  # the first channel (kept after it hangs up)
    first_state: str = "0"  # its ChannelState when it appeared: Ring = it called in, Down = it was dialled
    customer: str | None = None  # uniqueid of the customer's channel (queue caller / dialled trunk leg)
    customer_number: str | None = None  # outbound: the dialled number
    operator: str | None = None  # outbound through an operator's phone: its interface
    operator_channel: str | None = None
    originated: str | None = None  # uniqueid of the leg an Originate (anyone's) created
    dial: str | None = None  # that Originate's dial string (TECH/DialString)
    dial_since: datetime | None = None  # when the customer's leg was dialled (outbound)
    dial_outcome: OriginateOutcome | None = None  # DialEnd of the customer's leg
    phone_outcome: OriginateOutcome | None = None  # DialEnd of an operator's phone an Originate rang first
    callback_number: str | None = None  # phone-first Originate: the customer's number the phone will dial
    result_due: bool = False  # phone-first: the phone answered, the attempt's result is the customer's leg's
    foreign_action: str | None = None  # another client's Originate: its ActionID
    foreign_settled: bool = False  # another client's Originate: its OriginateResult was reported
    originate: PendingOriginate | None = None
    offered: bool = False
    offered_at: datetime | None = None
    ivr: bool = False
    queue: str | None = None
    in_queue: bool = False
    joined_at: datetime | None = None
    position: int = 0
    ringing: dict[str, Ringing] = field(default_factory=dict)  # by agent channel uniqueid
    rung: list[str] = field(default_factory=list)  # every member interface rung, in order
    agent: str | None = None
    agent_name: str | None = None
    agent_channel: str | None = None
    answered: bool = False
    answered_at: datetime | None = None
    customer_answered: bool = False  # outbound: the dialed party picked up
    held: bool = False  # the operator's channel is on hold (an Atxfer consultation starts so)
    consult: Consult | None = None
    recordings: dict[str, str] = field(default_factory=dict)  # MIXMONITOR_FILENAME by channel uniqueid
    hangup_requested: bool = False
    pending_abandon: tuple[dict[str, str], float] | None = None  # QueueCallerAbandon awaiting its reason
    transferred: bool = False
    ended_by: str | None = None
    cause: int | None = None
    cause_text: str | None = None
    awaiting_result: bool = False  # all channels gone, OriginateResponse still due
    touched: bool = False  # saw a frame since the last resync list started
