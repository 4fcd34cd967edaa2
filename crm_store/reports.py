"""Reports over any period, aggregated in the database: queues by interval and the abandoned calls.

Every report is one or two grouped queries (GROUP BY in SQL, over indexed periods); Python only folds the
grouped rows (at most a few thousand), never the call cards. The queue figures use the wallboard's definitions
(crm_store/stats.py: what counts as offered, answered, abandoned, short, within the service level), so a
report of today agrees with the wallboard.

Intervals are in the contact center's local time. The database groups the cards by 15-minute bucket of UTC
time (whole seconds since the epoch, floor-divided by 900: the only date arithmetic, written for SQLite and
PostgreSQL each); every time zone's offset is a multiple of 15 minutes, so each UTC bucket lies wholly in one
local quarter-hour, hour and day, and Python merges the buckets into the chosen interval exactly — across
midnight and across a change of daylight-saving time alike.

The other reports live beside this one: operators (reports_operators.py), applications and campaigns
(reports_work.py); they share the period, the table shape and the epoch expression defined here.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import BigInteger, Connection, Integer, and_, case, cast, func, select

from . import stats as st
from .db import Database
from .models import Customer, Interaction

BUCKET_SECONDS = 900  # 15 minutes: every zone's UTC offset is a multiple of it
ABANDONED_PAGE_SIZE = 50


class Step(enum.StrEnum):
    """The length of a queue report's interval, as the user picks it."""

    QUARTER = "15min"
    HOUR = "hour"
    DAY = "day"


@dataclass(frozen=True, slots=True, kw_only=True)
class Period:
    """[start, end) in the center's time zone `tz` (the intervals and the shown times are local)."""

    start: datetime
    end: datetime
    tz: ZoneInfo

    @classmethod
    def of_days(cls, first: Any, last: Any, tz: ZoneInfo) -> Period:
        """The local days `first` to `last`, both included (dates)."""
        start = datetime.combine(first, time(0), tzinfo=tz).astimezone(UTC)
        end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=tz).astimezone(UTC)
        return cls(start=start, end=end, tz=tz)


@dataclass(frozen=True, slots=True, kw_only=True)
class Table:
    """A report as rows: what the page shows and the exports write. `columns` are codes (their titles are
    the interface strings `reports.col.<code>`); `kinds` say how to show a column (`int`, `seconds`, `pct`,
    `time`, `text`, or `code:<prefix>` for a code labelled by `<prefix>.<code>`)."""

    columns: tuple[str, ...]
    kinds: tuple[str, ...]
    rows: list[tuple[Any, ...]]

    def to_json(self) -> dict[str, Any]:
        return {
            "columns": [{"code": c, "kind": k} for c, k in zip(self.columns, self.kinds, strict=True)],
            "rows": [[_json_cell(v) for v in row] for row in self.rows],
        }


