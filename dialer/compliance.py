"""The only way to a Dial: `clear(policy, debtor, now, …)` checks every rule and returns a Dial or why not.

A Dial cannot be built anywhere else (it carries a token only this module holds), so a call outside the
window, over a contact limit, to a wrong or opted-out number, before a promised date or to a closed debtor
cannot be placed by construction: the edge executes Dials and has no other way to originate.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .debtor import NUMBER_ORDER, Debtor, DebtorNumber, ordered_numbers
from .errors import NotCleared, PolicyError
from .limits import RUSSIA_230FZ, Counted, RuleSet, fits, next_free_day
from .retry import RetryRules
from .windows import CallingWindows
from .zones import RUSSIAN_ZONES, debtor_zones, zone

_CLEARED = object()


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    """A campaign's rules; the defaults are the Russian rules for debt collection (230-FZ).

    `unknown_zones`: where a debtor may live when neither the region nor the number tells. By default
    every Russian zone: such a debtor is called only in the hours inside the window from Kaliningrad to
    Kamchatka at once (workdays 06:00–09:50 UTC, weekends and holidays 07:00–07:50 UTC).
    `promise_grace`: days after the promised date before the debtor may be called about it.
    """

    windows: CallingWindows = field(default_factory=CallingWindows)
    rules: RuleSet = RUSSIA_230FZ
    retry: RetryRules = field(default_factory=RetryRules)
    number_order: tuple[str, ...] = NUMBER_ORDER
    unknown_zones: tuple[str, ...] = RUSSIAN_ZONES
    promise_grace: timedelta = timedelta(days=1)
    abandon_cap: float = 0.03
    abandon_window: timedelta = timedelta(hours=1)

    def __post_init__(self) -> None:
        if not 0 <= self.abandon_cap < 1:
            raise PolicyError(f"abandon cap {self.abandon_cap} must be a fraction below 1 (0.03 = 3 %)")
        if self.abandon_window <= timedelta(0):
            raise PolicyError("the abandon window must be positive")
        if not self.unknown_zones:
            raise PolicyError("unknown_zones must name at least one zone")
        for name in self.unknown_zones:
            zone(name)


class Blocked(enum.StrEnum):
    CLOSED = "closed"
    IN_CALL = "in_call"
    ATTEMPT_LIMIT = "attempt_limit"
    NO_NUMBER = "no_number"  # every number is wrong or opted out
    NOT_YET = "not_yet"  # the retry schedule, a call-back time or a promised date
    OUTSIDE_WINDOW = "outside_window"
    CONTACT_LIMIT = "contact_limit"
    REMINDER_LIMIT = "reminder_limit"  # a predictive call may end in the recorded message


@dataclass(frozen=True, slots=True, kw_only=True)
class Refusal:
    debtor_id: int
    reason: Blocked
    until: datetime | None  # the first moment worth asking again; None: not by waiting


@dataclass(frozen=True, slots=True, kw_only=True)
class Dial:
    """Originate a call to `e164` for `debtor_id`; only compliance.clear builds one."""

    debtor_id: int
    e164: str
    at: datetime
    zones: tuple[str, ...]
    clearance: object = field(repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.clearance is not _CLEARED:
            raise NotCleared("a Dial must come from dialer.compliance.clear")


def usable_numbers(policy: Policy, debtor: Debtor, do_not_call: frozenset[str]) -> list[DebtorNumber]:
    return [
        n for n in ordered_numbers(debtor.numbers, policy.number_order) if not n.wrong and n.e164 not in do_not_call
    ]


def clear(
    policy: Policy, debtor: Debtor, now: datetime, *, do_not_call: frozenset[str] = frozenset(), may_abandon: bool
) -> Dial | Refusal:
    """May `debtor` be dialled at `now`? `may_abandon`: the pacing can leave an answered call without an operator."""

    def refuse(reason: Blocked, until: datetime | None = None) -> Refusal:
        return Refusal(debtor_id=debtor.debtor_id, reason=reason, until=until)

    if now.tzinfo is None:
        raise ValueError("compliance needs an aware datetime")
    if debtor.closed is not None:
        return refuse(Blocked.CLOSED)
    if debtor.dialling is not None:
        return refuse(Blocked.IN_CALL)
    if debtor.attempts >= policy.retry.max_attempts:
        return refuse(Blocked.ATTEMPT_LIMIT)
    usable = usable_numbers(policy, debtor, do_not_call)
    if not usable:
        return refuse(Blocked.NO_NUMBER)
    chosen = next((n for n in usable if n.e164 == debtor.number), usable[0])
    zones = debtor_zones(debtor.region, chosen.e164, default=policy.unknown_zones)

    waits = [t for t in (debtor.not_before, debtor.callback_at) if t is not None]
    if debtor.promised_on is not None:
        day = debtor.promised_on + policy.promise_grace
        waits.extend(datetime.combine(day, datetime.min.time(), tzinfo=zone(name)) for name in zones)
    later = max(waits, default=now)
    if later > now:
        return refuse(Blocked.NOT_YET, later)

    if not policy.windows.allows(now, zones):
        return refuse(Blocked.OUTSIDE_WINDOW, policy.windows.next_open(now, zones))
    counted = [Counted.ATTEMPTS, Counted.CONVERSATIONS] + ([Counted.REMINDERS] if may_abandon else [])
    for what in counted:
        if not fits(policy.rules, debtor.history, what, now, zones):
            reason = Blocked.REMINDER_LIMIT if what is Counted.REMINDERS else Blocked.CONTACT_LIMIT
            return refuse(reason, _next_allowed(policy, debtor, what, now, zones))
    return Dial(debtor_id=debtor.debtor_id, e164=chosen.e164, at=now, zones=zones, clearance=_CLEARED)


def _next_allowed(
    policy: Policy, debtor: Debtor, what: Counted, now: datetime, zones: tuple[str, ...]
) -> datetime | None:
    at: datetime | None = now
    for _ in range(4):  # a free day, then its window; the window's start is on that day, so this settles fast
        assert at is not None
        at = next_free_day(policy.rules, debtor.history, what, at, zones)
        if at is None:
            return None
        at = policy.windows.next_open(at, zones)
        if at is None or fits(policy.rules, debtor.history, what, at, zones):
            return at
    return at
