"""Calling windows in the debtor's local time: workdays 08:00–22:00, weekends and public holidays 09:00–20:00.

A debtor may have several candidate zones (zones.py): a call is allowed only at instants inside the window
in every one of them. Times are aware datetimes; the window is built per local date with zoneinfo, so a
23- or 25-hour day (daylight saving) opens and closes at the right wall-clock time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

import holidays

from .errors import PolicyError
from .zones import zone

# How far ahead next_open looks before it says "never" (a zone set with no common hour).
SEARCH_DAYS = 14


@lru_cache(maxsize=256)
def _holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year))


def is_day_off(day: date, country: str = "RU") -> bool:
    """A weekend or a public holiday (the bridge days off the calendar moves included)."""
    return day.weekday() >= 5 or day in _holidays(country, day.year)


@dataclass(frozen=True, slots=True, kw_only=True)
class CallingWindows:
    """When a debtor may be called, in their local time.

    `last_dial` keeps the last dial that far before the close, so the conversation fits the window too.
    A Saturday the government declares a working day is still treated as a day off: stricter, never wrong.
    """

    workday: tuple[time, time] = (time(8), time(22))
    day_off: tuple[time, time] = (time(9), time(20))
    country: str = "RU"
    last_dial: timedelta = timedelta(minutes=10)

    def __post_init__(self) -> None:
        for name, (start, end) in (("workday", self.workday), ("day_off", self.day_off)):
            if not start < end:
                raise PolicyError(f"calling window {name}: {start} is not before {end}")
        if self.last_dial < timedelta(0):
            raise PolicyError("last_dial must not be negative")

    def hours(self, day: date) -> tuple[time, time]:
        return self.day_off if is_day_off(day, self.country) else self.workday

    def window_in(self, zone_name: str, day: date) -> tuple[datetime, datetime]:
        """[first dial, last dial] of one local date, as aware datetimes."""
        tz = zone(zone_name)
        start, end = self.hours(day)
        return datetime.combine(day, start, tzinfo=tz), datetime.combine(day, end, tzinfo=tz) - self.last_dial

    def allows(self, at: datetime, zones: tuple[str, ...]) -> bool:
        """True when `at` is inside the window in every zone of the debtor."""
        if at.tzinfo is None:
            raise ValueError("calling windows need an aware datetime")
        for name in zones:
            opens, last = self.window_in(name, at.astimezone(zone(name)).date())
            if not opens <= at <= last:
                return False
        return True

    def next_open(self, at: datetime, zones: tuple[str, ...]) -> datetime | None:
        """The first instant at or after `at` when a call is allowed; None if none in two weeks.

        The allowed set is an intersection of intervals, so its earliest point is `at` itself or the moment
        one zone's window opens: checking those candidates in order finds it exactly.
        """
        if self.allows(at, zones):
            return at
        candidates: set[datetime] = set()
        for name in zones:
            local_day = at.astimezone(zone(name)).date()
            for offset in range(SEARCH_DAYS + 1):
                opens, _ = self.window_in(name, local_day + timedelta(days=offset))
                if opens > at:
                    candidates.add(opens)
        for moment in sorted(candidates):
            if self.allows(moment, zones):
                return moment
        return None
