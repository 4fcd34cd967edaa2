"""Phone numbers in, E.164 out.

Operators, CSV files and the PBX write numbers in every form (`8 (495) 123-45-67`, `+7 495 1234567`,
`9161234567`); everything stored and matched is E.164, so one customer is found whatever form was used.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

DEFAULT_REGION = "RU"
_NON_DIGITS = re.compile(r"\D")
_ASCII_NON_DIGITS = bytes(c for c in range(128) if not 48 <= c <= 57)
_SPLIT = re.compile(r"[;,/]|\s{2,}")


# Mobile and fixed line first: the alternation is tried in order and most numbers are one of those.
_TYPE_DESCS = (
    "mobile",
    "fixed_line",
    "toll_free",
    "premium_rate",
    "shared_cost",
    "voip",
    "personal_number",
    "pager",
    "uan",
    "voicemail",
)


@lru_cache(maxsize=1)
def _russian_validity() -> tuple[re.Pattern[str], re.Pattern[str]]:
    """phonenumbers' own Russian patterns, compiled once: (the general pattern, any number type's pattern).

    phonenumbers validates a number by trying each type's pattern in turn (~50 µs a number); an import
    of 100k rows normalises every number twice, so we match the same patterns in one regex (~2 µs).
    """
    metadata = phonenumbers.PhoneMetadata.metadata_for_region("RU")
    assert metadata is not None
    general = metadata.general_desc
    assert general is not None and general.national_number_pattern is not None
    parts = []
    for name in _TYPE_DESCS:
        desc = getattr(metadata, name)
        if desc is None or not desc.national_number_pattern:
            continue
        lengths = desc.possible_length or general.possible_length
        if 10 in lengths:
            parts.append(f"(?:{desc.national_number_pattern})")
    return re.compile(general.national_number_pattern), re.compile("|".join(parts))


_RUSSIAN: re.Pattern[str] | None = None


def _fast_russian(digits: str) -> str | bool | None:
    """E.164 (or None when invalid) of an 11-digit +7 number in Russia's ranges; False: not decided here.

    +7 33… and +7 6…/7… belong to Kazakhstan and anything unusual goes the slow way through phonenumbers.
    tests/store/test_phones.py checks this against phonenumbers on random numbers.
    """
    if len(digits) != 11 or digits[0] != "7" or digits[1] not in "3489" or digits.startswith("733"):
        return False
    global _RUSSIAN
    if _RUSSIAN is None:
        general, typed = _russian_validity()
        # Both must match the whole number: the general pattern as a look-ahead, then any type's pattern.
        _RUSSIAN = re.compile(rf"(?=(?:{general.pattern})\Z)(?:{typed.pattern})")
    return "+" + digits if _RUSSIAN.fullmatch(digits, 1) else None


def normalize_phone(raw: str | None, region: str = DEFAULT_REGION) -> str | None:
    """Return the E.164 form of `raw`, or None when it is not a valid phone number.

    A bare ten-digit Russian number (`9161234567`) is read as national; `is_valid_number` is always
    checked because `123` parses to `+7123` and would otherwise match nothing or the wrong person.
    """
    if raw is None:
        return None
    text = str(raw).strip()
    if not text:
        return None
    # Every \d of the text (\D is its exact complement). In ASCII text those are 0-9, and deleting the other
    # bytes is 5x faster than the regex.
    if text.isascii():
        digits = text.encode().translate(None, _ASCII_NON_DIGITS).decode()
    else:
        digits = _NON_DIGITS.sub("", text)
    if not digits or len(digits) > 15:
        return None
    if region == "RU":
        if not text.startswith("+"):
            # Asterisk and CSV exports often drop the trunk prefix: 79161234567 / 89161234567 / 9161234567.
            if len(digits) == 11 and digits[0] in "78":
                digits = "7" + digits[1:]
                text = "+" + digits
            elif len(digits) == 10:
                digits = "7" + digits
                text = "+" + digits
        if text.startswith("+"):
            fast = _fast_russian(digits)
            if fast is not False:
                return fast  # type: ignore[return-value]
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def split_phones(raw: str | None) -> list[str]:
    """Split a cell that holds several numbers (`+7 916 …; 8 495 …`) into the written parts."""
    if raw is None:
        return []
    text = str(raw)
    if _SPLIT.search(text) is None:
        part = text.strip()  # one number, the usual cell: no list of parts to build and strip
        return [part] if part else []
    return [part.strip() for part in _SPLIT.split(text) if part.strip()]


def format_phone(e164: str) -> str:
    """The national form an operator reads aloud: `+7 916 123-45-67`."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
