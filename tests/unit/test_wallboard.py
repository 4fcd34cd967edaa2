"""The wallboard fold, figure by figure, as tables of events (no clock, no database)."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crm_store import stats as st
from cti import events as ev
from workstation.wallboard import OperatorState, WallboardStats

T0 = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # 10:00 in Moscow
Q = "sales"


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def offered(call: str, t: float, **extra: Any) -> ev.CallOffered:
    fields: dict[str, Any] = {
        "direction": ev.Direction.INBOUND,
        "caller_number": "+79161234567",
        "caller_name": None,
        "dialed_number": "88005550000",
        "channel": "PJSIP/trunk-1",
        **extra,
    }
    return ev.CallOffered(call_id=call, at=at(t), **fields)


def queued(call: str, t: float, queue: str = Q) -> ev.CallQueued:
    return ev.CallQueued(call_id=call, at=at(t), queue=queue, position=1, caller_number=None)


def ringing(call: str, t: float, agent: str, queue: str | None = Q) -> ev.AgentRinging:
    return ev.AgentRinging(
        call_id=call,
        at=at(t),
        queue=queue,
        agent=agent,
        agent_name=None,
        agent_channel=f"{agent}-1",
        caller_number=None,
        caller_name=None,
    )


def answered(call: str, t: float, agent: str, wait: float, queue: str | None = Q) -> ev.CallAnswered:
    return ev.CallAnswered(
        call_id=call, at=at(t), queue=queue, agent=agent, agent_name=None, agent_channel=f"{agent}-1", wait_seconds=wait
    )


def abandoned(call: str, t: float, wait: float, queue: str = Q) -> ev.CallAbandoned:
    return ev.CallAbandoned(
        call_id=call,
        at=at(t),
        queue=queue,
        position=1,
        original_position=1,
        wait_seconds=wait,
        reason=ev.AbandonReason.CALLER_HANGUP,
    )


def ended(call: str, t: float, *, answered: bool, agent: str | None = None, talk: float | None = None) -> ev.CallEnded:
    return ev.CallEnded(
        call_id=call,
        at=at(t),
        direction=ev.Direction.INBOUND,
        answered=answered,
        queue=Q,
        agent=agent,
        talk_seconds=talk,
        duration_seconds=None,
        cause=16,
        cause_text=None,
        ended_by="caller",
    )


def member(
    agent: str,
    t: float,
    change: ev.MemberChange = ev.MemberChange.ADDED,
    *,
    queue: str = Q,
    paused: bool = False,
    reason: str | None = None,
    status: ev.DeviceStatus = ev.DeviceStatus.NOT_INUSE,
) -> ev.AgentStateChanged:
    return ev.AgentStateChanged(
        at=at(t),
        agent=agent,
        agent_name="Anna",
        queue=queue,
        change=change,
        status=status,
        paused=paused,
        pause_reason=reason,
        in_call=False,
        calls_taken=0,
        dynamic=True,
    )


def answered_call(call: str, t: float, wait: float, talk: float, agent: str = "PJSIP/a1") -> list[object]:
    return [
        offered(call, t),
        queued(call, t + 1),
        answered(call, t + 1 + wait, agent, wait),
        ended(call, t + 1 + wait + talk, answered=True, agent=agent, talk=talk),
    ]


def abandoned_call(call: str, t: float, wait: float) -> list[object]:
    return [
        offered(call, t),
        queued(call, t + 1),
        abandoned(call, t + 1 + wait, wait),
        ended(call, t + 2 + wait, answered=False),
    ]


def fold(*events: object, **options: Any) -> WallboardStats:
    board = WallboardStats(**options)
    for event in events:
        board.apply(event)
    return board


def day(board: WallboardStats, queue: str = Q) -> st.Counts:
    return board.queue_totals.get(queue, st.ZERO)


# ------------------------------------------------------------------ queue figures


@pytest.mark.parametrize(
    "wait,within",
    [(0.0, True), (19.6, True), (20.0, True), (20.5, True), (20.51, False), (21.0, False)],
    ids=["at once", "19.6 s", "20 s", "20.5 s rounds to 20", "20.51 s rounds to 21", "21 s"],
)
def test_an_answer_is_within_the_service_level_by_its_stored_whole_seconds(wait: float, within: bool) -> None:
    board = fold(*answered_call("c1", 0, wait, 30))
    assert (day(board).answered, day(board).answered_within) == (1, int(within))


@pytest.mark.parametrize("wait,short", [(0.4, True), (4.5, True), (4.51, False), (5.0, False), (12.0, False)], ids=str)
def test_an_abandon_under_5_s_is_short_and_leaves_the_service_level_alone(wait: float, short: bool) -> None:
    board = fold(*answered_call("c1", 0, 5, 30), *abandoned_call("c2", 100, wait))
    counts = day(board)
    assert (counts.abandoned, counts.short_abandoned) == (1, int(short))
    assert counts.service_level == (100.0 if short else 50.0)


def test_service_level_asa_and_aht_of_a_queue() -> None:
    board = fold(
        *answered_call("c1", 0, 4, 60),
        *answered_call("c2", 10, 30, 120),
        *abandoned_call("c3", 20, 40),
        *abandoned_call("c4", 30, 2),
        offered("c5", 40),
        queued("c5", 41),
        answered("c5", 47, "PJSIP/a2", 6),  # still talking: answered, no talk time yet
    )
    q = board.queue_figures(Q)
    assert (q.day.offered, q.day.answered, q.day.answered_within, q.day.abandoned, q.day.short_abandoned) == (
        5,
        3,
        2,
        2,
        1,
    )
    assert q.day.service_level == pytest.approx(100 * 2 / 4)
    assert q.day.asa_seconds == pytest.approx((4 + 30 + 6) / 3)
    assert q.day.aht_seconds == pytest.approx((60 + 120) / 2)


def test_a_queue_s_own_threshold_applies() -> None:
    board = fold(*answered_call("c1", 0, 25, 30), service_levels={Q: 30})
    assert day(board).answered_within == 1
    assert board.queue_figures(Q).threshold_seconds == 30


def test_callers_waiting_and_since_when_the_longest_has_waited() -> None:
    board = fold(offered("c1", 0), queued("c1", 5), offered("c2", 10), queued("c2", 12))
    q = board.queue_figures(Q)
    assert (q.waiting, q.waiting_since) == (2, at(5))
    board.apply(answered("c1", 20, "PJSIP/a1", 15))
    q = board.queue_figures(Q)
    assert (q.waiting, q.waiting_since) == (1, at(12))


def test_an_event_returns_only_the_figures_it_changed() -> None:
    board = fold(member("PJSIP/a1", 0), member("PJSIP/a2", 0, queue="support"))
    assert not board.apply(offered("c1", 1))  # no queue yet: nothing on the wallboard moves
    changes = board.apply(queued("c1", 2))
    assert [q.queue for q in changes.queues] == [Q]
    assert changes.queues[0].day.offered == 1 and changes.queues[0].waiting == 1
    assert [(i.queue, i.index, i.counts.offered) for i in changes.intervals] == [(Q, 40, 1)]  # 10:00 Moscow
    assert changes.intervals[0].start.isoformat() == "2026-12-01T10:00:00+03:00"
    assert changes.operators == ()
    changes = board.apply(answered("c1", 10, "PJSIP/a1", 8))
    assert [o.interface for o in changes.operators] == ["PJSIP/a1"]
    assert changes.operators[0].state == OperatorState.TALKING and changes.operators[0].day.answered == 1
    assert [q.queue for q in changes.queues] == [Q]  # support's operators and figures did not move


def test_a_call_handed_on_into_another_queue_counts_once_in_the_last_queue_for_the_first_operator() -> None:
    board = fold(
        offered("c1", 0),
        queued("c1", 1),
        answered("c1", 5, "PJSIP/a1", 4),
        ev.CallTransferred(
            call_id="c1", at=at(65), kind=ev.TransferKind.BLIND, from_agent="PJSIP/a1", to_extension="support"
        ),
        queued("c1", 66, "support"),
        answered("c1", 70, "PJSIP/a2", 4, "support"),
        ended("c1", 100, answered=True, agent="PJSIP/a2", talk=95),
    )
    assert day(board, Q) == st.ZERO and Q not in board.queue_totals
    support = day(board, "support")
    assert (support.offered, support.answered, support.talk_seconds) == (1, 1, 60)  # talk until the hand-over
    assert board.operator_totals == {"PJSIP/a1": st.OperatorCounts(answered=1, talked=1, talk_seconds=60)}


def test_a_call_offered_on_another_day_counts_for_none_of_today() -> None:
    board = fold(offered("c1", 0), queued("c1", 1), service_levels={})
    changes = board.apply(offered("c2", 24 * 3600))  # the next day
    assert changes.new_day and changes.queues == tuple(board.figures().queues)
    assert board.queue_totals == {} and board.intervals == {}
    board.apply(answered("c1", 24 * 3600 + 5, "PJSIP/a1", 30))
    assert board.queue_totals == {} and board.operator_totals == {}


def test_the_day_turns_at_local_midnight_even_without_events() -> None:
    board = fold(*answered_call("c1", 0, 5, 30))
    midnight = datetime(2026, 12, 1, 21, 0, tzinfo=UTC)  # 00:00 in Moscow
    assert not board.tick(midnight - timedelta(microseconds=1))
    changes = board.tick(midnight)
    assert changes.new_day and board.day is not None and board.day.isoformat() == "2026-12-02"
    assert all(q.day == st.ZERO for q in changes.queues)


# ------------------------------------------------------------------ operators


A = "PJSIP/a1"


@pytest.mark.parametrize(
    "events,state,reason",
    [
        ([], OperatorState.OFFLINE, None),
        ([member(A, 0)], OperatorState.FREE, None),
        ([member(A, 0), ringing("c1", 5, A)], OperatorState.RINGING, None),
        (
            [
                member(A, 0),
                ringing("c1", 5, A),
                ev.AgentRingNoAnswer(call_id="c1", at=at(9), queue=Q, agent=A, agent_name=None, ring_seconds=4),
            ],
            OperatorState.FREE,
            None,
        ),
        (
            [member(A, 0), ringing("c1", 5, "PJSIP/a2"), ringing("c1", 5, A), answered("c1", 8, "PJSIP/a2", 8)],
            "free",
            None,
        ),
        ([member(A, 0), offered("c1", 2), answered("c1", 5, A, 3)], OperatorState.TALKING, None),
        ([member(A, 0), offered("c1", 2, direction=ev.Direction.OUTBOUND, agent=A)], OperatorState.TALKING, None),
        ([member(A, 0), answered("c1", 5, A, 3), ended("c1", 60, answered=True, agent=A)], OperatorState.FREE, None),
        (
            [
                member(A, 0),
                answered("c1", 5, A, 3),
                ended("c1", 60, answered=True, agent=A),
                member(A, 60.2, ev.MemberChange.PAUSED, paused=True, reason="after_call_work"),
            ],
            OperatorState.WRAP_UP,
            None,
        ),
        ([member(A, 0), member(A, 9, ev.MemberChange.PAUSED, paused=True, reason="lunch")], "paused", "lunch"),
        (
            [member(A, 0), member(A, 9, ev.MemberChange.PAUSED, paused=True, reason="lunch"), answered("c1", 20, A, 1)],
            OperatorState.TALKING,
            None,
        ),
        ([member(A, 0), member(A, 9, ev.MemberChange.REMOVED)], OperatorState.OFFLINE, None),
        ([member(A, 0, status=ev.DeviceStatus.UNAVAILABLE)], OperatorState.OFFLINE, None),
        (
            [
                member(A, 0),
                answered("c1", 5, A, 3),
                ev.CallTransferred(call_id="c1", at=at(30), kind=ev.TransferKind.BLIND, from_agent=A, to_extension="x"),
            ],
            OperatorState.FREE,
            None,
        ),
        (
            [
                member(A, 0),
                ev.CallTransferred(
                    call_id="c1", at=at(30), kind=ev.TransferKind.ATTENDED, from_agent="PJSIP/a2", to_agent=A
                ),
            ],
            OperatorState.TALKING,
            None,
        ),
    ],
    ids=[
        "never seen",
        "signed in",
        "ringing",
        "not answered",
        "another phone took it",
        "talking",
        "dialling out",
        "call over",
        "after-call work",
        "paused",
        "a call reaches a paused phone",
        "left the queue",
        "phone unreachable",
        "handed the call on",
        "received a transfer",
    ],
)
def test_operator_state(events: list[object], state: str, reason: str | None) -> None:
    figures = fold(*events).operator_figures(A)
    assert (figures.state, figures.pause_reason) == (state, reason)


def test_time_in_state_runs_from_the_change_of_state_not_from_every_event() -> None:
    board = fold(member(A, 0), member(A, 5, queue="support"))
    assert board.operator_figures(A).since == at(0)  # joined another queue: still free since 0
    board.apply(member(A, 10, ev.MemberChange.PAUSED, paused=True, reason="lunch"))
    board.apply(member(A, 10, ev.MemberChange.PAUSED, queue="support", paused=True, reason="lunch"))
    assert board.operator_figures(A).since == at(10)
    board.apply(member(A, 20, ev.MemberChange.PAUSED, paused=True, reason="training"))
    assert (board.operator_figures(A).pause_reason, board.operator_figures(A).since) == ("training", at(20))


def test_the_kept_operator_counts_equal_a_recount_of_the_members_after_any_sequence() -> None:
    """The counts per queue and state are kept as operators change (no walk over the members per event):
    after a long random day of joins, pauses, leaves and calls they still equal a recount."""
    rng = random.Random(7)
    agents = [f"PJSIP/a{i}" for i in range(12)]
    board = WallboardStats()
    t = 0.0
    for n in range(3000):
        t += 1
        agent, queue = rng.choice(agents), rng.choice((Q, "support"))
        kind = rng.random()
        if kind < 0.3:
            change = rng.choice(list(ev.MemberChange))
            paused = change is ev.MemberChange.PAUSED and rng.random() < 0.8
            board.apply(member(agent, t, change, queue=queue, paused=paused, reason="lunch" if paused else None))
        elif kind < 0.5:
            board.apply(ringing(f"c{n}", t, agent, queue))
        elif kind < 0.7:
            board.apply(answered(f"c{n}", t, agent, 1, queue))
        else:
            call = next(iter(board.on_call), None)
            if call is not None:
                board.apply(ended(call, t, answered=True, agent=agent, talk=1))
        for q in (Q, "support"):
            states = [board.operators[i].state for i in board.members.get(q, ())]
            figures = board.queue_figures(q)
            busy = sum(s in (OperatorState.RINGING, OperatorState.TALKING, OperatorState.WRAP_UP) for s in states)
            assert (figures.operators_free, figures.operators_busy, figures.operators_paused) == (
                states.count(OperatorState.FREE),
                busy,
                states.count(OperatorState.PAUSED),
            ), f"after event {n}"


def test_a_queue_counts_its_operators_free_busy_and_paused() -> None:
    board = fold(
        member("PJSIP/a1", 0),
        member("PJSIP/a2", 0),
        member("PJSIP/a3", 0),
        member("PJSIP/a4", 0),
        member("PJSIP/a5", 0),
        member("PJSIP/a6", 0, queue="support"),
        answered("c1", 5, "PJSIP/a1", 1),
        member("PJSIP/a2", 6, ev.MemberChange.PAUSED, paused=True, reason="after_call_work"),
        member("PJSIP/a3", 7, ev.MemberChange.PAUSED, paused=True, reason="lunch"),
        member("PJSIP/a4", 8, ev.MemberChange.REMOVED),
    )
    q = board.queue_figures(Q)
    assert (q.operators_free, q.operators_busy, q.operators_paused) == (1, 2, 1)
    assert board.queue_figures("support").operators_free == 1


def test_the_figures_travel_as_json() -> None:
    board = fold(
        member(A, 0),
        *answered_call("c1", 10, 25, 61),
        *abandoned_call("c2", 20, 3),
        offered("c3", 30),
        queued("c3", 31),
    )
    sent = json.loads(json.dumps(board.figures().to_json()))
    assert sent["day"] == "2026-12-01"
    [queue] = sent["queues"]
    assert queue | {"waiting_since": None} == queue | {
        "queue": Q,
        "offered": 3,
        "answered": 1,
        "answered_within": 0,
        "abandoned": 1,
        "short_abandoned": 1,
        "service_level": 0.0,
        "asa_seconds": 25.0,
        "aht_seconds": 61.0,
        "waiting": 1,
        "waiting_since": None,
        "operators_free": 1,
    }
    assert queue["waiting_since"] == at(31).isoformat()
    [operator] = sent["operators"]
    assert (operator["state"], operator["answered"], operator["talk_seconds"]) == ("free", 1, 61)
    assert [(i["start"], i["offered"], i["average_waiting"]) for i in sent["intervals"]] == [
        ("2026-12-01T10:00:00+03:00", 3, (25 + 3) / 900)
    ]
    changes = json.loads(json.dumps(board.apply(abandoned("c3", 40, 9)).to_json()))
    assert [q["abandoned"] for q in changes["queues"]] == [2] and changes["new_day"] is False
