"""A generated day fed to the live wallboard and, through the real card rules, to stored call cards: the live
figures equal the figures recomputed from the cards — after a restart in the middle of the day too."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from crm_store import stats as st
from crm_store.db import Database
from cti import events as ev
from tests.unit.wallboard_day import DAY, MOSCOW, SERVICE_LEVELS, generate_day
from workstation.card_writer import CardWriter
from workstation.cards import CardChange, card_change
from workstation.directory import Directory
from workstation.live import LiveCalls
from workstation.wallboard import OperatorFigures, WallboardStats, day_bounds
from workstation.wallboard_store import rebuilt_from_cards


class Cards:
    """The workstation's card path: the live call fold, the card rules and the real CardWriter."""

    def __init__(self, db: Database) -> None:
        self.calls = LiveCalls()
        self.last = datetime.min
        self.writer = CardWriter(db, Directory(db), lambda: self.last, self._announce)
        self.writer.start()

    async def _announce(self, changes: list[CardChange]) -> None:
        return None

    async def feed(self, events: Iterable[object]) -> None:
        for event in events:
            before = self.calls.get(getattr(event, "call_id", "") or "")
            call = self.calls.apply(event)
            change = card_change(event, call, before)
            if change is not None:
                self.writer.put(change)
        await self.writer.drain()

    async def close(self) -> None:
        await self.writer.close()


def fold(events: Iterable[object], board: WallboardStats | None = None) -> WallboardStats:
    board = board or WallboardStats(tz=MOSCOW, service_levels=SERVICE_LEVELS)
    for event in events:
        board.apply(event)
    return board


async def recomputed(db: Database) -> st.DayStats:
    start, end = day_bounds(DAY, MOSCOW)
    return await st.day_stats(db, start=start, end=end, service_levels=SERVICE_LEVELS)


def the_day(board: WallboardStats) -> dict[str, Any]:
    return {"intervals": board.intervals, "queues": board.queue_totals, "operators": board.operator_totals}


def the_day_stored(stored: st.DayStats) -> dict[str, Any]:
    return the_day(WallboardStats.seeded(stored, tz=MOSCOW, service_levels=SERVICE_LEVELS))


def without_since(figures: OperatorFigures) -> tuple[Any, ...]:
    return (figures.interface, figures.state, figures.pause_reason, figures.queues, figures.day)


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_the_live_figures_of_a_day_equal_those_recomputed_from_its_cards(db: Database, seed: int) -> None:
    await _replayed_day_agrees(db, seed)


@pytest.mark.postgres
async def test_the_recomputation_agrees_on_both_backends(db: Database) -> None:
    await _replayed_day_agrees(db, 7)


async def _replayed_day_agrees(db: Database, seed: int) -> None:
    events = generate_day(seed)
    live = fold(events)
    cards = Cards(db)
    await cards.feed(events)
    await cards.close()
    stored = await recomputed(db)

    assert live.day == DAY
    assert the_day(live) == the_day_stored(stored)
    assert dict(live.intervals) == dict(stored.intervals)
    assert dict(live.operator_totals) == dict(stored.operators)
    # The day is not trivially empty, and each kind of figure was exercised.
    total = sum(stored.intervals.values(), st.ZERO)
    assert total.offered > 300 and total.answered > 150 and total.abandoned > 40
    assert 0 < total.short_abandoned < total.abandoned
    assert 0 < total.answered_within < total.answered
    assert {q for q, _ in stored.intervals} == {"sales", "support", "billing"}
    assert len({i for _, i in stored.intervals}) > 40
    assert stored.open_cards == ()  # every call of the day ended
    seeded = WallboardStats.seeded(stored, tz=MOSCOW, service_levels=SERVICE_LEVELS).figures()
    for shown, rebuilt in zip(live.figures().queues, seeded.queues, strict=True):
        assert (shown.queue, shown.day, shown.threshold_seconds) == (
            rebuilt.queue,
            rebuilt.day,
            rebuilt.threshold_seconds,
        )
    assert live.figures().intervals == seeded.intervals


@pytest.mark.parametrize("seed,cut", [(4, 0.5), (5, 0.35), (6, 0.8)])
async def test_a_wallboard_restarted_in_the_middle_of_the_day_rebuilds_the_same_figures(
    db: Database, seed: int, cut: float
) -> None:
    """Only the wallboard restarts (the card writer keeps its calls): it takes their history from the cards."""
    events = generate_day(seed)
    at = int(len(events) * cut)
    first, rest = events[:at], events[at:]
    uninterrupted = fold(events)
    cards = Cards(db)
    await cards.feed(first)
    at_restart = await recomputed(db)
    assert at_restart.open_cards, "the cut falls while calls are going on"
    restarted = WallboardStats.seeded(at_restart, tz=MOSCOW, service_levels=SERVICE_LEVELS, writer_restarted=False)
    assert the_day(restarted) == the_day(fold(first))
    # After a restart the PBX tells who is a member and paused (the tracker's member snapshot).
    for event in uninterrupted_members(first):
        restarted.apply(event)
    fold(rest, restarted)
    await cards.feed(rest)
    await cards.close()

    assert the_day(restarted) == the_day(uninterrupted) == the_day_stored(await recomputed(db))
    assert [without_since(o) for o in restarted.figures().operators] == [
        without_since(o) for o in uninterrupted.figures().operators
    ]


