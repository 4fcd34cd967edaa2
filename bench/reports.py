"""Reports benchmark: every report over a month of a large store, timed as the API runs them.

    python bench/reports.py            # 1M customers (demo data, ~1 call card each over two years) + a month of calls
    python bench/reports.py --quick    # 10k customers + the same month of calls, under a minute

The store is built once under bench/out/ (reused while it holds enough customers) and holds, besides the demo
data, one month of calls: 3 000 calls a day to the queues (about 10 % abandoned) plus 400 abandons a day and
1 200 IVR sessions a day, 60 operators' state intervals (ready, pauses, after-call work), 300 applications a
day and 1 500 campaign attempts a day. Each report is timed for the whole month (median of a few runs).

Baselines in the same run: the queue report aggregated in Python over the month's card rows (what "GROUP BY in
the database" saves), the IVR report from every session read one by one (as /api/ivr/stats reads them), and
the abandoned calls' first page without the report's index (ix_interactions_outcome_offered, dropped for the
measurement and created again).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Connection, func, insert, select, text

from crm_store import reports as rp
from crm_store import stats as st
from crm_store.db import Database, open_database
from crm_store.demo import DemoSpec, generate
from crm_store.migrate import upgrade
from crm_store.models import (
    Account,
    AgentStateInterval,
    Application,
    CallAttempt,
    Campaign,
    CampaignTarget,
    Customer,
    Interaction,
)
from crm_store.reports_export import csv_bytes, xlsx_bytes
from crm_store.reports_ivr import ivr_paths
from crm_store.reports_operators import operator_report
from crm_store.reports_work import application_report, campaign_report
from ivr import ivr_stats
from ivr.store_backend import StoreBackend
from web.api_reports import sessions_of

OUT = Path(__file__).resolve().parent / "out"
TZ = ZoneInfo("Europe/Moscow")
MONTH_FIRST, MONTH_LAST = date(2026, 11, 1), date(2026, 11, 30)
QUEUES = ("support", "billing", "debt", "meter", "vip", "business")
AGENTS = tuple(f"PJSIP/{3001 + i}" for i in range(60))
CALLS_PER_DAY, EXTRA_ABANDONS_PER_DAY, IVR_PER_DAY = 3_000, 400, 1_200
APPLICATIONS_PER_DAY, ATTEMPTS_PER_DAY = 300, 1_500
BATCH = 10_000
MARK = "bench-month"  # the month's cards have call ids starting with it: built once


def local(day: date, seconds: float) -> datetime:
    return (datetime.combine(day, dtime(0), tzinfo=TZ) + timedelta(seconds=seconds)).astimezone(UTC)


def month_days() -> list[date]:
    return [MONTH_FIRST + timedelta(days=i) for i in range((MONTH_LAST - MONTH_FIRST).days + 1)]


def call_cards(rng: random.Random) -> list[dict[str, Any]]:
    cards: list[dict[str, Any]] = []
    n = 0
    for day in month_days():
        for kind, count in (("call", CALLS_PER_DAY), ("abandon", EXTRA_ABANDONS_PER_DAY), ("ivr", IVR_PER_DAY)):
            for _ in range(count):
                n += 1
                at = local(day, rng.uniform(8 * 3600, 20 * 3600))
                card: dict[str, Any] = {
                    "call_id": f"{MARK}-{n}",
                    "offered_at": at,
                    "direction": "inbound",
                    "channel": "phone",
                    "caller_number": f"+7916{rng.randrange(10**7):07d}",
                    "state": "ended",
                    "ivr_path": [],
                    "self_served": False,
                    "notes": "",
                    **{k: None for k in ("queue", "outcome", "answered_at", "wait_seconds", "talk_seconds")},
                    "agent_interface": None,
                    "routing_queue": None,
                }
                if kind == "ivr":
                    served = rng.random() < 0.45
                    node = rng.choice(("main", "account", "balance", "reading"))
                    card |= {
                        "ivr_path": ["main:1", f"{node}:2", *(["+balance"] if served else [])],
                        "self_served": served,
                        "outcome": "ivr_only",
                    }
                    if not served and rng.random() < 0.5:  # handed over: becomes a queue call
                        card["routing_queue"] = rng.choice(QUEUES)
                elif kind == "abandon" or rng.random() < 0.1:
                    card |= {
                        "queue": rng.choice(QUEUES),
                        "outcome": "abandoned",
                        "wait_seconds": int(rng.expovariate(1 / 45)),
                    }
                else:
                    wait = int(rng.expovariate(1 / 18))
                    talk = int(rng.gauss(200, 60)) if rng.random() < 0.98 else None
                    card |= {
                        "queue": rng.choice(QUEUES),
                        "outcome": "answered",
                        "answered_at": at + timedelta(seconds=wait),
                        "wait_seconds": wait,
                        "talk_seconds": max(talk, 5) if talk is not None else None,
                        "agent_interface": rng.choice(AGENTS),
                    }
                cards.append(card)
    return cards


def state_intervals(rng: random.Random) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for day in month_days():
        for agent in AGENTS:
            t = 8 * 3600 + rng.uniform(0, 1800)
            end = 17 * 3600 + rng.uniform(0, 3 * 3600)
            while t < end:
                ready = rng.uniform(120, 900)
                rows.append(
                    {
                        "agent": agent,
                        "state": "ready",
                        "reason": None,
                        "started_at": local(day, t),
                        "ended_at": local(day, t + ready),
                    }
                )
                t += ready
                reason = rng.choices(("after_call_work", "break", "lunch", "training"), (80, 12, 4, 4))[0]
                pause = rng.uniform(20, 90) if reason == "after_call_work" else rng.uniform(300, 2400)
                rows.append(
                    {
                        "agent": agent,
                        "state": "paused",
                        "reason": reason,
                        "started_at": local(day, t),
                        "ended_at": local(day, t + pause),
                    }
                )
                t += pause
    return rows


def applications(rng: random.Random) -> list[dict[str, Any]]:
    rows = []
    n = 0
    for day in month_days():
        for _ in range(APPLICATIONS_PER_DAY):
            n += 1
            created = local(day, rng.uniform(8 * 3600, 20 * 3600))
            due = created + timedelta(days=rng.choice((1, 3, 5, 10)))
            closed = created + timedelta(hours=rng.uniform(1, 300)) if rng.random() < 0.7 else None
            rows.append(
                {
                    "number": f"B-{n}",
                    "type": rng.choice(("complaint", "meter_dispute", "payment_plan", "recalculation", "reconnection")),
                    "channel": rng.choice(("phone", "ivr", "web", "email")),
                    "status": ("resolved" if closed else rng.choice(("new", "in_progress", "waiting_customer"))),
                    "department_queue": rng.choice(("dept_billing", "dept_debt", "dept_field", "dept_metering")),
                    "text": "",
                    "created_at": created,
                    "due_at": due,
                    "closed_at": closed,
                }
            )
    return rows


def fill_month(conn: Connection, rng: random.Random) -> int:
    cards = call_cards(rng)
    for i in range(0, len(cards), BATCH):
        conn.execute(insert(Interaction), cards[i : i + BATCH])
    intervals = state_intervals(rng)
    for i in range(0, len(intervals), BATCH):
        conn.execute(insert(AgentStateInterval), intervals[i : i + BATCH])
    apps = applications(rng)
    for i in range(0, len(apps), BATCH):
        conn.execute(insert(Application), apps[i : i + BATCH])
    accounts = conn.execute(select(Account.id, Account.customer_id).order_by(Account.id).limit(6_000)).all()
    conn.execute(insert(Campaign), [{"id": 1000 + i, "name": f"Долги {i}", "queue": "debt"} for i in range(3)])
    targets = [
        {"campaign_id": 1000 + i % 3, "customer_id": c, "account_id": a, "phone": f"+7916{a:07d}"}
        for i, (a, c) in enumerate(accounts)
    ]
    conn.execute(insert(CampaignTarget), targets)
    target_ids = list(conn.execute(select(CampaignTarget.id)).scalars())
    attempts = []
    for day in month_days():
        for _ in range(ATTEMPTS_PER_DAY):
            outcome = rng.choices(("answered", "no_answer", "busy", "failed", "abandoned"), (40, 35, 15, 5, 5))[0]
            disposition = (
                rng.choice(("reached", "promise", "wrong_number", "refused", "voicemail"))
                if outcome == "answered"
                else None
            )
            attempts.append(
                {
                    "target_id": rng.choice(target_ids),
                    "started_at": local(day, rng.uniform(9 * 3600, 20 * 3600)),
                    "outcome": outcome,
                    "disposition": disposition,
                    "promise_amount_kop": rng.randrange(10_000, 500_000) if disposition == "promise" else None,
                }
            )
    for i in range(0, len(attempts), BATCH):
        conn.execute(insert(CallAttempt), attempts[i : i + BATCH])
    conn.execute(text("ANALYZE"))
    return len(cards)


async def build_store(customers: int, per_customer: float) -> tuple[Database, float | None]:
    path = OUT / f"reports-{customers}.db"
    url = f"sqlite:///{path}"
    await upgrade(url)
    db = open_database(url)
    async with db.read_session() as s:
        have = await s.scalar(select(func.count()).select_from(Customer))
        month = await s.scalar(select(func.count()).where(Interaction.call_id == f"{MARK}-1"))
    if have >= customers and month:
        print(f"reusing {path} ({have} customers)")
        return db, None
    started = time.perf_counter()
    if have < customers:
        print(
            f"generating {customers} customers ({per_customer} call cards each over two years) into {path} …",
            flush=True,
        )
        await generate(
            db,
            DemoSpec(
                customers=customers - have,
                seed=7,
                interactions_per_customer=per_customer,
                as_of=MONTH_LAST + timedelta(days=200),
            ),
            progress=lambda n: print(f"  {n} customers, {time.perf_counter() - started:.0f} s", flush=True),
        )
    print("adding a month of calls, operators' states, applications and campaign attempts …", flush=True)
    cards = await db.run_write(lambda conn: fill_month(conn, random.Random(13)))
    print(f"  {cards} call cards in the month, {time.perf_counter() - started:.0f} s in all", flush=True)
    return db, time.perf_counter() - started


async def timed(fn: Callable[[], Awaitable[Any]], runs: int) -> tuple[float, Any]:
    """The median wall time of `runs` calls (ms) and the last result."""
    times = []
    result = None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = await fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times), result


def python_queue_report(conn: Connection, period: rp.Period) -> dict[tuple[str, datetime], st.Counts]:
    """The baseline: the month's cards fetched and summed in Python, card by card (the definitions' Python half)."""
    c = Interaction.__table__.c
    rows = conn.execute(
        select(c.call_id, c.offered_at, c.queue, c.answered_at, c.outcome, c.wait_seconds, c.talk_seconds).where(
            c.offered_at >= period.start, c.offered_at < period.end, c.queue.is_not(None)
        )
    )
    out: dict[tuple[str, datetime], st.Counts] = {}
    for r in rows:
        facts = st.CardFacts(
            call_id=r.call_id or "",
            offered_at=r.offered_at,
            queue=r.queue,
            answered_at=r.answered_at,
            outcome=r.outcome,
            wait_seconds=r.wait_seconds,
            talk_seconds=r.talk_seconds,
        )
        local = r.offered_at.astimezone(period.tz)
        key = (r.queue, local.replace(minute=0, second=0, microsecond=0))
        out[key] = out.get(key, st.ZERO) + st.card_counts(facts, st.DEFAULT_SERVICE_LEVEL_SECONDS)
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10k customers, under a minute")
    parser.add_argument("--customers", type=int)
    parser.add_argument("--runs", type=int, help="each figure is the median of this many runs (3; --quick: 1)")
    args = parser.parse_args()
    customers = args.customers or (10_000 if args.quick else 1_000_000)
    per_customer = 1.0
    OUT.mkdir(exist_ok=True)
    db, build_s = await build_store(customers, per_customer)
    period = rp.Period.of_days(MONTH_FIRST, MONTH_LAST, TZ)
    now = datetime(2026, 12, 15, tzinfo=UTC)
    runs = args.runs or (1 if args.quick else 3)
    figures: dict[str, float] = {}
    try:
        async with db.read_session() as s:
            n_customers = await s.scalar(select(func.count()).select_from(Customer))
            n_cards = await s.scalar(select(func.count()).select_from(Interaction))
            in_month = await s.scalar(
                select(func.count()).where(Interaction.offered_at >= period.start, Interaction.offered_at < period.end)
            )
        print(
            f"store: {n_customers} customers, {n_cards} call cards, {in_month} of them in the month ({MONTH_FIRST} … {MONTH_LAST})"
        )

        async def ivr() -> Any:  # as the API builds it: paths grouped in SQL, folded by ivr.stats
            groups = await ivr_paths(db, period)
            return ivr_stats(sessions_of(groups, period), start=period.start, end=period.end)

        async def ivr_one_by_one() -> Any:  # the baseline: every session read and folded (/api/ivr/stats)
            sessions = await StoreBackend(db).load_sessions(period.start, period.end)
            return ivr_stats(sessions, start=period.start, end=period.end)

        cases: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
            ("queues_15min", lambda: rp.queue_report(db, period, rp.Step.QUARTER)),
            ("queues_hour", lambda: rp.queue_report(db, period, rp.Step.HOUR)),
            ("queues_day", lambda: rp.queue_report(db, period, rp.Step.DAY)),
            ("operators", lambda: operator_report(db, period, now)),
            ("abandoned_page1", lambda: rp.abandoned_calls(db, period, page=1)),
            ("abandoned_page100", lambda: rp.abandoned_calls(db, period, page=100)),
            ("abandoned_all", lambda: rp.abandoned_calls(db, period, page_size=0)),
            ("ivr", ivr),
            ("applications", lambda: application_report(db, period, now)),
            ("campaigns", lambda: campaign_report(db, period)),
        ]
        results: dict[str, Any] = {}
        for name, fn in cases:
            ms, results[name] = await timed(fn, runs)
            figures[f"{name}_ms"] = ms
            print(f"  {name:<18} {ms:8.1f} ms")
        quarter = results["queues_15min"].table()
        ms, body = await timed(lambda: asyncio.to_thread(csv_bytes, quarter.columns, quarter.rows), runs)
        figures["export_csv_15min_ms"] = ms
        print(f"  export CSV (15 min, {len(quarter.rows)} rows) {ms:.1f} ms, {len(body)} bytes")
        ms, body = await timed(lambda: asyncio.to_thread(xlsx_bytes, "q", quarter.columns, quarter.rows), 1)
        figures["export_xlsx_15min_ms"] = ms
        print(f"  export Excel (15 min)  {ms:.1f} ms, {len(body)} bytes")
        everything = results["abandoned_all"].table()
        ms, body = await timed(lambda: asyncio.to_thread(xlsx_bytes, "a", everything.columns, everything.rows), 1)
        figures["export_xlsx_abandoned_ms"] = ms
        print(f"  export Excel (abandoned, {len(everything.rows)} rows) {ms:.1f} ms")

        # Baseline 1: the queue report by hour summed in Python over the month's cards.
        base_ms, base = await timed(lambda: db.run_read(lambda conn: python_queue_report(conn, period)), runs)
        sql_offered = sum(f.counts.offered for f in results["queues_hour"].intervals.values())
        assert sum(c.offered for c in base.values()) == sql_offered, "the baseline must count the same calls"
        figures["baseline_python_queues_hour_ms"] = base_ms
        print(
            f"baseline: queue report by hour aggregated in Python: {base_ms:.1f} ms "
            f"({base_ms / figures['queues_hour_ms']:.1f}x the SQL GROUP BY)"
        )

        # Baseline 3: the IVR report from every session read one by one, as /api/ivr/stats does.
        one_ms, one = await timed(ivr_one_by_one, runs)
        assert one.to_json() == results["ivr"].to_json(), "the baseline must give the same figures"
        figures["baseline_ivr_one_by_one_ms"] = one_ms
        print(
            f"baseline: IVR report from the sessions one by one: {one_ms:.1f} ms ({one_ms / figures['ivr_ms']:.1f}x grouped)"
        )

        # Baseline 2: the abandoned calls' first page without the report's index.
        async with db.writer.begin() as conn:
            await conn.execute(text("DROP INDEX ix_interactions_outcome_offered"))
        try:
            no_index_ms, _ = await timed(lambda: rp.abandoned_calls(db, period, page=1), runs)
        finally:
            async with db.writer.begin() as conn:
                await conn.execute(
                    text("CREATE INDEX ix_interactions_outcome_offered ON interactions (outcome, offered_at)")
                )
        figures["baseline_abandoned_page1_no_index_ms"] = no_index_ms
        print(
            f"baseline: abandoned page 1 without ix_interactions_outcome_offered: {no_index_ms:.1f} ms "
            f"({no_index_ms / figures['abandoned_page1_ms']:.1f}x with it)"
        )
    finally:
        await db.dispose()
    slowest = max(v for k, v in figures.items() if not k.startswith("baseline") and not k.startswith("export"))
    print(f"slowest report over the month: {slowest:.0f} ms; goal: seconds — {'met' if slowest < 5000 else 'NOT met'}")
    build = f"{build_s:.1f}" if build_s is not None else "reused"
    pairs = " ".join(f"{k}={v:.1f}" for k, v in figures.items())
    print(
        f"{pairs} python_vs_sql={figures['baseline_python_queues_hour_ms'] / figures['queues_hour_ms']:.1f} "
        f"noindex_vs_index={figures['baseline_abandoned_page1_no_index_ms'] / figures['abandoned_page1_ms']:.1f} "
        f"ivr_one_by_one_vs_grouped={figures['baseline_ivr_one_by_one_ms'] / figures['ivr_ms']:.1f} "
        f"slowest_ms={slowest:.0f} customers={n_customers} cards={n_cards} month_cards={in_month} build_s={build}"
    )


if __name__ == "__main__":
    asyncio.run(main())
