"""Each report's figures against hand-made call cards, state intervals, applications and attempts (exact numbers),
on SQLite and PostgreSQL; the intervals in the center's time zone, across midnight and a change of
daylight-saving time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert

from crm_store import interactions, reports_states
from crm_store import reports as rp
from crm_store.db import Database
from crm_store.models import Account, Application, CallAttempt, Campaign, CampaignTarget, Customer
from crm_store.reports_operators import operator_report
from crm_store.reports_work import application_report, campaign_report

pytestmark = pytest.mark.postgres

MOSCOW = ZoneInfo("Europe/Moscow")  # UTC+3 all year
NOV30 = datetime(2026, 11, 30, tzinfo=MOSCOW)


def msk(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, second, tzinfo=MOSCOW).astimezone(UTC)


async def card(db: Database, call_id: str, at: datetime, queue: str | None, **kw: Any) -> None:
    await interactions.open_call_card(
        db, call_id=call_id, offered_at=at, queue=queue, caller_number=kw.pop("caller", None)
    )
    fields: dict[str, Any] = {"state": "ended"}
    if "answered" in kw:
        fields |= {"answered_at": at + timedelta(seconds=kw["answered"]), "outcome": "answered"}
        fields["wait_seconds"] = kw["answered"]
    if kw.get("abandoned") is not None:
        fields |= {"outcome": "abandoned", "wait_seconds": kw["abandoned"]}
    if "talk" in kw:
        fields["talk_seconds"] = kw["talk"]
    if "agent" in kw:
        fields["agent_interface"] = kw["agent"]
    await interactions.update_call_card(db, call_id, fields)


async def day_of_cards(db: Database) -> None:
    await card(db, "a", msk(1, 10, 5), "support", answered=10, talk=60, agent="PJSIP/1001")
    await card(db, "b", msk(1, 10, 20), "support", answered=30, talk=120, agent="PJSIP/1002")
    await card(db, "c", msk(1, 10, 50), "support", abandoned=3, caller="+79160000003")
    await card(db, "d", msk(1, 10, 55), "support", abandoned=40, caller="=HYPERLINK(1)")
    await card(db, "e", msk(1, 11, 10), "billing", answered=5, talk=30, agent="PJSIP/1001")
    await card(db, "f", msk(1, 23, 50), "support", abandoned=12)  # 20:50 UTC
    await card(db, "g", msk(2, 0, 10), "support", answered=2, talk=10, agent="PJSIP/1002")  # 21:10 UTC, Dec 1
    await card(db, "h", msk(1, 12, 0), None)  # IVR only: no queue, in no queue figure


def row(report: rp.QueueReport, at: datetime, queue: str) -> tuple[Any, ...]:
    figures = report.intervals[(at, queue)]
    return rp.QueueReport._cells(figures)


async def test_queue_report_by_hour_has_the_wallboards_figures(db: Database) -> None:
    await day_of_cards(db)
    period = rp.Period.of_days(date(2026, 12, 1), date(2026, 12, 1), MOSCOW)

    report = await rp.queue_report(db, period, rp.Step.HOUR)

    ten = datetime(2026, 12, 1, 10, tzinfo=MOSCOW)
    # offered, answered, abandoned, short, SL % (1 within 20 s of 2+2-1), ASA, AHT, longest wait
    assert row(report, ten, "support") == (4, 2, 2, 1, 33.3, 20.0, 90.0, 40)
    assert row(report, datetime(2026, 12, 1, 11, tzinfo=MOSCOW), "billing") == (1, 1, 0, 0, 100.0, 5.0, 30.0, 5)
    assert row(report, datetime(2026, 12, 1, 23, tzinfo=MOSCOW), "support") == (1, 0, 1, 0, 0.0, None, None, 12)
    assert len(report.intervals) == 3  # the card after local midnight is the next day's
    assert report.queues["support"].counts.offered == 5
    table = report.table()
    assert table.columns[:3] == ("interval", "queue", "offered")
    assert [r[0].hour for r in table.rows] == [10, 11, 23]


async def test_quarter_hours_and_days_are_local_across_midnight(db: Database) -> None:
    await day_of_cards(db)
    period = rp.Period.of_days(date(2026, 12, 1), date(2026, 12, 2), MOSCOW)

    quarters = await rp.queue_report(db, period, rp.Step.QUARTER)
    days = await rp.queue_report(db, period, rp.Step.DAY)

    at = lambda h, m, d=1: datetime(2026, 12, d, h, m, tzinfo=MOSCOW)  # noqa: E731
    assert sorted(k for k in quarters.intervals if k[1] == "support") == [
        (at(10, 0), "support"),
        (at(10, 15), "support"),
        (at(10, 45), "support"),
        (at(23, 45), "support"),
        (at(0, 0, 2), "support"),
    ]
    assert row(quarters, at(10, 45), "support")[:4] == (2, 0, 2, 1)
    # 23:50 and 00:10 Moscow are both on 1 December in UTC, but on two days of the center
    assert row(days, at(0, 0), "support")[:3] == (5, 2, 3)
    assert row(days, at(0, 0, 2), "support")[:3] == (1, 1, 0)
    chart = days.chart()
    assert chart["offered"] == [6, 1] and chart["x"] == [int(at(0, 0).timestamp()), int(at(0, 0, 2).timestamp())]


async def test_hours_across_a_daylight_saving_change_and_a_quarter_hour_zone(db: Database) -> None:
    berlin = ZoneInfo("Europe/Berlin")  # 25 October 2026: 03:00 CEST becomes 02:00 CET
    await card(db, "x", datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "support", answered=1, talk=1)  # 02:30 CEST
    await card(db, "y", datetime(2026, 10, 25, 1, 30, tzinfo=UTC), "support", answered=1, talk=1)  # 02:30 CET
    await card(db, "z", datetime(2026, 10, 25, 4, 20, tzinfo=UTC), "support", answered=1, talk=1)
    period = rp.Period.of_days(date(2026, 10, 25), date(2026, 10, 25), berlin)

    hours = await rp.queue_report(db, period, rp.Step.HOUR)
    days = await rp.queue_report(db, period, rp.Step.DAY)
    kathmandu = ZoneInfo("Asia/Kathmandu")  # UTC+5:45
    nepal = await rp.queue_report(
        db, rp.Period.of_days(date(2026, 10, 25), date(2026, 10, 25), kathmandu), rp.Step.HOUR
    )

    starts = sorted(at.astimezone(berlin) for at, _ in hours.intervals)
    assert [(s.hour, s.utcoffset()) for s in starts] == [
        (2, timedelta(hours=2)),
        (2, timedelta(hours=1)),
        (5, timedelta(hours=1)),
    ]
    assert [f.counts.offered for f in days.intervals.values()] == [3]
    # 04:20 UTC is 10:05 in Kathmandu: the hour from 10:00 local, i.e. 04:15 UTC
    assert datetime(2026, 10, 25, 10, tzinfo=kathmandu) in {at for at, _ in nepal.intervals}
    assert datetime(2026, 10, 25, 4, 15, tzinfo=UTC) in {at for at, _ in nepal.intervals}


async def test_abandoned_calls_are_listed_newest_first_a_page_at_a_time(db: Database) -> None:
    await day_of_cards(db)
    await db.run_write(
        lambda conn: conn.execute(insert(Customer).values(id=7, full_name="Петров П.", name_key="петров"))
    )
    await interactions.update_call_card(db, "d", {"customer_id": 7})
    period = rp.Period.of_days(date(2026, 12, 1), date(2026, 12, 1), MOSCOW)

    first = await rp.abandoned_calls(db, period, page=1, page_size=2)
    second = await rp.abandoned_calls(db, period, page=2, page_size=2)
    everything = await rp.abandoned_calls(db, period, page_size=0)

    assert first.total == 3
    assert [(r[0], r[1], r[3], r[4]) for r in first.table().rows] == [
        (datetime(2026, 12, 1, 23, 50, tzinfo=MOSCOW), "support", 12, False),
        (datetime(2026, 12, 1, 10, 55, tzinfo=MOSCOW), "support", 40, False),
    ]
    assert [(r[2], r[3], r[4]) for r in second.table().rows] == [("+79160000003", 3, True)]
    assert [(r[5], r[6]) for r in first.table().rows] == [(None, None), (7, "Петров П.")]  # the caller, when known
    assert len(everything.rows) == 3


async def test_operators_calls_talk_wrap_up_pauses_and_occupancy(db: Database) -> None:
    await day_of_cards(db)
    change = reports_states.StateChange
    await reports_states.record(
        db,
        [
            change(agent="PJSIP/1001", at=msk(1, 9, 0), state="ready"),
            change(agent="PJSIP/1001", at=msk(1, 10, 6, 10), state="paused", reason="after_call_work"),
            change(agent="PJSIP/1001", at=msk(1, 10, 7, 40), state="ready"),  # 90 s of wrap-up
            change(agent="PJSIP/1001", at=msk(1, 12, 0), state="paused", reason="lunch"),
            change(agent="PJSIP/1001", at=msk(1, 12, 30), state="paused", reason="break"),
            change(agent="PJSIP/1001", at=msk(1, 12, 40), state=None),  # signed out
            change(agent="PJSIP/1002", at=msk(1, 23, 0), state="ready"),  # still ready: cut at the period's end
            change(agent="PJSIP/1003", at=NOV30 + timedelta(hours=8), state="paused", reason="lunch"),
            change(agent="PJSIP/1003", at=NOV30 + timedelta(hours=9), state=None),  # before the period: not counted
            change(agent="PJSIP/1003", at=NOV30 + timedelta(hours=23, minutes=50), state="paused", reason="training"),
            change(agent="PJSIP/1003", at=msk(1, 0, 10), state=None),  # cut at the period's start: 10 minutes
        ],
    )
    period = rp.Period.of_days(date(2026, 12, 1), date(2026, 12, 1), MOSCOW)
    report = await operator_report(db, period, now=msk(3, 0, 0))

    by_agent = {o.agent: o for o in report.operators}
    a = by_agent["PJSIP/1001"]
    assert (a.calls, a.talk_seconds, a.wrap_up_seconds) == (2, 90, 90)
    assert a.ready_seconds == 3 * 3600 - 90  # 09:00–12:00 less the wrap-up
    assert a.pauses == {"lunch": 1800, "break": 600}
    assert a.signed_in_seconds == 3 * 3600 + 40 * 60
    assert a.occupancy == pytest.approx(100.0 * (90 + 90) / (3 * 3600))
    b = by_agent["PJSIP/1002"]
    assert (b.calls, b.talk_seconds, b.ready_seconds) == (1, 120, 3600)  # card g is the 2nd's; open ready to 24:00
    assert by_agent["PJSIP/1003"].pauses == {"training": 600}
    assert report.reasons == ("break", "lunch", "training")
    table = report.table()
    assert "pause:lunch" in table.columns and table.rows[0][0] == "PJSIP/1001"

    # A report of a period still going on runs the open interval to now.
    today = await operator_report(db, period, now=msk(1, 23, 30))
    assert {o.agent: o for o in today.operators}["PJSIP/1002"].ready_seconds == 1800


async def test_applications_by_type_channel_department_and_status_with_sla(db: Database) -> None:
    now = msk(10, 12)
    due = msk(5, 12)

    def app(n: int, status: str, *, closed: datetime | None, due_at: datetime | None, channel: str = "phone") -> dict:
        return {
            "number": f"A-{n}",
            "type": "complaint",
            "channel": channel,
            "status": status,
            "department_queue": "dept_quality",
            "text": "",
            "created_at": msk(2, 9),
            "due_at": due_at,
            "closed_at": closed,
        }

    rows = [
        app(1, "resolved", closed=msk(4, 12), due_at=due),  # met
        app(2, "resolved", closed=msk(6, 12), due_at=due),  # breached
        app(3, "new", closed=None, due_at=due),  # open past due: breached
        app(4, "new", closed=None, due_at=msk(20, 12)),  # open, not due yet
        app(5, "new", closed=None, due_at=None, channel="web"),  # no SLA
    ]
    outside = {**app(6, "new", closed=None, due_at=due), "created_at": msk(20, 9)}
    await db.run_write(lambda conn: conn.execute(insert(Application), [*rows, outside]))
    period = rp.Period.of_days(date(2026, 12, 1), date(2026, 12, 7), MOSCOW)

    report = await application_report(db, period, now)

    assert report.table().rows == [
        # type, channel, department, status, count, closed, met, breached, no due
        ("complaint", "phone", "dept_quality", "new", 2, 0, 0, 1, 0),
        ("complaint", "phone", "dept_quality", "resolved", 2, 2, 1, 1, 0),
        ("complaint", "web", "dept_quality", "new", 1, 0, 0, 0, 1),
    ]


async def test_campaign_attempts_by_outcome_and_disposition(db: Database) -> None:
    def setup(conn: Any) -> None:
        conn.execute(insert(Customer).values(id=1, full_name="Иванов", name_key="иванов"))
        conn.execute(insert(Account).values(id=1, customer_id=1, number="100"))
        conn.execute(insert(Account).values(id=2, customer_id=1, number="200"))
        conn.execute(insert(Campaign).values(id=1, name="Долги ноября", queue="debt"))
        conn.execute(insert(Campaign).values(id=2, name="=1+1", queue="debt"))
        conn.execute(
            insert(CampaignTarget),
            [
                {"id": 1, "campaign_id": 1, "customer_id": 1, "account_id": 1, "phone": "+79160000001"},
                {"id": 2, "campaign_id": 1, "customer_id": 1, "account_id": 2, "phone": "+79160000002"},
                {"id": 3, "campaign_id": 2, "customer_id": 1, "account_id": 1, "phone": "+79160000001"},
            ],
        )
        attempts = [
            (1, msk(1, 10), "no_answer", None, None),
            (1, msk(1, 11), "answered", "promise", 150_000),
            (2, msk(1, 10), "busy", None, None),
            (2, msk(1, 12), "busy", None, None),
            (3, msk(1, 10), "answered", "refused", None),
            (3, msk(9, 10), "answered", "promise", 1),  # after the period
        ]
        conn.execute(
            insert(CallAttempt),
            [
                {"target_id": t, "started_at": at, "outcome": o, "disposition": d, "promise_amount_kop": p}
                for t, at, o, d, p in attempts
            ],
        )

    await db.run_write(setup)
    period = rp.Period.of_days(date(2026, 12, 1), date(2026, 12, 1), MOSCOW)

    report = await campaign_report(db, period)

    assert sorted(report.table().rows, key=str) == sorted(
        [
            ("Долги ноября", "answered", "promise", 1, 1, 150_000),
            ("Долги ноября", "busy", None, 2, 1, 0),
            ("Долги ноября", "no_answer", None, 1, 1, 0),
            ("=1+1", "answered", "refused", 1, 1, 0),
        ],
        key=str,
    )


async def test_the_bucket_is_a_whole_number_of_quarter_hours_in_sql(db: Database) -> None:
    """A true division (a REAL) would put every card in a bucket of its own: the figures stay right but the
    database no longer groups anything, and Python ends up folding every card."""
    from sqlalchemy import select

    from crm_store.models import Interaction

    at = datetime(2026, 12, 1, 10, 14, 59, 999_000, tzinfo=UTC)
    await card(db, "q", at, "support")
    value = await db.run_read(
        lambda conn: conn.execute(select(rp.bucket_of(conn, Interaction.__table__.c.offered_at))).scalar_one()
    )
    assert isinstance(value, int) and value == int(at.timestamp()) // rp.BUCKET_SECONDS


async def test_ivr_paths_grouped_in_sql_give_the_figures_of_the_sessions_one_by_one(db: Database) -> None:
    from crm_store.reports_ivr import ivr_paths
    from ivr import ivr_stats
    from ivr.store_backend import StoreBackend
    from web.api_reports import sessions_of

    sessions = [
        (msk(1, 9), ["main:1", "balance:2", "+balance"], True, None),
        (msk(1, 10), ["main:1", "balance:2", "+balance"], True, None),
        (msk(1, 11), ["main:2", "account:1"], False, "billing"),
        (msk(1, 12), ["main:9"], False, None),
        (msk(1, 13), ["main:9"], False, None),
        (msk(1, 14), ["main:1", "reading"], False, None),
        (msk(1, 15), [], False, None),  # no IVR
        (msk(3, 9), ["main:9"], False, None),  # another day
    ]
    for n, (at, path, served, queue) in enumerate(sessions):
        await interactions.open_call_card(db, call_id=f"ivr-{n}", offered_at=at)
        await interactions.update_call_card(
            db, f"ivr-{n}", {"ivr_path": path, "self_served": served, "routing_queue": queue, "state": "ended"}
        )
    period = rp.Period.of_days(date(2026, 12, 1), date(2026, 12, 1), MOSCOW)

    grouped = ivr_stats(sessions_of(await ivr_paths(db, period), period), start=period.start, end=period.end)
    one_by_one = ivr_stats(
        await StoreBackend(db).load_sessions(period.start, period.end), start=period.start, end=period.end
    )

    assert grouped.to_json() == one_by_one.to_json()
    assert (grouped.total, grouped.self_served, grouped.transferred, grouped.abandoned) == (6, 2, 1, 3)
    assert dict(grouped.drop_outs) == {"main": 2, "reading": 1}
    assert dict(grouped.visits) == {"main": 6, "balance": 2, "account": 1, "reading": 1}


async def test_state_changes_stored_in_one_batch_as_one_by_one(db: Database) -> None:
    """A batch holds several changes of a phone: each ends the interval before it, as storing them one by one
    does, and the phone's interval left open before the batch is ended by its first change."""
    import random

    from sqlalchemy import select

    from crm_store.models import AgentStateInterval

    rng = random.Random(3)
    agents = ["PJSIP/1001", "PJSIP/1002", "PJSIP/1003"]
    changes = [
        reports_states.StateChange(
            agent=rng.choice(agents),
            at=msk(1, 9) + timedelta(seconds=i),
            state=rng.choice(["ready", "paused", None]),
            reason=rng.choice([None, "lunch"]),
        )
        for i in range(120)
    ]
    columns = AgentStateInterval.__table__.c

    async def stored() -> list[tuple[Any, ...]]:
        async with db.read_session() as s:
            rows = await s.execute(
                select(columns.agent, columns.state, columns.reason, columns.started_at, columns.ended_at).order_by(
                    columns.agent, columns.started_at
                )
            )
            return [tuple(r) for r in rows]

    for change in changes:
        await reports_states.record(db, [change])
    one_by_one = await stored()
    async with db.write_session() as s, s.begin():
        await s.execute(AgentStateInterval.__table__.delete())
    await reports_states.record(db, changes[:10])
    await reports_states.record(db, changes[10:])

    assert await stored() == one_by_one
    assert sum(1 for r in one_by_one if r[4] is None) <= len(agents)
