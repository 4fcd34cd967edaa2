"""How many calls to place now: progressive (one per free operator) or predictive (dial ahead).

Pure and deterministic: `observe(policy, pacer, outcome, now) -> pacer` folds what happened into the
measured rates; `calls_to_place(policy, mode, pacer, floor, now) -> int` decides. The edge (and the
benchmark's simulation) calls `calls_to_place` at every change of the floor and dials that many debtors,
each through compliance.clear.

Predictive pacing estimates how many operators will be free when the calls it places now are answered
(free ones, those whose wrap-up ends by then, those whose conversation is likely to end by then) and how
many of the calls already ringing will be answered, and dials the difference divided by the answer rate.
A gain scales the estimate; it follows the abandon rate (down after each abandon, slowly up after each
connected call, settling where abandons are at `TARGET_SHARE` of the cap). From `THROTTLE_FROM` of the
cap the rolling abandon rate cuts the dialling ahead, down to none (progressive pacing) at the cap.
"""

from __future__ import annotations

from bisect import bisect_right, insort
from dataclasses import dataclass, replace
from datetime import datetime

from .compliance import Policy
from .vocabulary import AttemptResult, PacingMode

TARGET_SHARE = 0.4
THROTTLE_FROM = 0.6
GAIN_STEP = 0.02
GAIN_RANGE = (0.3, 3.0)
SMOOTHING = 0.01  # exponential smoothing of the rates: about the last hundred observations
SAMPLES = 400  # recent ring and talk times kept to estimate their distributions
QUANTILES = 8  # answer moments averaged over when estimating the operators free then
MIN_ANSWERED_FOR_RATE = 30  # below this many answered calls in the window the rate says nothing yet
MIN_SAMPLES = 50  # until this many ring and talk times are measured, pace like progressive


@dataclass(frozen=True, slots=True, kw_only=True)
class Floor:
    """The operators and calls now: the edge builds it from its live view."""

    free: int  # ready, and no call is on its way to them
    wrapping: tuple[float, ...] = ()  # seconds of wrap-up left, one per operator in wrap-up
    talking: tuple[float, ...] = ()  # seconds talked so far, one per operator on a call
    ringing: tuple[float, ...] = ()  # seconds each call placed and not yet settled has rung


@dataclass(frozen=True, slots=True, kw_only=True)
class Settled:
    """A placed call's fate is known: `ring_seconds` from the dial to the answer, busy or give-up."""

    result: AttemptResult
    ring_seconds: float


@dataclass(frozen=True, slots=True, kw_only=True)
class Talked:
    talk_seconds: float
    wrap_seconds: float


Outcome = Settled | Talked


@dataclass(frozen=True, slots=True, kw_only=True)
class Pacer:
    answer_rate: float = 0.3  # answered (connected or abandoned) per call placed
    no_answer_rate: float = 0.5
    ring_times: tuple[float, ...] = ()  # recent ring times of answered calls, sorted
    ring_limit: float = 25.0  # the longest a no-answer call rang
    talk_times: tuple[float, ...] = ()  # recent conversation lengths, sorted
    talk_mean: float = 150.0
    wrap_mean: float = 15.0
    gain: float = 1.0
    # (minute, answered, abandoned) for the rolling abandon window, oldest first
    minutes: tuple[tuple[int, int, int], ...] = ()


def observe(policy: Policy, pacer: Pacer, outcome: Outcome, now: datetime) -> Pacer:
    if isinstance(outcome, Talked):
        return replace(
            pacer,
            talk_times=_sample(pacer.talk_times, outcome.talk_seconds),
            talk_mean=_smooth(pacer.talk_mean, outcome.talk_seconds),
            wrap_mean=_smooth(pacer.wrap_mean, outcome.wrap_seconds),
        )
    result = outcome.result
    answered = result in (AttemptResult.ANSWERED, AttemptResult.ABANDONED, AttemptResult.MACHINE)
    pacer = replace(
        pacer,
        answer_rate=_smooth(pacer.answer_rate, 1.0 if answered else 0.0),
        no_answer_rate=_smooth(pacer.no_answer_rate, 1.0 if result is AttemptResult.NO_ANSWER else 0.0),
    )
    if answered:
        pacer = replace(pacer, ring_times=_sample(pacer.ring_times, outcome.ring_seconds))
    elif result is AttemptResult.NO_ANSWER:
        pacer = replace(pacer, ring_limit=max(pacer.ring_limit * 0.999, outcome.ring_seconds))
    if result in (AttemptResult.ANSWERED, AttemptResult.ABANDONED):
        abandoned = result is AttemptResult.ABANDONED
        target = policy.abandon_cap * TARGET_SHARE
        gain = pacer.gain + GAIN_STEP * (target - (1.0 if abandoned else 0.0))
        pacer = replace(
            pacer,
            gain=min(max(gain, GAIN_RANGE[0]), GAIN_RANGE[1]),
            minutes=_count(policy, pacer.minutes, now, abandoned),
        )
    return pacer


