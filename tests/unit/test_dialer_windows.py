"""Calling windows in the debtor's local time, across Russian zones, a holiday, a weekend and daylight saving."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from dialer.errors import PolicyError
from dialer.windows import CallingWindows, is_day_off
from dialer.zones import RUSSIAN_ZONES, debtor_zones, zone_of_region

RU = CallingWindows()
MSK = ("Europe/Moscow",)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("region", "zone"),
    [
        ("Калининградская область", "Europe/Kaliningrad"),
        ("г. Москва", "Europe/Moscow"),
        ("Свердловская обл.", "Asia/Yekaterinburg"),
        ("Приморский край", "Asia/Vladivostok"),
        ("Республика Саха (Якутия)", "Asia/Yakutsk"),
        ("Ханты-Мансийский автономный округ — Югра", "Asia/Yekaterinburg"),
        ("Камчатский край", "Asia/Kamchatka"),
        ("", None),
        ("Атлантида", None),
    ],
)
def test_region_names_give_their_zone(region: str, zone: str | None) -> None:
    assert zone_of_region(region) == zone


@pytest.mark.parametrize(
    ("region", "number", "zones"),
    [
        ("Приморский край", "+79161234567", ("Asia/Vladivostok",)),  # the region wins over a Moscow-looking mobile
        (None, "+74012123456", ("Europe/Kaliningrad",)),  # a Kaliningrad landline, not Europe/Bucharest
        (None, "+73432123456", ("Asia/Yekaterinburg",)),
        (None, "+79161234567", RUSSIAN_ZONES),  # a mobile says nothing
        (None, "+78001234567", RUSSIAN_ZONES),  # nor does 8-800
        ("Атлантида", None, RUSSIAN_ZONES),
    ],
)
def test_debtor_zone_from_region_then_number_else_every_zone(
    region: str | None, number: str | None, zones: tuple[str, ...]
) -> None:
    assert debtor_zones(region, number) == zones


# Monday 2026-11-02; Wednesday 2026-11-04 is Unity Day; Saturday 2026-11-07.
@pytest.mark.parametrize(
    ("zone", "at", "allowed"),
    [
        ("Europe/Moscow", utc(2026, 11, 2, 5, 0), True),  # 08:00 on a workday
        ("Europe/Moscow", utc(2026, 11, 2, 4, 59), False),  # 07:59
        ("Europe/Moscow", utc(2026, 11, 2, 18, 50), True),  # 21:50, the last dial before 22:00
        ("Europe/Moscow", utc(2026, 11, 2, 18, 51), False),
        ("Europe/Kaliningrad", utc(2026, 11, 2, 6, 0), True),  # 08:00 at UTC+2
        ("Europe/Kaliningrad", utc(2026, 11, 2, 5, 59), False),  # 08:59 in Moscow, 07:59 in Kaliningrad
        ("Asia/Yekaterinburg", utc(2026, 11, 2, 3, 0), True),
        ("Asia/Yekaterinburg", utc(2026, 11, 2, 16, 51), False),  # 21:51 at UTC+5
        ("Asia/Vladivostok", utc(2026, 11, 1, 22, 0), True),  # Monday 08:00 local while it is Sunday in UTC
        ("Asia/Vladivostok", utc(2026, 11, 1, 21, 59), False),
        ("Asia/Vladivostok", utc(2026, 11, 2, 11, 50), True),  # 21:50 local
        ("Asia/Vladivostok", utc(2026, 11, 2, 12, 0), False),  # 22:00 local, Moscow's 15:00
        # Unity Day: a public holiday keeps weekend hours 09:00–20:00
        ("Europe/Moscow", utc(2026, 11, 4, 5, 30), False),  # 08:30 on the holiday
        ("Europe/Moscow", utc(2026, 11, 3, 5, 30), True),  # 08:30 the day before
        ("Europe/Moscow", utc(2026, 11, 4, 6, 0), True),  # 09:00 on the holiday
        ("Europe/Moscow", utc(2026, 11, 4, 16, 50), True),  # 19:50
        ("Europe/Moscow", utc(2026, 11, 4, 16, 51), False),
        ("Asia/Vladivostok", utc(2026, 11, 3, 22, 30), False),  # the holiday has begun in Vladivostok (08:30)
        ("Europe/Moscow", utc(2026, 11, 7, 5, 30), False),  # Saturday 08:30
        ("Europe/Moscow", utc(2026, 11, 7, 6, 0), True),
    ],
)
def test_window_in_the_debtors_local_time(zone: str, at: datetime, allowed: bool) -> None:
    assert RU.allows(at, (zone,)) is allowed


def test_new_year_holiday_has_weekend_hours() -> None:
    assert is_day_off(datetime(2026, 1, 5).date())
    assert RU.allows(utc(2026, 1, 5, 6, 0), MSK)  # 09:00 on a holiday Monday
    assert not RU.allows(utc(2026, 1, 5, 5, 30), MSK)


# The same code through a zone that still changes its clocks: Berlin, 2026-03-29 (Sunday) and 2026-10-25.
BERLIN = ("Europe/Berlin",)
DE = CallingWindows(country="DE")


@pytest.mark.parametrize(
    ("at", "allowed"),
    [
        (utc(2026, 3, 27, 6, 30), False),  # Friday 07:30 CET
        (utc(2026, 3, 27, 7, 0), True),  # Friday 08:00 CET
        (utc(2026, 3, 29, 6, 59), False),  # the change day (a Sunday): 08:59 CEST
        (utc(2026, 3, 29, 7, 0), True),  # 09:00 CEST; a fixed +01:00 would say 08:00
        (utc(2026, 3, 30, 6, 0), True),  # Monday 08:00 CEST
        (utc(2026, 3, 30, 5, 59), False),
        (utc(2026, 3, 30, 19, 50), True),  # 21:50 CEST
        (utc(2026, 3, 30, 19, 51), False),
        (utc(2026, 10, 25, 7, 59), False),  # back to CET on Sunday: 08:59
        (utc(2026, 10, 25, 8, 0), True),  # 09:00 CET
        (utc(2026, 10, 25, 18, 50), True),  # 19:50 CET
        (utc(2026, 10, 25, 18, 51), False),
    ],
)
def test_window_follows_daylight_saving(at: datetime, allowed: bool) -> None:
    assert DE.allows(at, BERLIN) is allowed


@pytest.mark.parametrize(
    ("zones", "at", "opens"),
    [
        (MSK, utc(2026, 11, 2, 10, 0), utc(2026, 11, 2, 10, 0)),  # open now
        (MSK, utc(2026, 11, 7, 4, 0), utc(2026, 11, 7, 6, 0)),  # Saturday 07:00 → 09:00
        (MSK, utc(2026, 11, 3, 19, 0), utc(2026, 11, 4, 6, 0)),  # Tuesday 22:00 → the holiday's 09:00
        (("Asia/Vladivostok",), utc(2026, 11, 2, 12, 0), utc(2026, 11, 2, 22, 0)),  # → Tuesday 08:00 local
        (BERLIN, utc(2026, 3, 28, 20, 0), utc(2026, 3, 29, 7, 0)),  # → 09:00 CEST on the change day
        # a debtor who may be in Moscow or Samara: both windows must be open
        (("Europe/Moscow", "Europe/Samara"), utc(2026, 11, 2, 3, 0), utc(2026, 11, 2, 5, 0)),
    ],
)
def test_next_open(zones: tuple[str, ...], at: datetime, opens: datetime) -> None:
    windows = DE if zones == BERLIN else RU
    assert windows.next_open(at, zones) == opens


def test_two_zones_share_only_the_common_hours() -> None:
    both = ("Europe/Moscow", "Europe/Samara")  # closes at 17:50 UTC in Samara, opens at 05:00 UTC in Moscow
    assert not RU.allows(utc(2026, 11, 2, 4, 30), both)
    assert RU.allows(utc(2026, 11, 2, 17, 50), both)
    assert not RU.allows(utc(2026, 11, 2, 18, 0), both)


@pytest.mark.parametrize(
    ("at", "allowed"),
    [
        (utc(2026, 11, 2, 5, 59), False),  # 07:59 in Kaliningrad
        (utc(2026, 11, 2, 6, 0), True),  # 08:00 in Kaliningrad, 18:00 in Kamchatka: inside everywhere
        (utc(2026, 11, 2, 9, 50), True),  # 21:50 in Kamchatka
        (utc(2026, 11, 2, 9, 51), False),
        (utc(2026, 11, 7, 7, 0), True),  # Saturday: 09:00 in Kaliningrad, 19:00 in Kamchatka
        (utc(2026, 11, 7, 7, 51), False),  # 19:51 in Kamchatka, past the last dial
        (utc(2026, 11, 1, 20, 0), False),  # Sunday evening in Kaliningrad, Monday 08:00 in Kamchatka
    ],
)
def test_unknown_zone_only_in_the_hours_every_russian_zone_allows(at: datetime, allowed: bool) -> None:
    assert RU.allows(at, RUSSIAN_ZONES) is allowed


def test_unknown_zone_opens_when_the_westernmost_zone_opens() -> None:
    assert RU.next_open(utc(2026, 11, 2, 12, 0), RUSSIAN_ZONES) == utc(2026, 11, 3, 6, 0)
    assert RU.next_open(utc(2026, 11, 6, 12, 0), RUSSIAN_ZONES) == utc(2026, 11, 7, 7, 0)  # Saturday's hour


def test_zones_without_a_common_hour_never_open() -> None:
    far_apart = ("Europe/Kaliningrad", "Asia/Kamchatka")
    narrow = CallingWindows(workday=(time(9), time(18)), day_off=(time(10), time(16)))
    assert narrow.next_open(utc(2026, 11, 2, 0, 0), far_apart) is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"workday": (time(22), time(8))},
        {"day_off": (time(9), time(9))},
        {"last_dial": timedelta(minutes=-1)},
    ],
)
def test_unusable_windows_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(PolicyError):
        CallingWindows(**kwargs)  # type: ignore[arg-type]


def test_naive_time_is_refused() -> None:
    with pytest.raises(ValueError):
        RU.allows(datetime(2026, 11, 2, 10), MSK)
