"""Given the real server, a user changes their password from the web UI; their other sessions end."""

from __future__ import annotations

import re

import pytest

from .client import Operator

pytestmark = pytest.mark.integration


async def _change(op: Operator, current: str, new: str, expect: int) -> dict:
    return await op.api("POST", "/api/me/password", {"current": current, "new": new}, expect=expect)  # type: ignore[no-any-return]


async def test_a_password_change_checks_the_current_one_and_the_policy_and_ends_other_sessions(server) -> None:
    here, elsewhere, later = Operator(server.url), Operator(server.url), Operator(server.url)
    old = server.passwords["op1"]
    try:
        await here.login("op1", old)
        await elsewhere.login("op1", old)
        await elsewhere.connect_socket()
        assert (await _change(here, "not-my-password", "Ljubljana 1991 rain", 400))["code"] == "password_wrong_current"
        assert (await _change(here, old, "qwerty123", 400))["code"] == "password_common"
        assert (await _change(here, old, "short", 400))["params"] == {"min": 8}
        assert (await _change(here, old, "Ljubljana 1991 rain", 200))["other_sessions_ended"] == 1
        await here.api("GET", "/api/me")  # this browser stays signed in
        async with elsewhere.http.get("/api/me") as response:
            assert response.status == 401
        assert not elsewhere.sio.connected
        assert (await later.login("op1", old)).status == 401
        assert (await later.login("op1", "Ljubljana 1991 rain")).status == 302
    finally:
        for op in (here, elsewhere, later):
            await op.close()


async def test_guessing_the_current_password_through_a_session_is_throttled(server) -> None:
    op = Operator(server.url)
    try:
        await op.login("op1", server.passwords["op1"])
        for _ in range(4):
            await _change(op, "guess", "Ljubljana 1991 rain", 400)
        refused = await _change(op, server.passwords["op1"], "Ljubljana 1991 rain", 429)
        assert refused["code"] == "password_throttled" and refused["params"]["seconds"] > 0
    finally:
        await op.close()


async def test_the_password_page_works_without_scripts(server) -> None:
    op = Operator(server.url)
    try:
        await op.login("op2", server.passwords["op2"])
        async with op.http.get("/password") as response:
            page = await response.text()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token and "Смена пароля" in page
        form = {"csrf_token": token.group(1), "current": server.passwords["op2"], "new": "Ljubljana 1991 rain"}
        async with op.http.post("/password", data={**form, "repeat": "something else"}) as response:
            assert response.status == 400 and "не совпадают" in await response.text()
        async with op.http.post("/password", data={**form, "repeat": "Ljubljana 1991 rain"}) as response:
            assert response.status == 200 and "Пароль изменён" in await response.text()
    finally:
        await op.close()
