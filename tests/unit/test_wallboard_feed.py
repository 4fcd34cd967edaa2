"""What the wallboard page is sent: the full picture, then each event's changes with one more `seq` each
(no clock, no sockets: events in, payloads out)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from crm_store import stats as st
from cti import events as ev
from routing import QueueTargets
from tests.unit.test_wallboard import T0, Q, abandoned, answered, at, member, offered, queued, ringing
from workstation.wallboard import WallboardStats
from workstation.wallboard_feed import CampaignFigures, WallboardFeed, abandoned_pct, merge

AGENT = "PJSIP/1001"
SALES_TARGETS = QueueTargets(service_level_seconds=30, longest_wait_seconds=(10.0, 20.0))


def feed(**extra: Any) -> WallboardFeed:
    return WallboardFeed(
        board=WallboardStats(service_levels={Q: 30}),
        titles={Q: "Продажи", "support": "Общие вопросы"},
        targets=lambda q: SALES_TARGETS if q == Q else QueueTargets(),
        names=lambda interface: "Анна Петрова" if interface == AGENT else None,
        **extra,
    )


def queue_of(payload: dict[str, Any], name: str) -> dict[str, Any]:
    return next(q for q in payload["queues"] if q["queue"] == name)


def test_the_full_picture_lists_the_rules_queues_in_order_before_any_call() -> None:
    full = feed().full(T0)
    assert [q["queue"] for q in full["queues"]] == [Q, "support"]
    sales = queue_of(full, Q)
    assert sales["title"] == "Продажи" and sales["offered"] == 0 and sales["waiting"] == 0
    assert sales["threshold_seconds"] == 30 and sales["targets"]["longest_wait_seconds"] == [10.0, 20.0]
    assert sales["abandoned_pct"] is None and sales["waiting_since"] is None
    assert full["seq"] == 0 and full["now"] == T0.isoformat() and full["campaigns"] == []
    assert full["interval_minutes"] == 15 and full["short_abandon_seconds"] == st.SHORT_ABANDON_SECONDS
    json.dumps(full)  # what Socket.IO sends


def sent(f: WallboardFeed, event: object, t: float) -> dict[str, Any] | None:
    """The push of one event, sequenced as the pusher sends it."""
    change = f.apply(event, at(t))
    return f.sequenced(change) if change is not None else None


def test_each_change_is_pushed_with_one_more_seq_and_absolute_figures() -> None:
    f = feed()
    pushes = [sent(f, e, t) for e, t in ((offered("c1", 0), 0), (queued("c1", 1), 1))]
    waiting = pushes[-1]
    assert waiting is not None
    sales = queue_of(waiting, Q)
    assert sales["waiting"] == 1 and sales["waiting_since"] == at(1).isoformat() and sales["offered"] == 1
    ring = sent(f, ringing("c1", 3, AGENT), 3)
    assert ring is not None and ring["operators"][0]["state"] == "ringing"
    assert ring["operators"][0]["name"] == "Анна Петрова"  # the directory's name, not the PBX's
    took = sent(f, answered("c1", 4, AGENT, wait=3.0), 4)
    assert took is not None
    assert queue_of(took, Q)["answered"] == 1 and queue_of(took, Q)["waiting"] == 0
    assert [i["index"] for i in took["intervals"]] == [st.interval_index(f.board.day_start, at(0))]  # type: ignore[arg-type]
    seqs = [p["seq"] for p in [*pushes, ring, took] if p is not None]
    assert seqs == list(range(1, len(seqs) + 1))
    assert f.full(at(5))["seq"] == seqs[-1]  # the picture says which changes it already holds


def test_an_event_that_changes_no_figure_pushes_nothing() -> None:
    f = feed()
    f.apply(member(AGENT, 0), at(0))
    seq = f.seq
    assert f.apply(ev.PbxConnected(at=at(1), host="pbx", port=5038, version="20"), at(1)) is None
    assert f.seq == seq  # no gap for the page to see


def test_an_operator_unknown_to_the_directory_keeps_the_pbx_name() -> None:
    f = feed()
    push = f.apply(member("PJSIP/2002", 0), at(0))
    assert push is not None and push["operators"][0]["name"] == "Anna"


def test_the_first_event_of_a_new_day_pushes_every_queue_at_zero() -> None:
    f = feed()
    f.apply(offered("c1", 0), at(0))
    f.apply(queued("c1", 1), at(1))
    f.apply(abandoned("c1", 30, wait=29.0), at(30))
    tomorrow = 86_400.0
    push = f.apply(member(AGENT, tomorrow), at(tomorrow))
    assert push is not None and push["new_day"] is True
    assert push["day"] == (T0 + timedelta(days=1)).date().isoformat()
    assert [q["queue"] for q in push["queues"]] == [Q, "support"]
    assert queue_of(push, Q)["offered"] == 0 and push["intervals"] == []


def test_campaigns_are_shown_as_the_dialer_sends_them_and_only_then() -> None:
    f = feed()
    assert f.full(T0)["campaigns"] == []
    push = f.sequenced(
        f.set_campaigns(
            [CampaignFigures(name="debt-dec", dialled=120, total=400, reached=70, abandon_pct=1.5, cap_pct=3.0)], T0
        )
    )
    assert push["seq"] == 1
    assert push["campaigns"] == [
        {
            "name": "debt-dec",
            "title": "debt-dec",
            "dialled": 120,
            "total": 400,
            "reached": 70,
            "abandon_pct": 1.5,
            "cap_pct": 3.0,
        }
    ]
    assert f.full(T0)["campaigns"] == push["campaigns"]


@pytest.mark.parametrize(
    ("offered_", "abandoned_", "short", "expected"),
    [(0, 0, 0, None), (10, 0, 0, 0.0), (10, 3, 1, 100 * 2 / 9), (2, 2, 2, None), (4, 1, 0, 25.0)],
)
def test_the_abandon_rate_leaves_short_abandons_out(
    offered_: int, abandoned_: int, short: int, expected: float | None
) -> None:
    counts = st.Counts(offered=offered_, abandoned=abandoned_, short_abandoned=short)
    assert abandoned_pct(counts) == expected


def test_the_changes_of_a_burst_merge_into_one_push_where_the_newest_figure_wins() -> None:
    f = feed()
    merged: dict[str, Any] | None = None
    events = [offered("c1", 0), queued("c1", 1), offered("c2", 2), queued("c2", 2), ringing("c1", 3, AGENT)]
    for n, event in enumerate(events):
        change = f.apply(event, at(n))
        if change is not None:
            merged = merge(merged, change)
    assert merged is not None
    assert [q["queue"] for q in merged["queues"]] == [Q]  # one figure a queue, the newest
    assert queue_of(merged, Q)["waiting"] == 2 and queue_of(merged, Q)["offered"] == 2
    assert [o["state"] for o in merged["operators"]] == ["ringing"]
    assert len(merged["intervals"]) == 1 and merged["intervals"][0]["offered"] == 2
    assert merged["new_day"] is False and "seq" not in merged
    assert f.sequenced(merged)["seq"] == 1  # one push, one seq: the page sees no gap


def test_a_new_day_in_a_burst_keeps_the_merged_push_a_new_day() -> None:
    f = feed()
    f.apply(offered("c1", 0), at(0))
    day = f.apply(member(AGENT, 86_400.0), at(86_400.0))
    f.apply(offered("c9", 86_401.0), at(86_401.0))
    after = f.apply(queued("c9", 86_401.0), at(86_401.0))
    campaigns = f.set_campaigns([], at(86_402.0))
    merged = merge(merge(day, after), campaigns)  # type: ignore[arg-type]
    assert merged["new_day"] is True and merged["campaigns"] == []
    assert queue_of(merged, Q)["offered"] == 1 and queue_of(merged, "support")["offered"] == 0
    assert merged["now"] == at(86_402.0).isoformat()


def test_new_rules_push_every_queue_with_its_new_title_and_targets_but_keep_the_days_figures() -> None:
    f = feed()
    sent(f, offered("c1", 0), 0)
    sent(f, queued("c1", 1), 1)
    change = f.retitle({"support": "Поддержка", Q: "Продажи и тарифы"}, lambda _q: QueueTargets(), at(5))
    assert [q["queue"] for q in change["queues"]] == ["support", Q]  # the new rules' order
    assert queue_of(change, Q)["title"] == "Продажи и тарифы" and queue_of(change, Q)["waiting"] == 1
    assert queue_of(change, Q)["targets"] == QueueTargets().to_json()
    assert queue_of(change, Q)["threshold_seconds"] == 30  # the day keeps the threshold it was counted with
    assert not change["new_day"] and change["operators"] == [] and change["intervals"] == []
    assert queue_of(f.full(at(6)), "support")["title"] == "Поддержка"
