"""Plausible key presses for simulated callers of the default menu (the PBX simulator's `ivr_digits`).

The simulator feeds one entry per GET DATA, then one silence, then hangs up. A caller whose number is
not on file is first asked for the account, so give `account_number` for those.
"""

from __future__ import annotations

import random

# (weight, keys after identification) — what callers of a utility do, roughly
SCENARIOS: tuple[tuple[int, tuple[str, ...]], ...] = (
    (25, ("1", "9")),  # balance, goodbye
    (10, ("1",)),  # balance, then just hangs up
    (10, ("1", "0")),  # balance, then a billing question for an operator
    (8, ("2",)),  # last payment
    (10, ("3", "{reading}", "1", "9")),  # meter reading, confirmed
    (4, ("3",)),  # meter reading, gives up (a drop-out)
    (6, ("4", "{application}", "9")),  # application status
    (5, ("5",)),  # call-back
    (12, ("0",)),  # straight to an operator
    (5, ("6",)),  # debt / payment plan
    (5, ()),  # says nothing at all
)


def demo_caller_keys(
    rng: random.Random,
    *,
    account_number: str | None = None,
    application_number: str = "1",
    last_reading: int = 0,
) -> list[str]:
    weights = [w for w, _ in SCENARIOS]
    (keys,) = rng.choices([k for _, k in SCENARIOS], weights=weights)
    reading = str(last_reading + rng.randint(50, 400))
    out = [k.format(reading=reading, application=application_number) for k in keys]
    return [account_number, *out] if account_number else out
