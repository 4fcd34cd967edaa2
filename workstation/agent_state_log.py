"""The operators' state log: a subscriber of the event stream that stores each phone's state changes
(workstation/agent_states.py) as intervals for the reports.

The fold is immediate; the writes are batched. Storing each change in a transaction of its own took a
thread hop per member event, and a busy floor (2,000 operators, 100 calls a second: 300 member events a
second) outran it: the subscriber fell 10,000 events behind and the stream dropped events, so the report
lost intervals. Now one transaction stores whatever changes came while the last one was written, in order.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from crm_store import reports_states
from crm_store.db import Database
from crm_store.reports_states import StateChange

from . import agent_states
from .batch_writer import BatchWriter

BATCH = 500


class AgentStateLog:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock
        self.phones: dict[str, agent_states.Phone] = {}
        self._writer: BatchWriter[StateChange] = BatchWriter(
            "operator state log", self._store, batch=BATCH, one=lambda change: self._store([change])
        )

    async def start(self) -> None:
        """Close what the last run left open (the PBX's member snapshot reopens what is still true), then
        start writing."""
        await reports_states.close_all(self.db, self.clock())
        self._writer.start()

    async def handle(self, event: object) -> None:
        for change in agent_states.step_into(self.phones, event):
            self._writer.put(change)

    async def drain(self) -> None:
        """Wait until every change handled so far is stored."""
        await self._writer.drain()

    async def close(self) -> None:
        """Store what is queued, then stop."""
        await self._writer.close()

    async def _store(self, changes: list[StateChange]) -> None:
        await reports_states.record(self.db, changes)
