"""Socket.IO: /operator for operators' screens, /supervisor for supervisors, /work for department staff's
work lists; all authenticated by the same session cookie as the pages. With a Redis URL the emits go
through Redis so several web workers share one picture (scaled-out mode)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson
import socketio
from aiohttp import web
from engineio.async_drivers import aiohttp as eio_aiohttp  # type: ignore[import-untyped]

from crm_store.sessions import SessionInfo
from workstation.tasks import TaskKeeper

from .auth import load_session
from .session_end import session_room
from .settings import Settings
from .sio_rooms import IndexedManager, IndexedRedisManager

log = logging.getLogger(__name__)
SUPERVISOR_ROLES = ("supervisor", "admin")
# Department staff hear nothing of calls, queues or call-backs (/operator): only their department's work list.
OPERATING_ROLES = ("operator", "supervisor", "admin")
WORK_ROLES = ("department",)
SOCKETS_CLOSE_TIMEOUT_S = 1.0


class OrjsonText:
    """The `json` a Socket.IO packet encodes with: orjson, as text. With 2,000 operators and 100 calls a second
    the standard library's encoder was 6 % of the event loop (each pop carries a customer's whole history).
    UTF-8 goes out as it is instead of \\u escapes; payloads are plain JSON-ready data either way."""

    @staticmethod
    def dumps(data: Any, **_options: Any) -> str:  # the packet passes separators=: orjson is compact already
        return orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS).decode()

    @staticmethod
    def loads(text: str | bytes) -> Any:
        return orjson.loads(text)


class TextPacket(socketio.packet.Packet):
    """ccdesk sends JSON only. The default packet walks every emitted payload looking for bytes, which cost
    more than encoding it for a screen pop with a customer's whole history."""

    json = OrjsonText

    def data_is_binary(self, data: Any) -> bool:
        return False


def create_sio(settings: Settings) -> socketio.AsyncServer:
    manager = IndexedRedisManager(settings.redis_url) if settings.redis_url else IndexedManager()
    sio = socketio.AsyncServer(
        async_mode="aiohttp", client_manager=manager, logger=False, engineio_logger=False, serializer=TextPacket
    )
    sio.register_namespace(OperatorNamespace("/operator"))
    sio.register_namespace(SupervisorNamespace("/supervisor"))
    sio.register_namespace(WorkNamespace("/work"))
    sio.eio._async["websocket"] = WebSocketMaybeUncompressed  # engine.io's own, see below
    return sio


class WebSocketMaybeUncompressed(eio_aiohttp.WebSocket):
    """engine.io's aiohttp websocket; without permessage-deflate when the page asks for it (`?deflate=0` on
    the Socket.IO URL: the wallboard does).

    Browsers always offer deflate, and aiohttp then compresses every message for every socket on the event
    loop. The wallboard sends the same small push to every supervisor many times a second: with 50 of them
    that compression was most of the push's cost (bench/wallboard.py: p50 freshness 94 ms with it, 16 ms
    without, on the same loaded machine). On a LAN the bytes saved are worth less than that."""

    async def __call__(self, environ: dict[str, Any]) -> web.WebSocketResponse:
        request: web.Request = environ["aiohttp.request"]
        if request.query.get("deflate") != "0":
            return await super().__call__(environ)
        self._sock = web.WebSocketResponse(max_msg_size=self.server.max_http_buffer_size, compress=False)
        await self._sock.prepare(request)
        self.environ = environ
        await self.handler(self)
        return self._sock


class _Authenticated(socketio.AsyncNamespace):
    roles: tuple[str, ...] = ()

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        request: web.Request = environ["aiohttp.request"]
        info = await load_session(request)
        if info is None:
            raise socketio.exceptions.ConnectionRefusedError("not signed in")
        if self.roles and info.user.role not in self.roles:
            raise socketio.exceptions.ConnectionRefusedError("not allowed for your role")
        await self.save_session(sid, {"user_id": info.user.id, "session_id": info.session_id})
        await self.enter_room(sid, f"user:{info.user.id}")
        await self.enter_room(sid, session_room(info.session_id))  # logout and expiry disconnect it (session_end)
        await self.enter_room(sid, "everyone")
        await self.joined(sid, info)

    async def joined(self, sid: str, info: SessionInfo) -> None:
        """The rooms of this namespace's own, beyond the user's, the session's and everyone's."""


