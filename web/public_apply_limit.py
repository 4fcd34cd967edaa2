"""Rate limits of the public application form: tries per hour per client address and per account number.

Every try counts, whether the account exists or not and whether the details matched, so the limit itself
tells nothing about accounts. Pure, with `now` passed in; bounded in memory.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

WINDOW = timedelta(hours=1)


@dataclass(slots=True)
class ApplyLimit:
    per_address: int
    per_account: int
    max_keys: int = 100_000
    _hits: dict[str, deque[datetime]] = field(default_factory=dict)

    def allow(self, *, address: str, account: str, now: datetime) -> bool:
        """Count this try; False when the address or the account number is over its hourly limit."""
        keys = ((f"address:{address}", self.per_address), (f"account:{account.strip().lower()}", self.per_account))
        over = False
        for key, limit in keys:
            hits = self._hits.setdefault(key, deque())
            while hits and now - hits[0] >= WINDOW:
                hits.popleft()
            if len(hits) >= limit:
                over = True
        if over:
            return False
        for key, _limit in keys:
            self._hits[key].append(now)
        if len(self._hits) > self.max_keys:
            self._prune(now)
        return True

    def _prune(self, now: datetime) -> None:
        for key in [k for k, h in self._hits.items() if not h or now - h[-1] >= WINDOW]:
            del self._hits[key]
        if len(self._hits) > self.max_keys:  # a flood of made-up addresses: the oldest go first
            oldest = sorted(self._hits, key=lambda k: self._hits[k][-1])
            for key in oldest[: len(self._hits) - self.max_keys * 9 // 10]:
                del self._hits[key]
