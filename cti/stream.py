"""The event stream: every CTI event goes to every subscriber, each in order, none special-cased.

A subscriber registers once (`subscribe(name, handler)`) and gets its own bounded queue and its own task,
so a slow or failing subscriber never delays or breaks the others, and each one sees events in the order
they were published. `publish` never blocks and never awaits: it is called from the AMI reader, which must
keep reading whatever a subscriber does.

Overflow: when a subscriber's queue is full, the newest event is dropped *for that subscriber only*, counted
in `Subscription.dropped` and logged (the first drop and every 1000th). A subscriber that folds events into
state then knows its picture may be stale; the PBX resync after a reconnect and the periodic corrections
are what bring it back. Blocking the reader instead would stall every subscriber and the AMI socket.

`EventStream` is the interface; `LocalStream` is the in-process implementation. A Redis pub/sub variant
(bridge and web workers as separate processes) implements the same four methods.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Generic, Protocol, TypeVar

log = logging.getLogger(__name__)

E = TypeVar("E")

DEFAULT_QUEUE_SIZE = 10_000  # ~20 s of a busy center's events (50 calls/s x 10 events)
DEFAULT_DRAIN_TIMEOUT_S = 2.0  # per subscriber at shutdown: the process must stop within seconds
_LOG_EVERY_DROP = 1_000

Handler = Callable[[E], Awaitable[None] | None]  # `async def handle(event)` or a plain function


class EventStream(Protocol[E]):
    """What the app factory needs from a stream, in-process or across processes."""

    def publish(self, event: E) -> None: ...

    def subscribe(self, name: str, handler: Handler[E], *, queue_size: int = ...) -> Subscription[E]: ...

    async def drain(self) -> None: ...

    async def close(self, *, timeout: float = ...) -> None: ...


class StreamClosed(RuntimeError):
    """A subscription was asked of a stream that is shutting down."""


class Subscription(Generic[E]):
    """One subscriber's queue and task; calling it (or `close`) unsubscribes."""

    def __init__(self, name: str, handler: Handler[E], queue_size: int, on_end: Callable[[Subscription[E]], None]):
        if queue_size < 1:
            raise ValueError("queue_size must be at least 1")
        self.name = name
        self.handler = handler
        self.dropped = 0
        self.failed = 0
        self._queue: asyncio.Queue[E] = asyncio.Queue(queue_size)
        self._open = True
        self._busy = False  # inside the handler: never cancelled there by unsubscribing
        self._on_end = on_end
        self._task = asyncio.create_task(self._run(), name=f"stream subscriber {name}")

    def __repr__(self) -> str:
        return f"Subscription({self.name!r}, queued={self._queue.qsize()}, dropped={self.dropped})"

    @property
    def active(self) -> bool:
        return self._open

    @property
    def queued(self) -> int:
        return self._queue.qsize()

    def offer(self, event: E) -> None:
        if not self._open:
            return
        try:
            self._queue.put_nowait(event)
        except asyncio.QueueFull:
            self.dropped += 1
            if self.dropped % _LOG_EVERY_DROP == 1:
                log.error(
                    "subscriber %s is %d events behind: dropped %s (%d dropped so far)",
                    self.name,
                    self._queue.qsize(),
                    type(event).__name__,
                    self.dropped,
                )

    def __call__(self) -> None:
        """Stop receiving events; what is already queued is still handled (close() waits for it)."""
        if self._open:
            self._open = False
            self._on_end(self)
            if self._queue.empty() and not self._busy:
                self._task.cancel()  # idle, waiting for an event that will not come

    async def drain(self) -> None:
        """Wait until every event queued so far has been handled."""
        await self._queue.join()

    async def close(self, *, timeout: float = DEFAULT_DRAIN_TIMEOUT_S) -> None:
        """Unsubscribe, let the queued events be handled for up to `timeout` s, then cancel and await the task."""
        self()
        if not self._task.done():
            try:
                await asyncio.wait_for(self._queue.join(), timeout)
            except TimeoutError:
                log.warning("subscriber %s: %d events left unhandled at shutdown", self.name, self._queue.qsize())
        self._task.cancel()
        await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        queue = self._queue
        while self._open or not queue.empty():
            event = await queue.get()
            self._busy = True
            try:
                result = self.handler(event)
                if inspect.isawaitable(result):
                    await result
            except asyncio.CancelledError:
                raise
            except Exception:  # one event's failure must not stop the next ones, nor the other subscribers
                self.failed += 1
                log.exception("subscriber %s failed on %r", self.name, event)
            finally:
                self._busy = False
                queue.task_done()


class LocalStream(Generic[E]):
    """The in-process stream (one process holds the AMI client and the subscribers)."""

    def __init__(self) -> None:
        self._subscriptions: list[Subscription[E]] = []
        self._ended: list[Subscription[E]] = []  # unsubscribed but maybe still handling their queue
        self._closing = False

    @property
    def subscriptions(self) -> tuple[Subscription[E], ...]:
        return tuple(self._subscriptions)

    def publish(self, event: E) -> None:
        for subscription in self._subscriptions:
            subscription.offer(event)

    def subscribe(self, name: str, handler: Handler[E], *, queue_size: int = DEFAULT_QUEUE_SIZE) -> Subscription[E]:
        if self._closing:
            raise StreamClosed(f"cannot subscribe {name!r}: the stream is closing")
        if any(s.name == name for s in self._subscriptions):
            raise ValueError(f"a subscriber named {name!r} is already registered")
        subscription = Subscription(name, handler, queue_size, self._end)
        self._subscriptions.append(subscription)
        return subscription

    def _end(self, subscription: Subscription[E]) -> None:
        if subscription in self._subscriptions:
            self._subscriptions.remove(subscription)
            self._ended.append(subscription)

    async def drain(self) -> None:
        """Wait until every subscriber has handled every event published so far (tests, shutdown)."""
        await asyncio.gather(*(s.drain() for s in self._subscriptions))

    async def close(self, *, timeout: float = DEFAULT_DRAIN_TIMEOUT_S) -> None:
        """Stop taking subscribers; each one handles what it has queued (up to `timeout` s in all), then
        every task is cancelled and awaited."""
        self._closing = True
        everyone = [*self._subscriptions, *self._ended]
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        for subscription in everyone:
            await subscription.close(timeout=max(0.0, deadline - loop.time()))
        self._ended.clear()