def department_room(department: str) -> str:
    return f"department:{department}"


class OperatorNamespace(_Authenticated):
    roles = OPERATING_ROLES


class SupervisorNamespace(_Authenticated):
    roles = SUPERVISOR_ROLES


class WorkNamespace(_Authenticated):
    """Department staff's work lists: each hears of changes to its department's applications (api_applications)."""

    roles = WORK_ROLES

    async def joined(self, sid: str, info: SessionInfo) -> None:
        if info.user.department:
            await self.enter_room(sid, department_room(info.user.department))


class SocketNotifier:
    """workstation.notify.Notifier over Socket.IO rooms.

    Each emit runs as its own kept task, started in call order (so each browser still gets its updates
    in order: the tasks queue their packets in the order they start). The CTI event pump never waits on
    browsers: awaiting python-socketio's emit costs a loop turn each, and at 50 calls/s a pump doing
    that fell seconds behind the PBX.
    """

    def __init__(self, sio: socketio.AsyncServer) -> None:
        self.sio = sio
        self._tasks = TaskKeeper("Socket.IO emit")

    async def to_user(self, user_id: int, event: str, data: Any) -> None:
        self._emit(event, data, f"user:{user_id}", "/operator")

    async def to_operators(self, event: str, data: Any) -> None:
        self._emit(event, data, "everyone", "/operator")

    async def to_supervisors(self, event: str, data: Any) -> None:
        self._emit(event, data, "everyone", "/supervisor")

    def _emit(self, event: str, data: Any, room: str, namespace: str) -> None:
        if not self.sio.manager.may_reach(namespace, room):
            return  # nobody to tell (no supervisor signed in, say): no task, no encoding
        self._tasks.spawn(self.sio.emit(event, data, room=room, namespace=namespace))

    async def close(self) -> None:
        await self._tasks.wait()


async def close_sockets(app: web.Application) -> None:
    """On shutdown: tell every browser to go (the pages reconnect by themselves to the restarted server and
    resync), without waiting for any of them.

    engine.io's own disconnect-all waits until each client has fetched its close packet; a polling client
    that never polls again (a tab closed mid-handshake) never does, and the server never stopped. Here the
    close packet is queued and not waited for, and the whole step is bounded; open websockets and pending
    polls are then ended by aiohttp's shutdown grace period."""
    from . import keys

    sio = app[keys.SIO]
    await sio.shutdown()
    sockets = list(sio.eio.sockets.values())
    sio.eio.sockets.clear()
    if not sockets:
        return
    closing = [asyncio.ensure_future(_close(socket)) for socket in sockets]
    _done, late = await asyncio.wait(closing, timeout=SOCKETS_CLOSE_TIMEOUT_S)
    for task in late:
        task.cancel()
    await asyncio.gather(*closing, return_exceptions=True)
    if late:
        log.warning("%d Socket.IO clients did not close within %.1f s", len(late), SOCKETS_CLOSE_TIMEOUT_S)


async def _close(socket: Any) -> None:
    await socket.close(wait=False)
    # Behind the close packet, the end-of-queue mark engine.io's own transport close uses: a websocket's
    # writer then closes the websocket at once, and its handler ends instead of holding the shutdown.
    socket.queue.put_nowait(None)


async def notifier_ctx(app: web.Application) -> AsyncIterator[None]:
    """How the workstation reaches browsers; its last emits are let through on shutdown."""
    from . import keys

    notifier = SocketNotifier(app[keys.SIO])
    app[keys.NOTIFIER] = notifier
    try:
        yield
    finally:
        await notifier.close()
