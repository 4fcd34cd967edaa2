"""A campaign's calls: the debtors due, attempts with their outcome, dispositions, promises to pay, wrong
numbers, do-not-call, the reminder outbox, progress figures and the recordings' retention.

The dialer (dialer/service.py) reads `due_debtors`, writes attempts and the debtor's new state; the web
layer writes dispositions; campaign_reports.py reads the figures. Everything returns plain dataclasses.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update

from .db import Database
from .errors import NotFound
from .models import (
    Account,
    CallAttempt,
    CampaignTarget,
    Customer,
    DoNotCall,
    Payment,
    Phone,
    Promise,
    ReminderMessage,
    WrongNumber,
)
from .records import JsonMixin

HISTORY_DAYS = 62  # contacts older than this count against no limit (dialer/debtor.py HISTORY_KEPT)


@dataclass(frozen=True, slots=True, kw_only=True)
class NumberRow:
    e164: str
    kind: str
    primary: bool
    wrong: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ContactRow:
    at: datetime
    talked: bool = False
    reminder: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class DebtorRow:
    """One campaign target with everything the dialer's compliance gate needs."""

    target_id: int
    campaign_id: int
    customer_id: int
    account_id: int
    region: str
    numbers: tuple[NumberRow, ...]
    history: tuple[ContactRow, ...]
    attempts: int
    next_attempt_at: datetime | None
    number: str | None
    promised_on: date | None
    promised_kop: int | None
    callback_at: datetime | None
    closed: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class AttemptRecord(JsonMixin):
    id: int
    campaign_id: int | None
    target_id: int
    customer_id: int | None
    call_id: str | None
    e164: str
    started_at: datetime
    answered_at: datetime | None
    ended_at: datetime | None
    outcome: str | None
    disposition: str | None
    talk_seconds: int | None
    agent_id: int | None
    agent_interface: str | None
    recording: str | None
    promise_amount_kop: int | None
    promise_date: date | None
    callback_at: datetime | None


@dataclass(frozen=True, slots=True, kw_only=True)
class PromiseRecord(JsonMixin):
    id: int
    customer_id: int
    campaign_id: int | None
    amount_kop: int
    promised_on: date
    status: str
    created_at: datetime


def attempt_record(a: CallAttempt) -> AttemptRecord:
    return AttemptRecord(
        id=a.id,
        campaign_id=a.campaign_id,
        target_id=a.target_id,
        customer_id=a.customer_id,
        call_id=a.call_id,
        e164=a.e164,
        started_at=a.started_at,
        answered_at=a.answered_at,
        ended_at=a.ended_at,
        outcome=a.outcome,
        disposition=a.disposition,
        talk_seconds=a.talk_seconds,
        agent_id=a.agent_id,
        agent_interface=a.agent_interface,
        recording=a.recording,
        promise_amount_kop=a.promise_amount_kop,
        promise_date=a.promise_date,
        callback_at=a.callback_at,
    )


def _promise(p: Promise) -> PromiseRecord:
    return PromiseRecord(
        id=p.id,
        customer_id=p.customer_id,
        campaign_id=p.campaign_id,
        amount_kop=p.amount_kop,
        promised_on=p.promised_on,
        status=p.status,
        created_at=p.created_at,
    )


# ------------------------------------------------------------------ the dialer's reads


async def due_debtors(db: Database, campaign_id: int, now: datetime, limit: int = 50) -> list[DebtorRow]:
    """Targets of the campaign that are not closed, not in a call and due by their retry schedule."""
    async with db.read_session() as s:
        targets = list(
            await s.scalars(
                select(CampaignTarget)
                .where(
                    CampaignTarget.campaign_id == campaign_id,
                    CampaignTarget.status == "pending",
                    or_(CampaignTarget.next_attempt_at.is_(None), CampaignTarget.next_attempt_at <= now),
                )
                .order_by(
                    CampaignTarget.next_attempt_at.is_not(None), CampaignTarget.next_attempt_at, CampaignTarget.id
                )
                .limit(limit)
            )
        )
        return await _debtors(s, targets, now)


async def unreached_debtors(db: Database, campaign_id: int, now: datetime, limit: int = 5000) -> list[DebtorRow]:
    """Targets still on the list (not closed, not done) that no call has reached yet: who reminders are for."""
    async with db.read_session() as s:
        targets = list(
            await s.scalars(
                select(CampaignTarget)
                .where(
                    CampaignTarget.campaign_id == campaign_id,
                    CampaignTarget.status == "pending",
                    CampaignTarget.reached_at.is_(None),
                )
                .order_by(CampaignTarget.id)
                .limit(limit)
            )
        )
        return await _debtors(s, targets, now)


