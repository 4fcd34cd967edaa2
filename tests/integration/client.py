"""A signed-in operator as the browser is: an HTTP session with cookies and CSRF, and a Socket.IO client."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import aiohttp
import socketio

from crm_store import interactions
from crm_store.errors import NotFound


class Operator:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.http = aiohttp.ClientSession(base_url, cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.csrf = ""
        self.events: list[tuple[str, Any]] = []
        self.sio: socketio.AsyncClient | None = None

    async def login(self, username: str, password: str) -> aiohttp.ClientResponse:
        form = await (await self.http.get("/login")).text()
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        assert token, "the login form has no CSRF field"
        response = await self.http.post(
            "/login",
            data={"username": username, "password": password, "csrf_token": token.group(1)},
            allow_redirects=False,
        )
        if response.status == 302:
            page = await (await self.http.get("/")).text()  # the role's home (supervisors: the wallboard)
            meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
            if meta is None:  # a home page not built in this tree: any page of a signed-in user has it
                page = await (await self.http.get("/password")).text()
                meta = re.search(r'<meta name="csrf-token" content="([^"]+)"', page)
            assert meta, "the workstation page has no csrf-token meta"
            self.csrf = meta.group(1)
        return response

    async def connect_socket(self, namespace: str = "/operator") -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        for name in (
            "presence",
            "call",
            "pop",
            "card",
            "callbacks",
            "pbx",
            "agent",
            "applications",
            "escalations",
            "work",
        ):
            self.sio.on(name, self._recorder(name), namespace=namespace)
        cookies = "; ".join(f"{c.key}={c.value}" for c in self.http.cookie_jar)
        await self.sio.connect(
            self.base_url, headers={"Cookie": cookies}, namespaces=[namespace], transports=["websocket"]
        )

    def _recorder(self, name: str) -> Any:
        async def record(data: Any) -> None:
            self.events.append((name, data))

        return record

    async def api(self, method: str, path: str, json: Any = None, expect: int = 200) -> Any:
        async with self.http.request(method, path, json=json, headers={"X-CSRF-Token": self.csrf}) as response:
            data = await response.json(content_type=None)
            assert response.status == expect, (response.status, data)
            return data

    async def next_event(self, name: str, predicate: Any = lambda d: True, timeout: float = 10.0) -> Any:
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        seen = 0
        while loop.time() < end:
            for event, data in self.events[seen:]:
                if event == name and predicate(data):
                    return data
            seen = 0
            await asyncio.sleep(0.02)
        raise AssertionError(f"no {name!r} event within {timeout} s; got {[e for e, _ in self.events]}")

    async def close(self) -> None:
        if self.sio is not None:
            await self.sio.disconnect()
        await self.http.close()


async def ended_card(server, call_id: str):  # type: ignore[no-untyped-def]
    """The call card once the call has ended and its changes are stored; None before."""
    await server.workstation.drain()
    try:
        card = await interactions.get_call_card(server.db, call_id=call_id)
    except NotFound:
        return None
    return card if card.state == "ended" else None
