"""An in-memory IvrBackend: for tests and for running the IVR without a database.

It applies the same rules as the store backend (plausibility re-checked at store time) so a flow
that passes against it behaves the same against crm_store.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from .readings import reading_problem
from .values import (
    AccountInfo,
    ApplicationInfo,
    Balance,
    CallbackInfo,
    FiledApplication,
    IvrSessionRecord,
    PaymentInfo,
    ReadingInfo,
    ReadingVerdict,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredReading:
    account_id: int
    meter: str
    value: int
    at: datetime
    call_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredCallback:
    task_id: int
    call_id: str
    phone: str
    customer_id: int | None
    account_id: int | None
    topic: str
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredApplication:
    number: str
    call_id: str
    type: str
    customer_id: int | None
    account_id: int | None
    phone: str | None
    text: str


@dataclass(slots=True)
class MemoryBackend:
    accounts: list[AccountInfo] = field(default_factory=list)
    phones: dict[str, list[int]] = field(default_factory=dict)  # e164 -> account ids
    payments: dict[int, PaymentInfo] = field(default_factory=dict)  # account id -> last payment
    readings: dict[tuple[int, str], ReadingInfo] = field(default_factory=dict)
    applications: dict[str, ApplicationInfo] = field(default_factory=dict)
    stored_readings: list[StoredReading] = field(default_factory=list)
    callbacks: list[StoredCallback] = field(default_factory=list)
    filed: list[StoredApplication] = field(default_factory=list)
    sessions: list[IvrSessionRecord] = field(default_factory=list)

    def _account(self, account_id: int) -> AccountInfo:
        return next(a for a in self.accounts if a.account_id == account_id)

    async def accounts_by_phone(self, e164: str) -> Sequence[AccountInfo]:
        return [self._account(i) for i in self.phones.get(e164, [])]

    async def account_by_number(self, number: str) -> AccountInfo | None:
        return next((a for a in self.accounts if a.number == number), None)

    async def balance(self, account_id: int) -> Balance:
        account = self._account(account_id)
        return Balance(balance_kop=account.balance_kop, debt_kop=account.debt_kop)

    async def last_payment(self, account_id: int) -> PaymentInfo | None:
        return self.payments.get(account_id)

    async def last_reading(self, account_id: int, meter: str) -> ReadingInfo | None:
        return self.readings.get((account_id, meter))

    async def store_reading(
        self,
        *,
        account_id: int,
        meter: str,
        value: int,
        max_increase: int,
        at: datetime,
        call_id: str,
    ) -> ReadingVerdict:
        last = self.readings.get((account_id, meter))
        previous = last.value if last else None
        problem = reading_problem(value, previous, max_increase)
        if problem is None:
            self.readings[(account_id, meter)] = ReadingInfo(value=value, taken_on=at.date())
            self.stored_readings.append(
                StoredReading(account_id=account_id, meter=meter, value=value, at=at, call_id=call_id)
            )
        return ReadingVerdict(problem=problem, previous=previous)

    async def application_status(self, number: str) -> ApplicationInfo | None:
        return self.applications.get(number)

    async def request_callback(
        self,
        *,
        call_id: str,
        phone: str,
        customer_id: int | None,
        account_id: int | None,
        topic: str,
        at: datetime,
    ) -> CallbackInfo:
        task = StoredCallback(
            task_id=len(self.callbacks) + 1,
            call_id=call_id,
            phone=phone,
            customer_id=customer_id,
            account_id=account_id,
            topic=topic,
            at=at,
        )
        self.callbacks.append(task)
        return CallbackInfo(task_id=task.task_id, due_at=at)

    async def file_application(
        self,
        *,
        call_id: str,
        type: str,
        customer_id: int | None,
        account_id: int | None,
        phone: str | None,
        text: str,
        at: datetime,
    ) -> FiledApplication:
        number = f"{at.year % 100:02d}{len(self.filed) + 1:07d}"
        self.filed.append(
            StoredApplication(
                number=number,
                call_id=call_id,
                type=type,
                customer_id=customer_id,
                account_id=account_id,
                phone=phone,
                text=text,
            )
        )
        self.applications[number] = ApplicationInfo(number=number, status="new", type=type)
        return FiledApplication(application_id=len(self.filed), number=number)

    async def record_session(self, record: IvrSessionRecord) -> None:
        self.sessions = [s for s in self.sessions if s.call_id != record.call_id] + [record]

    def set_debt(self, account_id: int, debt_kop: int) -> None:
        self.accounts = [replace(a, debt_kop=debt_kop) if a.account_id == account_id else a for a in self.accounts]
