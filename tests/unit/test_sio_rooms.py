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


async def _sends(manager: Any) -> list[tuple[str, str]]:
    """What each emit hands to Engine.IO, recipient by recipient, for the same rooms and emits."""
    await _play(manager, 3)
    sent: list[tuple[str, str]] = []

    async def record(eio_sid: str, pkt: Any) -> None:
        sent.append((eio_sid, pkt.encode()))

    manager.server._send_eio_packet = record
    sids = [sid for sid, _eio in manager.get_participants("/operator", "everyone")]
    await manager.emit("call", {"call_id": "c1", "text": "Иванов"}, "/operator", room="everyone")
    await manager.emit("pop", ("a", 2), "/operator", room="user:1", skip_sid=sids[:1])
    await manager.emit("ping", None, "/operator", to="session:9")
    await manager.emit("call", {"x": 1}, "/operator", room="nobody-here")
    await manager.emit("call", {"x": 1}, "/nowhere", room="everyone")
    return sent


async def test_an_emit_reaches_the_same_sockets_with_the_same_packets_as_the_librarys() -> None:
    ours = await _sends(IndexedManager())
    assert ours, "the rooms of the play are not empty"
    assert ours == await _sends(socketio.AsyncManager())


async def test_an_empty_room_is_known_to_reach_nobody() -> None:
    manager = IndexedManager()
    socketio.AsyncServer(async_mode="aiohttp", client_manager=manager)
    sid = await manager.connect("e1", "/operator")
    manager.basic_enter_room(sid, "/operator", "user:7")
    assert manager.may_reach("/operator", "user:7")
    assert not manager.may_reach("/operator", "user:8")
    assert not manager.may_reach("/supervisor", "everyone")
    manager.basic_leave_room(sid, "/operator", "user:7")
    assert not manager.may_reach("/operator", "user:7")
