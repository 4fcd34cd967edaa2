"""The supervisor's board: what one GET /api/supervision costs the server (building it and encoding it as
JSON) for a floor of N operators and M calls. Every supervisor's page asks for it again after the events of
a moment (supervisor.js gathers them for 250 ms), so this cost times the supervisors is the load they add.

    python bench/supervision.py            # 2 000 operators, 600 calls (400 talking, 200 waiting)
    python bench/supervision.py --quick    # 200 operators, 60 calls

The last line printed is ``name=value`` pairs.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crm_store.records import UserRecord
from workstation import presence as pr
from workstation.live import LiveCall, LiveCalls
from workstation.supervision import FloorCall, SupervisionService

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
QUEUES = {f"q{i}": f"Queue {i}" for i in range(6)}


def floor(operators: int, calls: int) -> SupervisionService:
    presence: dict[str, pr.Presence] = {}
    users: dict[str, UserRecord] = {}
    live = LiveCalls()
    talking = calls * 2 // 3
    for i in range(operators):
        interface = f"PJSIP/{1000 + i}"
        queues = (f"q{i % 6}", f"q{(i + 1) % 6}")
        on_call = i < talking
        presence[interface] = pr.Presence(
            interface=interface,
            queues=queues,
            call_id=f"c{i}" if on_call else None,
            call_state="talking" if on_call else None,
            paused=i % 7 == 0,
            paused_reason="break" if i % 7 == 0 else None,
            since=T0,
        )
        users[interface] = UserRecord(
            id=i + 1,
            username=f"op{i}",
            role="operator",
            full_name=f"Оператор {i}",
            extension=str(1000 + i),
            skills=(),
            queues=queues,
            language="ru",
            active=True,
        )
    for i in range(calls):
        state = "talking" if i < talking else "queued"
        live.active[f"c{i}"] = LiveCall(
            call_id=f"c{i}",
            direction="inbound",
            state=state,
            caller_number=f"7916{i:07d}",
            dialed_number="88005550100",
            customer_number=f"7916{i:07d}",
            offered_at=T0 + timedelta(seconds=i),
            queue=f"q{i % 6}",
            agent=f"PJSIP/{1000 + i}" if state == "talking" else None,
            agent_channel=f"PJSIP/{1000 + i}-{i:08x}" if state == "talking" else None,
            customer_channel=f"PJSIP/trunk-{i:08x}",
        )
    directory = SimpleNamespace(by_interface=users.get)
    presence_service: Any = SimpleNamespace(presence=presence, directory=directory)

    async def execute(command: object) -> None:  # never called: the board sends nothing
        raise AssertionError(command)

    service = SupervisionService(
        db=None,  # type: ignore[arg-type]
        presence=presence_service,
        calls=live,
        notifier=None,  # type: ignore[arg-type]
        execute=execute,
        queues=QUEUES,
    )
    for call in live.active.values():
        service.floor[call.call_id] = FloorCall(
            call_id=call.call_id,
            number=call.customer_number,
            state=call.state,
            since=call.offered_at,
            queue=call.queue,
            agent=call.agent,
        )
    return service


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--operators", type=int)
    parser.add_argument("--calls", type=int)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    operators = args.operators or (200 if args.quick else 2000)
    calls = args.calls or (60 if args.quick else 600)
    service = floor(operators, calls)
    timings = []
    size = 0
    for _ in range(args.rounds):
        start = time.perf_counter()
        body = json.dumps(service.board(), ensure_ascii=False)
        timings.append((time.perf_counter() - start) * 1000)
        size = len(body.encode())
    timings.sort()
    p50 = statistics.median(timings)
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    print(f"board of {operators} operators and {calls} calls: p50 {p50:.1f} ms, p99 {p99:.1f} ms, {size / 1024:.0f} KB")
    print(
        f"board_p50_ms={p50:.2f} board_p99_ms={p99:.2f} board_kb={size / 1024:.0f} operators={operators} calls={calls}"
    )


if __name__ == "__main__":
    main()
