"""Things to store, stored in the order they came, many per transaction, by one background task.

The event path must never wait for the database: call-card changes, the customer-view audit trail and the
operators' state log are queued here and written by one task each, as many per `store` call as came while
the last one was written. When a batch fails, `one` (if given) stores its items one by one, so one bad
item costs only itself; either way a failing batch never stops the later ones.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
CLOSE_TIMEOUT_S = 10.0


class BatchWriter(Generic[T]):
    def __init__(
        self,
        name: str,
        store: Callable[[list[T]], Awaitable[None]],
        *,
        batch: int,
        one: Callable[[T], Awaitable[None]] | None = None,
    ) -> None:
        self.name = name
        self.store = store
        self.one = one
        self.batch = batch
        self._queue: asyncio.Queue[T | None] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name=f"{self.name} writer")

    def put(self, item: T) -> None:
        self._queue.put_nowait(item)

    async def drain(self) -> None:
        """Wait until everything put so far is stored."""
        await self._queue.join()

    async def close(self, timeout: float = CLOSE_TIMEOUT_S) -> None:
        """Store what is queued, then stop (what is left after `timeout` seconds is logged and lost)."""
        if self._task is None:
            return
        self._queue.put_nowait(None)
        try:
            await asyncio.wait_for(asyncio.shield(self._task), timeout)
        except TimeoutError:
            log.warning("%s: %d items left unstored at shutdown", self.name, self._queue.qsize())
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._task = None

    async def _run(self) -> None:
        while True:
            batch = [await self._queue.get()]
            while len(batch) < self.batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            items = [item for item in batch if item is not None]
            try:
                if items:
                    await self._store(items)
            finally:
                for _ in batch:
                    self._queue.task_done()
            if len(items) < len(batch):
                return

    async def _store(self, items: list[T]) -> None:
        try:
            await self.store(items)
        except Exception:  # the next batches must still be stored
            if self.one is None:
                log.exception("%s: could not store %d items", self.name, len(items))
                return
            log.exception("%s: could not store %d items; storing them one by one", self.name, len(items))
            for item in items:
                try:
                    await self.one(item)
                except Exception:
                    log.exception("%s: could not store %s", self.name, item)
