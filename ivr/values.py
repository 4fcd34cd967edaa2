"""What the IVR reads from and writes to the customer database: plain frozen values.

Money is in kopecks (as in crm_store). Outcomes of a session:

* ``transferred`` — the IVR chose an operator queue (CCDESK_QUEUE set);
* ``self_served`` — no transfer and at least one self-service completed (balance heard, reading
  stored, application status heard, call-back booked…);
* ``abandoned`` — no transfer and nothing served: a drop-out at the last node of the path.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from routing import RoutingDecision

TRANSFERRED = "transferred"
SELF_SERVED = "self_served"
ABANDONED = "abandoned"

#: A path element starting with this marks a completed self-service ("+balance", "+reading:1234").
SERVED_MARK = "+"


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountInfo:
    """A personal account and what routing needs to know about its holder."""

    account_id: int
    number: str
    customer_id: int
    segment: str = "individual"  # individual | organisation
    vip: bool = False
    language: str = "ru"
    region: str = ""
    balance_kop: int = 0
    debt_kop: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class Balance:
    balance_kop: int
    debt_kop: int


@dataclass(frozen=True, slots=True, kw_only=True)
class PaymentInfo:
    paid_on: date
    amount_kop: int


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadingInfo:
    value: int
    taken_on: date


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadingVerdict:
    """What happened to a submitted reading: `problem` is None when stored, else lower | too_high."""

    problem: str | None
    previous: int | None = None

    @property
    def accepted(self) -> bool:
        return self.problem is None


@dataclass(frozen=True, slots=True, kw_only=True)
class ApplicationInfo:
    number: str
    status: str
    type: str = ""
    due_on: date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class FiledApplication:
    """An application the IVR filed: its number is said to the caller digit by digit."""

    application_id: int
    number: str


@dataclass(frozen=True, slots=True, kw_only=True)
class CallbackInfo:
    task_id: int
    due_at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class IvrSessionRecord:
    """One caller's whole IVR session, as recorded on the call card and read back for statistics."""

    call_id: str
    started_at: datetime
    ended_at: datetime | None = None
    caller: str | None = None
    channel: str = ""
    path: tuple[str, ...] = ()
    customer_id: int | None = None
    account_id: int | None = None
    account_number: str | None = None
    identified_by: str | None = None  # phone | account
    outcome: str = ABANDONED
    hung_up: bool = False
    decision: RoutingDecision | None = None

    @property
    def served(self) -> tuple[str, ...]:
        return tuple(p[len(SERVED_MARK) :] for p in self.path if p.startswith(SERVED_MARK))

    @property
    def last_node(self) -> str | None:
        """The menu node the caller was at when the session ended (choice digits stripped)."""
        for element in reversed(self.path):
            if not element.startswith(SERVED_MARK):
                return element.split(":", 1)[0]
        return None

    @property
    def self_served(self) -> bool:
        return self.outcome == SELF_SERVED
