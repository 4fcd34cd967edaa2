"""A customer's history as one newest-first timeline: calls, applications and their status changes,
payments, meter readings and adjustments.

One read unit (`Database.run_read`): the customer and their account ids, then one statement per kind, each
asking only for the newest `limit` rows before the cursor and each served by an index —
interactions(customer_id, offered_at), applications(customer_id, …), application_status_history
(application_id), payments / meter_readings / adjustments(account_id, time). The union of the per-kind
pages holds the newest `limit` items overall, which are merged in Python.

Paging: items are ordered by (at, kind, id), newest first, and `TimelineItem.cursor` names an item's
place in that order; pass the last item's cursor as `before` for the next page, so items sharing a
timestamp are never skipped or repeated across pages. A plain datetime is accepted too (strictly older).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, and_, or_, select, true

from .db import Database
from .errors import NotFound
from .models import (
    Account,
    Adjustment,
    Application,
    ApplicationStatusChange,
    Customer,
    Interaction,
    MeterReading,
    Payment,
)
from .records import JsonMixin
from .vocabulary import Direction

DEFAULT_LIMIT = 200
MAX_LIMIT = 1000

CALL = "call"
APPLICATION = "application"
APPLICATION_STATUS = "application_status"
PAYMENT = "payment"
READING = "reading"
ADJUSTMENT = "adjustment"
KINDS = (CALL, APPLICATION, APPLICATION_STATUS, PAYMENT, READING, ADJUSTMENT)


@dataclass(frozen=True, slots=True, kw_only=True)
class TimelineItem(JsonMixin):
    """One event of a customer's history. Codes (`code`, `topic`, `result`, `status`) are data for the UI
    to translate; `title` and `summary` are text from the records themselves.

    kind                 at              title                      summary            code
    call                 offered_at      queue or the other number  notes              outcome (answered, abandoned…)
    application          created_at      application number         application text   application type
    application_status   changed at      application number         comment            new status
    payment              paid_at         account number             ""                 method (card, bank…)
    reading              taken_at        account number             ""                 meter (electricity…)
    adjustment           made_at         account number             reason             None
    """

    kind: str
    at: datetime
    id: int  # the row's id in its own table (interaction, application, status change, payment, …)
    title: str = ""
    summary: str = ""
    code: str | None = None
    status: str | None = None  # application: its current status; application_status: the new status
    account_id: int | None = None
    application_id: int | None = None
    interaction_id: int | None = None
    amount_kop: int | None = None  # payment, adjustment (negative lowers the bill)
    value: int | None = None  # reading
    direction: str | None = None  # call: inbound | outbound
    topic: str | None = None  # call
    result: str | None = None  # call
    agent_id: int | None = None  # call; the user who changed an application's status
    talk_seconds: int | None = None  # call
    source: str | None = None  # reading: customer | ivr | operator | web | inspector; application: channel

    @property
    def cursor(self) -> str:
        return f"{self.at.astimezone(UTC).isoformat()}|{self.kind}|{self.id}"

    def to_json(self) -> dict[str, Any]:
        data = JsonMixin.to_json(self)
        data["cursor"] = self.cursor
        return data


@dataclass(frozen=True, slots=True, kw_only=True)
class Cursor:
    at: datetime
    kind: str
    id: int


def parse_cursor(value: str) -> Cursor:
    """The inverse of `TimelineItem.cursor`; ValueError for anything else."""
    try:
        at_text, kind, id_text = value.split("|")
        at = datetime.fromisoformat(at_text)
        item_id = int(id_text)
    except ValueError:
        raise ValueError(f"not a timeline cursor: {value!r}") from None
    if kind not in KINDS or at.tzinfo is None:
        raise ValueError(f"not a timeline cursor: {value!r}")
    return Cursor(at=at, kind=kind, id=item_id)


def _order_key(item: TimelineItem) -> tuple[datetime, str, int]:
    return (item.at, item.kind, item.id)


def _older(kind: str, at: Any, row_id: Any, before: Cursor | datetime | None) -> ColumnElement[bool]:
    """SQL for "comes after `before` in the newest-first (at, kind, id) order" for rows of one kind."""
    if before is None:
        return true()
    if isinstance(before, datetime):
        return at < before
    if kind < before.kind:
        return at <= before.at
    if kind > before.kind:
        return at < before.at
    return or_(at < before.at, and_(at == before.at, row_id < before.id))


def _calls(conn: Connection, cid: int, accounts: dict[int, str], before: Any, limit: int) -> list[TimelineItem]:
    i = Interaction
    stmt = (
        select(
            i.id,
            i.offered_at,
            i.direction,
            i.queue,
            i.caller_number,
            i.called_number,
            i.outcome,
            i.state,
            i.topic,
            i.result,
            i.notes,
            i.agent_id,
            i.talk_seconds,
            i.account_id,
        )
        .where(i.customer_id == cid, _older(CALL, i.offered_at, i.id, before))
        .order_by(i.offered_at.desc(), i.id.desc())
        .limit(limit)
    )
    items = []
    for r in conn.execute(stmt):
        other = r.called_number if r.direction == Direction.OUTBOUND else r.caller_number
        items.append(
            TimelineItem(
                kind=CALL,
                at=r.offered_at,
                id=r.id,
                title=r.queue or other or "",
                summary=r.notes or "",
                code=r.outcome or r.state,
                account_id=r.account_id,
                interaction_id=r.id,
                direction=r.direction,
                topic=r.topic,
                result=r.result,
                agent_id=r.agent_id,
                talk_seconds=r.talk_seconds,
            )
        )
    return items


def _applications(conn: Connection, cid: int, accounts: dict[int, str], before: Any, limit: int) -> list[TimelineItem]:
    a = Application
    stmt = (
        select(a.id, a.created_at, a.number, a.type, a.text, a.status, a.account_id, a.channel)
        .where(a.customer_id == cid, _older(APPLICATION, a.created_at, a.id, before))
        .order_by(a.created_at.desc(), a.id.desc())
        .limit(limit)
    )
    return [
        TimelineItem(
            kind=APPLICATION,
            at=r.created_at,
            id=r.id,
            title=r.number,
            summary=r.text or "",
            code=r.type,
            status=r.status,
            account_id=r.account_id,
            application_id=r.id,
            source=r.channel,
        )
        for r in conn.execute(stmt)
    ]


def _status_changes(
    conn: Connection, cid: int, accounts: dict[int, str], before: Any, limit: int
) -> list[TimelineItem]:
    a, h = Application, ApplicationStatusChange
    stmt = (
        select(h.id, h.at, h.status, h.comment, h.by_user_id, a.id.label("application_id"), a.number, a.account_id)
        .join(a, a.id == h.application_id)
        .where(
            a.customer_id == cid,
            # Filing an application records its first "new": the application item already says that.
            ~and_(h.status == "new", h.at == a.created_at),
            _older(APPLICATION_STATUS, h.at, h.id, before),
        )
        .order_by(h.at.desc(), h.id.desc())
        .limit(limit)
    )
    return [
        TimelineItem(
            kind=APPLICATION_STATUS,
            at=r.at,
            id=r.id,
            title=r.number,
            summary=r.comment or "",
            code=r.status,
            status=r.status,
            account_id=r.account_id,
            application_id=r.application_id,
            agent_id=r.by_user_id,
        )
        for r in conn.execute(stmt)
    ]


def _payments(conn: Connection, cid: int, accounts: dict[int, str], before: Any, limit: int) -> list[TimelineItem]:
    if not accounts:
        return []
    p = Payment
    stmt = (
        select(p.id, p.paid_at, p.account_id, p.amount_kop, p.method)
        .where(p.account_id.in_(list(accounts)), _older(PAYMENT, p.paid_at, p.id, before))
        .order_by(p.paid_at.desc(), p.id.desc())
        .limit(limit)
    )
    return [
        TimelineItem(
            kind=PAYMENT,
            at=r.paid_at,
            id=r.id,
            title=accounts[r.account_id],
            code=r.method,
            account_id=r.account_id,
            amount_kop=r.amount_kop,
        )
        for r in conn.execute(stmt)
    ]


def _readings(conn: Connection, cid: int, accounts: dict[int, str], before: Any, limit: int) -> list[TimelineItem]:
    if not accounts:
        return []
    m = MeterReading
    stmt = (
        select(m.id, m.taken_at, m.account_id, m.meter, m.value, m.source)
        .where(m.account_id.in_(list(accounts)), _older(READING, m.taken_at, m.id, before))
        .order_by(m.taken_at.desc(), m.id.desc())
        .limit(limit)
    )
    return [
        TimelineItem(
            kind=READING,
            at=r.taken_at,
            id=r.id,
            title=accounts[r.account_id],
            code=r.meter,
            account_id=r.account_id,
            value=r.value,
            source=r.source,
        )
        for r in conn.execute(stmt)
    ]


def _adjustments(conn: Connection, cid: int, accounts: dict[int, str], before: Any, limit: int) -> list[TimelineItem]:
    if not accounts:
        return []
    j = Adjustment
    stmt = (
        select(j.id, j.made_at, j.account_id, j.amount_kop, j.reason)
        .where(j.account_id.in_(list(accounts)), _older(ADJUSTMENT, j.made_at, j.id, before))
        .order_by(j.made_at.desc(), j.id.desc())
        .limit(limit)
    )
    return [
        TimelineItem(
            kind=ADJUSTMENT,
            at=r.made_at,
            id=r.id,
            title=accounts[r.account_id],
            summary=r.reason or "",
            account_id=r.account_id,
            amount_kop=r.amount_kop,
        )
        for r in conn.execute(stmt)
    ]


_SOURCES: dict[str, Callable[[Connection, int, dict[int, str], Any, int], list[TimelineItem]]] = {
    CALL: _calls,
    APPLICATION: _applications,
    APPLICATION_STATUS: _status_changes,
    PAYMENT: _payments,
    READING: _readings,
    ADJUSTMENT: _adjustments,
}


def timeline_sync(
    conn: Connection, customer_id: int, limit: int, before: Cursor | datetime | None, kinds: Sequence[str]
) -> list[TimelineItem]:
    if conn.execute(select(Customer.id).where(Customer.id == customer_id)).first() is None:
        raise NotFound(f"customer {customer_id} does not exist")
    accounts = {
        r.id: r.number
        for r in conn.execute(select(Account.id, Account.number).where(Account.customer_id == customer_id))
    }
    items: list[TimelineItem] = []
    for kind in kinds:
        items.extend(_SOURCES[kind](conn, customer_id, accounts, before, limit))
    items.sort(key=_order_key, reverse=True)
    return items[:limit]


async def customer_timeline(
    db: Database,
    customer_id: int,
    limit: int = DEFAULT_LIMIT,
    before: Cursor | datetime | str | None = None,
    *,
    kinds: Sequence[str] = KINDS,
) -> list[TimelineItem]:
    """The newest `limit` events of a customer's history older than `before` (a cursor, its string form
    or an aware datetime), newest first. `kinds` narrows the timeline (e.g. only calls and payments)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise ValueError(f"limit must be between 1 and {MAX_LIMIT}, got {limit}")
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        raise ValueError(f"unknown timeline kind(s) {unknown}; known: {list(KINDS)}")
    if isinstance(before, str):
        before = parse_cursor(before)
    if isinstance(before, datetime) and before.tzinfo is None:
        raise ValueError("before must be an aware datetime")
    if isinstance(before, Cursor) and before.at.tzinfo is None:
        raise ValueError("the cursor's time must be aware")
    chosen = [k for k in KINDS if k in kinds]
    return await db.run_read(lambda conn: timeline_sync(conn, customer_id, limit, before, chosen))


__all__ = [
    "ADJUSTMENT",
    "APPLICATION",
    "APPLICATION_STATUS",
    "CALL",
    "DEFAULT_LIMIT",
    "KINDS",
    "MAX_LIMIT",
    "PAYMENT",
    "READING",
    "Cursor",
    "TimelineItem",
    "customer_timeline",
    "parse_cursor",
    "timeline_sync",
]
