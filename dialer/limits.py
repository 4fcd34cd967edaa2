"""Contact limits per debtor: how many conversations, attempts and reminders fit in a run of days.

A limit "at most N in D days" holds over every D consecutive dates in the debtor's local time (a rolling
window), which is stricter than calendar weeks and months: 2 a week on a rolling 7 days is 2 in every
calendar week too, and 8 in any 31 days is 8 in every calendar month.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .errors import PolicyError
from .zones import zone

# How far ahead `next_free_day` looks: longer than any limit's run of days.
LOOKAHEAD_DAYS = 62


class Counted(enum.StrEnum):
    CONVERSATIONS = "conversations"  # attempts where the debtor talked with an operator
    ATTEMPTS = "attempts"  # every dial, whatever came of it
    REMINDERS = "reminders"  # recorded voice or text messages (the abandon message included)


@dataclass(frozen=True, slots=True, kw_only=True)
class Limit:
    counted: Counted
    most: int
    days: int

    def __post_init__(self) -> None:
        if self.most < 0 or self.days < 1:
            raise PolicyError(f"limit {self.counted}: at most {self.most} in {self.days} days makes no sense")


@dataclass(frozen=True, slots=True, kw_only=True)
class RuleSet:
    name: str
    limits: tuple[Limit, ...]

    def of(self, counted: Counted) -> tuple[Limit, ...]:
        return tuple(limit for limit in self.limits if limit.counted is counted)


# 230-FZ art. 7: personal interaction by phone 1 a day, 2 a week, 8 a month; messages 2 / 4 / 16.
RUSSIA_230FZ = RuleSet(
    name="ru_230fz",
    limits=(
        Limit(counted=Counted.CONVERSATIONS, most=1, days=1),
        Limit(counted=Counted.CONVERSATIONS, most=2, days=7),
        Limit(counted=Counted.CONVERSATIONS, most=8, days=31),
        Limit(counted=Counted.REMINDERS, most=2, days=1),
        Limit(counted=Counted.REMINDERS, most=4, days=7),
        Limit(counted=Counted.REMINDERS, most=16, days=31),
    ),
)
# "7 in 7": at most 7 attempts in 7 days and no call in the 7 days after a conversation.
SEVEN_IN_SEVEN = RuleSet(
    name="seven_in_seven",
    limits=(
        Limit(counted=Counted.ATTEMPTS, most=7, days=7),
        Limit(counted=Counted.CONVERSATIONS, most=1, days=7),
    ),
)
RULE_SETS = {rules.name: rules for rules in (RUSSIA_230FZ, SEVEN_IN_SEVEN)}


@dataclass(frozen=True, slots=True, kw_only=True)
class Contact:
    """One thing that counts against limits: an attempt (talked or not) or a reminder."""

    at: datetime
    reminder: bool = False
    talked: bool = False

    def counts_as(self, counted: Counted) -> bool:
        if counted is Counted.REMINDERS:
            return self.reminder
        if self.reminder:
            return False
        return self.talked if counted is Counted.CONVERSATIONS else True


def _dates(history: Iterable[Contact], counted: Counted, zone_name: str) -> list[date]:
    tz = zone(zone_name)
    return [c.at.astimezone(tz).date() for c in history if c.counts_as(counted)]


def _fits(days_done: list[date], limit: Limit, day: date) -> bool:
    first = day - timedelta(days=limit.days - 1)
    return sum(1 for d in days_done if first <= d <= day) + 1 <= limit.most


def fits(rules: RuleSet, history: Iterable[Contact], counted: Counted, at: datetime, zones: tuple[str, ...]) -> bool:
    """Would one more `counted` thing at `at` keep every limit, in every candidate zone?"""
    limits = rules.of(counted)
    if not limits:
        return True
    history = tuple(history)
    for name in zones:
        done = _dates(history, counted, name)
        day = at.astimezone(zone(name)).date()
        if not all(_fits(done, limit, day) for limit in limits):
            return False
    return True


def next_free_day(
    rules: RuleSet, history: Iterable[Contact], counted: Counted, at: datetime, zones: tuple[str, ...]
) -> datetime | None:
    """The earliest instant ≥ `at` on a local date where one more `counted` fits everywhere (None: not soon)."""
    history = tuple(history)
    for offset in range(LOOKAHEAD_DAYS + 1):
        candidate = at if offset == 0 else _start_of_day_after(at, offset, zones)
        if fits(rules, history, counted, candidate, zones):
            return candidate
    return None


def _start_of_day_after(at: datetime, offset: int, zones: tuple[str, ...]) -> datetime:
    # The latest local midnight among the zones, so the new date has begun in all of them.
    starts = []
    for name in zones:
        tz = zone(name)
        day = at.astimezone(tz).date() + timedelta(days=offset)
        starts.append(datetime.combine(day, datetime.min.time(), tzinfo=tz))
    return max(starts)
