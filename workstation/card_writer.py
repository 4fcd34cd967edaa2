"""Stores call-card changes in the order the PBX produced them, many per transaction.

At 50 new calls a second every call brings half a dozen card changes; one transaction (and on SQLite
one thread hop) per batch keeps the event loop free for what operators wait on, the screen pop.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from crm_store import interactions
from crm_store.db import Database
from crm_store.records import KeepFirst

from .batch_writer import BatchWriter
from .cards import CardChange
from .directory import Directory

BATCH = 200

Announce = Callable[[list[CardChange]], Awaitable[None]]


class CardWriter:
    def __init__(self, db: Database, directory: Directory, clock: Callable[[], datetime], announce: Announce) -> None:
        self.db = db
        self.directory = directory
        self.clock = clock
        self.announce = announce
        # A failed batch is stored again one change at a time (without announcing): a bad change costs only itself.
        self._writer: BatchWriter[CardChange] = BatchWriter(
            "call cards", self._write, batch=BATCH, one=lambda change: self._store([change])
        )

    def start(self) -> None:
        self._writer.start()

    def put(self, change: CardChange) -> None:
        self._writer.put(change)

    async def drain(self) -> None:
        await self._writer.drain()

    async def close(self) -> None:
        await self._writer.close()  # store what is queued, then stop

    async def _write(self, changes: list[CardChange]) -> None:
        await self._store(changes)
        await self.announce(changes)

    async def _store(self, changes: list[CardChange]) -> None:
        agents = {
            c.agent_interface: await self.directory.lookup_interface(c.agent_interface)
            for c in changes
            if c.agent_interface
        }
        updates = []
        for change in changes:
            fields = dict(change.fields)
            opened: dict[str, Any] | None = None
            if change.open:
                opened = {
                    k: fields.pop(k)
                    for k in ("direction", "caller_number", "called_number", "offered_at")
                    if k in fields
                }
                opened.setdefault("offered_at", self.clock())
            user = agents.get(change.agent_interface) if change.agent_interface else None
            if user is not None:
                fields["agent_id"] = KeepFirst(user.id) if change.agent_kept_first else user.id
            updates.append(
                interactions.CallCardUpdate(
                    call_id=change.call_id, open=opened, fields=fields, identify_caller=change.look_up_caller
                )
            )
        await interactions.apply_call_card_updates(self.db, updates)
