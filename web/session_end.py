"""What ending a session does besides revoking it: its open sockets are disconnected (no more pops to a
browser that logged out), and a user left with no live session is taken out of their queues.

A socket joins the room `session:<id>` when it connects (web/sio.py), so logout finds it at once. Sessions
that end without a request — idle or past their expiry — are found by a sweep every SWEEP_EVERY seconds,
which is also how the other workers of a scaled-out server drop their sockets of a session ended elsewhere
(a worker sees only its own sockets).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import socketio
from aiohttp import web

from crm_store import sessions
from crm_store.records import UserRecord

from . import keys

log = logging.getLogger(__name__)

NAMESPACES = ("/operator", "/supervisor", "/work")
SWEEP_EVERY = 30.0  # seconds
ROOM_PREFIX = "session:"


def session_room(session_id: str) -> str:
    return ROOM_PREFIX + session_id


def idle_limit(app: web.Application) -> timedelta | None:
    minutes = app[keys.SETTINGS].session_idle_minutes
    return timedelta(minutes=minutes) if minutes > 0 else None


async def disconnect_rooms(sio: socketio.AsyncServer, rooms: list[str]) -> int:
    """Disconnect every socket (of this worker) in these rooms, in every namespace; returns how many."""
    count = 0
    for namespace in NAMESPACES:
        sids = {sid for room in rooms for sid, _eio in sio.manager.get_participants(namespace, room)}
        for sid in sids:
            await sio.disconnect(sid, namespace=namespace)
            count += 1
    return count


async def sign_out_presence(app: web.Application, user: UserRecord, *, why: str) -> None:
    """Take the user's phone out of its queues: nobody is left at the screen to take its calls.
    (Presence's own `leave`, which never raises: a PBX that is away does not stop a logout.)"""
    if keys.WORKSTATION in app:
        await app[keys.WORKSTATION].presence_service.leave(user, why=why)


async def end_sessions(app: web.Application, user: UserRecord, session_ids: list[str]) -> None:
    """After sessions were revoked: drop their sockets; sign the user out of their queues if none is left."""
    await disconnect_rooms(app[keys.SIO], [session_room(s) for s in session_ids])
    if not await sessions.has_live_session(app[keys.DB], user.id, now=app[keys.CLOCK](), idle=idle_limit(app)):
        await sign_out_presence(app, user, why="logout")


def _connected_sessions(sio: socketio.AsyncServer) -> set[str]:
    rooms: Any = sio.manager.rooms
    return {
        room.removeprefix(ROOM_PREFIX)
        for namespace in NAMESPACES
        for room in rooms.get(namespace, {})
        if isinstance(room, str) and room.startswith(ROOM_PREFIX)
    }


async def sweep(app: web.Application) -> int:
    """Sessions that ended without a request (idle, expired): their sockets are disconnected, and operators
    left with no live session leave their queues. Returns how many connected sessions ended."""
    db, now, idle = app[keys.DB], app[keys.CLOCK](), idle_limit(app)
    if keys.WORKSTATION in app:
        live_users = await sessions.live_user_ids(db, now=now, idle=idle)
        await app[keys.WORKSTATION].presence_service.sign_out_absent(live_users)
    connected = _connected_sessions(app[keys.SIO])
    if not connected:
        return 0
    ended = sorted(connected - await sessions.live_sessions(db, connected, now=now, idle=idle))
    if ended:
        await disconnect_rooms(app[keys.SIO], [session_room(s) for s in ended])
        log.info("disconnected the sockets of %s ended session(s)", len(ended))
    return len(ended)


async def sweep_ctx(app: web.Application) -> AsyncIterator[None]:
    async def loop() -> None:
        while True:
            await asyncio.sleep(SWEEP_EVERY)
            try:
                await sweep(app)
            except Exception:
                log.exception("session sweep failed; trying again in %s s", SWEEP_EVERY)

    task = asyncio.create_task(loop(), name="session sweep")
    yield
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
