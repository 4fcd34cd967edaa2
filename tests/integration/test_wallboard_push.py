"""Given the real server with the PBX simulator (one simulated operator per queue), when a supervisor's
Socket.IO client connects to /supervisor and asks for the wallboard, then it gets the full picture, and a
call from the simulator reaches it as pushed changes (never polled); an operator is refused the page and
the namespace. Sign-in sends each role to its own home."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import socketio

from crm_store.users import create_user
from tests.serving import Running, prepare_database, settings_for_test, start, wait_for
from web import keys
from web.passwords import hash_password
from workstation.wallboard_feed import CampaignFigures

from .client import Operator, ended_card

pytestmark = pytest.mark.integration


@pytest.fixture
async def center(tmp_path: Path) -> AsyncIterator[Running]:
    url = await prepare_database(tmp_path / "ccdesk.db", customers=20)
    running = await start(settings_for_test(tmp_path, url, sim_bots=1))
    await create_user(
        running.db, username="adm", role="admin", password_hash=hash_password("adm-password"), full_name="ADM"
    )
    await running.workstation.directory.refresh()
    yield running
    await running.stop()


class Supervisor(Operator):
    """A signed-in supervisor's browser: the /supervisor namespace, recording the wallboard's pushes."""

    async def connect_wallboard(self) -> None:
        self.sio = socketio.AsyncClient(reconnection=False)
        self.sio.on("wallboard:changes", self._recorder("wallboard:changes"), namespace="/supervisor")
        cookies = "; ".join(f"{c.key}={c.value}" for c in self.http.cookie_jar)
        await self.sio.connect(
            self.base_url, headers={"Cookie": cookies}, namespaces=["/supervisor"], transports=["websocket"]
        )

    async def full_picture(self) -> Any:
        assert self.sio is not None
        return await self.sio.call("wallboard:full", {}, namespace="/supervisor", timeout=10)


def queue_of(payload: dict[str, Any], name: str) -> dict[str, Any] | None:
    return next((q for q in payload["queues"] if q["queue"] == name), None)


async def test_a_supervisor_gets_the_full_picture_then_the_changes_of_a_call(center: Running) -> None:
    sup = Supervisor(center.url)
    try:
        await sup.login("sup", center.passwords["sup"])
        await sup.connect_wallboard()
        full = await sup.full_picture()
        assert [q["queue"] for q in full["queues"]][:3] == ["support", "billing", "debt"]  # the rules' order
        support = queue_of(full, "support")
        assert support is not None and support["title"] == "Общие вопросы" and support["offered"] == 0
        assert support["threshold_seconds"] == 20 and support["targets"]["longest_wait_seconds"] == [30.0, 60.0]
        vip = queue_of(full, "vip")
        assert vip is not None and vip["threshold_seconds"] == 15  # the rules' own target for VIP
        assert full["campaigns"] == [] and full["now"]

        call_id = center.simulator.place_inbound_call(queue="support", patience=60, talk_time=0.5)
        first = await sup.next_event("wallboard:changes", lambda c: (queue_of(c, "support") or {}).get("offered"))
        assert first["seq"] > full["seq"]
        answered = await sup.next_event(
            "wallboard:changes", lambda c: (queue_of(c, "support") or {}).get("answered") == 1, timeout=20
        )
        assert any(
            o["answered"] == 1
            for o in (
                await sup.next_event(
                    "wallboard:changes", lambda c: any(o["answered"] == 1 for o in c["operators"]), timeout=20
                )
            )["operators"]
        )
        seqs = [data["seq"] for name, data in sup.events if name == "wallboard:changes"]
        assert seqs == list(range(seqs[0], seqs[0] + len(seqs)))  # one more each push: a gap is visible
        assert answered["seq"] >= first["seq"]

        # Asked again (as a page does on reconnect), the full picture holds what the changes said.
        await wait_for(lambda: ended_card(center, call_id), timeout=20)
        again = await sup.full_picture()
        assert (queue_of(again, "support") or {})["answered"] == 1
        assert again["seq"] >= seqs[-1]
        assert any(i["queue"] == "support" and i["offered"] == 1 for i in again["intervals"])
    finally:
        await sup.close()


async def test_the_dialers_campaigns_reach_the_wallboard_when_it_sends_them(center: Running) -> None:
    sup = Supervisor(center.url)
    try:
        await sup.login("sup", center.passwords["sup"])
        await sup.connect_wallboard()
        assert (await sup.full_picture())["campaigns"] == []
        figures = CampaignFigures(name="debt-dec", dialled=5, total=10, reached=3, abandon_pct=2.0, cap_pct=3.0)
        await center.app[keys.WALLBOARD_PUSHER].push_campaigns([figures])
        pushed = await sup.next_event("wallboard:changes", lambda c: "campaigns" in c)
        assert pushed["campaigns"] == [figures.to_json()]
        assert (await sup.full_picture())["campaigns"] == [figures.to_json()]
    finally:
        await sup.close()


async def test_an_operator_is_refused_the_wallboard_page_and_its_socket(center: Running) -> None:
    op = Operator(center.url)
    try:
        await op.login("op1", center.passwords["op1"])
        async with op.http.get("/wallboard", allow_redirects=False) as response:
            assert response.status == 403
        with pytest.raises(socketio.exceptions.ConnectionError):
            await op.connect_socket("/supervisor")
    finally:
        await op.close()


async def test_the_wallboard_page_is_served_to_a_supervisor_in_either_mode(center: Running) -> None:
    sup = Supervisor(center.url)
    try:
        await sup.login("sup", center.passwords["sup"])
        for query, wall in (("", False), ("?screen=wall", True)):
            async with sup.http.get(f"/wallboard{query}") as response:
                page = await response.text()
            assert response.status == 200
            assert 'src="/static/wallboard.js"' in page and "/static/vendor/uPlot.iife.min.js" in page
            assert ("wb-wall" in re.search(r'<body class="([^"]*)"', page).group(1)) is wall  # type: ignore[union-attr]
    finally:
        await sup.close()


async def sign_in(base_url: str, username: str, password: str, next_url: str | None = None) -> tuple[int, str]:
    async with aiohttp.ClientSession(base_url, cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        form = await (await http.get("/login" + (f"?next={next_url}" if next_url else ""))).text()
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        shown_next = re.search(r'name="next" value="([^"]*)"', form)
        assert token
        data = {"username": username, "password": password, "csrf_token": token.group(1)}
        if shown_next:
            data["next"] = shown_next.group(1)
        async with http.post("/login", data=data, allow_redirects=False) as response:
            location = response.headers.get("Location", "")
        async with http.get("/", allow_redirects=False) as response:
            root = response.headers.get("Location", "") if response.status == 302 else str(response.status)
        return response.status, f"{location} {root}"


@pytest.mark.parametrize(
    ("username", "home", "root"),
    [("op1", "/", "200"), ("sup", "/wallboard", "200"), ("adm", "/admin", "200")],
)
async def test_sign_in_sends_each_role_home_and_the_operator_screen_stays_open_to_the_floor(
    center: Running, username: str, home: str, root: str
) -> None:
    password = center.passwords.get(username, "adm-password")
    _status, where = await sign_in(center.url, username, password)
    assert where == f"{home} {root}"


async def test_a_page_asked_for_before_signing_in_still_wins_over_the_home(center: Running) -> None:
    _status, where = await sign_in(center.url, "sup", center.passwords["sup"], next_url="/customers/1")
    assert where.split()[0] == "/customers/1"


@pytest.mark.parametrize(("query", "compressed"), [("", True), ("&deflate=0", False)])
async def test_the_wallboard_socket_asks_for_uncompressed_pushes(center: Running, query: str, compressed: bool) -> None:
    """Browsers offer permessage-deflate; the wallboard's `deflate=0` turns it down (web/sio.py says why)."""
    sup = Supervisor(center.url)
    try:
        await sup.login("sup", center.passwords["sup"])
        async with sup.http.ws_connect(f"/socket.io/?EIO=4&transport=websocket{query}", compress=15) as ws:
            assert (ws.compress != 0) is compressed
    finally:
        await sup.close()
