"""Benchmark of the applications' hot paths.

1. The SLA due time on the working calendar (weekends, public holidays), for SLAs of 4 working hours to
   10 working days, from starts spread over a year: microseconds per computation.
2. A department's work list (open applications of one department by due time) and the supervisors'
   escalation query, on a SQLite database holding N applications (200k by default, 20k with --quick)
   spread over 5 departments, 80 % of them closed: milliseconds per query.

The last line printed is ``name=value`` pairs.
Usage: python bench/applications.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert

from crm_store import applications_work
from crm_store.applications_work import WorkFilter
from crm_store.db import open_database
from crm_store.migrate import upgrade
from crm_store.models import Application
from workstation.application_types import load_application_types

DEPARTMENTS = ("dept_metering", "dept_billing", "dept_debt", "dept_quality", "dept_field")
STATUSES = ("new", "in_progress", "waiting_customer")


def bench_sla(n: int) -> float:
    calendar = load_application_types().calendar
    rng = random.Random(1)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    starts = [start + timedelta(minutes=rng.randrange(365 * 24 * 60)) for _ in range(n)]
    hours = [rng.choice((4, 8, 27, 45, 90)) for _ in range(n)]
    t0 = time.perf_counter()
    for s, h in zip(starts, hours, strict=True):
        calendar.due_at(s, h)
    return (time.perf_counter() - t0) / n * 1e6


async def bench_queries(n: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/bench.db"
        await upgrade(url)
        db = open_database(url)
        try:
            rng = random.Random(2)
            now = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)
            rows = []
            for i in range(n):
                closed = rng.random() < 0.8
                rows.append(
                    {
                        "number": f"26{i:07d}",
                        "type": "recalculation",
                        "channel": "web",
                        "status": "resolved" if closed else rng.choice(STATUSES),
                        "department_queue": rng.choice(DEPARTMENTS),
                        "text": "",
                        "fields": {},
                        "created_at": now - timedelta(days=rng.randrange(365)),
                        "due_at": now + timedelta(hours=rng.randrange(-500, 500)),
                    }
                )
            async with db.write_session() as s, s.begin():
                for chunk in range(0, n, 5000):
                    await s.execute(insert(Application), rows[chunk : chunk + 5000])
            timings: dict[str, list[float]] = {"list": [], "escalations": []}
            for _ in range(20):
                t0 = time.perf_counter()
                await applications_work.work_list(db, WorkFilter(departments=["dept_billing"]))
                timings["list"].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                await applications_work.work_list(db, WorkFilter(departments=None, due_before=now - timedelta(hours=4)))
                timings["escalations"].append(time.perf_counter() - t0)
            return statistics.median(timings["list"]) * 1000, statistics.median(timings["escalations"]) * 1000
        finally:
            await db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n = 20_000 if args.quick else 200_000
    sla_us = bench_sla(20_000)
    list_ms, escalations_ms = asyncio.run(bench_queries(n))
    print(f"SLA due time: {sla_us:.1f} µs each; work list of one department among {n} applications: {list_ms:.1f} ms")
    print(f"sla_us={sla_us:.1f} applications={n} work_list_ms={list_ms:.1f} escalations_ms={escalations_ms:.1f}")


if __name__ == "__main__":
    main()
