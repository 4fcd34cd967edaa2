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
import logging
from collections.abc import Callable, Mapping
from datetime import UTC, datetime

from routing import QueueLoad, RuleSet

from .agi import LINE_LIMIT, AgiChannel, parse_environment
from .backend import IvrBackend
from .errors import AgiProtocolError, IvrError
from .menu import Menu
from .session import IvrSession

log = logging.getLogger(__name__)

DEFAULT_PORT = 4573


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
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        peer = writer.get_extra_info("peername")
        try:
            if self._closing:
                return
            if len(self._tasks) > self.max_sessions:
                log.warning("FastAGI: %s sessions already, refusing %s", self.max_sessions, peer)
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
