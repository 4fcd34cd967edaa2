"""The day's statistics recomputed in SQL equal the definitions in Python (crm_store.stats.card_counts), card by
card, on SQLite and PostgreSQL: which day and interval a card falls in, and what it counts for."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from crm_store import interactions
from crm_store import stats as st
from crm_store.db import Database
from workstation.wallboard import day_bounds

pytestmark = pytest.mark.postgres

MOSCOW = ZoneInfo("Europe/Moscow")
DAY = date(2026, 12, 1)
START, END = day_bounds(DAY, MOSCOW)
T = START + timedelta(hours=10)
LEVELS = {"vip": 10}

# (offered at, queue, answered after s, outcome, wait, talk, agent, state): each a case of a definition
CARDS: list[tuple[str, dict[str, Any]]] = [
    ("answered within 20 s", {"queue": "sales", "answered": 19.9, "wait": 20, "talk": 61, "agent": "PJSIP/a1"}),
    ("answered after 20 s", {"queue": "sales", "answered": 21, "wait": 21, "talk": 100, "agent": "PJSIP/a1"}),
    ("answered within vip's 10 s", {"queue": "vip", "answered": 10, "wait": 10, "talk": 5, "agent": "PJSIP/a2"}),
    ("answered after vip's 10 s", {"queue": "vip", "answered": 11, "wait": 11, "talk": 5, "agent": "PJSIP/a2"}),
    ("answered, still talking", {"queue": "sales", "answered": 3, "wait": 3, "agent": "PJSIP/a3", "state": "talking"}),
    ("abandoned at 4 s: short", {"queue": "sales", "outcome": "abandoned", "wait": 4, "state": "ended"}),
    ("abandoned at 5 s: not short", {"queue": "sales", "outcome": "abandoned", "wait": 5, "state": "ended"}),
    ("abandoned, wait unknown", {"queue": "support", "outcome": "abandoned", "state": "ended"}),
    ("abandoned after a transfer", {"queue": "support", "answered": 2, "outcome": "abandoned", "wait": 30}),
    ("still waiting", {"queue": "support", "state": "queued"}),
    ("ivr only: no queue", {"outcome": "ivr_only", "state": "ended"}),
    ("outbound by an operator", {"answered": 9, "wait": 9, "talk": 40, "agent": "PJSIP/a3", "state": "ended"}),
    ("redirected out of the queue", {"queue": "support", "outcome": "unanswered", "state": "ended"}),
]


async def _store(db: Database, call_id: str, offered_at: datetime, card: dict[str, Any]) -> None:
    await interactions.open_call_card(db, call_id=call_id, offered_at=offered_at, queue=card.get("queue"))
    fields: dict[str, Any] = {"state": card.get("state", "ended")}
    if "answered" in card:
        fields["answered_at"] = offered_at + timedelta(seconds=card["answered"])
        fields["outcome"] = "answered"
    for key, column in (("outcome", "outcome"), ("wait", "wait_seconds"), ("talk", "talk_seconds")):
        if key in card:
            fields[column] = card[key]
    if "agent" in card:
        fields["agent_interface"] = card["agent"]
    await interactions.update_call_card(db, call_id, fields)


def facts(call_id: str, offered_at: datetime, card: dict[str, Any]) -> st.CardFacts:
    answered = card.get("answered")
    return st.CardFacts(
        call_id=call_id,
        offered_at=offered_at,
        queue=card.get("queue"),
        answered_at=offered_at + timedelta(seconds=answered) if answered is not None else None,
        outcome=card.get("outcome", "answered" if answered is not None else None),
        wait_seconds=card.get("wait"),
        talk_seconds=card.get("talk"),
        agent_interface=card.get("agent"),
        state=card.get("state", "ended"),
    )


async def test_each_card_counts_in_sql_as_the_python_definition_says(db: Database) -> None:
    expected_intervals: dict[tuple[str, int], st.Counts] = {}
    expected_operators: dict[str, st.OperatorCounts] = {}
    for n, (_, card) in enumerate(CARDS):
        offered_at = T + timedelta(minutes=7 * n, microseconds=n)
        await _store(db, f"c{n}", offered_at, card)
        f = facts(f"c{n}", offered_at, card)
        if f.queue is not None:
            key = (f.queue, st.interval_index(START, offered_at))
            threshold = LEVELS.get(f.queue, st.DEFAULT_SERVICE_LEVEL_SECONDS)
            expected_intervals[key] = expected_intervals.get(key, st.ZERO) + st.card_counts(f, threshold)
        if st.operator_counts(f) != st.NO_OPERATOR_COUNTS:
            assert f.agent_interface is not None
            part = st.operator_counts(f)
            expected_operators[f.agent_interface] = (
                expected_operators.get(f.agent_interface, st.NO_OPERATOR_COUNTS) + part
            )

    stored = await st.day_stats(db, start=START, end=END, service_levels=LEVELS)

    assert dict(stored.intervals) == expected_intervals
    assert dict(stored.operators) == expected_operators
    assert sorted(c.call_id for c in stored.open_cards) == ["c4", "c9"]
    sales = sum((c for (q, _), c in stored.intervals.items() if q == "sales"), st.ZERO)
    assert (sales.offered, sales.answered, sales.answered_within, sales.abandoned, sales.short_abandoned) == (
        5,
        3,
        2,
        2,
        1,
    )
    assert sales.service_level == pytest.approx(100 * 2 / (3 + 2 - 1))
    assert sales.asa_seconds == pytest.approx((20 + 21 + 3) / 3)
    assert sales.aht_seconds == pytest.approx((61 + 100) / 2)  # the call still going on has no talk time yet
    vip = sum((c for (q, _), c in stored.intervals.items() if q == "vip"), st.ZERO)
    assert (vip.answered, vip.answered_within) == (2, 1)
    assert stored.operators["PJSIP/a3"] == st.OperatorCounts(answered=2, talked=1, talk_seconds=40)


async def test_a_card_belongs_to_the_local_day_and_interval_it_was_offered_in(db: Database) -> None:
    at = {
        "yesterday": START - timedelta(microseconds=1),
        "first": START,
        "first+": START + st.INTERVAL - timedelta(microseconds=1),
        "second": START + st.INTERVAL,
        "last": END - timedelta(microseconds=1),
        "tomorrow": END,
    }
    for call_id, offered_at in at.items():
        await _store(db, call_id, offered_at, {"queue": "sales", "outcome": "abandoned", "wait": 7})

    stored = await st.day_stats(db, start=START, end=END)

    assert {k: c.offered for k, c in stored.intervals.items()} == {("sales", 0): 2, ("sales", 1): 1, ("sales", 95): 1}
    assert START == datetime(2026, 11, 30, 21, tzinfo=UTC)  # midnight in Moscow


async def test_a_day_with_a_clock_change_has_its_own_number_of_intervals(db: Database) -> None:
    berlin = ZoneInfo("Europe/Berlin")
    start, end = day_bounds(date(2026, 3, 29), berlin)  # clocks go forward: 23 hours
    assert len(st.interval_starts(start, end)) == 92
    late = end - timedelta(minutes=1)
    await _store(db, "late", late, {"queue": "sales", "answered": 1, "wait": 1, "talk": 1})

    stored = await st.day_stats(db, start=start, end=end)

    assert list(stored.intervals) == [("sales", 91)]
    assert late.astimezone(berlin).hour == 23
