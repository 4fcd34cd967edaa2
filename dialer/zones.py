"""Which time zone a debtor lives in: from the account's region first, then the number, else all of Russia.

phonenumbers' time zones are useless for mobile and 8-800 numbers (all sixteen +7 zones) and wrong for
Kaliningrad landlines (Europe/Bucharest), so the region decides. When neither tells one zone, the debtor
gets every candidate zone and a call must fit the window in each of them (windows.py).
"""

from __future__ import annotations

import re
from functools import lru_cache
from zoneinfo import ZoneInfo

import phonenumbers
from phonenumbers import timezone as phone_timezone

from .errors import PolicyError

# Every zone a Russian debtor can live in (tzdata's zone.tab for RU, and Crimea), west to east.
RUSSIAN_ZONES: tuple[str, ...] = (
    "Europe/Kaliningrad",
    "Europe/Moscow",
    "Europe/Simferopol",
    "Europe/Kirov",
    "Europe/Volgograd",
    "Europe/Astrakhan",
    "Europe/Saratov",
    "Europe/Ulyanovsk",
    "Europe/Samara",
    "Asia/Yekaterinburg",
    "Asia/Omsk",
    "Asia/Novosibirsk",
    "Asia/Barnaul",
    "Asia/Tomsk",
    "Asia/Novokuznetsk",
    "Asia/Krasnoyarsk",
    "Asia/Irkutsk",
    "Asia/Chita",
    "Asia/Yakutsk",
    "Asia/Khandyga",
    "Asia/Vladivostok",
    "Asia/Ust-Nera",
    "Asia/Magadan",
    "Asia/Sakhalin",
    "Asia/Srednekolymsk",
    "Asia/Kamchatka",
    "Asia/Anadyr",
)

_MOSCOW = "Europe/Moscow"
# Region names as people and imports write them, lower-cased, "г."/"республика"/"область"… kept: the
# lookup strips them (see _key). A region missing here falls back to the number, then to all zones.
_REGION_ZONES: dict[str, str] = {
    "москва": _MOSCOW,
    "московская": _MOSCOW,
    "санкт-петербург": _MOSCOW,
    "ленинградская": _MOSCOW,
    "севастополь": "Europe/Simferopol",
    "крым": "Europe/Simferopol",
    "адыгея": _MOSCOW,
    "архангельская": _MOSCOW,
    "белгородская": _MOSCOW,
    "брянская": _MOSCOW,
    "владимирская": _MOSCOW,
    "волгоградская": "Europe/Volgograd",
    "вологодская": _MOSCOW,
    "воронежская": _MOSCOW,
    "дагестан": _MOSCOW,
    "ингушетия": _MOSCOW,
    "ивановская": _MOSCOW,
    "кабардино-балкарская": _MOSCOW,
    "калмыкия": _MOSCOW,
    "калужская": _MOSCOW,
    "карачаево-черкесская": _MOSCOW,
    "карелия": _MOSCOW,
    "кировская": "Europe/Kirov",
    "коми": _MOSCOW,
    "костромская": _MOSCOW,
    "краснодарский": _MOSCOW,
    "курская": _MOSCOW,
    "липецкая": _MOSCOW,
    "марий эл": _MOSCOW,
    "мордовия": _MOSCOW,
    "мурманская": _MOSCOW,
    "ненецкий": _MOSCOW,
    "нижегородская": _MOSCOW,
    "новгородская": _MOSCOW,
    "орловская": _MOSCOW,
    "пензенская": _MOSCOW,
    "псковская": _MOSCOW,
    "ростовская": _MOSCOW,
    "рязанская": _MOSCOW,
    "северная осетия": _MOSCOW,
    "смоленская": _MOSCOW,
    "ставропольский": _MOSCOW,
    "тамбовская": _MOSCOW,
    "татарстан": _MOSCOW,
    "тверская": _MOSCOW,
    "тульская": _MOSCOW,
    "чеченская": _MOSCOW,
    "чувашская": _MOSCOW,
    "чувашия": _MOSCOW,
    "ярославская": _MOSCOW,
    "калининградская": "Europe/Kaliningrad",
    "калининград": "Europe/Kaliningrad",
    "астраханская": "Europe/Astrakhan",
    "самарская": "Europe/Samara",
    "саратовская": "Europe/Saratov",
    "ульяновская": "Europe/Ulyanovsk",
    "удмуртская": "Europe/Samara",
    "удмуртия": "Europe/Samara",
    "башкортостан": "Asia/Yekaterinburg",
    "курганская": "Asia/Yekaterinburg",
    "оренбургская": "Asia/Yekaterinburg",
    "пермский": "Asia/Yekaterinburg",
    "свердловская": "Asia/Yekaterinburg",
    "тюменская": "Asia/Yekaterinburg",
    "ханты-мансийский": "Asia/Yekaterinburg",
    "челябинская": "Asia/Yekaterinburg",
    "ямало-ненецкий": "Asia/Yekaterinburg",
    "омская": "Asia/Omsk",
    "алтай": "Asia/Barnaul",
    "алтайский": "Asia/Barnaul",
    "кемеровская": "Asia/Novokuznetsk",
    "кузбасс": "Asia/Novokuznetsk",
    "новосибирская": "Asia/Novosibirsk",
    "томская": "Asia/Tomsk",
    "красноярский": "Asia/Krasnoyarsk",
    "тыва": "Asia/Krasnoyarsk",
    "хакасия": "Asia/Krasnoyarsk",
    "бурятия": "Asia/Irkutsk",
    "иркутская": "Asia/Irkutsk",
    "амурская": "Asia/Yakutsk",
    "забайкальский": "Asia/Chita",
    "якутия": "Asia/Yakutsk",
    "саха": "Asia/Yakutsk",
    "еврейская": "Asia/Vladivostok",
    "приморский": "Asia/Vladivostok",
    "хабаровский": "Asia/Vladivostok",
    "магаданская": "Asia/Magadan",
    "сахалинская": "Asia/Sakhalin",
    "камчатский": "Asia/Kamchatka",
    "чукотский": "Asia/Anadyr",
}
# Words that only say what kind of region it is: "Свердловская область" and "свердловская обл." are one key.
_NOISE = re.compile(
    r"\b(г|город|обл|область|край|республика|респ|автономный|автономная|округ|ао|югра|—|-\s)\b\.?", re.IGNORECASE
)


