"""Given the real server, a session ends on logout, on logout everywhere and when idle, and with it end
its sockets (no more pops) and, for the last session, the operator's queue membership."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from web import session_end
from web.auth import cookie_secure
from web.settings import Settings

from ..serving import prepare_database, settings_for_test, start, wait_for
from .client import Operator

pytestmark = pytest.mark.integration


class ShiftedClock:
    """The real time plus a shift a test can move forward: the whole app (sessions too) reads it."""

    def __init__(self) -> None:
        self.shift = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.shift


@pytest.fixture
async def clocked(tmp_path):  # type: ignore[no-untyped-def]
    clock = ShiftedClock()
    url = await prepare_database(tmp_path / "ccdesk.db", customers=5)
    running = await start(settings_for_test(tmp_path, url, session_idle_minutes=30), clock=clock)
    running.clock = clock  # type: ignore[attr-defined]
    yield running
    await running.stop()


def _members(server, queue: str) -> dict:  # type: ignore[no-untyped-def]
    return server.simulator.snapshot()["queues"][queue]["members"]


async def test_logout_disconnects_the_socket_and_takes_the_phone_out_of_its_queues(server) -> None:
    op = Operator(server.url)
    try:
        await op.login("op1", server.passwords["op1"])
        await op.connect_socket()
        await op.api("POST", "/api/presence/sign-in", {"queues": ["support"]})
        await wait_for(lambda: "PJSIP/1001" in _members(server, "support"))
        async with op.http.post("/logout", data={"csrf_token": op.csrf}, allow_redirects=False) as response:
            assert response.status == 302
        await wait_for(lambda: not op.sio.connected)  # no pop reaches a logged-out screen
        await wait_for(lambda: "PJSIP/1001" not in _members(server, "support"))
    finally:
        await op.close()


async def test_logout_everywhere_ends_every_session_of_the_user(server) -> None:
    desk, laptop, colleague = Operator(server.url), Operator(server.url), Operator(server.url)
    try:
        for op in (desk, laptop):
            await op.login("op1", server.passwords["op1"])
            await op.connect_socket()
        await colleague.login("op2", server.passwords["op2"])
        await colleague.connect_socket()
        async with desk.http.post(
            "/logout/everywhere", headers={"X-CSRF-Token": desk.csrf, "Accept": "application/json"}
        ) as response:
            assert response.status == 200 and (await response.json())["sessions_ended"] == 2
        for op in (desk, laptop):
            await wait_for(lambda op=op: not op.sio.connected)
            async with op.http.get("/api/me") as me:
                assert me.status == 401
        assert colleague.sio.connected  # another user's session goes on
        await colleague.api("GET", "/api/me")
    finally:
        for op in (desk, laptop, colleague):
            await op.close()


async def test_an_idle_session_ends_its_socket_is_dropped_and_the_phone_leaves_its_queues(clocked) -> None:
    op = Operator(clocked.url)
    try:
        await op.login("op1", clocked.passwords["op1"])
        await op.connect_socket()
        await op.api("POST", "/api/presence/sign-in", {"queues": ["support"]})
        await wait_for(lambda: "PJSIP/1001" in _members(clocked, "support"))
        clocked.clock.shift = timedelta(minutes=20)
        state = await op.api("GET", "/api/session")  # a request 20 minutes later keeps the session alive
        assert state["idle_minutes"] == 30 and state["user"] == "op1"
        clocked.clock.shift = timedelta(minutes=45)
        assert await session_end.sweep(clocked.app) == 0  # 25 minutes idle: still within 30
        assert op.sio.connected and "PJSIP/1001" in _members(clocked, "support")
        clocked.clock.shift = timedelta(minutes=51)
        assert await session_end.sweep(clocked.app) == 1
        await wait_for(lambda: not op.sio.connected)
        await wait_for(lambda: "PJSIP/1001" not in _members(clocked, "support"))
        async with op.http.get("/api/me") as me:
            assert me.status == 401
    finally:
        await op.close()


@pytest.mark.parametrize(
    ("host", "configured", "secure"),
    [
        ("127.0.0.1", None, False),
        ("::1", None, False),
        ("localhost", None, False),
        ("0.0.0.0", None, True),
        ("10.0.0.5", None, True),
        ("127.0.0.1", True, True),
        ("0.0.0.0", False, False),
    ],
)
def test_the_cookie_is_secure_unless_the_server_is_on_loopback(host: str, configured, secure: bool) -> None:  # type: ignore[no-untyped-def]
    assert cookie_secure(Settings(host=host, cookie_secure=configured)) is secure


def test_cookie_secure_reads_from_the_environment() -> None:
    assert Settings.from_env({"CCDESK_COOKIE_SECURE": "false"}).cookie_secure is False
    assert Settings.from_env({}).cookie_secure is None