async def debtor(db: Database, target_id: int, now: datetime) -> DebtorRow:
    async with db.read_session() as s:
        target = await s.get(CampaignTarget, target_id)
        if target is None:
            raise NotFound(f"no campaign target {target_id}")
        return (await _debtors(s, [target], now))[0]


async def _debtors(s: Any, targets: list[CampaignTarget], now: datetime) -> list[DebtorRow]:
    if not targets:
        return []
    customers = sorted({t.customer_id for t in targets})
    since = now - timedelta(days=HISTORY_DAYS)
    phones: dict[int, list[tuple[str, str, bool]]] = defaultdict(list)
    for r in await s.execute(
        select(Phone.customer_id, Phone.e164, Phone.kind, Phone.is_primary)
        .where(Phone.customer_id.in_(customers))
        .order_by(Phone.id)
    ):
        phones[r[0]].append((r[1], r[2], r[3]))
    wrong: dict[int, set[str]] = defaultdict(set)
    for r in await s.execute(
        select(WrongNumber.customer_id, WrongNumber.e164).where(WrongNumber.customer_id.in_(customers))
    ):
        wrong[r[0]].add(r[1])
    history: dict[int, list[ContactRow]] = defaultdict(list)
    for r in await s.execute(
        select(CallAttempt.customer_id, CallAttempt.started_at, CallAttempt.outcome).where(
            CallAttempt.customer_id.in_(customers), CallAttempt.started_at >= since, CallAttempt.outcome.is_not(None)
        )
    ):
        history[r[0]].append(ContactRow(at=r[1], talked=r[2] == "answered"))
    for r in await s.execute(
        select(ReminderMessage.customer_id, ReminderMessage.at).where(
            ReminderMessage.customer_id.in_(customers), ReminderMessage.at >= since
        )
    ):
        history[r[0]].append(ContactRow(at=r[1], reminder=True))
    promised: dict[int, tuple[date, int]] = {}
    for r in await s.execute(
        select(Promise.customer_id, Promise.promised_on, Promise.amount_kop)
        .where(Promise.customer_id.in_(customers), Promise.status == "pending")
        .order_by(Promise.promised_on)
    ):
        promised[r[0]] = (r[1], r[2])
    rows = []
    for t in targets:
        numbers = tuple(
            NumberRow(e164=e, kind=k, primary=p, wrong=e in wrong[t.customer_id]) for e, k, p in phones[t.customer_id]
        )
        promise = promised.get(t.customer_id)
        rows.append(
            DebtorRow(
                target_id=t.id,
                campaign_id=t.campaign_id,
                customer_id=t.customer_id,
                account_id=t.account_id,
                region=t.region,
                numbers=numbers,
                history=tuple(sorted(history[t.customer_id], key=lambda c: c.at)),
                attempts=t.attempts,
                next_attempt_at=t.next_attempt_at,
                number=t.phone or None,
                promised_on=promise[0] if promise else None,
                promised_kop=promise[1] if promise else None,
                callback_at=t.callback_at,
                closed=t.closed,
            )
        )
    return rows


@dataclass(frozen=True, slots=True, kw_only=True)
class TargetCard(JsonMixin):
    """What a preview card shows before the operator dials."""

    target_id: int
    customer_id: int
    full_name: str
    account: str
    debt_kop: int
    region: str


async def target_card(db: Database, target_id: int) -> TargetCard:
    async with db.read_session() as s:
        row = (
            await s.execute(
                select(CampaignTarget, Customer.full_name, Account.number, Account.debt_kop)
                .join(Customer, Customer.id == CampaignTarget.customer_id)
                .join(Account, Account.id == CampaignTarget.account_id)
                .where(CampaignTarget.id == target_id)
            )
        ).first()
    if row is None:
        raise NotFound(f"no campaign target {target_id}")
    t, name, number, debt = row
    return TargetCard(
        target_id=t.id, customer_id=t.customer_id, full_name=name, account=number, debt_kop=debt, region=t.region
    )


async def do_not_call_numbers(db: Database) -> frozenset[str]:
    async with db.read_session() as s:
        return frozenset(await s.scalars(select(DoNotCall.e164)))


# ------------------------------------------------------------------ the dialer's writes