def _sample(samples: tuple[float, ...], new: float) -> tuple[float, ...]:
    kept = list(samples)
    insort(kept, new)
    if len(kept) > SAMPLES:  # drop one from the end farther from the new sample: keeps the shape
        kept.pop(0 if new > kept[len(kept) // 2] else -1)
    return tuple(kept)


def _smooth(mean: float, sample: float) -> float:
    return mean + SMOOTHING * (sample - mean)


def _minute(now: datetime) -> int:
    return int(now.timestamp() // 60)


def _count(
    policy: Policy, minutes: tuple[tuple[int, int, int], ...], now: datetime, abandoned: bool
) -> tuple[tuple[int, int, int], ...]:
    current = _minute(now)
    oldest = current - int(policy.abandon_window.total_seconds() // 60) + 1
    kept = [m for m in minutes if m[0] >= oldest]
    if kept and kept[-1][0] == current:
        _, answered, dropped = kept.pop()
    else:
        answered, dropped = 0, 0
    kept.append((current, answered + 1, dropped + (1 if abandoned else 0)))
    return tuple(kept)


def abandon_rate(policy: Policy, pacer: Pacer, now: datetime) -> tuple[float, int]:
    """(abandoned / answered, answered) over the rolling window ending at `now`."""
    oldest = _minute(now) - int(policy.abandon_window.total_seconds() // 60) + 1
    answered = sum(m[1] for m in pacer.minutes if m[0] >= oldest)
    dropped = sum(m[2] for m in pacer.minutes if m[0] >= oldest)
    return (dropped / answered if answered else 0.0), answered


def slack(policy: Policy, pacer: Pacer, now: datetime) -> float:
    """How much of the dialling ahead is allowed: 1 well under the cap, falling to 0 at the cap.

    The rolling abandon rate throttles the pacing smoothly from THROTTLE_FROM of the cap: a hard switch
    to progressive left operators idle in bursts and made the rate swing.
    """
    rate, answered = abandon_rate(policy, pacer, now)
    if answered < MIN_ANSWERED_FOR_RATE:
        # Too few answered calls to measure a rate, but not too few to break the cap: the abandons so far
        # count as if MIN_ANSWERED_FOR_RATE calls had been answered (one abandon among the first 30 stops
        # the lead at a 3 % cap), so a new campaign cannot abandon its way through its first calls.
        rate = rate * answered / MIN_ANSWERED_FOR_RATE
    start = policy.abandon_cap * THROTTLE_FROM
    if rate <= start:
        return 1.0
    return max(0.0, (policy.abandon_cap - rate) / (policy.abandon_cap - start))


def calls_to_place(policy: Policy, mode: PacingMode, pacer: Pacer, floor: Floor, now: datetime) -> int:
    """How many debtors to dial now (each still has to pass compliance.clear)."""
    if mode is PacingMode.PREVIEW:
        return 0  # the operator dials from the card
    progressive = max(0, floor.free - len(floor.ringing))
    warming_up = len(pacer.ring_times) < MIN_SAMPLES or len(pacer.talk_times) < MIN_SAMPLES
    if mode is PacingMode.PROGRESSIVE or policy.abandon_cap == 0 or warming_up:
        return progressive
    allowed = slack(policy, pacer, now)
    if allowed <= 0:
        return progressive
    supply = operators_free_at_answer(pacer, floor)
    demand = sum(_answer_chance(pacer, rung) for rung in floor.ringing)
    ahead = (pacer.gain * supply - demand) / max(pacer.answer_rate, 0.05) - progressive
    return progressive + max(0, int(ahead * allowed))


def operators_free_at_answer(pacer: Pacer, floor: Floor) -> float:
    """Expected operators free at the moment a call placed now is answered, over the measured ring times.

    An operator on a call needs the conversation to end and the wrap-up to pass; the chance the
    conversation ends in time is taken from the measured talk times, given how long it has lasted.
    """
    ring = pacer.ring_times
    moments = [ring[(2 * i + 1) * len(ring) // (2 * QUANTILES)] for i in range(QUANTILES)]
    talk = pacer.talk_times
    total = 0.0
    for answer_in in moments:
        wrapping = sum(1 for left in floor.wrapping if left <= answer_in)
        ending = sum(_ends_within(talk, lasted, answer_in - pacer.wrap_mean) for lasted in floor.talking)
        total += floor.free + wrapping + ending
    return total / len(moments)


def _ends_within(talk: tuple[float, ...], lasted: float, within: float) -> float:
    """P(a conversation that has lasted `lasted` s ends in the next `within` s), from the samples."""
    if within <= 0:
        return 0.0
    longer = len(talk) - bisect_right(talk, lasted)
    if longer == 0:
        return 1.0  # longer than any measured: it will end any moment
    ending = bisect_right(talk, lasted + within) - bisect_right(talk, lasted)
    return ending / longer


def _answer_chance(pacer: Pacer, rung: float) -> float:
    """P(a call that has rung `rung` seconds will be answered), from the measured ring times."""
    if not pacer.ring_times:
        return pacer.answer_rate
    later = 1.0 - bisect_right(pacer.ring_times, rung) / len(pacer.ring_times)
    answer_weight = pacer.answer_rate * later
    silent_weight = pacer.no_answer_rate if rung < pacer.ring_limit else 0.0
    total = answer_weight + silent_weight
    return answer_weight / total if total > 0 else 0.0
