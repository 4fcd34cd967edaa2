"""The FastAGI server: accepts Asterisk's connections and runs one IvrSession per call.

Why our own server instead of panoramisk's `fast_agi.Application`: its connection handler loops on
`reader.read()` until it sees a blank line, so a peer that connects and closes before sending the
environment (any port probe or health check) spins the event loop at 100 % CPU; it has no timeouts;
and its `send_command` returns the `HANGUP` notice line as if it were the reply, which shifts every
later reply by one. The protocol is small (agi.py): a bounded `readuntil(b"\\n\\n")` under a timeout,
then one command / one reply at a time.

Every connection's task is kept in `_tasks`; `stop()` stops accepting, cancels them and awaits them,
so the server can be an aiohttp `cleanup_ctx` entry:

    async def ivr_ctx(app):
        server = IvrServer(menu=..., backend=..., rules=..., host=..., port=...)
        await server.start()
        app[IVR_SERVER] = server
        yield
        await server.stop()
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime

from routing import QueueLoad, RuleSet

from .agi import LINE_LIMIT, AgiChannel, parse_environment
from .backend import IvrBackend
from .errors import AgiProtocolError, IvrError
from .menu import Menu
from .session import IvrSession

log = logging.getLogger(__name__)

DEFAULT_PORT = 4573
# Whoever reaches the FastAGI port acts as Asterisk: they read what the IVR tells a caller about any
# account and write IVR paths onto call cards. Only the PBX may connect; by default that is this host.
LOOPBACK = ("127.0.0.1", "::1")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_allow(entries: Iterable[str] | str) -> tuple[Network, ...]:
    """`"10.0.0.5, 10.0.1.0/24"` or a list of them → networks; IvrError naming a bad entry."""
    items = entries.split(",") if isinstance(entries, str) else entries
    networks = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise IvrError(f"FastAGI allow-list: {item!r} is not an IP address or network") from None
    return tuple(networks)


def peer_allowed(peer: object, allow: tuple[Network, ...]) -> bool:
    host = peer[0] if isinstance(peer, tuple) and peer else None
    if not isinstance(host, str):
        return False  # a Unix socket or an unknown peer: not a PBX we know
    try:
        address = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in allow)


def _utcnow() -> datetime:
    return datetime.now(UTC)


class IvrServer:
    def __init__(
        self,
        *,
        menu: Menu,
        backend: IvrBackend,
        rules: RuleSet,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        script: str = "ivr",
        clock: Callable[[], datetime] = _utcnow,
        queue_load: Callable[[], Mapping[str, QueueLoad]] | None = None,
        env_timeout: float = 5.0,
        reply_timeout: float = 60.0,
        backend_timeout: float = 10.0,
        session_timeout: float = 1800.0,
        max_sessions: int = 500,
        allow: Iterable[str] | str = LOOPBACK,
        max_sessions_per_peer: int | None = None,
    ) -> None:
        self.menu = menu
        self.backend = backend
        self.rules = rules
        self.host = host
        self._port = port
        self.script = script.strip("/")
        self.clock = clock
        self.queue_load = queue_load
        self.env_timeout = env_timeout
        self.reply_timeout = reply_timeout
        self.backend_timeout = backend_timeout
        self.session_timeout = session_timeout
        self.max_sessions = max_sessions
        self.allow = parse_allow(allow)
        # Several PBXs may share the server; none may take every slot (by default: half of them each).
        self.max_sessions_per_peer = max_sessions_per_peer or max(1, max_sessions // 2)
        self._per_peer: Counter[str] = Counter()
        self.refused = 0  # connections refused by the allow-list or a limit (for tests and logs)
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False

    @property
    def port(self) -> int:
        """The bound port (the ephemeral one when constructed with port=0)."""
        if self._server is not None and self._server.sockets:
            return int(self._server.sockets[0].getsockname()[1])
        return self._port

    @property
    def active_sessions(self) -> int:
        return len(self._tasks)

    async def start(self) -> None:
        if self._server is not None:
            raise IvrError("IVR server already started")
        self._closing = False
        try:
            self._server = await asyncio.start_server(self._on_connect, self.host, self._port, limit=LINE_LIMIT)
        except OSError as exc:
            raise IvrError(f"cannot listen for FastAGI on {self.host}:{self._port}: {exc}") from exc
        log.info("FastAGI server listening on %s:%s (agi://…/%s)", self.host, self.port, self.script)

    async def stop(self) -> None:
        server, self._server = self._server, None
        self._closing = True
        if server is not None:
            server.close()
        # A connection accepted just before close() may start its task one loop turn later; it sees
        # _closing and ends by itself, so keep going until nothing is left.
        while True:
            await asyncio.sleep(0)
            tasks = set(self._tasks)
            if not tasks:
                break
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        if server is not None:
            try:  # a peer that stopped reading would keep its closing socket, and this, waiting forever
                await asyncio.wait_for(server.wait_closed(), timeout=5)
            except TimeoutError:
                log.warning("FastAGI peers still connected after 5 s; stopping anyway")

    async def _on_connect(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peer = writer.get_extra_info("peername")
        if not peer_allowed(peer, self.allow):
            # Refused before any work: nothing read, nothing sent, no session slot taken.
            self.refused += 1
            log.warning("FastAGI: connection from %s refused: not in the allow-list (CCDESK_AGI_ALLOW)", peer)
            writer.transport.abort()
            return
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        host = str(peer[0])
        self._per_peer[host] += 1
        try:
            if self._closing:
                return
            if len(self._tasks) > self.max_sessions:
                self.refused += 1
                log.warning("FastAGI: %s sessions already, refusing %s", self.max_sessions, peer)
                return
            if self._per_peer[host] > self.max_sessions_per_peer:
                self.refused += 1
                log.warning("FastAGI: %s already has %s sessions, refusing another", host, self.max_sessions_per_peer)
                return
            await self._serve(reader, writer, peer)
        except asyncio.CancelledError:
            # Only stop() (or loop shutdown) cancels us. End normally: on Python 3.11 asyncio's
            # stream callback calls task.exception() and logs a cancelled client task as an error.
            pass
        except Exception:
            log.exception("FastAGI session from %s failed", peer)
        finally:
            self._tasks.discard(task)
            self._per_peer[host] -= 1
            if self._per_peer[host] <= 0:
                del self._per_peer[host]
            writer.close()
            try:
                await asyncio.wait_for(writer.wait_closed(), 1.0)
            except (asyncio.CancelledError, ConnectionError, OSError):  # TimeoutError is an OSError
                pass

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, peer: object) -> None:
        try:
            block = await asyncio.wait_for(reader.readuntil(b"\n\n"), self.env_timeout)
        except asyncio.IncompleteReadError:
            log.debug("FastAGI: %s closed before sending an environment (a probe?)", peer)
            return
        except asyncio.LimitOverrunError:
            log.warning("FastAGI: %s sent more than %s bytes without a blank line", peer, LINE_LIMIT)
            return
        except TimeoutError:
            log.warning("FastAGI: no environment from %s within %s s", peer, self.env_timeout)
            return
        except (ConnectionError, OSError):
            return
        try:
            request = parse_environment(block)
        except AgiProtocolError as exc:
            log.warning("FastAGI: %s: %s", peer, exc)
            return
        if request.script != self.script:
            log.warning("FastAGI: %s asked for script %r; we serve %r", peer, request.script, self.script)
            return
        channel = AgiChannel(reader, writer, reply_timeout=self.reply_timeout)
        session = IvrSession(
            menu=self.menu,
            backend=self.backend,
            rules=self.rules,
            channel=channel,
            request=request,
            clock=self.clock,
            queue_load=self.queue_load,
            backend_timeout=self.backend_timeout,
        )
        try:
            await asyncio.wait_for(session.run(), self.session_timeout)
        except TimeoutError:
            log.warning("FastAGI session %s exceeded %s s; closed", session.call_id, self.session_timeout)
