"""A campaign's figures for the supervisor: progress, per hour, the debtors not reached yet, the latest attempts.

Read-only over the tables campaign_calls.py writes; plain dataclasses out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from .campaign_calls import AttemptRecord, attempt_record
from .db import Database
from .errors import NotFound
from .models import Account, CallAttempt, Campaign, CampaignTarget, Customer, Promise
from .records import JsonMixin


@dataclass(frozen=True, slots=True, kw_only=True)
class Progress(JsonMixin):
    campaign_id: int
    name: str
    status: str
    total: int
    dialled: int
    reached: int
    closed: int
    promises: int
    promised_kop: int
    answered: int
    abandoned: int
    promises_kept: int = 0
    promises_broken: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class HourFigures(JsonMixin):
    """One hour of a campaign (UTC hour start): what the supervisor's per-hour table shows."""

    hour: datetime
    dialled: int
    reached: int
    abandoned: int
    promises: int
    promised_kop: int


async def progress(db: Database, campaign_id: int) -> Progress:
    async with db.read_session() as s:
        c = await s.get(Campaign, campaign_id)
        if c is None:
            raise NotFound(f"no campaign {campaign_id}")
        t = CampaignTarget
        total, dialled, reached, closed = (
            await s.execute(
                select(
                    func.count(),
                    func.count().filter(t.attempts > 0),
                    func.count().filter(t.reached_at.is_not(None)),
                    func.count().filter(t.closed.is_not(None)),
                ).where(t.campaign_id == campaign_id)
            )
        ).one()
        promises, promised, kept, broken = (
            await s.execute(
                select(
                    func.count(),
                    func.coalesce(func.sum(Promise.amount_kop), 0),
                    func.count().filter(Promise.status == "kept"),
                    func.count().filter(Promise.status == "broken"),
                ).where(Promise.campaign_id == campaign_id)
            )
        ).one()
        answered, abandoned = (
            await s.execute(
                select(
                    func.count().filter(CallAttempt.outcome.in_(("answered", "abandoned"))),
                    func.count().filter(CallAttempt.outcome == "abandoned"),
                ).where(CallAttempt.campaign_id == campaign_id)
            )
        ).one()
    return Progress(
        campaign_id=campaign_id,
        name=c.name,
        status=c.status,
        total=int(total),
        dialled=int(dialled),
        reached=int(reached),
        closed=int(closed),
        promises=int(promises),
        promised_kop=int(promised),
        answered=int(answered),
        abandoned=int(abandoned),
        promises_kept=int(kept),
        promises_broken=int(broken),
    )


async def per_hour(db: Database, campaign_id: int, since: datetime) -> list[HourFigures]:
    """Attempts since `since` by the hour they started: dialled, reached, abandoned, promises given."""
    async with db.read_session() as s:
        rows = list(
            await s.execute(
                select(CallAttempt.started_at, CallAttempt.outcome, CallAttempt.promise_amount_kop).where(
                    CallAttempt.campaign_id == campaign_id, CallAttempt.started_at >= since
                )
            )
        )
    hours: dict[datetime, list[int]] = {}
    for started, outcome, promised in rows:
        figures = hours.setdefault(started.replace(minute=0, second=0, microsecond=0), [0, 0, 0, 0, 0])
        figures[0] += 1
        figures[1] += outcome == "answered"
        figures[2] += outcome == "abandoned"
        if promised:
            figures[3] += 1
            figures[4] += promised
    return [
        HourFigures(hour=h, dialled=f[0], reached=f[1], abandoned=f[2], promises=f[3], promised_kop=f[4])
        for h, f in sorted(hours.items())
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class NotReached(JsonMixin):
    target_id: int
    customer_id: int
    full_name: str
    account: str
    phone: str
    debt_kop: int
    attempts: int
    last_result: str | None
    next_attempt_at: datetime | None


async def not_reached(db: Database, campaign_id: int, limit: int = 1000) -> list[NotReached]:
    async with db.read_session() as s:
        rows = await s.execute(
            select(CampaignTarget, Customer.full_name, Account.number)
            .join(Customer, Customer.id == CampaignTarget.customer_id)
            .join(Account, Account.id == CampaignTarget.account_id)
            .where(CampaignTarget.campaign_id == campaign_id, CampaignTarget.reached_at.is_(None))
            .order_by(CampaignTarget.debt_kop.desc(), CampaignTarget.id)
            .limit(limit)
        )
        return [
            NotReached(
                target_id=t.id,
                customer_id=t.customer_id,
                full_name=name,
                account=number,
                phone=t.phone,
                debt_kop=t.debt_kop,
                attempts=t.attempts,
                last_result=t.last_result,
                next_attempt_at=t.next_attempt_at,
            )
            for t, name, number in rows
        ]


async def attempts_of(db: Database, campaign_id: int, limit: int = 200) -> list[AttemptRecord]:
    async with db.read_session() as s:
        rows = await s.scalars(
            select(CallAttempt)
            .where(CallAttempt.campaign_id == campaign_id)
            .order_by(CallAttempt.started_at.desc(), CallAttempt.id.desc())
            .limit(limit)
        )
        return [attempt_record(a) for a in rows]
