"""The working calendar of the SLA: working hours on working days, public holidays off. Pure; `now` comes in.

A working day is day_start..day_end on a weekday that is not a public holiday of `country` (the `holidays`
package, which also knows Russia's moved days off). N working days are N × the day's length in working
hours, so "1 working day" filed on Friday at 17:00 is due on Monday at 17:00.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

MAX_DAYS = 3660  # ten years of calendar: a loop bound, far past any SLA


@functools.lru_cache(maxsize=32)
def _holidays(country: str, year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays(country, years=year))


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkCalendar:
    timezone: ZoneInfo
    country: str = "RU"
    day_start: time = time(9)
    day_end: time = time(18)

    @property
    def hours_per_day(self) -> int:
        start = self.day_start.hour * 60 + self.day_start.minute
        end = self.day_end.hour * 60 + self.day_end.minute
        return max(1, (end - start) // 60)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in _holidays(self.country, day.year)

    def due_at(self, start: datetime, working_hours: float) -> datetime:
        """The moment `working_hours` of working time have passed since `start` (aware), in UTC's zone of
        `start`. Time outside working hours does not count."""
        if start.tzinfo is None:
            raise ValueError("start must carry its time zone")
        left = timedelta(hours=working_hours)
        cursor = start.astimezone(self.timezone)
        for _ in range(MAX_DAYS):
            day = cursor.date()
            if self.is_working_day(day):
                opens = datetime.combine(day, self.day_start, self.timezone)
                closes = datetime.combine(day, self.day_end, self.timezone)
                cursor = max(cursor, opens)
                if cursor < closes:
                    if left <= closes - cursor:
                        return (cursor + left).astimezone(start.tzinfo)
                    left -= closes - cursor
            cursor = datetime.combine(day + timedelta(days=1), self.day_start, self.timezone)
        raise ValueError("no working time in ten years: check the calendar")

    def working_hours_between(self, start: datetime, end: datetime) -> float:
        """Working hours from `start` to `end` (negative when end is earlier): how late an application is."""
        if end < start:
            return -self.working_hours_between(end, start)
        total = timedelta(0)
        cursor = start.astimezone(self.timezone)
        stop = end.astimezone(self.timezone)
        for _ in range(MAX_DAYS):
            day = cursor.date()
            if day > stop.date():
                break
            if self.is_working_day(day):
                opens = datetime.combine(day, self.day_start, self.timezone)
                closes = datetime.combine(day, self.day_end, self.timezone)
                lo, hi = max(cursor, opens), min(stop, closes)
                if hi > lo:
                    total += hi - lo
            cursor = datetime.combine(day + timedelta(days=1), time(0), self.timezone)
        return total.total_seconds() / 3600
