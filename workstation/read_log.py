"""Who looked at which customer: every view (a screen pop, the customer page, the timeline) goes to the
audit log, and reading customers faster than a person does is refused.

A pop must not wait for the database on its way to the screen: views are queued and written by one kept
background task, many per transaction, like the call cards (card_writer.py).
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from crm_store.audit import audit_many
from crm_store.db import Database

from .batch_writer import BatchWriter
from .errors import TooManyReadsError

log = logging.getLogger(__name__)
BATCH = 500
READS_PER_WINDOW = 120  # customer reads a user may ask for per window
WINDOW = timedelta(minutes=1)

Entry = tuple[datetime, int | None, str, str, object, dict[str, Any]]


class ReadLog:
    def __init__(
        self,
        db: Database,
        clock: Callable[[], datetime],
        *,
        reads_per_window: int = READS_PER_WINDOW,
        window: timedelta = WINDOW,
    ) -> None:
        self.db = db
        self.clock = clock
        self.reads_per_window = reads_per_window
        self.window = window
        self._recent: dict[int, deque[datetime]] = {}
        self._writer: BatchWriter[Entry] = BatchWriter("customer-view audit", self._write, batch=BATCH)

    # ------------------------------------------------------------------ rate limit
    def admit(self, user_id: int) -> None:
        """One more customer read by `user_id` (a search, a customer page, a timeline page); refused with
        too_many_reads once the window's allowance is spent."""
        now = self.clock()
        recent = self._recent.setdefault(user_id, deque())
        while recent and now - recent[0] >= self.window:
            recent.popleft()
        if len(recent) >= self.reads_per_window:
            wait = max(1, int((recent[0] + self.window - now).total_seconds()) + 1)
            raise TooManyReadsError(
                f"too many customer records read; wait {wait} s", code="too_many_reads", seconds=wait
            )
        recent.append(now)

    # ------------------------------------------------------------------ the audit trail
    def viewed(self, user_id: int | None, customer_id: int, via: str, **details: Any) -> None:
        """Queue the fact that `user_id` saw customer `customer_id` (via pop, customer, timeline)."""
        self._writer.put((self.clock(), user_id, "customer.view", "customer", customer_id, {"via": via, **details}))

    def searched(self, user_id: int, query: str, hits: list[int]) -> None:
        self._writer.put(
            (self.clock(), user_id, "customer.search", "customer", "", {"q": query[:200], "hits": hits[:100]})
        )

    # ------------------------------------------------------------------ the writer
    def start(self) -> None:
        self._writer.start()

    async def drain(self) -> None:
        await self._writer.drain()

    async def close(self) -> None:
        await self._writer.close()  # write what is queued, then stop

    async def _write(self, entries: list[Entry]) -> None:
        try:
            await audit_many(self.db, entries)
        except Exception:  # the trail of later reads must still be written
            log.exception("could not write %d customer-view audit entries", len(entries))