def uninterrupted_members(events: list[Any]) -> list[object]:
    """The member snapshot the tracker sends after a reconnect: each member's last state, as SNAPSHOT."""
    last: dict[tuple[str, str], ev.AgentStateChanged] = {}
    for event in events:
        if isinstance(event, ev.AgentStateChanged):
            key = (event.agent, event.queue)
            if event.change is ev.MemberChange.REMOVED:
                last.pop(key, None)
            else:
                last[key] = event
    at = events[-1].at
    return [replace(e, change=ev.MemberChange.SNAPSHOT, at=at) for e in last.values()]


@pytest.mark.parametrize("seed,cut", [(8, 0.5), (9, 0.3), (10, 0.6)])
async def test_after_the_whole_app_restarts_the_live_figures_still_equal_the_stored_cards(
    db: Database, seed: int, cut: float
) -> None:
    """The app restarts: the card writer and the wallboard know the calls in progress only from the tracker's
    resync (re-offered, re-queued, re-answered) and what follows. The wallboard is rebuilt from the cards."""
    events = generate_day(seed)
    at = busy_cut(events, cut)
    first, rest = events[:at], events[at:]
    before = Cards(db)
    await before.feed(first)
    await before.close()
    resync = [*resync_events(before.calls, first[-1].at), *uninterrupted_members(first)]
    assert any(isinstance(e, ev.CallAnswered) for e in resync) and any(isinstance(e, ev.CallQueued) for e in resync)

    restarted = await rebuilt_from_cards(db, first[-1].at, tz=MOSCOW, service_levels=SERVICE_LEVELS)
    after = Cards(db)
    for events_after in (resync, rest):
        fold(events_after, restarted)
        await after.feed(events_after)
    await after.close()

    assert the_day(restarted) == the_day_stored(await recomputed(db))


def resync_events(calls: LiveCalls, at: datetime) -> list[object]:
    """What the tracker tells of the calls it finds going on after a reconnect (cti/resync.py `_seed`)."""
    out: list[object] = []
    for call in calls.active.values():
        out.append(
            ev.CallOffered(
                call_id=call.call_id,
                at=at,
                direction=ev.Direction(call.direction),
                caller_number=call.customer_number,
                caller_name=None,
                dialed_number=call.dialed_number,
                channel="PJSIP/trunk-00000001",
                seeded=True,
            )
        )
        if call.state in ("queued", "ringing") and call.queue:
            out.append(
                ev.CallQueued(
                    call_id=call.call_id, at=at, queue=call.queue, position=1, caller_number=None, seeded=True
                )
            )
        elif call.state == "talking" and call.agent:
            out.append(
                ev.CallAnswered(
                    call_id=call.call_id,
                    at=at,
                    queue=call.queue,
                    agent=call.agent,
                    agent_name=None,
                    agent_channel=call.agent_channel,
                    wait_seconds=0.0,
                    seeded=True,
                )
            )
    return out


async def test_a_call_of_yesterday_re_offered_by_the_resync_after_midnight_adds_nothing_to_today(db: Database) -> None:
    midnight = day_bounds(DAY, MOSCOW)[0]

    def t(seconds: float) -> datetime:
        return midnight + timedelta(seconds=seconds)

    call = "1764000001.1"
    common: dict[str, Any] = {"call_id": call, "caller_number": None}
    before = [
        ev.CallOffered(
            at=t(-60),
            direction=ev.Direction.INBOUND,
            caller_name=None,
            dialed_number=None,
            channel="PJSIP/trunk-1",
            **common,
        ),
        ev.CallQueued(at=t(-55), queue="sales", position=1, **common),
    ]
    cards = Cards(db)
    await cards.feed(before)
    await cards.close()
    restarted = await rebuilt_from_cards(db, t(60), tz=MOSCOW, service_levels=SERVICE_LEVELS)
    assert [c.call_id for c in restarted.cards.values()] == [call]
    after = [
        ev.CallOffered(
            at=t(60),
            direction=ev.Direction.INBOUND,
            caller_name=None,
            dialed_number=None,
            channel="PJSIP/trunk-1",
            seeded=True,
            **common,
        ),
        ev.CallAnswered(
            at=t(70),
            call_id=call,
            queue="sales",
            agent="PJSIP/a1",
            agent_name=None,
            agent_channel=None,
            wait_seconds=130,
        ),
        ev.CallEnded(
            at=t(130),
            call_id=call,
            direction=ev.Direction.INBOUND,
            answered=True,
            queue="sales",
            agent="PJSIP/a1",
            talk_seconds=60,
            duration_seconds=None,
            cause=16,
            cause_text=None,
            ended_by="caller",
        ),
    ]
    restarted_cards = Cards(db)
    fold(after, restarted)
    await restarted_cards.feed(after)
    await restarted_cards.close()

    assert (
        the_day(restarted) == the_day_stored(await recomputed(db)) == {"intervals": {}, "queues": {}, "operators": {}}
    )


def busy_cut(events: list[Any], fraction: float) -> int:
    """The first cut from `fraction` of the day on with a caller waiting and another talking."""
    calls = LiveCalls()
    for n, event in enumerate(events):
        calls.apply(event)
        states = {c.state for c in calls.active.values()}
        if n >= len(events) * fraction and {"queued", "talking"} <= states:
            return n + 1
    raise AssertionError("no busy moment in the day")
