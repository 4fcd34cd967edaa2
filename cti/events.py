"""Typed, immutable events published by the CTI bridge.

Field names are domain names, never AMI header names. ``at`` is the UTC time
the AMI frame was read by the bridge (passed in, never taken from a clock in
the tracker). Call events carry ``call_id`` = Asterisk's Linkedid.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime


class Direction(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class OriginateOutcome(enum.StrEnum):
    ANSWERED = "answered"
    BUSY = "busy"
    NO_ANSWER = "no_answer"
    CONGESTION = "congestion"
    FAILED = "failed"
    # The bridge lost the connection before Asterisk told the fate of the
    # originate and the resync found no trace of it: never re-dial blindly.
    UNKNOWN = "unknown"


class AbandonReason(enum.StrEnum):
    CALLER_HANGUP = "caller_hangup"
    TIMEOUT = "timeout"
    OTHER = "other"  # QUEUESTATUS FULL / JOINEMPTY / LEAVEEMPTY …


class TransferKind(enum.StrEnum):
    BLIND = "blind"
    ATTENDED = "attended"
    REDIRECT = "redirect"


class ConsultState(enum.StrEnum):
    """An attended transfer's consultation, as the transferring operator sees it."""

    RINGING = "ringing"  # the consultee's phone rings; the customer is on hold
    TALKING = "talking"  # the consultee answered
    FAILED = "failed"  # the consultee never answered (atxfernoanswertimeout): back with the customer
    CANCELLED = "cancelled"  # the consultation ended after it was answered, the customer stays with the operator
    COMPLETED = "completed"  # the transfer went through (CallTransferred follows)


class MemberChange(enum.StrEnum):
    ADDED = "added"
    REMOVED = "removed"
    PAUSED = "paused"
    UNPAUSED = "unpaused"
    STATUS = "status"
    PENALTY = "penalty"
    SNAPSHOT = "snapshot"  # seen in a QueueStatus list after a (re)connect


class DeviceStatus(enum.IntEnum):
    """ast_device_state as sent in QueueMember* Status."""

    UNKNOWN = 0
    NOT_INUSE = 1
    INUSE = 2
    BUSY = 3
    INVALID = 4
    UNAVAILABLE = 5
    RINGING = 6
    RINGINUSE = 7
    ONHOLD = 8


