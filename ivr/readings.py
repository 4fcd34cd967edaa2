"""Plausibility of a meter reading: the one rule the IVR flow and the store backend both apply."""

from __future__ import annotations

LOWER = "lower"
TOO_HIGH = "too_high"


def reading_problem(value: int, previous: int | None, max_increase: int) -> str | None:
    """None when `value` is plausible after `previous`; else why not.

    A meter only counts up, so a value below the last one is a typo (or a replaced meter, which is
    an operator's job). A jump above `max_increase` units is almost surely an extra digit.
    """
    if previous is None:
        return None
    if value < previous:
        return LOWER
    if value - previous > max_increase:
        return TOO_HIGH
    return None
