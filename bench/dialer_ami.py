"""The dialer through the AMI simulator: the real app (create_app), real Originates over TCP, the simulator's
bots answering in the campaign's queue. A shorter run beside bench/dialer.py's pure simulation.

    python bench/dialer_ami.py [--seconds 60] [--bots 10]
    python bench/dialer_ami.py --quick       # 10 s per pacing with 5 bots and shorter calls, under a minute

Progressive, then predictive, each over its own debtors for the same time, on the app's clock set to a
Tuesday 10:00 in Moscow. Time is compressed (the simulator's customers ring 1–4 s, talk 4–12 s, the dialer
gives up after 8 s), so the figures compare the two pacings with each other, not with bench/dialer.py's.
Occupancy is the operators' talk time over their time in the run; the abandon rate is abandoned over
answered (connected plus abandoned); a window violation is a dial outside 08:00–21:50 in the debtor's zone.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import re
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select

from crm_store import campaign_reports as reports
from crm_store import campaigns
from crm_store.models import Account, CallAttempt, Customer, Phone
from tests.serving import prepare_database, settings_for_test, start
from web import keys

DAY = datetime(2026, 11, 3, 7, 0, tzinfo=UTC)  # Tuesday 10:00 in Moscow


class Clock:
    def __init__(self, at: datetime) -> None:
        self.offset = at - datetime.now(UTC)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset


async def add_debtors(db, prefix: str, count: int) -> None:  # type: ignore[no-untyped-def]
    async with db.write_session() as s, s.begin():
        for i in range(count):
            c = Customer(full_name=f"Должник {prefix}{i}", name_key=f"должник {prefix}{i}")
            s.add(c)
            await s.flush()
            number = f"7916{prefix}{i:06d}"
            s.add(Phone(customer_id=c.id, e164=f"+{number}", kind="mobile", raw=number, is_primary=True))
            s.add(
                Account(
                    customer_id=c.id,
                    number=f"B{prefix}-{i}",
                    region="Москва" if prefix == "1" else "Новосибирская область",
                    debt_kop=5_000_000_00 + i,
                    debt_since=date(2026, 6, 1),
                )
            )


async def run_mode(server, pacing: str, region: str, seconds: float, bots: int, drain: float) -> dict[str, float]:  # type: ignore[no-untyped-def]
    db = server.db
    record = await campaigns.create_campaign(db, name=f"bench {pacing}", queue="debt", pacing=pacing, creditor="Бенч")
    await campaigns.build_list(
        db, record.id, campaigns.ListFilter(min_debt_kop=4_000_000_00, region=region), DAY.date()
    )
    await campaigns.move(db, record.id, "start")
    await server.app[keys.DIALER].reload()
    started = time.monotonic()
    await asyncio.sleep(seconds)
    await campaigns.move(db, record.id, "stop")
    await server.app[keys.DIALER].reload()
    await asyncio.sleep(drain)  # the calls in progress end
    elapsed = time.monotonic() - started
    async with db.read_session() as s:
        rows = list(await s.scalars(select(CallAttempt).where(CallAttempt.campaign_id == record.id)))
    outcomes: dict[str, int] = {}
    for r in rows:
        outcomes[r.outcome or "open"] = outcomes.get(r.outcome or "open", 0) + 1
    answered = outcomes.get("answered", 0) + outcomes.get("abandoned", 0)
    talk = sum(r.talk_seconds or 0 for r in rows)
    zone = ZoneInfo("Europe/Moscow" if region == "Москва" else "Asia/Novosibirsk")
    outside = sum(
        1 for r in rows if not (8 * 60 <= (lt := r.started_at.astimezone(zone)).hour * 60 + lt.minute <= 21 * 60 + 50)
    )
    progress = await reports.progress(db, record.id)
    return {
        "attempts": len(rows),
        "answered": answered,
        "abandoned": outcomes.get("abandoned", 0),
        "abandon_pct": 100 * outcomes.get("abandoned", 0) / answered if answered else 0.0,
        "occupancy": talk / (bots * elapsed),
        "contacts_per_operator_hour": outcomes.get("answered", 0) / bots / (elapsed / 3600),
        "reached": progress.reached,
        "window_violations": outside,
        **{f"n_{k}": v for k, v in sorted(outcomes.items())},
    }


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=None, help="per pacing (default 60, --quick 10)")
    parser.add_argument("--bots", type=int, default=None, help="simulated operators (default 10, --quick 5)")
    parser.add_argument("--quick", action="store_true", help="a smaller run with shorter calls, under a minute")
    args = parser.parse_args()
    args.seconds = args.seconds or (10.0 if args.quick else 60.0)
    args.bots = args.bots or (5 if args.quick else 10)
    # The calls still in progress when a pacing stops ring at most 8 s and talk at most the longest talk time.
    talk_time, ring_time = ((3.0, 6.0), (1.0, 3.0)) if args.quick else ((4.0, 12.0), (1.0, 4.0))
    drain = 8.0 + talk_time[1] + 2.0
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        url = await prepare_database(tmp / "bench.db", customers=20)
        # Time is compressed: the debt queue's after-call work (60 s, a result required) becomes 2 s.
        rules = (Path(__file__).resolve().parents[1] / "routing" / "default_rules.toml").read_text(encoding="utf-8")
        rules = re.sub(
            r"^debt = \{[^}]*\}", 'debt = { title = "Задолженность", wrap_up_seconds = 2 }', rules, flags=re.M
        )
        (tmp / "rules.toml").write_text(rules, encoding="utf-8")
        settings = settings_for_test(
            tmp, url, sim_bots=args.bots, dialer_tick_seconds=0.5, routing_rules=tmp / "rules.toml"
        )
        server = await start(settings, clock=Clock(DAY))
        try:
            pbx = server.simulator.pbx
            pbx.config = replace(
                pbx.config,
                outbound_answer_ratio=0.35,
                outbound_busy_ratio=0.10,
                outbound_no_answer_ratio=0.55,
                outbound_ring_time=ring_time,
                talk_time=talk_time,
                abandon_message_seconds=1.0,
            )
            server.app[keys.DIALER].ring_seconds = 8.0
            count = int(args.seconds * args.bots)  # enough debtors that the list never runs dry
            await add_debtors(server.db, "1", count)
            await add_debtors(server.db, "2", count)
            figures = {
                "progressive": await run_mode(server, "progressive", "Москва", args.seconds, args.bots, drain),
                "predictive": await run_mode(
                    server, "predictive", "Новосибирская область", args.seconds, args.bots, drain
                ),
            }
        finally:
            await server.stop()
    for mode, f in figures.items():
        print(mode, " ".join(f"{k}={v:.3f}" if isinstance(v, float) else f"{k}={v}" for k, v in f.items()))
    ratio = (
        figures["predictive"]["occupancy"] / figures["progressive"]["occupancy"]
        if figures["progressive"]["occupancy"]
        else 0
    )
    print(
        f"ami_run seconds={args.seconds:.0f} bots={args.bots} occupancy_ratio={ratio:.2f} "
        f"abandon_pct={figures['predictive']['abandon_pct']:.2f} "
        f"window_violations={figures['progressive']['window_violations'] + figures['predictive']['window_violations']}"
    )


if __name__ == "__main__":
    asyncio.run(main())
