"""Failed-login rate limiting: pure bookkeeping over (key, time) with `now` passed in."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta


@dataclass(slots=True)
class LoginThrottle:
    """At most `limit` failures per key within `window`; then the key is refused until they age out.

    Keys are the user name and the client address separately, so guessing one account from many
    addresses and many accounts from one address are both slowed down.
    """

    limit: int = 5
    window: timedelta = timedelta(minutes=5)
    _failures: dict[str, deque[datetime]] = field(default_factory=dict)

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        times = self._failures.setdefault(key, deque())
        while times and now - times[0] > self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return deque()
        return times

    def retry_after(self, keys: tuple[str, ...], now: datetime) -> int:
        """Seconds until a login for these keys may be tried again; 0 when allowed now."""
        wait = 0.0
        for key in keys:
            times = self._recent(key, now)
            if len(times) >= self.limit:
                wait = max(wait, (times[0] + self.window - now).total_seconds())
        return int(wait) + (1 if wait > int(wait) else 0)

    def failed(self, keys: tuple[str, ...], now: datetime) -> None:
        for key in keys:
            self._failures.setdefault(key, deque()).append(now)

    def succeeded(self, keys: tuple[str, ...]) -> None:
        for key in keys:
            self._failures.pop(key, None)