async def open_attempt(
    db: Database, *, target_id: int, call_id: str, e164: str, started_at: datetime, agent_id: int | None = None
) -> int:
    """The attempt row, written before the Originate goes out (its id is the call's correlation)."""
    async with db.write_session() as s, s.begin():
        target = await s.get(CampaignTarget, target_id)
        if target is None:
            raise NotFound(f"no campaign target {target_id}")
        target.status = "in_progress"
        target.attempts += 1
        target.phone = e164
        row = CallAttempt(
            target_id=target_id,
            campaign_id=target.campaign_id,
            customer_id=target.customer_id,
            call_id=call_id,
            e164=e164,
            started_at=started_at,
            agent_id=agent_id,
        )
        s.add(row)
        await s.flush()
        return row.id


async def finish_attempt(
    db: Database,
    attempt_id: int,
    *,
    outcome: str,
    ended_at: datetime,
    answered_at: datetime | None = None,
    talk_seconds: int | None = None,
    agent_interface: str | None = None,
    agent_id: int | None = None,
) -> None:
    async with db.write_session() as s, s.begin():
        row = await s.get(CallAttempt, attempt_id)
        if row is None:
            raise NotFound(f"no attempt {attempt_id}")
        row.outcome, row.ended_at = outcome, ended_at
        row.answered_at = answered_at or row.answered_at
        row.talk_seconds = talk_seconds
        row.agent_interface = agent_interface or row.agent_interface
        row.agent_id = agent_id or row.agent_id
        target = await s.get(CampaignTarget, row.target_id)
        if target is not None:
            target.last_result = outcome
            if outcome == "answered" and target.reached_at is None:
                target.reached_at = ended_at


async def note_recording(db: Database, attempt_id: int, file: str, answered_at: datetime) -> None:
    async with db.write_session() as s, s.begin():
        await s.execute(
            update(CallAttempt).where(CallAttempt.id == attempt_id).values(recording=file, answered_at=answered_at)
        )


async def save_debtor_state(
    db: Database,
    target_id: int,
    *,
    next_attempt_at: datetime | None,
    number: str | None,
    closed: str | None,
    callback_at: datetime | None,
    exhausted: bool,
) -> None:
    """The debtor's state after an event (dialer/debtor.py): due again at `next_attempt_at`, or done."""
    async with db.write_session() as s, s.begin():
        target = await s.get(CampaignTarget, target_id)
        if target is None:
            return
        target.next_attempt_at = next_attempt_at
        target.callback_at = callback_at
        if number:
            target.phone = number
        target.closed = closed
        target.status = "done" if closed or exhausted else "pending"


async def defer(db: Database, target_id: int, until: datetime | None) -> None:
    """Compliance said not now: ask again at `until` (None: not by waiting, so the debtor is done)."""
    async with db.write_session() as s, s.begin():
        values: dict[str, Any] = {"next_attempt_at": until} if until else {"status": "done"}
        await s.execute(update(CampaignTarget).where(CampaignTarget.id == target_id).values(**values))


async def release_in_progress(db: Database) -> int:
    """At start-up: targets left in a call by a stop in the middle go back to the list."""
    async with db.write_session() as s, s.begin():
        result = await s.execute(
            update(CampaignTarget).where(CampaignTarget.status == "in_progress").values(status="pending")
        )
        return int(result.rowcount or 0)  # type: ignore[attr-defined]


async def queue_reminder(
    db: Database, *, customer_id: int, campaign_id: int | None, e164: str, kind: str, text: str, at: datetime
) -> None:
    async with db.write_session() as s, s.begin():
        s.add(
            ReminderMessage(
                customer_id=customer_id, campaign_id=campaign_id, e164=e164, kind=kind, text=text[:1000], at=at
            )
        )


# ------------------------------------------------------------------ dispositions


async def get_attempt(db: Database, attempt_id: int) -> AttemptRecord:
    async with db.read_session() as s:
        row = await s.get(CallAttempt, attempt_id)
        if row is None:
            raise NotFound(f"no attempt {attempt_id}")
        return attempt_record(row)


async def attempt_of_call(db: Database, call_id: str) -> AttemptRecord | None:
    async with db.read_session() as s:
        row = await s.scalar(select(CallAttempt).where(CallAttempt.call_id == call_id).limit(1))
        return attempt_record(row) if row else None


