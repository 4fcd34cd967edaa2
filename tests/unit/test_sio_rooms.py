"""The indexed Socket.IO manager (web/sio_rooms.py) leaves the library's room table exactly as the library's
own manager does, for the same connects, room changes and disconnects."""

from __future__ import annotations

import random
from typing import Any

import socketio

from web.sio_rooms import IndexedManager


async def _play(manager: Any, seed: int) -> tuple[dict[Any, Any], list[list[Any]]]:
    server = socketio.AsyncServer(async_mode="aiohttp", client_manager=manager)
    rng = random.Random(seed)
    counter = iter(range(1_000_000))
    server.eio.generate_id = lambda: f"s{next(counter)}"  # the same sids for both managers
    connected: list[str] = []
    for step in range(400):
        choice = rng.random()
        if choice < 0.4 or not connected:
            sid = await manager.connect(f"e{step}", "/operator")
            connected.append(sid)
            for room in rng.sample(["everyone", "user:1", "user:2", "session:9", "supervisors"], 3):
                manager.basic_enter_room(sid, "/operator", room)
        elif choice < 0.6:
            manager.basic_leave_room(rng.choice(connected), "/operator", rng.choice(["everyone", "user:1"]))
        else:
            sid = connected.pop(rng.randrange(len(connected)))
            manager.pre_disconnect(sid, "/operator")
            manager.basic_disconnect(sid, "/operator")
    table = {ns: {room: dict(members) for room, members in rooms.items()} for ns, rooms in manager.rooms.items()}
    return table, [sorted(map(str, manager.get_rooms(sid, "/operator"))) for sid in connected]


async def test_the_indexed_manager_keeps_the_same_rooms_as_the_librarys() -> None:
    for seed in range(5):
        assert await _play(IndexedManager(), seed) == await _play(socketio.AsyncManager(), seed)


async def test_a_client_who_leaves_is_in_no_room_and_its_index_is_gone() -> None:
    manager = IndexedManager()
    socketio.AsyncServer(async_mode="aiohttp", client_manager=manager)
    sid = await manager.connect("e1", "/operator")
    manager.basic_enter_room(sid, "/operator", "user:7")
    manager.basic_disconnect(sid, "/operator")
    assert all(sid not in members for members in manager.rooms.get("/operator", {}).values())
    assert manager.get_rooms(sid, "/operator") == []
    assert not manager._rooms_of