class PbxHealth(enum.StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    DISCONNECTED = "disconnected"
    LOGIN_FAILED = "login_failed"
    CLOSED = "closed"


@dataclass(frozen=True, slots=True, kw_only=True)
class CallEvent:
    call_id: str
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class CallOffered(CallEvent):
    direction: Direction
    caller_number: str | None  # the customer's number (the dialed one for outbound)
    caller_name: str | None
    dialed_number: str | None  # DID for inbound, destination for outbound
    channel: str
    correlation_id: str | None = None  # dialer's ChannelId / CCDESK_CORRELATION variable
    action_id: str | None = None
    seeded: bool = False  # found already running by a resync, not seen starting
    # Outbound through an operator's phone (desk phone dialling out, phone-first
    # originate): that phone's interface, e.g. PJSIP/agent4. None otherwise.
    agent: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class IvrStarted(CallEvent):
    channel: str
    script: str  # the AGI request, e.g. agi://127.0.0.1:4573/ivr


@dataclass(frozen=True, slots=True, kw_only=True)
class CallQueued(CallEvent):
    queue: str
    position: int
    caller_number: str | None
    seeded: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentRinging(CallEvent):
    queue: str | None
    agent: str  # member interface, e.g. PJSIP/1001
    agent_name: str | None
    agent_channel: str
    caller_number: str | None
    caller_name: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentRingNoAnswer(CallEvent):
    queue: str | None
    agent: str
    agent_name: str | None
    ring_seconds: float


@dataclass(frozen=True, slots=True, kw_only=True)
class CallAnswered(CallEvent):
    """The customer and an operator are connected: a queue member answered
    (AgentConnect), a directly dialled phone answered, or, outbound through an
    operator's phone, the dialled customer answered (agent = that phone).
    A dialer call's customer pickup alone is OriginateResult(ANSWERED)."""

    queue: str | None
    agent: str | None
    agent_name: str | None
    agent_channel: str | None
    wait_seconds: float
    ring_seconds: float | None = None
    seeded: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class CallTransferred(CallEvent):
    """``from_agent`` is off the call from ``at`` on (blind: at once; attended:
    when the transferer hung up). Attended: ``to_agent`` is the consultee's
    phone interface, who is now the call's agent."""

    kind: TransferKind
    from_agent: str | None
    to_agent: str | None = None  # attended: the consulted agent's interface
    to_context: str | None = None
    to_extension: str | None = None
    to_queue: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ConsultChanged(CallEvent):
    """The consultation of an attended transfer moved (call_id = the customer's call)."""

    state: ConsultState
    agent: str | None  # the transferring operator's interface
    target: str | None  # what was dialled to consult, e.g. "1002"
    target_agent: str | None  # the consultee's phone interface once known (PJSIP/agent2)
    channel: str | None  # the consult leg the operator talks to: Hangup it to cancel


@dataclass(frozen=True, slots=True, kw_only=True)
class CallAbandoned(CallEvent):
    queue: str
    position: int
    original_position: int
    wait_seconds: float
    reason: AbandonReason
    rung_agents: tuple[str, ...] = ()  # who was rung (nobody answered): not "the agent"


@dataclass(frozen=True, slots=True, kw_only=True)
class CallEnded(CallEvent):
    direction: Direction
    answered: bool  # an agent (or, outbound, the customer) answered
    queue: str | None
    agent: str | None
    talk_seconds: float | None
    duration_seconds: float | None
    cause: int | None  # hangup cause of the customer's channel
    cause_text: str | None
    ended_by: str | None  # "caller" / "agent" / "transfer" (AgentComplete Reason) when known
    lost_in_disconnect: bool = False  # it vanished while the bridge was disconnected
    rung_agents: tuple[str, ...] = ()  # every member interface rung during the call
    # Outbound only: how the customer's dialled leg ended up (answered / busy /
    # no_answer / congestion / failed); None for inbound.
    outcome: OriginateOutcome | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class OriginateResult(CallEvent):
    outcome: OriginateOutcome
    action_id: str | None
    channel_id: str | None
    destination: str | None
    correlation_id: str | None
    reason_code: int | None  # OriginateResponse Reason (AST_CONTROL_*)
    message: str | None = None
    customer_number: str | None = None  # the dialled customer's number when known
    foreign: bool = False  # sent by another AMI client (or before this bridge started)


@dataclass(frozen=True, slots=True, kw_only=True)
class SpyStarted(CallEvent):
    """A supervisor started listening (ChanSpy). call_id = the spied call; the
    spy's own leg (its own Linkedid) is never a call of its own."""

    spy: str  # the supervisor's phone interface, e.g. PJSIP/agent4
    spy_channel: str
    spied_agent: str | None  # interface of the spied channel (the operator's phone)
    spied_channel: str


@dataclass(frozen=True, slots=True, kw_only=True)
class SpyStopped(CallEvent):
    spy: str
    spy_channel: str
    spied_agent: str | None
    spied_channel: str


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordingStarted(CallEvent):
    """MixMonitor started on a channel of the call; ``file`` from MIXMONITOR_FILENAME."""

    channel: str
    file: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class RecordingStopped(CallEvent):
    channel: str
    file: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentStateChanged:
    at: datetime
    agent: str  # member interface
    agent_name: str | None
    queue: str
    change: MemberChange
    status: DeviceStatus
    paused: bool
    pause_reason: str | None
    in_call: bool
    calls_taken: int
    dynamic: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueStatsUpdated:
    at: datetime
    queue: str
    logged_in: int
    available: int
    callers: int
    hold_seconds: int
    talk_seconds: int
    longest_hold_seconds: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PbxConnected:
    at: datetime
    host: str
    port: int
    version: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PbxDisconnected:
    at: datetime
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PbxLoginFailed:
    at: datetime
    username: str
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PbxResynced:
    at: datetime
    active_calls: int
    seeded_calls: int
    ended_calls: int


CallEventT = (
    CallOffered
    | IvrStarted
    | CallQueued
    | AgentRinging
    | AgentRingNoAnswer
    | CallAnswered
    | CallTransferred
    | ConsultChanged
    | CallAbandoned
    | CallEnded
    | OriginateResult
    | SpyStarted
    | SpyStopped
    | RecordingStarted
    | RecordingStopped
)
Event = (
    CallEventT | AgentStateChanged | QueueStatsUpdated | PbxConnected | PbxDisconnected | PbxLoginFailed | PbxResynced
)
