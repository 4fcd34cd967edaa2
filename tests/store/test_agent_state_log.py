"""The operators' state log as the app runs it: a subscriber of the event stream that stores the member events
as intervals, closes what a previous run left open, and feeds the operators' report."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from crm_store import reports as rp
from crm_store.db import Database
from crm_store.models import AgentStateInterval
from crm_store.reports_operators import operator_report
from cti import events as ev
from cti.stream import LocalStream
from workstation.agent_state_log import AgentStateLog

pytestmark = pytest.mark.postgres

T0 = datetime(2026, 12, 1, 9, tzinfo=UTC)


def member(minute: int, change: ev.MemberChange, paused: bool = False, reason: str = "") -> ev.AgentStateChanged:
    return ev.AgentStateChanged(
        at=T0 + timedelta(minutes=minute),
        agent="PJSIP/1001",
        agent_name="A",
        queue="support",
        change=change,
        status=ev.DeviceStatus.NOT_INUSE,
        paused=paused,
        pause_reason=reason,
        in_call=False,
        calls_taken=0,
        dynamic=True,
    )


async def intervals(db: Database) -> list[tuple[str, str | None, datetime, datetime | None]]:
    async with db.read_session() as s:
        rows = await s.execute(
            select(
                AgentStateInterval.state,
                AgentStateInterval.reason,
                AgentStateInterval.started_at,
                AgentStateInterval.ended_at,
            ).order_by(AgentStateInterval.id)
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


async def test_member_events_on_the_stream_are_stored_as_intervals_the_report_reads(db: Database) -> None:
    stream: LocalStream[object] = LocalStream()
    log = AgentStateLog(db, clock=lambda: T0)
    await log.start()
    stream.subscribe("agent_state_log", log.handle)
    for event in (
        member(0, ev.MemberChange.ADDED),
        member(30, ev.MemberChange.PAUSED, paused=True, reason="break"),
        member(45, ev.MemberChange.UNPAUSED),
        member(50, ev.MemberChange.PAUSED, paused=True, reason="after_call_work"),
        member(52, ev.MemberChange.UNPAUSED),
        member(60, ev.MemberChange.REMOVED),
    ):
        stream.publish(event)
    await stream.drain()
    await stream.close()
    await log.close()

    at = lambda m: T0 + timedelta(minutes=m)  # noqa: E731
    assert await intervals(db) == [
        ("ready", None, at(0), at(30)),
        ("paused", "break", at(30), at(45)),
        ("ready", None, at(45), at(50)),
        ("paused", "after_call_work", at(50), at(52)),
        ("ready", None, at(52), at(60)),
    ]
    period = rp.Period.of_days(date(2026, 12, 1), date(2026, 12, 1), ZoneInfo("Europe/Moscow"))
    report = await operator_report(db, period, now=at(120))
    (operator,) = report.operators
    assert (operator.ready_seconds, operator.wrap_up_seconds, operator.pauses) == (43 * 60, 120, {"break": 900})


async def test_a_restart_closes_the_intervals_left_open_and_the_snapshot_reopens_them(db: Database) -> None:
    first = AgentStateLog(db, clock=lambda: T0)
    await first.start()
    await first.handle(member(0, ev.MemberChange.ADDED))
    await first.drain()  # stored; then the process dies without closing anything

    restarted_at = T0 + timedelta(minutes=20)
    second = AgentStateLog(db, clock=lambda: restarted_at)
    await second.start()
    await second.handle(member(21, ev.MemberChange.SNAPSHOT))
    await second.drain()

    assert await intervals(db) == [
        ("ready", None, T0, restarted_at),
        ("ready", None, T0 + timedelta(minutes=21), None),
    ]
    await first.close()
    await second.close()


def _flapping(i: int) -> ev.AgentStateChanged:
    pause = i % 2 == 1
    return member(0, ev.MemberChange.PAUSED if pause else ev.MemberChange.UNPAUSED, paused=pause, reason="break")


async def test_a_burst_of_member_events_is_stored_whole_and_in_order(db: Database) -> None:
    """A busy floor sends member events faster than one transaction each can store them: none is dropped,
    and they are stored in order (each interval ends where the next begins)."""
    stream: LocalStream[object] = LocalStream()
    log = AgentStateLog(db, clock=lambda: T0)
    await log.start()
    # The stream drops what a subscriber's queue cannot hold: a log that waited for the database on every
    # event filled these 20 places long before its first write came back.
    subscription = stream.subscribe("agent_state_log", log.handle, queue_size=20)
    stream.publish(member(0, ev.MemberChange.ADDED))
    burst = 400
    for i in range(1, burst + 1):
        stream.publish(replace(_flapping(i), at=T0 + timedelta(seconds=i)))
        await asyncio.sleep(0)  # the AMI reader yields between reads
    await stream.drain()
    assert subscription.dropped == 0
    await stream.close()
    await log.close()

    stored = await intervals(db)
    assert len(stored) == burst + 1
    expected = ["ready", *("paused" if i % 2 else "ready" for i in range(1, burst + 1))]
    assert [state for state, _reason, _start, _end in stored] == expected
    assert all(stored[k][3] == stored[k + 1][2] for k in range(len(stored) - 1))
