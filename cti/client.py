"""The AMI client of the bridge: connect, log in, resync, keep alive, reconnect.

Every frame goes, in wire order, onto one ``asyncio.Queue`` read by one task
that feeds the ``CallTracker`` and publishes the typed events."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .calls import OriginateRequest
from .connection import BridgeManager, BridgeProtocol
from .errors import ActionFailed, ActionTimeout, LoginFailed, NotConnected
from .events import (
    Event,
    PbxConnected,
    PbxDisconnected,
    PbxHealth,
    PbxLoginFailed,
)
from .frames import Frame
from .topology import Topology
from .tracker import CallTracker
from .values import check_action

log = logging.getLogger(__name__)
Listener = Callable[[Event], None]


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True, kw_only=True)
class AmiConfig:
    host: str = "127.0.0.1"
    port: int = 5038
    username: str = "ccdesk"
    secret: str = field(default="", repr=False)  # never logged, never in repr
    action_timeout: float = 10.0
    connect_timeout: float = 5.0
    ping_interval: float = 10.0
    ping_timeout: float = 5.0
    reconnect_min: float = 0.5
    reconnect_max: float = 30.0
    # Which channels are the outside world (cti/topology.py): trunk endpoints,
    # and contexts whose Local channels stand for a trunk.
    trunks: tuple[str, ...] = ("PJSIP/trunk",)
    trunk_contexts: tuple[str, ...] = ("customers",)


@dataclass(frozen=True, slots=True)
class _Lost:
    reason: str


class AmiClient:
    def __init__(
        self, config: AmiConfig, *, tracker: CallTracker | None = None, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.config = config
        self.tracker = tracker or CallTracker(
            topology=Topology(trunks=frozenset(config.trunks), trunk_contexts=frozenset(config.trunk_contexts))
        )
        self.clock = clock
        self.health = PbxHealth.DISCONNECTED
        self.version: str | None = None
        self.last_error: str | None = None
        self._inbox: asyncio.Queue[tuple[Any, datetime]] = asyncio.Queue()
        self._listeners: list[Listener] = []
        self._streams: list[asyncio.Queue[Event]] = []
        self._manager: BridgeManager | None = None
        self._protocol: BridgeProtocol | None = None
        self._lost: asyncio.Event = asyncio.Event()
        self._connected: asyncio.Event = asyncio.Event()
        self._pending: set[asyncio.Future[Any]] = set()
        self._tasks: list[asyncio.Task[None]] = []
        self._closing = False
        self._drop_reason: str | None = None

    def __repr__(self) -> str:
        return f"AmiClient({self.config.username}@{self.config.host}:{self.config.port}, {self.health.value})"

    # ------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        self._tasks = [asyncio.ensure_future(self._reader()), asyncio.ensure_future(self._supervise())]

    async def close(self) -> None:
        """Stop for good: cancels the reconnect loop first, then the socket."""
        self._closing = True
        # Python 3.11's wait_for can swallow a cancellation that lands in the turn its result arrives;
        # waking the supervisor's wait for a lost connection and re-cancelling keeps close() bounded.
        self._lost.set()
        tasks = [t for t in self._tasks if not t.done()]
        for _ in range(5):
            for task in tasks:
                task.cancel()
            if not tasks:
                break
            _, pending = await asyncio.wait(tasks, timeout=1.0)
            tasks = list(pending)
        if tasks:
            log.warning("AMI client: %d task(s) did not stop", len(tasks))
        self._tasks = []
        self._drop_transport()
        self._fail_pending("client closed")
        self.health = PbxHealth.CLOSED
        await asyncio.sleep(0)  # let the transport finish closing

    async def wait_connected(self, timeout: float = 10.0) -> None:
        await asyncio.wait_for(self._connected.wait(), timeout)

    # ---------------------------------------------------------------- events

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` for every event; returns the unsubscribe handle.
        A failing listener is logged and never stops the others."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    async def events(self) -> AsyncIterator[Event]:
        stream: asyncio.Queue[Event] = asyncio.Queue()
        self._streams.append(stream)
        try:
            while True:
                yield await stream.get()
        finally:
            self._streams.remove(stream)

    def _publish(self, event: Event) -> None:
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("CTI event listener failed on %s", type(event).__name__)
        for stream in self._streams:
            stream.put_nowait(event)

    # --------------------------------------------------------------- actions

    async def send(self, action: dict[str, Any], *, timeout: float | None = None, as_list: bool | None = None) -> Any:
        """Send one action; returns the response Message (or a list for event
        lists). Raises NotConnected / ActionTimeout; never re-sent on reconnect.
        Raises InvalidValue, sending nothing, when any header carries a control
        character (it would end the header and smuggle in headers or actions)."""
        check_action(action)
        manager = self._manager
        if manager is None or self.health is not PbxHealth.CONNECTED:
            raise NotConnected(f"AMI not connected ({self.health.value})")
        future = manager.send_action(dict(action), as_list=as_list)
        self._pending.add(future)
        try:
            async with asyncio.timeout(timeout or self.config.action_timeout):
                return await asyncio.shield(future)
        except TimeoutError:
            raise ActionTimeout(str(action.get("Action")), timeout or self.config.action_timeout) from None
        finally:
            self._pending.discard(future)
            if not future.done():
                future.cancel()

    def note_originate(self, request: OriginateRequest) -> None:
        """Tell the tracker about an Originate before it is written (same queue
        as the frames, so it is seen before the Newchannel it causes)."""
        self._inbox.put_nowait((request, self.clock()))

    def _fail_pending(self, why: str) -> None:
        for future in list(self._pending):
            if not future.done():
                future.set_exception(NotConnected(why))
        self._pending.clear()

    # ------------------------------------------------------------ the reader

    def _sink(self, frames: list[Frame], at: datetime) -> None:
        self._inbox.put_nowait((frames, at))

    async def _reader(self) -> None:
        tracker = self.tracker
        while True:
            item, at = await self._inbox.get()
            if isinstance(item, list):
                for frame in item:
                    try:
                        events = tracker.feed(frame, at)
                    except Exception:  # a frame we cannot digest is skipped, not fatal
                        log.exception("tracker failed on %s frame", frame.name)
                        continue
                    for event in events:
                        self._publish(event)
            elif isinstance(item, OriginateRequest):
                tracker.expect_originate(item, at)
            elif isinstance(item, _Lost):
                tracker.connection_lost(at)
                self._publish(PbxDisconnected(at=at, reason=item.reason))
            else:
                self._publish(item)

    # -------------------------------------------------------- the connection

    async def _supervise(self) -> None:
        delay = self.config.reconnect_min
        while not self._closing:
            self.health = PbxHealth.CONNECTING
            try:
                await self._connect()
            except LoginFailed as exc:
                self.health = PbxHealth.LOGIN_FAILED
                self.last_error = exc.message
                log.error("%s; retrying in %.1f s", exc, delay)
                self._inbox.put_nowait(
                    (PbxLoginFailed(at=self.clock(), username=exc.username, message=exc.message), self.clock())
                )
                self._drop_transport()
            except (OSError, TimeoutError, NotConnected, ActionTimeout) as exc:
                self.health = PbxHealth.DISCONNECTED
                self.last_error = str(exc) or type(exc).__name__
                log.warning(
                    "AMI %s:%s unavailable (%s); retrying in %.1f s",
                    self.config.host,
                    self.config.port,
                    self.last_error,
                    delay,
                )
                self._drop_transport()
            else:
                delay = self.config.reconnect_min
                pinger = asyncio.ensure_future(self._keepalive())
                try:
                    await self._lost.wait()
                finally:
                    pinger.cancel()
                    await asyncio.gather(pinger, return_exceptions=True)
                self._connected.clear()
                self._drop_transport()
                self.health = PbxHealth.DISCONNECTED
                self._fail_pending("AMI connection lost")
                self._inbox.put_nowait((_Lost(self.last_error or "connection lost"), self.clock()))
                continue  # reconnect at once after a drop, back off on failures
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.config.reconnect_max)

    async def _connect(self) -> None:
        cfg = self.config
        loop = asyncio.get_running_loop()
        self._lost = asyncio.Event()
        self._drop_reason = None
        manager = BridgeManager(host=cfg.host, port=cfg.port, loop=loop)

        lost = self._lost

        def on_lost(exc: Exception | None) -> None:
            self.last_error = self._drop_reason or (str(exc) if exc else "connection closed by the PBX")
            lost.set()  # only this connection's event: a late close of an old one is ignored

        def factory() -> BridgeProtocol:
            protocol = BridgeProtocol()
            protocol.sink, protocol.clock, protocol.on_lost = self._sink, self.clock, on_lost
            return protocol

        async with asyncio.timeout(cfg.connect_timeout):  # unlike wait_for on 3.11, never loses a cancellation
            _, protocol = await loop.create_connection(factory, cfg.host, cfg.port)
        manager.attach(protocol)
        self._manager, self._protocol = manager, protocol
        self.health = PbxHealth.CONNECTING
        future = manager.send_action(
            {"Action": "Login", "Username": cfg.username, "Secret": cfg.secret, "Events": "on"}
        )
        try:
            # Asterisk answers a wrong secret after ~1 s and closes (gotcha 3).
            async with asyncio.timeout(cfg.action_timeout):
                response = await asyncio.shield(future)
        except TimeoutError:
            raise ActionTimeout("Login", cfg.action_timeout) from None
        if response.get("Response") != "Success":
            raise LoginFailed(cfg.username, response.get("Message") or "refused")
        self.version = protocol.version
        self.health = PbxHealth.CONNECTED
        self.last_error = None
        at = self.clock()
        self._inbox.put_nowait((PbxConnected(at=at, host=cfg.host, port=cfg.port, version=self.version), at))
        await self._resync()
        self._connected.set()

    async def _resync(self) -> None:
        """QueueStatus first (the tracker keeps its QueueEntry items), then
        CoreShowChannels: the tracker reconciles at its Complete event."""
        for action in ("QueueStatus", "CoreShowChannels", "QueueSummary"):
            await self.send({"Action": action})

    async def _keepalive(self) -> None:
        """Ping; a PBX that keeps the socket open but stops answering is
        replaced (panoramisk never notices a missing pong)."""
        while True:
            await asyncio.sleep(self.config.ping_interval)
            try:
                await self.send({"Action": "Ping"}, timeout=self.config.ping_timeout)
            except ActionTimeout:
                log.error("AMI keep-alive: no pong within %.1f s, dropping the connection", self.config.ping_timeout)
                self._drop_reason = "keep-alive timeout"
                if self._protocol is not None and self._protocol.transport is not None:
                    self._protocol.transport.abort()
                return
            except (NotConnected, ActionFailed):
                return

    def _drop_transport(self) -> None:
        protocol, self._protocol, self._manager = self._protocol, None, None
        if protocol is not None and getattr(protocol, "transport", None) is not None:
            protocol.on_lost = lambda exc: None
            protocol.transport.abort()