def _key(region: str) -> str:
    text = _NOISE.sub(" ", region.strip().lower().replace("ё", "е"))
    text = text.replace("(", " ").replace(")", " ").replace(".", " ")
    return " ".join(text.split())


def zone_of_region(region: str | None) -> str | None:
    """The IANA zone of a Russian region name, or None when the name is empty or unknown."""
    if not region:
        return None
    key = _key(region)
    if key in _REGION_ZONES:
        return _REGION_ZONES[key]
    for word, zone in _REGION_ZONES.items():  # "Республика Саха (Якутия)", "Кемеровская область — Кузбасс"
        if word in key.split() or key.startswith(word + " "):
            return zone
    return None


# A Kaliningrad landline: phonenumbers says Europe/Bucharest for +7 401x.
_KALININGRAD_PREFIX = "+7401"


@lru_cache(maxsize=65536)
def zones_of_number(e164: str) -> tuple[str, ...]:
    """The Russian zones a number may be in: one for a landline, all of them when the number says nothing."""
    if e164.startswith(_KALININGRAD_PREFIX):
        return ("Europe/Kaliningrad",)
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return RUSSIAN_ZONES
    if parsed.country_code != 7:
        return RUSSIAN_ZONES
    found = tuple(z for z in phone_timezone.time_zones_for_number(parsed) if z in RUSSIAN_ZONES)
    return found if len(found) == 1 else RUSSIAN_ZONES


def debtor_zones(
    region: str | None, e164: str | None = None, *, default: tuple[str, ...] = RUSSIAN_ZONES
) -> tuple[str, ...]:
    """The zones a call must fit in: the region's zone, else the number's, else `default` (every zone)."""
    zone = zone_of_region(region)
    if zone:
        return (zone,)
    if e164:
        by_number = zones_of_number(e164)
        if len(by_number) == 1:
            return by_number
    return default


@lru_cache(maxsize=64)
def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (KeyError, ValueError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise PolicyError(f"unknown time zone {name!r}") from exc
