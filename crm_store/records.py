"""Plain, frozen values that repositories return: the rest of the code never sees an ORM object."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

import orjson

_OPTIONS = orjson.OPT_NON_STR_KEYS


class JsonMixin:
    __slots__ = ()

    def to_json(self) -> dict[str, Any]:
        """A dict with ISO dates, ready for json.dumps / Socket.IO: every field, nested records as dicts,
        tuples as lists, datetimes and dates as `isoformat()` writes them.

        orjson writes the record in C and reads it back (tests/unit/test_records_json.py holds it to those
        rules): the walk over the fields in Python was half of a screen pop's time, the query included.
        """
        return cast(dict[str, Any], orjson.loads(orjson.dumps(self, option=_OPTIONS)))


@dataclass(frozen=True, slots=True, kw_only=True)
class PhoneRecord(JsonMixin):
    id: int
    e164: str
    kind: str
    is_primary: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentRecord(JsonMixin):
    id: int
    account_id: int
    paid_at: datetime
    amount_kop: int
    method: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadingRecord(JsonMixin):
    id: int
    account_id: int
    meter: str
    taken_at: datetime
    value: int
    source: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AdjustmentRecord(JsonMixin):
    id: int
    account_id: int
    made_at: datetime
    amount_kop: int
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountRecord(JsonMixin):
    id: int
    customer_id: int
    number: str
    address: str
    region: str
    tariff: str
    balance_kop: int
    debt_kop: int
    debt_since: date | None
    status: str
    payments: tuple[PaymentRecord, ...] = ()
    readings: tuple[ReadingRecord, ...] = ()
    adjustments: tuple[AdjustmentRecord, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationRecord(JsonMixin):
    id: int
    number: str
    type: str
    customer_id: int | None
    account_id: int | None
    channel: str
    status: str
    department_queue: str | None
    text: str
    created_at: datetime
    due_at: datetime | None
    closed_at: datetime | None
    fields: dict[str, str] = field(default_factory=dict)  # the type's form fields
    assigned_to: int | None = None
    escalated_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class InteractionRecord(JsonMixin):
    id: int
    call_id: str | None
    customer_id: int | None
    account_id: int | None
    direction: str
    channel: str
    caller_number: str | None
    called_number: str | None
    queue: str | None
    agent_id: int | None
    agent_interface: str | None
    state: str
    outcome: str | None
    offered_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    wait_seconds: int | None
    talk_seconds: int | None
    ivr_path: tuple[str, ...]
    ivr_identified: str | None
    self_served: bool
    routing_queue: str | None
    routing_reason: str | None
    transferred_to: str | None
    topic: str | None
    result: str | None
    notes: str
    wrapped_up_at: datetime | None
    callback_status: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerRecord(JsonMixin):
    id: int
    kind: str
    full_name: str
    inn: str | None
    email: str | None
    vip: bool
    language: str
    paper_bill: bool
    phones: tuple[PhoneRecord, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class CustomerPop(JsonMixin):
    """Everything an operator needs on screen when this customer calls."""

    customer: CustomerRecord
    accounts: tuple[AccountRecord, ...]
    open_applications: tuple[ApplicationRecord, ...]
    interactions: tuple[InteractionRecord, ...]
    contact_for: tuple[str, ...] = field(default=())  # contact person names when matched that way

    @property
    def total_debt_kop(self) -> int:
        return sum(a.debt_kop for a in self.accounts)


@dataclass(frozen=True, slots=True, kw_only=True)
class UserRecord(JsonMixin):
    id: int
    username: str
    full_name: str
    role: str
    extension: str | None
    skills: tuple[str, ...]
    queues: tuple[str, ...]
    language: str
    active: bool
    department: str | None = None  # a department user's department queue


@dataclass(frozen=True, slots=True)
class KeepFirst:
    """A call-card value stored only where the card has none yet.

    A resync after a restart reconstructs calls already in progress (an answer it did not see, its time
    guessed from the channel's age): what was stored live, when the answer happened, must win over that."""

    value: Any
