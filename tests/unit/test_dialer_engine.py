"""The running dialer's decisions as a table: (state, event) → (state, commands), no loop, no PBX."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cti import events as ev
from dialer import engine
from dialer.compliance import Blocked, Policy
from dialer.debtor import Debtor, DebtorNumber
from dialer.vocabulary import AttemptResult, PacingMode

# Thursday 2026-11-05, 10:00 in Moscow; 23:00 the same day is outside the window.
NOW = datetime(2026, 11, 5, 7, 0, tzinfo=UTC)
NIGHT = datetime(2026, 11, 5, 20, 0, tzinfo=UTC)
RUN = engine.Run(campaign_id=1, queue="debt", mode=PacingMode.PROGRESSIVE, policy=Policy(), creditor="ЭнергоСбыт")


def debtor(i: int) -> Debtor:
    return Debtor(debtor_id=i, region="Москва", numbers=(DebtorNumber(e164=f"+7916000000{i}", kind="mobile"),))


def member(agent: str, *, free: bool = True, queue: str = "debt") -> ev.AgentStateChanged:
    return ev.AgentStateChanged(
        at=NOW,
        agent=agent,
        agent_name=None,
        queue=queue,
        change=ev.MemberChange.STATUS,
        status=ev.DeviceStatus.NOT_INUSE if free else ev.DeviceStatus.INUSE,
        paused=False,
        pause_reason=None,
        in_call=not free,
        calls_taken=0,
        dynamic=True,
    )


def run(state: engine.State, *events: engine.Event, now: datetime = NOW) -> tuple[engine.State, list[engine.Command]]:
    out: list[engine.Command] = []
    for e in events:
        state, commands = engine.step(state, e, now)
        out.extend(commands)
    return state, out


def ready(free: int, due: int, mode: PacingMode = PacingMode.PROGRESSIVE) -> engine.State:
    state = engine.State(prefix="t")
    state, _ = run(
        state,
        engine.RunsChanged(runs=(engine.Run(**{**_run_fields(), "mode": mode}),)),
        *(member(f"PJSIP/10{i}") for i in range(free)),
        engine.DebtorsDue(campaign_id=1, debtors=tuple(debtor(i) for i in range(1, due + 1))),
    )
    return state


def _run_fields() -> dict[str, object]:
    return {f: getattr(RUN, f) for f in ("campaign_id", "queue", "mode", "policy", "creditor")}


def originate(call_id: str, outcome: ev.OriginateOutcome, at: datetime = NOW) -> ev.OriginateResult:
    return ev.OriginateResult(
        call_id=call_id,
        at=at,
        outcome=outcome,
        action_id=None,
        channel_id=call_id,
        destination="PJSIP/79160000001@trunk",
        correlation_id=None,
        reason_code=None,
    )


def offered(call_id: str) -> ev.CallOffered:
    return ev.CallOffered(
        call_id=call_id,
        at=NOW,
        direction=ev.Direction.OUTBOUND,
        caller_number="79160000001",
        caller_name=None,
        dialed_number="79160000001",
        channel="PJSIP/trunk-00000001",
    )


def ended(call_id: str, at: datetime, outcome: ev.OriginateOutcome = ev.OriginateOutcome.ANSWERED) -> ev.CallEnded:
    return ev.CallEnded(
        call_id=call_id,
        at=at,
        direction=ev.Direction.OUTBOUND,
        answered=True,
        queue="debt",
        agent=None,
        talk_seconds=60.0,
        duration_seconds=70.0,
        cause=16,
        cause_text=None,
        ended_by=None,
        outcome=outcome,
    )


def kinds(commands: list[engine.Command]) -> list[str]:
    return [type(c).__name__ for c in commands]


@pytest.mark.parametrize(
    "free, due, mode, want",
    [
        (2, 3, PacingMode.PROGRESSIVE, ["PlaceCall", "PlaceCall"]),  # one call per free operator
        (0, 3, PacingMode.PROGRESSIVE, []),
        (3, 1, PacingMode.PROGRESSIVE, ["PlaceCall"]),  # no more debtors than are due
        (2, 3, PacingMode.PREVIEW, []),  # the operator dials from the card
        (2, 3, PacingMode.PREDICTIVE, ["PlaceCall", "PlaceCall"]),  # warming up: paced like progressive
    ],
)
def test_a_tick_places_calls_per_pacing_mode(free: int, due: int, mode: PacingMode, want: list[str]) -> None:
    state, commands = run(ready(free, due, mode), engine.Tick())
    assert kinds(commands) == want
    assert len(state.calls) == len(want)
    assert [c.dial.e164 for c in commands if isinstance(c, engine.PlaceCall)] == [
        f"+7916000000{i}" for i in range(1, len(want) + 1)
    ]


def test_nothing_is_dialled_outside_the_window_the_debtor_is_deferred_to_its_opening() -> None:
    state, commands = run(ready(2, 2), engine.Tick(), now=NIGHT)
    assert kinds(commands) == ["Defer", "Defer"]
    assert all(isinstance(c, engine.Defer) and c.refusal.reason is Blocked.OUTSIDE_WINDOW for c in commands)
    assert state.calls == {}


def test_a_second_tick_does_not_dial_a_debtor_already_in_a_call() -> None:
    state, first = run(ready(1, 1), engine.Tick())
    state, again = run(state, engine.DebtorsDue(campaign_id=1, debtors=(debtor(1),)), engine.Tick())
    assert kinds(first) == ["PlaceCall"] and again == []


@pytest.mark.parametrize(
    "free, want",
    [(1, ["Record"]), (0, ["PlayAbandonMessage"])],
)
def test_an_answered_call_goes_to_a_free_operator_or_hears_the_message(free: int, want: list[str]) -> None:
    state, placed = run(ready(1, 1), engine.Tick())
    call_id = placed[0].call_id  # type: ignore[union-attr]
    busy = [] if free else [member("PJSIP/100", free=False)]
    state, commands = run(state, offered(call_id), *busy, originate(call_id, ev.OriginateOutcome.ANSWERED))
    assert kinds(commands) == want
    if not free:
        assert isinstance(commands[0], engine.PlayAbandonMessage) and commands[0].creditor == "ЭнергоСбыт"
        _, over = run(state, ended(call_id, NOW + timedelta(seconds=5)))
        assert [(c.result, c.debtor_id) for c in over if isinstance(c, engine.AttemptOver)] == [
            (AttemptResult.ABANDONED, 1)
        ]


@pytest.mark.parametrize(
    "outcome, result",
    [
        (ev.OriginateOutcome.BUSY, AttemptResult.BUSY),
        (ev.OriginateOutcome.NO_ANSWER, AttemptResult.NO_ANSWER),
        (ev.OriginateOutcome.CONGESTION, AttemptResult.CONGESTION),
        (ev.OriginateOutcome.FAILED, AttemptResult.FAILED),
        (ev.OriginateOutcome.UNKNOWN, AttemptResult.FAILED),
    ],
)
def test_an_unanswered_originate_ends_the_attempt_with_its_true_result(
    outcome: ev.OriginateOutcome, result: AttemptResult
) -> None:
    state, placed = run(ready(1, 1), engine.Tick())
    call_id = placed[0].call_id  # type: ignore[union-attr]
    state, commands = run(state, originate(call_id, outcome, NOW + timedelta(seconds=20)))
    assert [c.result for c in commands if isinstance(c, engine.AttemptOver)] == [result]
    assert state.calls == {}


def test_a_connected_call_ends_answered_with_its_operator_and_a_machine_ends_as_machine() -> None:
    state, placed = run(ready(2, 2), engine.Tick())
    first, second = (c.call_id for c in placed)  # type: ignore[union-attr]
    state, _ = run(state, offered(first), offered(second))
    state, _ = run(
        state, originate(first, ev.OriginateOutcome.ANSWERED), originate(second, ev.OriginateOutcome.ANSWERED)
    )
    connected = ev.CallAnswered(
        call_id=first, at=NOW, queue="debt", agent="PJSIP/100", agent_name=None, agent_channel="x", wait_seconds=1.0
    )
    state, over = run(state, connected, ended(first, NOW + timedelta(minutes=2)), ended(second, NOW))
    results = [(c.result, c.agent) for c in over if isinstance(c, engine.AttemptOver)]
    assert results == [(AttemptResult.ANSWERED, "PJSIP/100"), (AttemptResult.MACHINE, None)]


def test_a_refused_originate_is_a_failed_attempt() -> None:
    state, placed = run(ready(1, 1), engine.Tick())
    state, commands = run(state, engine.PlaceFailed(call_id=placed[0].call_id))  # type: ignore[union-attr]
    assert [c.result for c in commands if isinstance(c, engine.AttemptOver)] == [AttemptResult.FAILED]


def test_stopping_a_campaign_stops_its_pacing() -> None:
    state, _ = run(ready(2, 2), engine.RunsChanged(runs=()))
    assert run(state, engine.Tick())[1] == []


def test_a_preview_dial_rings_the_operator_first_and_records_once_the_debtor_answers() -> None:
    state = ready(1, 0, PacingMode.PREVIEW)
    state, placed = run(state, engine.PreviewDial(campaign_id=1, debtor=debtor(1), agent="PJSIP/100"))
    assert [(type(c).__name__, getattr(c, "agent", None)) for c in placed] == [("PlaceCall", "PJSIP/100")]
    call_id = placed[0].call_id  # type: ignore[union-attr]
    state, picked_up = run(state, originate(call_id, ev.OriginateOutcome.ANSWERED))  # the operator's phone
    assert picked_up == []
    answered = ev.CallAnswered(
        call_id=call_id,
        at=NOW,
        queue=None,
        agent="PJSIP/100",
        agent_name=None,
        agent_channel="PJSIP/100-1",
        wait_seconds=0.0,
    )
    state, recorded = run(state, answered)
    assert [(type(c).__name__, getattr(c, "channel", None)) for c in recorded] == [("Record", "PJSIP/100-1")]
    _, over = run(state, ended(call_id, NOW + timedelta(minutes=1)))
    assert [c.result for c in over if isinstance(c, engine.AttemptOver)] == [AttemptResult.ANSWERED]


@pytest.mark.parametrize(
    "outcome, result",
    [(ev.OriginateOutcome.BUSY, AttemptResult.BUSY), (ev.OriginateOutcome.NO_ANSWER, AttemptResult.NO_ANSWER)],
)
def test_a_preview_call_the_debtor_did_not_answer_keeps_its_true_result(
    outcome: ev.OriginateOutcome, result: AttemptResult
) -> None:
    state, placed = run(
        ready(1, 0, PacingMode.PREVIEW), engine.PreviewDial(campaign_id=1, debtor=debtor(1), agent="PJSIP/100")
    )
    call_id = placed[0].call_id  # type: ignore[union-attr]
    state, _ = run(state, originate(call_id, ev.OriginateOutcome.ANSWERED))
    _, over = run(state, ended(call_id, NOW + timedelta(seconds=30), outcome))
    assert [c.result for c in over if isinstance(c, engine.AttemptOver)] == [result]


def test_a_preview_dial_outside_the_window_is_refused_by_the_same_gate() -> None:
    state, commands = run(
        ready(1, 0, PacingMode.PREVIEW),
        engine.PreviewDial(campaign_id=1, debtor=debtor(1), agent="PJSIP/100"),
        now=NIGHT,
    )
    assert kinds(commands) == ["Defer"] and state.calls == {}


def test_two_campaigns_on_one_queue_share_its_free_operators() -> None:
    second = engine.Run(**{**_run_fields(), "campaign_id": 2})
    state, _ = run(
        ready(2, 2),
        engine.RunsChanged(runs=(engine.Run(**_run_fields()), second)),
        engine.DebtorsDue(campaign_id=1, debtors=(debtor(1), debtor(2))),
        engine.DebtorsDue(campaign_id=2, debtors=(debtor(3), debtor(4))),
    )
    _, commands = run(state, engine.Tick())
    assert kinds(commands) == ["PlaceCall", "PlaceCall"]  # two operators: two calls, not two per campaign


def _acw(agent: str, paused: bool, at: datetime) -> ev.AgentStateChanged:
    return replace(member(agent), at=at, change=ev.MemberChange.PAUSED, paused=paused, pause_reason="after_call_work")


def test_an_operator_in_after_call_work_is_not_dialled_for_until_the_pause_is_lifted() -> None:
    """The PBX shows the operator free the instant their call ends; ccdesk's wrap-up pause comes a moment
    later. A debtor dialled in between would answer with nobody to take them: an abandon in progressive."""
    state = replace(ready(free=0, due=3), rest=lambda queue: 30.0 if queue == "debt" else 0.0)
    agent = "PJSIP/100"
    inbound = replace(ended("in-1", NOW), direction=ev.Direction.INBOUND, agent=agent, outcome=None)
    state, _ = run(state, inbound, member(agent))  # the call is over; the PBX says "free"
    assert engine.free_operators(state, "debt", NOW) == 0
    assert kinds(run(state, engine.Tick())[1]) == []
    # the wrap-up pause begins, then the card is saved and the pause lifted: free at once
    later = NOW + timedelta(seconds=12)
    state, _ = run(state, _acw(agent, True, NOW + timedelta(seconds=1)), _acw(agent, False, later), now=later)
    assert engine.free_operators(state, "debt", later) == 1
    assert kinds(run(state, engine.Tick(), now=later)[1]) == ["PlaceCall"]


def test_a_hold_ends_with_the_queue_s_wrap_up_time_and_only_answered_calls_start_one() -> None:
    state = replace(ready(free=0, due=3), rest=lambda queue: 30.0)
    agent = "PJSIP/100"
    answered = replace(ended("in-1", NOW), direction=ev.Direction.INBOUND, agent=agent, outcome=None)
    state, _ = run(state, answered, member(agent))
    assert engine.free_operators(state, "debt", NOW + timedelta(seconds=29)) == 0
    assert engine.free_operators(state, "debt", NOW + timedelta(seconds=30)) == 1  # no pause came: time is up
    missed = replace(answered, call_id="in-2", answered=False)  # a missed ring leaves nothing to wrap up
    fresh = replace(ready(free=0, due=3), rest=lambda queue: 30.0)
    fresh, _ = run(fresh, missed, member(agent))
    assert engine.free_operators(fresh, "debt", NOW) == 1


def _rings(call_id: str, agent: str) -> ev.AgentRinging:
    return ev.AgentRinging(
        call_id=call_id,
        at=NOW,
        queue="debt",
        agent=agent,
        agent_name=None,
        agent_channel=f"{agent}-00000001",
        caller_number="79160000001",
        caller_name=None,
    )


def test_a_queued_debtor_ringing_an_operator_is_not_counted_twice_against_the_free_operators() -> None:
    """Two operators, two calls: the first debtor answers and rings operator 100 (whose phone now shows
    ringing); the second answers too and must go to operator 101, not hear the abandon message."""
    state, placed = run(ready(2, 2), engine.Tick())
    first, second = (c.call_id for c in placed)  # type: ignore[union-attr]
    state, commands = run(
        state,
        originate(first, ev.OriginateOutcome.ANSWERED),
        _rings(first, "PJSIP/100"),
        member("PJSIP/100", free=False),  # its phone rings: the PBX shows it busy
        originate(second, ev.OriginateOutcome.ANSWERED),
    )
    assert kinds(commands) == ["Record", "Record"]


def test_a_debtor_who_answers_after_the_campaign_stopped_still_goes_to_its_queue() -> None:
    state, placed = run(ready(1, 1), engine.Tick())
    call_id = placed[0].call_id  # type: ignore[union-attr]
    state, commands = run(state, engine.RunsChanged(runs=()), originate(call_id, ev.OriginateOutcome.ANSWERED))
    assert kinds(commands) == ["Record"]
