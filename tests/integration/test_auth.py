"""Given the real server, sign-in, sessions, CSRF and roles behave as a contact center needs."""

from __future__ import annotations

import pytest
import socketio
from sqlalchemy import select

from crm_store.models import AuditEntry

from .client import Operator

pytestmark = pytest.mark.integration


async def test_wrong_password_is_refused_and_repeated_failures_are_throttled(server) -> None:
    op = Operator(server.url)
    try:
        for _ in range(5):
            response = await op.login("op1", "wrong-password")
            assert response.status == 401
            assert "op1" not in {c.value for c in op.http.cookie_jar if c.key == "ccdesk_session"}
        throttled = await op.login("op1", server.passwords["op1"])  # even the right password waits now
        assert throttled.status == 429 and int(throttled.headers["Retry-After"]) > 0
        other = await op.login("op2", server.passwords["op2"])  # the same address is throttled too
        assert other.status == 429
    finally:
        await op.close()


async def test_api_and_socket_need_a_session(server) -> None:
    op = Operator(server.url)
    try:
        async with op.http.get("/api/me") as response:
            assert response.status == 401
        async with op.http.get("/", allow_redirects=False) as response:
            assert response.status == 302 and response.headers["Location"].startswith("/login")
        with pytest.raises(socketio.exceptions.ConnectionError):
            await op.connect_socket()
    finally:
        await op.close()


async def test_state_changes_need_the_csrf_token(server) -> None:
    op = Operator(server.url)
    try:
        assert (await op.login("op1", server.passwords["op1"])).status == 302
        async with op.http.post("/api/presence/sign-in", json={"queues": ["support"]}) as response:
            assert response.status == 403
        async with op.http.post(
            "/api/presence/sign-in", json={"queues": ["support"]}, headers={"X-CSRF-Token": "forged"}
        ) as response:
            assert response.status == 403
        assert (await op.api("POST", "/api/presence/sign-in", {"queues": ["support"]}))["state"] == "available"
    finally:
        await op.close()


async def test_logout_ends_the_session_on_the_server_and_is_audited(server) -> None:
    op = Operator(server.url)
    try:
        await op.login("op1", server.passwords["op1"])
        cookie = {c.key: c.value for c in op.http.cookie_jar}["ccdesk_session"]
        async with op.http.post("/logout", data={"csrf_token": op.csrf}, allow_redirects=False) as response:
            assert response.status == 302
        op.http.cookie_jar.update_cookies({"ccdesk_session": cookie})  # a copied cookie is dead too
        async with op.http.get("/api/me") as response:
            assert response.status == 401
        async with server.db.read_session() as s:
            actions = list(await s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
        assert actions[-2:] == ["auth.login", "auth.logout"]
    finally:
        await op.close()


async def test_supervisor_socket_refuses_operators(server) -> None:
    op = Operator(server.url)
    sup = Operator(server.url)
    try:
        await op.login("op1", server.passwords["op1"])
        with pytest.raises(socketio.exceptions.ConnectionError):
            await op.connect_socket("/supervisor")
        await sup.login("sup", server.passwords["sup"])
        await sup.connect_socket("/supervisor")
    finally:
        await op.close()
        await sup.close()


async def test_bad_input_gets_clear_errors(server) -> None:
    op = Operator(server.url)
    try:
        await op.login("op1", server.passwords["op1"])
        assert (
            "unknown queues"
            in (await op.api("POST", "/api/presence/sign-in", {"queues": ["nope"]}, expect=400))["error"]
        )
        assert (
            "unknown pause reason"
            in (await op.api("POST", "/api/presence/pause", {"reason": "nap"}, expect=400))["error"]
        )
        assert (
            "not a valid phone"
            in (await op.api("POST", "/api/customers", {"full_name": "X", "phones": ["12"]}, expect=400))["error"]
        )
        assert "already ended" in (await op.api("POST", "/api/calls/nope/hangup", expect=400))["error"]
        async with op.http.post("/api/customers", data="{not json", headers={"X-CSRF-Token": op.csrf}) as response:
            assert response.status == 400
    finally:
        await op.close()


async def test_an_operator_signs_in_at_another_desk_phone(server) -> None:
    op = Operator(server.url)
    try:
        await op.login("op1", server.passwords["op1"])
        taken = await op.api("POST", "/api/presence/sign-in", {"queues": ["support"], "extension": "1002"}, expect=400)
        assert "belongs to op2" in taken["error"]
        await op.api("POST", "/api/presence/sign-in", {"queues": ["support"], "extension": "1077"})
        me = await op.api("GET", "/api/me")
        assert me["user"]["extension"] == "1077" and me["presence"]["state"] == "available"
        assert "PJSIP/1077" in server.simulator.snapshot()["queues"]["support"]["members"]
    finally:
        await op.close()
