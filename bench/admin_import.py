"""An import started from the admin console runs inside the server: how much does it slow the screen pops?

    python bench/admin_import.py                 # 100k-row customers file into a 5k-customer store
    python bench/admin_import.py --rows 300000
    python bench/admin_import.py --quick         # 20k rows into a 2k-customer store, under a minute

Times the pop (as the ringing path runs it, `run_read_inline`) idle and while the import runs in the same
event loop as the console runs it (crm_store.importer with a progress listener, no batch tuning), the event
loop's lag (how late a 10 ms sleep wakes up), and how long a small write (an audit entry) waits meanwhile:
SQLite has one write lock: the console commits every chunk so a write waits one chunk at most;
`--one-transaction` shows the other way (`ccdesk import`'s: nothing changed by a file that fails).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import text

from bench.store import percentile, write_import_csv
from crm_store.audit import audit
from crm_store.db import Database, open_database
from crm_store.demo import DemoSpec, generate
from crm_store.importer import import_file
from crm_store.importer.progress import ImportProgress
from crm_store.migrate import upgrade
from crm_store.pop import pop_sync


async def pop_ms(db: Database, number: str) -> float:
    t = time.perf_counter()
    await db.run_read_inline(lambda c: pop_sync(c, number))
    return (time.perf_counter() - t) * 1000


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="a smaller run, under a minute")
    parser.add_argument("--rows", type=int)
    parser.add_argument("--customers", type=int)
    parser.add_argument(
        "--one-transaction", action="store_true", help="the whole file in one transaction (as `ccdesk import`)"
    )
    args = parser.parse_args()
    args.rows = args.rows or (20_000 if args.quick else 100_000)
    args.customers = args.customers or (2_000 if args.quick else 5_000)
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        await upgrade(url)
        db = open_database(url)
        try:
            await generate(db, DemoSpec(customers=args.customers, seed=5, interactions_per_customer=2))
            async with db.read_session() as s:
                numbers = list(await s.scalars(text("SELECT raw FROM phones ORDER BY random() LIMIT 2000")))
            path = Path(tmp) / "customers.csv"
            write_import_csv(path, args.rows)

            idle = [await pop_ms(db, n) for n in numbers[:500]]
            last: list[ImportProgress] = []
            task = asyncio.create_task(
                import_file(db, "customers", path, progress=last.append, commit_each_chunk=not args.one_transaction)
            )
            during: list[float] = []
            lags: list[float] = []
            writes: list[float] = []

            waiting_since: list[float] = []

            async def write_every_second() -> None:  # a call card, a sign-in: one small transaction
                while True:
                    waiting_since[:] = [time.perf_counter()]
                    await audit(db, None, "bench.write", "bench", len(writes))
                    writes.append((time.perf_counter() - waiting_since.pop()) * 1000)
                    await asyncio.sleep(1.0)

            writer = asyncio.create_task(write_every_second())
            i = 0
            while not task.done():
                during.append(await pop_ms(db, numbers[i % len(numbers)]))
                i += 1
                t = time.perf_counter()
                await asyncio.sleep(0.01)
                lags.append((time.perf_counter() - t - 0.01) * 1000)
            summary = await task
            if waiting_since:  # a write still waiting when the import ended: it waited at least this long
                writes.append((time.perf_counter() - waiting_since[0]) * 1000)
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)
        finally:
            await db.dispose()
    p = last[-1]
    print(f"import: {summary.line()} in {p.elapsed_s:.1f} s ({p.rate:,.0f} rows/s); {len(last)} progress updates")
    print(f"pop idle:   p50 {percentile(idle, 50):.2f} ms, p99 {percentile(idle, 99):.2f} ms ({len(idle)} pops)")
    print(f"pop during: p50 {percentile(during, 50):.2f} ms, p99 {percentile(during, 99):.2f} ms ({len(during)} pops)")
    print(
        f"loop lag during: p50 {percentile(lags, 50):.1f} ms, p99 {percentile(lags, 99):.1f} ms, max {max(lags):.1f} ms"
    )
    print(f"a small write during the import waited: max {max(writes):,.0f} ms ({len(writes)} writes)")
    print(
        f"mode={'one-transaction' if args.one_transaction else 'chunks'} rows={args.rows} pop_idle_p99_ms={percentile(idle, 99):.2f} pop_during_p99_ms={percentile(during, 99):.2f} "
        f"loop_lag_p99_ms={percentile(lags, 99):.1f} write_wait_max_ms={max(writes):.0f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
