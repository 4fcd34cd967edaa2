"""Reports over the work besides calls: applications (with their SLA) and the dialer's campaigns.

* Applications filed in the period, by type, channel, department queue and status. SLA met: closed no later
  than due; breached: closed after due, or still open past due (as of now); no due time: neither.
* Campaign call attempts started in the period, by campaign, outcome and disposition.
Both are one grouped query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, case, func, or_, select

from .db import Database
from .models import Application, CallAttempt, Campaign, CampaignTarget
from .reports import Period, Table


def _total(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


@dataclass(frozen=True, slots=True, kw_only=True)
class GroupedReport:
    """A report that is one grouped query's rows."""

    period: Period
    table_: Table

    def table(self) -> Table:
        return self.table_

    def to_json(self) -> dict[str, Any]:
        return self.table_.to_json()


APPLICATION_COLUMNS = (
    ("type", "code:application.type"),
    ("channel", "code:channel"),
    ("department_queue", "code:department"),
    ("status", "code:application_status"),
    ("count", "int"),
    ("closed", "int"),
    ("sla_met", "int"),
    ("sla_breached", "int"),
    ("no_due", "int"),
)


def application_report_sync(conn: Connection, period: Period, now: datetime) -> GroupedReport:
    a = Application.__table__.c
    met = and_(a.due_at.is_not(None), a.closed_at.is_not(None), a.closed_at <= a.due_at)
    breached = and_(
        a.due_at.is_not(None),
        or_(and_(a.closed_at.is_not(None), a.closed_at > a.due_at), and_(a.closed_at.is_(None), a.due_at < now)),
    )
    rows = conn.execute(
        select(
            a.type,
            a.channel,
            a.department_queue,
            a.status,
            func.count().label("count"),
            _total(a.closed_at.is_not(None)),
            _total(met),
            _total(breached),
            _total(a.due_at.is_(None)),
        )
        .where(a.created_at >= period.start, a.created_at < period.end)
        .group_by(a.type, a.channel, a.department_queue, a.status)
        .order_by(a.type, a.channel, a.department_queue, a.status)
    )
    table = Table(
        columns=tuple(c for c, _ in APPLICATION_COLUMNS),
        kinds=tuple(k for _, k in APPLICATION_COLUMNS),
        rows=[(r[0], r[1], r[2], r[3], *(int(v) for v in r[4:])) for r in rows],
    )
    return GroupedReport(period=period, table_=table)


async def application_report(db: Database, period: Period, now: datetime) -> GroupedReport:
    return await db.run_read(lambda conn: application_report_sync(conn, period, now))


CAMPAIGN_COLUMNS = (
    ("campaign", "text"),
    ("outcome", "code:outcome"),
    ("disposition", "code:disposition"),
    ("attempts", "int"),
    ("targets", "int"),
    ("promised_kop", "money"),
)


def campaign_report_sync(conn: Connection, period: Period) -> GroupedReport:
    at = CallAttempt.__table__.c
    t = CampaignTarget.__table__.c
    cp = Campaign.__table__.c
    rows = conn.execute(
        select(
            cp.name,
            at.outcome,
            at.disposition,
            func.count().label("attempts"),
            func.count(func.distinct(at.target_id)).label("targets"),
            func.coalesce(func.sum(at.promise_amount_kop), 0).label("promised"),
        )
        .select_from(
            CallAttempt.__table__.join(CampaignTarget.__table__, t.id == at.target_id).join(
                Campaign.__table__, cp.id == t.campaign_id
            )
        )
        .where(at.started_at >= period.start, at.started_at < period.end)
        .group_by(cp.name, at.outcome, at.disposition)
        .order_by(cp.name, at.outcome, at.disposition)
    )
    table = Table(
        columns=tuple(c for c, _ in CAMPAIGN_COLUMNS),
        kinds=tuple(k for _, k in CAMPAIGN_COLUMNS),
        rows=[(r[0], r[1], r[2], int(r[3]), int(r[4]), int(r[5])) for r in rows],
    )
    return GroupedReport(period=period, table_=table)


async def campaign_report(db: Database, period: Period) -> GroupedReport:
    return await db.run_read(lambda conn: campaign_report_sync(conn, period))
