"""Reminder messages (SMS) to debtors: only inside the calling window and within the reminder limits.

`remind(policy, debtor, now, do_not_call) -> Reminder | Refusal`, like compliance.clear for calls: the
reminder limits (230-FZ: 2 a day, 4 in 7 days, 16 in 31 days, in the debtor's local dates) count the
recorded abandon message too, so a debtor who heard one today has one SMS left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .compliance import Blocked, Policy, Refusal, usable_numbers
from .debtor import Debtor
from .limits import Counted, fits
from .zones import debtor_zones


@dataclass(frozen=True, slots=True, kw_only=True)
class Reminder:
    debtor_id: int
    e164: str
    at: datetime


def remind(
    policy: Policy, debtor: Debtor, now: datetime, *, do_not_call: frozenset[str] = frozenset()
) -> Reminder | Refusal:
    if now.tzinfo is None:
        raise ValueError("reminders need an aware datetime")
    if debtor.closed is not None:
        return Refusal(debtor_id=debtor.debtor_id, reason=Blocked.CLOSED, until=None)
    mobiles = [n for n in usable_numbers(policy, debtor, do_not_call) if n.kind == "mobile"]
    if not mobiles:
        return Refusal(debtor_id=debtor.debtor_id, reason=Blocked.NO_NUMBER, until=None)
    number = mobiles[0].e164
    zones = debtor_zones(debtor.region, number, default=policy.unknown_zones)
    if not policy.windows.allows(now, zones):
        return Refusal(
            debtor_id=debtor.debtor_id, reason=Blocked.OUTSIDE_WINDOW, until=policy.windows.next_open(now, zones)
        )
    if not fits(policy.rules, debtor.history, Counted.REMINDERS, now, zones):
        return Refusal(debtor_id=debtor.debtor_id, reason=Blocked.REMINDER_LIMIT, until=None)
    return Reminder(debtor_id=debtor.debtor_id, e164=number, at=now)
