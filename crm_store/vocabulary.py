"""ccdesk's one vocabulary: every coded word the store, the workstation, the IVR and the browser share.

Each family is a StrEnum defined here and nowhere else; the code of a member is what is stored and sent
as JSON, its label is ``"<family>.<code>"`` in web/static/i18n/ru.json and en.json (``label_key``). A
test walks ``FAMILIES`` — every member of every family — so a code added here without a label fails.
"""

from __future__ import annotations

import enum
from typing import TypeVar

E = TypeVar("E", bound=enum.StrEnum)


class Topic(enum.StrEnum):
    """What a call was about (the call card's topic); every topic but OTHER has a talk script."""

    BALANCE = "balance"
    PAYMENT = "payment"
    METER_READING = "meter_reading"
    DEBT = "debt"
    RECONNECTION = "reconnection"
    TARIFF = "tariff"
    COMPLAINT = "complaint"
    DOCUMENTS = "documents"
    OUTAGE = "outage"
    OTHER = "other"


class CallResult(enum.StrEnum):
    """What the operator achieved on the call (chosen on the card)."""

    CONSULTED = "consulted"
    APPLICATION_FILED = "application_filed"
    TRANSFERRED = "transferred"
    CALLBACK_PROMISED = "callback_promised"
    RESOLVED = "resolved"
    NO_ANSWER = "no_answer"


class CallOutcome(enum.StrEnum):
    """How the call ended, as the PBX showed it (set by ccdesk, never by people)."""

    ANSWERED = "answered"  # an operator (inbound) or the customer (outbound) answered
    ABANDONED = "abandoned"  # the caller hung up waiting in a queue or while an operator's phone rang
    IVR_ONLY = "ivr_only"  # the IVR ran and the caller left there, never queued
    UNANSWERED = "unanswered"  # inbound, no IVR, no queue, nobody answered (e.g. hung up at once)
    NO_ANSWER = "no_answer"  # outbound: the customer did not pick up
    BUSY = "busy"  # outbound: the customer's line was busy
    FAILED = "failed"  # the PBX could not place the call (or it was lost in a PBX disconnect)


class CallState(enum.StrEnum):
    """Where a call (and its card) is now."""

    OFFERED = "offered"
    IVR = "ivr"
    QUEUED = "queued"
    RINGING = "ringing"  # an operator's phone rings (outbound: the operator's own phone, first)
    DIALING = "dialing"  # outbound: the operator is on the line, the customer's phone rings
    TALKING = "talking"
    ENDED = "ended"


class ConsultState(enum.StrEnum):
    """The consultation of an attended transfer (call.consult.state)."""

    RINGING = "ringing"
    TALKING = "talking"
    FAILED = "failed"  # the consultee did not answer or could not be reached: the operator keeps the customer


class PresenceState(enum.StrEnum):
    SIGNED_OUT = "signed_out"
    AVAILABLE = "available"
    RINGING = "ringing"
    TALKING = "talking"
    WRAP_UP = "wrap_up"
    PAUSED = "paused"


class PauseReason(enum.StrEnum):
    BREAK = "break"
    LUNCH = "lunch"
    AFTER_CALL_WORK = "after_call_work"
    TRAINING = "training"


class ApplicationStatus(enum.StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"
    WAITING_CUSTOMER = "waiting_customer"
    RESOLVED = "resolved"
    REJECTED = "rejected"

    @property
    def closed(self) -> bool:
        return self in CLOSED_APPLICATION_STATUSES


CLOSED_APPLICATION_STATUSES = frozenset({ApplicationStatus.RESOLVED, ApplicationStatus.REJECTED})


class Role(enum.StrEnum):
    OPERATOR = "operator"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"
    DEPARTMENT = "department"  # back-office staff working their department's applications


SUPERVISING_ROLES = frozenset({Role.SUPERVISOR, Role.ADMIN})


class Direction(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class CallbackStatus(enum.StrEnum):
    """A missed inbound call in the call-back list."""

    PENDING = "pending"
    DONE = "done"
    CANCELLED = "cancelled"


class NotDialable(enum.StrEnum):
    """Why a call-back list entry cannot be dialled (``not_dialable_reason``)."""

    NO_NUMBER = "no_number"  # the caller's number was withheld
    NOT_A_PHONE_NUMBER = "not_a_phone_number"  # e.g. a SIP caller id such as "sipp"


class OfferResponse(enum.StrEnum):
    """The customer's answer to an offer made on a call."""

    ACCEPTED = "accepted"
    DECLINED = "declined"
    LATER = "later"


class TransferKind(enum.StrEnum):
    BLIND = "blind"
    ATTENDED = "attended"


class SpyMode(enum.StrEnum):
    """How a supervisor joins an operator's call (ChanSpy on the supervisor's phone)."""

    LISTEN = "listen"  # hears both, heard by nobody
    WHISPER = "whisper"  # heard by the operator only
    BARGE = "barge"  # heard by both


# label family -> enum; the family is the prefix of every label key ("topic.balance").
FAMILIES: dict[str, type[enum.StrEnum]] = {
    "topic": Topic,
    "result": CallResult,
    "outcome": CallOutcome,
    "call_state": CallState,
    "consult_state": ConsultState,
    "presence_state": PresenceState,
    "pause_reason": PauseReason,
    "application_status": ApplicationStatus,
    "role": Role,
    "direction": Direction,
    "callback_status": CallbackStatus,
    "not_dialable": NotDialable,
    "transfer_kind": TransferKind,
    "offer_response": OfferResponse,
    "spy_mode": SpyMode,
}
_FAMILY_OF = {enum_: family for family, enum_ in FAMILIES.items()}


def label_key(member: enum.StrEnum) -> str:
    """The i18n key of a code: ``label_key(Topic.BALANCE) == "topic.balance"``."""
    return f"{_FAMILY_OF[type(member)]}.{member.value}"


def all_label_keys() -> list[str]:
    """Every label the browser must have, family by family, member by member."""
    return [label_key(m) for enum_ in FAMILIES.values() for m in enum_]


def codes(enum_: type[enum.StrEnum]) -> tuple[str, ...]:
    return tuple(m.value for m in enum_)


def as_json() -> dict[str, list[str]]:
    """The vocabulary as GET /api/me sends it: family -> codes in their order."""
    return {family: list(codes(enum_)) for family, enum_ in FAMILIES.items()}


def parse(enum_: type[E], value: object) -> E | None:
    """The member whose code is ``value``; None when it is not one (callers say what was wrong)."""
    if not isinstance(value, str):
        return None
    try:
        return enum_(value)
    except ValueError:
        return None
