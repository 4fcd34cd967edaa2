"""Pacing: progressive places one call per free operator, predictive dials ahead and throttles itself as the
rolling abandon rate nears the cap; preview waits for the operator, within a time limit."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from dialer import pacing
from dialer.compliance import Policy
from dialer.errors import PolicyError
from dialer.pacing import Floor, Pacer, Settled, Talked, abandon_rate, calls_to_place, observe
from dialer.preview import (
    CardOffered,
    DialPressed,
    OnTimeout,
    PreviewLimit,
    PreviewState,
    ReleaseDebtor,
    RequestDial,
    ShowCard,
    SkipPressed,
    Tick,
    step,
)
from dialer.vocabulary import AttemptResult, PacingMode

POLICY = Policy()
NOW = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
# Measured: answers after 4–15 s, 35 % answered, 55 % not; conversations of 30–270 s.
WARM = Pacer(
    answer_rate=0.35,
    no_answer_rate=0.55,
    ring_times=tuple(4 + 11 * i / 99 for i in range(100)),
    talk_times=tuple(30.0 + 240 * i / 99 for i in range(100)),
    talk_mean=150.0,
    wrap_mean=15.0,
)
BUSY_FLOOR = Floor(free=2, wrapping=(3.0,) * 6, talking=(200.0,) * 42, ringing=())


def with_abandons(pacer: Pacer, answered: int, abandoned: int, at: datetime = NOW) -> Pacer:
    minute = int(at.timestamp() // 60)
    return replace(pacer, minutes=((minute, answered, abandoned),))


@pytest.mark.parametrize(
    ("floor", "expected"),
    [
        (Floor(free=5), 5),
        (Floor(free=5, ringing=(3.0, 8.0)), 3),  # calls already on their way to free operators
        (Floor(free=1, ringing=(3.0, 8.0)), 0),
        (BUSY_FLOOR, 2),
    ],
)
def test_progressive_places_one_call_per_free_operator(floor: Floor, expected: int) -> None:
    assert calls_to_place(POLICY, PacingMode.PROGRESSIVE, WARM, floor, NOW) == expected
    assert calls_to_place(POLICY, PacingMode.PREVIEW, WARM, floor, NOW) == 0  # the operator dials from the card


def test_predictive_dials_ahead_for_operators_about_to_be_free() -> None:
    wanted = calls_to_place(POLICY, PacingMode.PREDICTIVE, WARM, BUSY_FLOOR, NOW)
    # 2 free + 6 finishing wrap-up within the ring time ≈ 8 operators, at 35 % answered: ≈ 8 / 0.35
    assert 20 <= wanted <= 30


def test_predictive_counts_the_calls_already_ringing() -> None:
    alone = calls_to_place(POLICY, PacingMode.PREDICTIVE, WARM, BUSY_FLOOR, NOW)
    young = calls_to_place(POLICY, PacingMode.PREDICTIVE, WARM, replace(BUSY_FLOOR, ringing=(1.0,) * 10), NOW)
    stale = calls_to_place(POLICY, PacingMode.PREDICTIVE, WARM, replace(BUSY_FLOOR, ringing=(20.0,) * 10), NOW)
    assert young < stale <= alone  # a call ringing for 20 s will hardly be answered now


def test_conversations_near_their_end_count_as_operators_soon_free() -> None:
    quick_wrap = replace(WARM, wrap_mean=2.0)
    ending = replace(BUSY_FLOOR, free=0, wrapping=(), talking=(265.0,) * 48)  # past almost every measured talk
    fresh = replace(ending, talking=(5.0,) * 48)
    assert calls_to_place(POLICY, PacingMode.PREDICTIVE, quick_wrap, ending, NOW) > 0
    assert calls_to_place(POLICY, PacingMode.PREDICTIVE, quick_wrap, fresh, NOW) == 0
    # with a 15 s wrap-up nobody on a call can be free by the time a call placed now is answered
    assert calls_to_place(POLICY, PacingMode.PREDICTIVE, WARM, ending, NOW) == 0


@pytest.mark.parametrize(
    ("answered", "abandoned", "relation"),
    [
        (100, 0, "ahead"),  # well under the cap
        (100, 1, "ahead"),  # 1 %
        (100, 2, "throttled"),  # 2 %: nearing the 3 % cap, it dials less far ahead
        (100, 3, "progressive"),  # at the cap: no call without an operator for it
        (100, 9, "progressive"),
        (20, 0, "ahead"),  # too few answered calls to measure a rate, and no abandon yet
        (20, 5, "progressive"),  # too few to measure, but five abandons already break the cap
    ],
)
def test_predictive_throttles_itself_as_the_abandon_rate_nears_the_cap(
    answered: int, abandoned: int, relation: str
) -> None:
    full = calls_to_place(POLICY, PacingMode.PREDICTIVE, WARM, BUSY_FLOOR, NOW)
    wanted = calls_to_place(POLICY, PacingMode.PREDICTIVE, with_abandons(WARM, answered, abandoned), BUSY_FLOOR, NOW)
    progressive = BUSY_FLOOR.free
    expected = {"ahead": full, "progressive": progressive}.get(relation)
    if expected is None:
        assert progressive < wanted < full
    else:
        assert wanted == expected


def test_the_abandon_window_rolls() -> None:
    pacer = with_abandons(WARM, 100, 9)
    assert abandon_rate(POLICY, pacer, NOW) == (0.09, 100)
    later = NOW + POLICY.abandon_window
    assert abandon_rate(POLICY, pacer, later) == (0.0, 0)  # the hour has passed
    assert calls_to_place(POLICY, PacingMode.PREDICTIVE, pacer, BUSY_FLOOR, later) > BUSY_FLOOR.free


def test_one_abandon_among_a_new_campaign_s_first_answered_calls_stops_the_lead_at_a_3_percent_cap() -> None:
    """Too few answered calls to measure a rate is no licence to abandon: the abandons count against the
    least number of answered calls the rate is measured over."""
    assert calls_to_place(POLICY, PacingMode.PREDICTIVE, with_abandons(WARM, 10, 0), BUSY_FLOOR, NOW) > (
        BUSY_FLOOR.free
    )
    assert calls_to_place(POLICY, PacingMode.PREDICTIVE, with_abandons(WARM, 10, 1), BUSY_FLOOR, NOW) == (
        BUSY_FLOOR.free
    )


def test_predictive_paces_like_progressive_until_it_has_measured_enough() -> None:
    cold = Pacer()
    assert calls_to_place(POLICY, PacingMode.PREDICTIVE, cold, BUSY_FLOOR, NOW) == BUSY_FLOOR.free


def test_a_zero_cap_means_never_dial_ahead() -> None:
    assert calls_to_place(Policy(abandon_cap=0), PacingMode.PREDICTIVE, WARM, BUSY_FLOOR, NOW) == BUSY_FLOOR.free


def test_observing_abandons_lowers_the_gain_and_connected_calls_raise_it() -> None:
    dropped = observe(POLICY, WARM, Settled(result=AttemptResult.ABANDONED, ring_seconds=6.0), NOW)
    connected = observe(POLICY, WARM, Settled(result=AttemptResult.ANSWERED, ring_seconds=6.0), NOW)
    assert dropped.gain < WARM.gain < connected.gain
    assert abandon_rate(POLICY, dropped, NOW) == (1.0, 1)
    assert abandon_rate(POLICY, connected, NOW) == (0.0, 1)


def test_observing_measures_rates_and_times() -> None:
    pacer = Pacer()
    for _ in range(200):
        pacer = observe(POLICY, pacer, Settled(result=AttemptResult.NO_ANSWER, ring_seconds=25.0), NOW)
    assert pacer.answer_rate < 0.05 and pacer.no_answer_rate > 0.8
    for _ in range(pacing.SAMPLES + 50):
        pacer = observe(POLICY, pacer, Talked(talk_seconds=90.0, wrap_seconds=15.0), NOW)
    assert len(pacer.talk_times) == pacing.SAMPLES
    assert abs(pacer.talk_mean - 90.0) < 10


def test_abandon_rate_settles_under_the_cap_in_a_simple_feedback_loop() -> None:
    """A toy floor where dialling further ahead means more abandons: the gain must settle under the cap."""
    pacer, abandoned, answered = WARM, 0, 0
    at = NOW
    for i in range(3000):
        at = NOW + timedelta(seconds=3 * i)
        wanted = calls_to_place(POLICY, PacingMode.PREDICTIVE, pacer, BUSY_FLOOR, at)
        # the share of answered calls that find no operator grows with how far ahead we dial
        drop = (i * 7919) % 1000 < max(0, wanted - 18) * 8
        result = AttemptResult.ABANDONED if drop else AttemptResult.ANSWERED
        pacer = observe(POLICY, pacer, Settled(result=result, ring_seconds=8.0), at)
        answered += 1
        abandoned += drop
    rate, _ = abandon_rate(POLICY, pacer, at)
    assert rate < POLICY.abandon_cap
    assert abandoned / answered < POLICY.abandon_cap


# ------------------------------------------------------------------ preview

LIMIT = PreviewLimit(limit=timedelta(seconds=30))
IDLE = PreviewState(operator="PJSIP/agent1")


def shown() -> PreviewState:
    state, commands = step(LIMIT, IDLE, CardOffered(debtor_id=9), NOW)
    assert commands == (ShowCard(operator="PJSIP/agent1", debtor_id=9, deadline=NOW + timedelta(seconds=30)),)
    return state


@pytest.mark.parametrize(
    ("limit", "event", "after", "expected"),
    [
        (LIMIT, DialPressed(debtor_id=9), 10, RequestDial(operator="PJSIP/agent1", debtor_id=9)),
        (LIMIT, SkipPressed(debtor_id=9), 10, ReleaseDebtor(operator="PJSIP/agent1", debtor_id=9)),
        (LIMIT, Tick(), 29, None),  # still thinking
        (LIMIT, Tick(), 30, RequestDial(operator="PJSIP/agent1", debtor_id=9, timed_out=True)),
        (
            PreviewLimit(limit=timedelta(seconds=30), on_timeout=OnTimeout.SKIP),
            Tick(),
            31,
            ReleaseDebtor(operator="PJSIP/agent1", debtor_id=9, timed_out=True),
        ),
        (
            LIMIT,
            SkipPressed(debtor_id=9),
            45,
            RequestDial(operator="PJSIP/agent1", debtor_id=9, timed_out=True),
        ),  # too late
        (LIMIT, DialPressed(debtor_id=8), 10, None),  # a stale click on another card
    ],
)
def test_preview_time_limit(
    limit: PreviewLimit,
    event: DialPressed | SkipPressed | Tick,
    after: int,
    expected: RequestDial | ReleaseDebtor | None,
) -> None:
    state = shown()
    new, commands = step(limit, state, event, NOW + timedelta(seconds=after))
    if expected is None:
        assert (new, commands) == (state, ())
    else:
        assert commands == (expected,)
        assert new.debtor_id is None


def test_preview_shows_one_card_at_a_time() -> None:
    state = shown()
    assert step(LIMIT, state, CardOffered(debtor_id=10), NOW) == (state, ())


def test_preview_needs_a_positive_limit() -> None:
    with pytest.raises(PolicyError):
        PreviewLimit(limit=timedelta(0))
