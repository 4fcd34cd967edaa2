"""Failed-login throttling: growing delays, never a hard lock of an account; pure, with `now` passed in.

Three counters are kept for each failed login, each with its own policy:

* the user name *from this address* — the one a password guesser hits first. It allows a few typos, then
  doubles the wait after each failure (2 s, 4 s, … up to 5 minutes). The real user typing from their own
  desk has a counter of their own, so nobody can lock them out by failing from elsewhere; their own
  successful login clears only this pair.
* the user name from any address — slows down guessing one account from many addresses, but its delays
  stay short (≤ 30 s), so a distributed attacker can slow the real user down, never lock them out.
* the address — slows down trying many accounts from one address; it allows many failures, since a
  whole office may sit behind one address, and a success never clears it (one insider's own login would
  otherwise reset the count they use to try everybody else's password).

A counter is forgotten once no failure has touched it for `forget_after`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True, kw_only=True)
class Policy:
    free: int  # failures allowed before any wait
    first: timedelta  # the wait after the first failure past `free`; doubled after each further one
    cap: timedelta  # the longest wait
    forget_after: timedelta  # a counter untouched this long starts from zero


PAIR = Policy(free=3, first=timedelta(seconds=2), cap=timedelta(minutes=5), forget_after=timedelta(hours=1))
USER = Policy(free=10, first=timedelta(seconds=1), cap=timedelta(seconds=30), forget_after=timedelta(hours=1))
ADDRESS = Policy(free=30, first=timedelta(seconds=1), cap=timedelta(seconds=60), forget_after=timedelta(hours=1))


@dataclass(frozen=True, slots=True)
class Failures:
    count: int
    last: datetime


def wait_after(policy: Policy, failures: int) -> timedelta:
    """How long after the last of `failures` failures the next try is allowed."""
    over = failures - policy.free
    if over <= 0:
        return timedelta(0)
    if over > 40:  # 2**40 seconds is far past any cap; keeps the float in range
        return policy.cap
    return min(policy.cap, policy.first * (2 ** (over - 1)))


def remaining(policy: Policy, failures: Failures | None, now: datetime) -> timedelta:
    """The time still to wait before the next try; zero when it may go ahead now."""
    if failures is None or now - failures.last >= policy.forget_after:
        return timedelta(0)
    return max(timedelta(0), failures.last + wait_after(policy, failures.count) - now)


def after_failure(policy: Policy, failures: Failures | None, now: datetime) -> Failures:
    if failures is None or now - failures.last >= policy.forget_after:
        return Failures(1, now)
    return Failures(failures.count + 1, now)


@dataclass(frozen=True, slots=True, kw_only=True)
class Attempt:
    """Who tries to sign in, from where. The user name is compared case-insensitively."""

    username: str
    address: str

    def keys(self) -> tuple[tuple[str, Policy], ...]:
        user = self.username.strip().lower()
        return (
            (f"pair:{user}\x00{self.address}", PAIR),
            (f"user:{user}", USER),
            (f"address:{self.address}", ADDRESS),
        )


@dataclass(slots=True)
class LoginThrottle:
    """The counters of all attempts. Bounded: past `max_keys` the forgotten, then the oldest, are dropped."""

    max_keys: int = 100_000
    _counters: dict[str, Failures] = field(default_factory=dict)

    def retry_after(self, attempt: Attempt, now: datetime) -> int:
        """Whole seconds until this attempt may be tried; 0 when it may go ahead now."""
        wait = max((remaining(policy, self._counters.get(key), now) for key, policy in attempt.keys()), default=None)
        return math.ceil(wait.total_seconds()) if wait else 0

    def failed(self, attempt: Attempt, now: datetime) -> None:
        for key, policy in attempt.keys():
            self._counters[key] = after_failure(policy, self._counters.get(key), now)
        if len(self._counters) > self.max_keys:
            self._prune(now)

    def succeeded(self, attempt: Attempt) -> None:
        """The right password from this address: that pair starts over; the other counters age out alone."""
        pair_key, _policy = attempt.keys()[0]
        self._counters.pop(pair_key, None)

    def _prune(self, now: datetime) -> None:
        longest = max(PAIR.forget_after, USER.forget_after, ADDRESS.forget_after)
        for key in [k for k, f in self._counters.items() if now - f.last >= longest]:
            del self._counters[key]
        if len(self._counters) > self.max_keys:
            # A flood of made-up names or addresses: the oldest counters go first.
            oldest = sorted(self._counters.items(), key=lambda item: item[1].last)
            for key, _f in oldest[: len(self._counters) - self.max_keys * 9 // 10]:
                del self._counters[key]
