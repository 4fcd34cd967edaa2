"""The AMI TCP server: one ``AmiSession`` per client connection, speaking the
Asterisk 22 wire format (banner without blank line, CRLF frames, case-
insensitive input headers, bare LF accepted, ActionID echoed)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import time
from datetime import UTC, datetime

from ..frames import Frame, FrameParser, encode
from . import actions
from .state import Pbx

log = logging.getLogger(__name__)
BANNER = b"Asterisk Call Manager/11.0.0\r\n"


class Request:
    """An action as received: lower-cased keys for lookup, all values kept."""

    def __init__(self, frame: Frame) -> None:
        self.values: dict[str, list[str]] = {}
        self.names: dict[str, str] = {}
        for key, value in frame.pairs():
            low = key.lower()
            self.values.setdefault(low, []).append(value)
            self.names.setdefault(low, key)

    def get(self, key: str, default: str | None = None) -> str | None:
        vals = self.values.get(key.lower())
        return vals[0] if vals else default

    def getall(self, key: str) -> list[str]:
        return list(self.values.get(key.lower(), []))

    @property
    def action(self) -> str:
        return (self.get("action") or "").strip()

    @property
    def action_id(self) -> str | None:
        return self.get("actionid")


class AmiSession(asyncio.Protocol):
    def __init__(self, pbx: Pbx, server: AmiServer) -> None:
        self.pbx, self.server = pbx, server
        self.transport: asyncio.Transport | None = None
        self.parser = FrameParser(expect_banner=False, lenient=True)
        self.authenticated = False
        self.events = True
        self.username = ""
        self.challenge: str | None = None
        self.closing = False
        self.peer = ("127.0.0.1", 0)

    # --------------------------------------------------------------- protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.peer = transport.get_extra_info("peername") or self.peer
        self.server.sessions.add(self)
        transport.write(BANNER)

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.sessions.discard(self)
        self._unsubscribe()
        self.transport = None

    def data_received(self, data: bytes) -> None:
        if self.server.stalled:
            return  # a hung PBX: the socket stays open, nothing is answered
        for frame in self.parser.feed(data):
            if self.closing:
                return
            actions.dispatch(self, Request(frame))

    # ---------------------------------------------------------------- writing

    def write(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def respond(self, req: Request, response: str, *pairs: tuple[str, str], message: str | None = None) -> None:
        out = [("Response", response)]
        if req.action_id is not None:
            out.append(("ActionID", req.action_id))
        if message is not None:
            out.append(("Message", message))
        out.extend(pairs)
        self.write(encode(out))

    def error(self, req: Request, message: str) -> None:
        self.respond(req, "Error", message=message)

    def event(self, name: str, pairs: list[tuple[str, str]], privilege: str | None = None) -> None:
        head = [("Event", name)]
        if privilege:
            head.append(("Privilege", privilege))
        self.write(encode(head + pairs))

    def close(self, delay: float = 0.0) -> None:
        self.closing = True
        self._unsubscribe()
        if self.transport is None:
            return
        if delay:
            asyncio.get_running_loop().call_later(delay, self._close_now)
        else:
            self._close_now()

    def _close_now(self) -> None:
        if self.transport is not None:
            self.transport.close()

    def _sink(self, data: bytes) -> None:
        if not self.server.stalled:
            self.write(data)

    def subscribe(self) -> None:
        if self._sink not in self.pbx.sinks:
            self.pbx.sinks.append(self._sink)

    def _unsubscribe(self) -> None:
        if self._sink in self.pbx.sinks:
            self.pbx.sinks.remove(self._sink)

    # ------------------------------------------------------------------ login

    def check_login(self, req: Request) -> bool:
        cfg = self.pbx.config
        if req.get("username") != cfg.username:
            return False
        if (req.get("authtype") or "").lower() == "md5":
            if self.challenge is None:
                return False
            want = hashlib.md5((self.challenge + cfg.secret).encode()).hexdigest()
            return (req.get("key") or "").lower() == want
        return req.get("secret") == cfg.secret

    def new_challenge(self) -> str:
        self.challenge = str(random.randrange(10**8, 10**9))
        return self.challenge

    def security_event(self, name: str, extra: list[tuple[str, str]]) -> None:
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"
        local = f"IPV4/TCP/{self.server.host}/{self.server.port}"
        remote = f"IPV4/TCP/{self.peer[0]}/{self.peer[1]}"
        pairs = [
            ("EventTV", now),
            ("Severity", "Informational"),
            ("Service", "AMI"),
            ("EventVersion", "1"),
            *extra[:1],
            ("SessionID", hex(id(self))),
            ("LocalAddress", local),
            ("RemoteAddress", remote),
            *extra[1:],
            ("SessionTV", now),
        ]
        self.event(name, pairs, "security,all")

    def fully_booted(self) -> None:
        uptime = str(int(time.time() - self.pbx.started))
        self.event(
            "FullyBooted", [("Uptime", uptime), ("LastReload", uptime), ("Status", "Fully Booted")], "system,all"
        )


class AmiServer:
    def __init__(self, pbx: Pbx, host: str, port: int) -> None:
        self.pbx, self.host, self.port = pbx, host, port
        self.sessions: set[AmiSession] = set()
        self.stalled = False
        self._server: asyncio.Server | None = None

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(lambda: AmiSession(self.pbx, self), self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for session in list(self.sessions):
            session.close()
            # A peer that stopped reading keeps a closing transport (and wait_closed) waiting for its
            # buffer to drain forever; a PBX going down does not wait for its clients either.
            if session.transport is not None:
                session.transport.abort()
        if self._server is not None:
            try:
                await asyncio.wait_for(self._server.wait_closed(), timeout=5)
            except TimeoutError:
                log.warning("AMI clients still connected after 5 s; stopping anyway")
            self._server = None
        # let the transports finish closing so no socket is left behind
        for _ in range(3):
            await asyncio.sleep(0)