def _json_cell(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def epoch_seconds(conn: Connection, column: Any) -> Any:
    """Whole seconds since the epoch of a stored UTC timestamp, in SQL (the one thing the backends spell
    differently: SQLite keeps the timestamp as ISO text, PostgreSQL as a timestamptz)."""
    if conn.dialect.name == "sqlite":
        return cast(func.strftime("%s", column), Integer)
    return cast(func.floor(func.extract("epoch", column)), BigInteger)


def bucket_of(conn: Connection, column: Any) -> Any:
    """The 15-minute UTC bucket a timestamp falls in (floor division of its epoch seconds)."""
    if conn.dialect.name == "sqlite":
        # `//`: SQLAlchemy 2 renders `/` as true division (a REAL), which would make each card its own bucket.
        return epoch_seconds(conn, column) // BUCKET_SECONDS
    return cast(func.floor(func.extract("epoch", column) / BUCKET_SECONDS), BigInteger)


def interval_start(bucket: int, step: Step, tz: ZoneInfo) -> datetime:
    """The start of the local `step` interval holding the UTC bucket, as a UTC instant (kept in UTC: two local
    02:00s of a daylight-saving change are equal as local datetimes of one zone, but not as instants)."""
    at = datetime.fromtimestamp(bucket * BUCKET_SECONDS, UTC)
    local = at.astimezone(tz)
    if step is Step.QUARTER:
        return at
    if step is Step.HOUR:
        return at - timedelta(minutes=local.minute)  # subtracted in UTC: each hour keeps its own offset
    return datetime.combine(local.date(), time(0), tzinfo=tz).astimezone(UTC)


# ------------------------------------------------------------------------------------------- queues


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueFigures:
    counts: st.Counts = st.ZERO
    longest_wait: int = 0

    def __add__(self, other: QueueFigures) -> QueueFigures:
        return QueueFigures(counts=self.counts + other.counts, longest_wait=max(self.longest_wait, other.longest_wait))


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueReport:
    period: Period
    step: Step
    intervals: Mapping[tuple[datetime, str], QueueFigures]  # (interval start in UTC, queue)
    queues: Mapping[str, QueueFigures] = field(default_factory=dict)  # the whole period

    COLUMNS = (
        ("interval", "time"),
        ("queue", "code:queue"),
        ("offered", "int"),
        ("answered", "int"),
        ("abandoned", "int"),
        ("short_abandoned", "int"),
        ("service_level", "pct"),
        ("asa_seconds", "seconds"),
        ("aht_seconds", "seconds"),
        ("longest_wait", "seconds"),
    )

    @staticmethod
    def _cells(figures: QueueFigures) -> tuple[Any, ...]:
        c = figures.counts
        return (
            c.offered,
            c.answered,
            c.abandoned,
            c.short_abandoned,
            _round(c.service_level),
            _round(c.asa_seconds),
            _round(c.aht_seconds),
            figures.longest_wait,
        )

    def table(self) -> Table:
        rows = [
            (at.astimezone(self.period.tz), queue, *self._cells(f)) for (at, queue), f in sorted(self.intervals.items())
        ]
        return Table(columns=tuple(c for c, _ in self.COLUMNS), kinds=tuple(k for _, k in self.COLUMNS), rows=rows)

    def chart(self) -> dict[str, Any]:
        """All queues together per interval: what the page draws."""
        totals: dict[datetime, QueueFigures] = {}
        for (at, _queue), figures in self.intervals.items():
            totals[at] = totals.get(at, QueueFigures()) + figures
        order = sorted(totals)
        return {
            "x": [int(at.timestamp()) for at in order],
            "offered": [totals[at].counts.offered for at in order],
            "answered": [totals[at].counts.answered for at in order],
            "abandoned": [totals[at].counts.abandoned for at in order],
            "service_level": [_round(totals[at].counts.service_level) for at in order],
        }

    def to_json(self) -> dict[str, Any]:
        return {
            **self.table().to_json(),
            "step": self.step.value,
            "chart": self.chart(),
            "totals": [
                {"queue": q, **f.counts.to_json(), "longest_wait": f.longest_wait}
                for q, f in sorted(self.queues.items())
            ],
        }


def queue_report_sync(
    conn: Connection,
    period: Period,
    step: Step,
    *,
    service_levels: Mapping[str, int] | None = None,
    default_service_level: int = st.DEFAULT_SERVICE_LEVEL_SECONDS,
) -> QueueReport:
    c = Interaction.__table__.c
    levels = dict(service_levels or {})
    threshold: Any = case(levels, value=c.queue, else_=default_service_level) if levels else default_service_level
    answered = c.answered_at.is_not(None)
    abandoned = and_(c.answered_at.is_(None), c.outcome == st.ABANDONED)
    bucket = bucket_of(conn, c.offered_at).label("bucket")
    longest = func.coalesce(func.max(case((answered | abandoned, c.wait_seconds), else_=None)), 0).label("longest")
    rows = conn.execute(
        select(c.queue, bucket, longest, *st._queue_columns(threshold))  # the wallboard's definitions
        .where(c.offered_at >= period.start, c.offered_at < period.end, c.queue.is_not(None))
        .group_by(c.queue, bucket)
    ).mappings()
    intervals: dict[tuple[datetime, str], QueueFigures] = {}
    queues: dict[str, QueueFigures] = {}
    names = st._COUNT_FIELDS
    for r in rows:
        figures = QueueFigures(counts=st.Counts(**{n: int(r[n]) for n in names}), longest_wait=int(r["longest"] or 0))
        key = (interval_start(int(r["bucket"]), step, period.tz), r["queue"])
        intervals[key] = intervals.get(key, QueueFigures()) + figures
        queues[r["queue"]] = queues.get(r["queue"], QueueFigures()) + figures
    return QueueReport(period=period, step=step, intervals=intervals, queues=queues)


async def queue_report(
    db: Database,
    period: Period,
    step: Step,
    *,
    service_levels: Mapping[str, int] | None = None,
    default_service_level: int = st.DEFAULT_SERVICE_LEVEL_SECONDS,
) -> QueueReport:
    return await db.run_read(
        lambda conn: queue_report_sync(
            conn, period, step, service_levels=service_levels, default_service_level=default_service_level
        )
    )


# ------------------------------------------------------------------------------------------- abandoned calls


@dataclass(frozen=True, slots=True, kw_only=True)
class AbandonedPage:
    period: Period
    total: int
    page: int
    page_size: int
    rows: Sequence[tuple[Any, ...]]

    COLUMNS = (
        ("offered_at", "time"),
        ("queue", "code:queue"),
        ("caller_number", "phone"),
        ("wait_seconds", "seconds"),
        ("short", "bool"),
        ("customer_id", "customer"),
        ("customer_name", "text"),
    )

    def table(self) -> Table:
        local = [(r[0].astimezone(self.period.tz), *r[1:]) for r in self.rows]
        return Table(columns=tuple(c for c, _ in self.COLUMNS), kinds=tuple(k for _, k in self.COLUMNS), rows=local)

    def to_json(self) -> dict[str, Any]:
        return {**self.table().to_json(), "total": self.total, "page": self.page, "page_size": self.page_size}


def abandoned_sync(
    conn: Connection, period: Period, *, page: int = 1, page_size: int = ABANDONED_PAGE_SIZE
) -> AbandonedPage:
    """The abandoned calls of the period (as the queue report counts them), newest first, one page;
    `page_size` 0: all of them (the exports)."""
    c = Interaction.__table__.c
    where = and_(
        c.outcome == st.ABANDONED,
        c.offered_at >= period.start,
        c.offered_at < period.end,
        c.answered_at.is_(None),
        c.queue.is_not(None),
    )
    total = int(conn.execute(select(func.count()).where(where)).scalar_one())
    stmt = (
        select(c.offered_at, c.queue, c.caller_number, c.wait_seconds, c.customer_id, Customer.full_name)
        .select_from(Interaction.__table__.outerjoin(Customer, Customer.id == c.customer_id))
        .where(where)
        .order_by(c.offered_at.desc(), c.id.desc())
    )
    if page_size:
        stmt = stmt.limit(page_size).offset((max(page, 1) - 1) * page_size)
    fixed = [
        (at, queue, number, wait, wait is not None and wait < st.SHORT_ABANDON_SECONDS, customer, name)
        for at, queue, number, wait, customer, name in conn.execute(stmt)
    ]
    return AbandonedPage(period=period, total=total, page=page, page_size=page_size, rows=fixed)


async def abandoned_calls(
    db: Database, period: Period, *, page: int = 1, page_size: int = ABANDONED_PAGE_SIZE
) -> AbandonedPage:
    return await db.run_read(lambda conn: abandoned_sync(conn, period, page=page, page_size=page_size))
