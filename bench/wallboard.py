"""Wallboard benchmark: the live fold's cost per CTI event, its memory over many days, and the rebuild from
the stored cards of a busy day.

    python bench/wallboard.py            # 30 generated days of ~3 000 calls each, a 3 000-call day rebuilt
    python bench/wallboard.py --quick    # 5 days of ~400 calls

The days are those of the wallboard's tests (tests/unit/wallboard_day.py), shifted day after day. The last
line printed is ``name=value`` pairs.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crm_store import stats as st
from crm_store.db import open_database
from crm_store.migrate import upgrade
from tests.unit.wallboard_day import DAY, MOSCOW, SERVICE_LEVELS, generate_day
from workstation.card_writer import CardWriter
from workstation.cards import card_change
from workstation.directory import Directory
from workstation.live import LiveCalls
from workstation.wallboard import WallboardStats, day_bounds


def shifted(events: list[object], days: int, tag: str) -> list[object]:
    out = []
    for e in events:
        fields: dict[str, object] = {"at": e.at + timedelta(days=days)}  # type: ignore[attr-defined]
        if hasattr(e, "call_id"):
            fields["call_id"] = f"{tag}-{e.call_id}"
        out.append(replace(e, **fields))  # type: ignore[type-var]
    return out


async def rebuild(events: list[object]) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/wallboard.db"
        await upgrade(url)
        db = open_database(url)
        try:
            calls = LiveCalls()
            writer = CardWriter(db, Directory(db), lambda: DAY_START, _nothing)
            writer.start()
            for event in events:
                before = calls.get(getattr(event, "call_id", "") or "")
                change = card_change(event, calls.apply(event), before)
                if change is not None:
                    writer.put(change)
            await writer.close()
            start, end = day_bounds(DAY, MOSCOW)
            began = time.perf_counter()
            stored = await st.day_stats(db, start=start, end=end, service_levels=SERVICE_LEVELS)
            took = time.perf_counter() - began
            return took, sum(stored.intervals.values(), st.ZERO).offered
        finally:
            await db.dispose()


async def _nothing(_changes: object) -> None:
    return None


DAY_START = day_bounds(DAY, MOSCOW)[0]


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    days, calls = (5, 400) if args.quick else (30, 3_000)

    board = WallboardStats(tz=MOSCOW, service_levels=SERVICE_LEVELS)
    count = 0
    folding = 0.0
    kept = []
    for d in range(days):
        events = shifted(generate_day(d, calls), d, f"d{d}")
        began = time.perf_counter()
        for event in events:
            board.apply(event)
        folding += time.perf_counter() - began
        count += len(events)
        kept.append(len(board.cards) + len(board.calls.active))
    per_event_us = 1e6 * folding / count
    print(
        f"folded {count} events of {days} days: {per_event_us:.1f} µs an event; calls followed at each day's end {kept}"
    )

    rebuild_s, offered = await rebuild(generate_day(0, calls))
    print(f"rebuilt a day of {offered} queued calls from the cards in {1000 * rebuild_s:.1f} ms")
    print(f"events={count} per_event_us={per_event_us:.1f} followed_max={max(kept)} rebuild_ms={1000 * rebuild_s:.1f}")


if __name__ == "__main__":
    asyncio.run(main())
