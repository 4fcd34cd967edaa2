"""Given the real server with the shipped routing rules (VIP answers within 15 s, other queues within the
default 20 s): the queue report of today shows the same service level per queue as the wallboard rebuilt
from the same stored cards, so a supervisor reads one figure on both pages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crm_store import interactions
from web import keys
from workstation.wallboard_store import rebuilt_from_cards

from .client import Operator

pytestmark = pytest.mark.integration

# (queue, seconds waited before the answer): 17 s is within the default 20 s but not within VIP's 15 s.
CARDS = (("vip", 10), ("vip", 17), ("support", 10), ("support", 17))


async def test_the_report_of_today_has_the_wallboards_per_queue_service_level(server) -> None:
    rules = server.app[keys.RULES]
    assert rules.service_levels["vip"] == 15 and "support" not in rules.service_levels
    now = datetime.now(UTC)
    at = max(now - timedelta(minutes=2), now.astimezone(rules.timezone).replace(hour=0, minute=0, second=1))
    for n, (queue, wait) in enumerate(CARDS):
        call_id = f"sl-{n}"
        await interactions.open_call_card(server.db, call_id=call_id, offered_at=at, queue=queue)
        answered = {"outcome": "answered", "answered_at": at + timedelta(seconds=wait), "wait_seconds": wait}
        await interactions.update_call_card(server.db, call_id, {"state": "ended", **answered})
    board = await rebuilt_from_cards(
        server.db, datetime.now(UTC), tz=rules.timezone, service_levels=rules.service_levels
    )
    wallboard = {q: board.queue_figures(q).to_json()["service_level"] for q in ("vip", "support")}
    assert wallboard == {"vip": 50.0, "support": 100.0}

    sup = Operator(server.url)
    try:
        assert (await sup.login("sup", server.passwords["sup"])).status == 302
        day = at.astimezone(rules.timezone).date()
        report = await sup.api("GET", f"/api/reports/queues?from={day}&to={day}&step=hour")
    finally:
        await sup.http.close()
    totals = {row["queue"]: row["service_level"] for row in report["totals"]}
    assert {q: totals[q] for q in ("vip", "support")} == wallboard
