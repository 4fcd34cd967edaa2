"""IVR statistics over recorded sessions: self-service rate and drop-outs per node."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ivr.stats import NO_NODE, ivr_stats
from ivr.values import ABANDONED, SELF_SERVED, TRANSFERRED, IvrSessionRecord
from routing import RoutingDecision

DAY = datetime(2026, 11, 23, tzinfo=UTC)


def session(path: tuple[str, ...], outcome: str, *, hour: int = 10, queue: str | None = None) -> IvrSessionRecord:
    decision = RoutingDecision(queue=queue, priority=0, reason="r", rule_id="x") if queue else None
    return IvrSessionRecord(
        call_id=f"{hour}.{len(path)}.{outcome}",
        started_at=DAY + timedelta(hours=hour),
        path=path,
        outcome=outcome,
        decision=decision,
    )


RECORDS = [
    session(("welcome", "identify", "main:1", "balance", "+balance", "after-billing"), SELF_SERVED),
    session(("welcome", "identify", "main:3", "meter", "+reading:12345"), SELF_SERVED),
    session(("welcome", "identify", "main:0", "operator"), TRANSFERRED, queue="support"),
    session(
        (
            "welcome",
            "identify",
            "main:1",
            "balance",
            "+balance",
            "after-billing:0",
            "operator-billing",
        ),
        TRANSFERRED,
        queue="billing",
    ),
    session(("welcome", "identify", "main"), ABANDONED),
    session(("welcome", "identify", "main:3", "meter"), ABANDONED),
    session(("welcome", "identify", "main"), ABANDONED),
    session((), ABANDONED),
    session(("welcome",), ABANDONED, hour=30),  # the next day: outside the period
]


def test_rates_and_drop_outs_for_a_day() -> None:
    stats = ivr_stats(RECORDS, start=DAY, end=DAY + timedelta(days=1))
    assert (stats.total, stats.self_served, stats.transferred, stats.abandoned) == (8, 2, 2, 4)
    assert stats.self_service_rate == 0.25
    assert stats.drop_outs == {"main": 2, "meter": 1, NO_NODE: 1}
    assert stats.visits["main"] == 7 and stats.visits["balance"] == 2
    assert stats.served == {"balance": 2, "reading": 1}
    assert stats.transfers_by_queue == {"support": 1, "billing": 1}
    assert stats.to_json()["self_service_rate"] == 0.25


def test_empty_period() -> None:
    stats = ivr_stats(RECORDS, start=DAY - timedelta(days=7), end=DAY)
    assert stats.total == 0 and stats.self_service_rate == 0.0 and stats.drop_outs == {}


def test_demo_keys_are_plausible_for_the_default_menu() -> None:
    import random

    from ivr.demo import demo_caller_keys
    from ivr.menu import default_menu

    menu = default_menu()
    rng = random.Random(7)
    for _ in range(200):
        keys = demo_caller_keys(rng, account_number="100200300", last_reading=1000)
        assert keys[0] == "100200300"
        if len(keys) > 1:
            assert keys[1] in menu.nodes["main"].choices