async def dispose(
    db: Database,
    attempt_id: int,
    *,
    disposition: str,
    by_user_id: int | None,
    amount_kop: int | None = None,
    promised_on: date | None = None,
    callback_at: datetime | None = None,
) -> AttemptRecord:
    """The operator's result of a campaign call: on the attempt, with a promise row or a wrong number."""
    async with db.write_session() as s, s.begin():
        row = await s.get(CallAttempt, attempt_id)
        if row is None:
            raise NotFound(f"no attempt {attempt_id}")
        row.disposition = disposition
        row.agent_id = row.agent_id or by_user_id
        row.callback_at = callback_at
        target = await s.get(CampaignTarget, row.target_id)
        if disposition == "promise_to_pay" and amount_kop is not None and promised_on is not None:
            row.promise_amount_kop, row.promise_date = amount_kop, promised_on
            s.add(
                Promise(
                    customer_id=row.customer_id,
                    account_id=target.account_id if target else None,
                    attempt_id=row.id,
                    campaign_id=row.campaign_id,
                    amount_kop=amount_kop,
                    promised_on=promised_on,
                )
            )
        if disposition == "wrong_number" and row.customer_id is not None and row.e164:
            exists = await s.get(WrongNumber, (row.customer_id, row.e164))
            if exists is None:
                s.add(WrongNumber(customer_id=row.customer_id, e164=row.e164))
        return attempt_record(row)


async def promises_of(db: Database, customer_id: int) -> list[PromiseRecord]:
    async with db.read_session() as s:
        rows = await s.scalars(
            select(Promise).where(Promise.customer_id == customer_id).order_by(Promise.created_at.desc()).limit(20)
        )
        return [_promise(p) for p in rows]


async def settle_promises(db: Database, today: date, grace_days: int = 1) -> tuple[int, int]:
    """Pending promises whose date (plus grace) has passed: kept when the customer's accounts received at least
    the promised amount since the promise was given, broken otherwise. Returns (kept, broken)."""
    kept = broken = 0
    async with db.write_session() as s, s.begin():
        due = list(
            await s.scalars(
                select(Promise).where(
                    Promise.status == "pending", Promise.promised_on <= today - timedelta(days=grace_days)
                )
            )
        )
        for p in due:
            paid = await s.scalar(
                select(func.coalesce(func.sum(Payment.amount_kop), 0))
                .join(Account, Account.id == Payment.account_id)
                .where(Account.customer_id == p.customer_id, Payment.paid_at >= p.created_at)
            )
            if int(paid or 0) >= p.amount_kop:
                p.status, kept = "kept", kept + 1
            else:
                p.status, broken = "broken", broken + 1
    return kept, broken


# ------------------------------------------------------------------ do-not-call, outbox


@dataclass(frozen=True, slots=True, kw_only=True)
class DoNotCallEntry(JsonMixin):
    e164: str
    reason: str
    added_at: datetime


async def add_do_not_call(db: Database, e164: str, reason: str = "") -> None:
    async with db.write_session() as s, s.begin():
        if await s.get(DoNotCall, e164) is None:
            s.add(DoNotCall(e164=e164, reason=reason[:200]))


async def remove_do_not_call(db: Database, e164: str) -> bool:
    async with db.write_session() as s, s.begin():
        result = await s.execute(delete(DoNotCall).where(DoNotCall.e164 == e164))
        return bool(result.rowcount)  # type: ignore[attr-defined]


async def list_do_not_call(db: Database, limit: int = 500) -> list[DoNotCallEntry]:
    async with db.read_session() as s:
        rows = await s.scalars(select(DoNotCall).order_by(DoNotCall.added_at.desc()).limit(limit))
        return [DoNotCallEntry(e164=r.e164, reason=r.reason, added_at=r.added_at) for r in rows]


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxEntry(JsonMixin):
    id: int
    customer_id: int
    campaign_id: int | None
    e164: str
    kind: str
    text: str
    at: datetime
    status: str


async def outbox(db: Database, limit: int = 200) -> list[OutboxEntry]:
    async with db.read_session() as s:
        rows = await s.scalars(select(ReminderMessage).order_by(ReminderMessage.at.desc()).limit(limit))
        return [
            OutboxEntry(
                id=r.id,
                customer_id=r.customer_id,
                campaign_id=r.campaign_id,
                e164=r.e164,
                kind=r.kind,
                text=r.text,
                at=r.at,
                status=r.status,
            )
            for r in rows
        ]


async def purge_recordings(db: Database, before: datetime) -> list[str]:
    """Forget recordings of attempts that started before `before`; returns their files for deletion."""
    async with db.write_session() as s, s.begin():
        rows = list(
            await s.execute(
                select(CallAttempt.id, CallAttempt.recording).where(
                    CallAttempt.recording.is_not(None), CallAttempt.started_at < before
                )
            )
        )
        if rows:
            await s.execute(update(CallAttempt).where(CallAttempt.id.in_([r[0] for r in rows])).values(recording=None))
        return [r[1] for r in rows if r[1]]
