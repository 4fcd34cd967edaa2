"""Socket.IO: /operator for operators' screens, /supervisor for supervisors; both authenticated by the
same session cookie as the pages. With a Redis URL the emits go through Redis so several web workers
share one picture (scaled-out mode)."""

from __future__ import annotations

from typing import Any

import socketio
from aiohttp import web

from .auth import load_session
from .settings import Settings

SUPERVISOR_ROLES = ("supervisor", "admin")


def create_sio(settings: Settings) -> socketio.AsyncServer:
    manager = socketio.AsyncRedisManager(settings.redis_url) if settings.redis_url else None
    sio = socketio.AsyncServer(async_mode="aiohttp", client_manager=manager, logger=False, engineio_logger=False)
    sio.register_namespace(OperatorNamespace("/operator"))
    sio.register_namespace(SupervisorNamespace("/supervisor"))
    return sio


class _Authenticated(socketio.AsyncNamespace):
    roles: tuple[str, ...] = ()

    async def on_connect(self, sid: str, environ: dict[str, Any], auth: Any = None) -> None:
        request: web.Request = environ["aiohttp.request"]
        info = await load_session(request)
        if info is None:
            raise socketio.exceptions.ConnectionRefusedError("not signed in")
        if self.roles and info.user.role not in self.roles:
            raise socketio.exceptions.ConnectionRefusedError("not allowed for your role")
        await self.save_session(sid, {"user_id": info.user.id})
        await self.enter_room(sid, f"user:{info.user.id}")
        await self.enter_room(sid, "everyone")


class OperatorNamespace(_Authenticated):
    pass


class SupervisorNamespace(_Authenticated):
    roles = SUPERVISOR_ROLES


class SocketNotifier:
    """workstation.notify.Notifier over Socket.IO rooms."""

    def __init__(self, sio: socketio.AsyncServer) -> None:
        self.sio = sio

    async def to_user(self, user_id: int, event: str, data: Any) -> None:
        await self.sio.emit(event, data, room=f"user:{user_id}", namespace="/operator")

    async def to_operators(self, event: str, data: Any) -> None:
        await self.sio.emit(event, data, room="everyone", namespace="/operator")

    async def to_supervisors(self, event: str, data: Any) -> None:
        await self.sio.emit(event, data, room="everyone", namespace="/supervisor")
