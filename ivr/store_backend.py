"""IvrBackend on crm_store: what the IVR reads and writes, one transaction per step.

Reads use the reader engine; each write (a meter reading, a call-back, the session record) is one
write transaction, so a caller who hangs up mid-menu leaves a whole step or nothing. On SQLite the
writer begins with BEGIN IMMEDIATE, so the "latest reading" a new one is checked against cannot
change before it is stored; on PostgreSQL the account row is locked for the same reason.

Dates said to the caller (payment day, due date) are in the contact centre's time zone.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from crm_store.audit import record_audit
from crm_store.db import Database
from crm_store.interactions import open_call_card, update_call_card
from crm_store.models import (
    Account,
    Application,
    ApplicationInteraction,
    ContactPerson,
    Customer,
    Interaction,
    MeterReading,
    Payment,
    Phone,
    Task,
)
from routing import RoutingDecision

from .backend import ApplicationFiler
from .errors import BackendError
from .readings import reading_problem
from .values import (
    ABANDONED,
    SELF_SERVED,
    TRANSFERRED,
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

_ACCOUNT_COLUMNS = (
    Account.id,
    Account.number,
    Account.customer_id,
    Account.region,
    Account.balance_kop,
    Account.debt_kop,
    Customer.kind,
    Customer.vip,
    Customer.language,
)
REASON_LIMIT = 300  # Interaction.routing_reason
IDENTIFIED_LIMIT = 64  # Interaction.ivr_identified


class StoreBackend:
    def __init__(self, db: Database, *, timezone: str = "Europe/Moscow", filer: ApplicationFiler | None = None) -> None:
        self.db = db
        self.tz = ZoneInfo(timezone)
        self.filer = filer  # files applications (call-back requests, disputes); None: the IVR files none

    def _local_date(self, at: datetime) -> date:
        return at.astimezone(self.tz).date()

    # ------------------------------------------------------------------ reads

    async def accounts_by_phone(self, e164: str) -> Sequence[AccountInfo]:
        """Open accounts of the customers with this number, or whose contact person has it."""
        holders = select(Phone.customer_id).where(Phone.e164 == e164)
        contacts = select(ContactPerson.customer_id).where(ContactPerson.phone == e164)
        stmt = (
            select(*_ACCOUNT_COLUMNS)
            .join(Customer, Customer.id == Account.customer_id)
            .where(or_(Account.customer_id.in_(holders), Account.customer_id.in_(contacts)))
            .where(Account.status != "closed")
            .order_by(Account.id)
        )
        async with self.db.read_session() as s:
            return [_account(row) for row in await s.execute(stmt)]

    async def account_by_number(self, number: str) -> AccountInfo | None:
        stmt = (
            select(*_ACCOUNT_COLUMNS)
            .join(Customer, Customer.id == Account.customer_id)
            .where(Account.number == number.strip())
        )
        async with self.db.read_session() as s:
            row = (await s.execute(stmt)).first()
        return _account(row) if row else None

    async def balance(self, account_id: int) -> Balance:
        stmt = select(Account.balance_kop, Account.debt_kop).where(Account.id == account_id)
        async with self.db.read_session() as s:
            row = (await s.execute(stmt)).first()
        if row is None:
            raise BackendError(f"account {account_id} does not exist")
        return Balance(balance_kop=row.balance_kop, debt_kop=row.debt_kop)

    async def last_payment(self, account_id: int) -> PaymentInfo | None:
        stmt = (
            select(Payment.paid_at, Payment.amount_kop)
            .where(Payment.account_id == account_id)
            .order_by(Payment.paid_at.desc(), Payment.id.desc())
            .limit(1)
        )
        async with self.db.read_session() as s:
            row = (await s.execute(stmt)).first()
        if row is None:
            return None
        return PaymentInfo(paid_on=self._local_date(row.paid_at), amount_kop=row.amount_kop)

    async def last_reading(self, account_id: int, meter: str) -> ReadingInfo | None:
        async with self.db.read_session() as s:
            row = await _latest_reading(s, account_id, meter)
        if row is None:
            return None
        return ReadingInfo(value=row.value, taken_on=self._local_date(row.taken_at))

    async def application_status(self, number: str) -> ApplicationInfo | None:
        stmt = select(Application.number, Application.status, Application.type, Application.due_at)
        async with self.db.read_session() as s:
            row = (await s.execute(stmt.where(Application.number == number.strip()))).first()
        if row is None:
            return None
        due = self._local_date(row.due_at) if row.due_at is not None else None
        return ApplicationInfo(number=row.number, status=row.status, type=row.type, due_on=due)

    # ------------------------------------------------------------------ writes

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
        async with self.db.write_session() as s, s.begin():
            if not self.db.is_sqlite:  # SQLite's BEGIN IMMEDIATE already serialises writers
                await s.execute(select(Account.id).where(Account.id == account_id).with_for_update())
            latest = await _latest_reading(s, account_id, meter)
            previous = latest.value if latest is not None else None
            problem = reading_problem(value, previous, max_increase)
            if problem is not None:
                return ReadingVerdict(problem=problem, previous=previous)
            s.add(MeterReading(account_id=account_id, meter=meter, taken_at=at, value=value, source="ivr"))
            await record_audit(
                s,
                None,
                "meter_reading.ivr",
                "account",
                account_id,
                {"meter": meter, "value": value, "call_id": call_id},
            )
        return ReadingVerdict(problem=None, previous=previous)

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
        """A call-back task plus `callback_status = pending` on the call card, together."""
        async with self.db.write_session() as s, s.begin():
            card_id = await open_call_card(
                self.db,
                call_id=call_id,
                offered_at=at,
                caller_number=phone,
                customer_id=customer_id,
                state="ivr",
                session=s,
            )
            await update_call_card(self.db, call_id, {"callback_status": "pending"}, session=s)
            task = Task(
                kind="callback",
                customer_id=customer_id,
                phone=phone,
                interaction_id=card_id,
                due_at=at,
                notes=topic,
            )
            s.add(task)
            await s.flush()
            await record_audit(
                s,
                None,
                "task.create",
                "task",
                task.id,
                {"kind": "callback", "channel": "ivr", "account_id": account_id},
            )
            return CallbackInfo(task_id=task.id, due_at=at)

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
        """File through the filing service, then link the application to this call's card (created if the
        CTI side has not yet), so the operator who takes the call sees it."""
        if self.filer is None:
            raise BackendError("no application filing service is configured for the IVR")
        body = f"{text}\nТелефон для связи: {phone}" if phone else text
        app_id, number = await self.filer.file(
            customer_id=customer_id, account_id=account_id, type=type, text=body, channel="ivr"
        )
        async with self.db.write_session() as s, s.begin():
            card_id = await open_call_card(
                self.db,
                call_id=call_id,
                offered_at=at,
                caller_number=phone,
                customer_id=customer_id,
                state="ivr",
                session=s,
            )
            s.add(ApplicationInteraction(application_id=app_id, interaction_id=card_id))
        return FiledApplication(application_id=app_id, number=number)

    async def record_session(self, record: IvrSessionRecord) -> None:
        """Write the IVR part of the call card, creating the card if the CTI side has not yet."""
        decision = record.decision
        changes: dict[str, object] = {
            "ivr_path": list(record.path),
            "ivr_identified": _identified(record),
            "self_served": record.outcome == SELF_SERVED,
            "routing_queue": decision.queue if decision else None,
            "routing_reason": _reason(decision) if decision else None,
        }
        async with self.db.write_session() as s, s.begin():
            await open_call_card(
                self.db,
                call_id=record.call_id,
                offered_at=record.started_at,
                caller_number=record.caller,
                customer_id=record.customer_id,
                state="ivr",
                session=s,
            )
            card = (
                await s.execute(
                    select(Interaction.customer_id, Interaction.account_id).where(Interaction.call_id == record.call_id)
                )
            ).one()
            # what the IVR learned fills gaps; it never overwrites what someone else set
            if card.customer_id is None and record.customer_id is not None:
                changes["customer_id"] = record.customer_id
            if card.account_id is None and record.account_id is not None:
                changes["account_id"] = record.account_id
            await update_call_card(self.db, record.call_id, changes, session=s)

    # ------------------------------------------------------------------ statistics input

    async def load_sessions(self, start: datetime, end: datetime) -> list[IvrSessionRecord]:
        """Call cards with an IVR path offered in [start, end), as records for `ivr.stats`."""
        stmt = (
            select(
                Interaction.call_id,
                Interaction.offered_at,
                Interaction.caller_number,
                Interaction.ivr_path,
                Interaction.self_served,
                Interaction.routing_queue,
                Interaction.routing_reason,
                Interaction.customer_id,
                Interaction.account_id,
            )
            .where(Interaction.offered_at >= start, Interaction.offered_at < end)
            .where(Interaction.ivr_path.is_not(None))
        )
        async with self.db.read_session() as s:
            rows = (await s.execute(stmt)).all()
        out = []
        for row in rows:
            if not row.ivr_path:
                continue
            queue = row.routing_queue
            outcome = TRANSFERRED if queue else SELF_SERVED if row.self_served else ABANDONED
            decision = (
                RoutingDecision(queue=queue, priority=0, reason=row.routing_reason or "", rule_id="") if queue else None
            )
            out.append(
                IvrSessionRecord(
                    call_id=row.call_id or "",
                    started_at=row.offered_at,
                    caller=row.caller_number,
                    path=tuple(row.ivr_path),
                    customer_id=row.customer_id,
                    account_id=row.account_id,
                    outcome=outcome,
                    decision=decision,
                )
            )
        return out


async def _latest_reading(s: AsyncSession, account_id: int, meter: str):  # type: ignore[no-untyped-def]
    stmt = (
        select(MeterReading.value, MeterReading.taken_at)
        .where(MeterReading.account_id == account_id, MeterReading.meter == meter)
        .order_by(MeterReading.taken_at.desc(), MeterReading.id.desc())
        .limit(1)
    )
    return (await s.execute(stmt)).first()


def _account(row) -> AccountInfo:  # type: ignore[no-untyped-def]
    return AccountInfo(
        account_id=row.id,
        number=row.number,
        customer_id=row.customer_id,
        segment=row.kind,
        vip=bool(row.vip),
        language=row.language or "ru",
        region=row.region,
        balance_kop=row.balance_kop,
        debt_kop=row.debt_kop,
    )


def _identified(record: IvrSessionRecord) -> str | None:
    if record.identified_by is None:
        return None
    text = record.identified_by
    if record.account_number:
        text = f"{text}:{record.account_number}"
    return text[:IDENTIFIED_LIMIT]


def _reason(decision: RoutingDecision) -> str:
    text = f"{decision.reason} [rule {decision.rule_id}, priority {decision.priority}]"
    return text[:REASON_LIMIT]
