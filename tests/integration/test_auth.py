"""Given the real server, sign-in, sessions, CSRF and roles behave as a contact center needs."""

from __future__ import annotations

import re
from urllib.parse import unquote

import aiohttp
import pytest
import socketio
from sqlalchemy import select

from crm_store import desk_phones
from crm_store.models import AuditEntry, WebSession
from web import keys

from .client import Operator

pytestmark = pytest.mark.integration


@pytest.fixture
async def proxied(tmp_path):  # type: ignore[no-untyped-def]
    """The real app behind a reverse proxy on 127.0.0.1 (CCDESK_TRUSTED_PROXIES): clients differ by X-Forwarded-For."""
    from tests.serving import prepare_database, settings_for_test, start

    url = await prepare_database(tmp_path / "ccdesk.db", customers=5)
    running = await start(settings_for_test(tmp_path, url, trusted_proxies="127.0.0.1"))
    yield running
    await running.stop()


async def _login_from(op: Operator, address: str, username: str, password: str) -> aiohttp.ClientResponse:
    form = await (await op.http.get("/login")).text()
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token
    return await op.http.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
        headers={"X-Forwarded-For": address},
        allow_redirects=False,
    )


async def test_an_attacker_elsewhere_cannot_lock_the_user_out(proxied) -> None:
    attacker, owner, colleague = Operator(proxied.url), Operator(proxied.url), Operator(proxied.url)
    try:
        for _ in range(4):  # three typos are free, the fourth failure makes the next try wait
            assert (await _login_from(attacker, "203.0.113.9", "op1", "wrong-password")).status == 401
        throttled = await _login_from(attacker, "203.0.113.9", "op1", proxied.passwords["op1"])
        assert throttled.status == 429 and 0 < int(throttled.headers["Retry-After"]) <= 2
        # The real op1 at their own desk, and a colleague behind the same proxy, sign in at once.
        assert (await _login_from(owner, "10.0.0.21", "op1", proxied.passwords["op1"])).status == 302
        assert (await _login_from(colleague, "203.0.113.9", "op2", proxied.passwords["op2"])).status == 302
        async with proxied.db.read_session() as s:
            ip = await s.scalar(select(WebSession.ip).order_by(WebSession.created_at.desc()).limit(1))
        assert ip == "203.0.113.9"  # the client's address is what the session records, not the proxy's
    finally:
        for op in (attacker, owner, colleague):
            await op.close()


async def test_forwarded_for_from_an_untrusted_peer_is_ignored(server) -> None:
    op = Operator(server.url)
    try:
        for n in range(4):  # a new made-up address each time does not escape the throttle
            assert (await _login_from(op, f"198.51.100.{n}", "op1", "wrong-password")).status == 401
        assert (await _login_from(op, "198.51.100.99", "op1", server.passwords["op1"])).status == 429
    finally:
        await op.close()


async def test_an_unknown_user_is_refused_like_a_wrong_password(server) -> None:
    op = Operator(server.url)
    try:
        unknown = await op.login("nobody-here", "some-password")
        wrong = await op.login("op1", "some-password")
        assert unknown.status == wrong.status == 401
        assert "nobody-here" not in await unknown.text()
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
        # A phone the registry does not list (a bot's, another department's) is refused...
        for phone in ("1077", "2001"):
            refused = await op.api(
                "POST", "/api/presence/sign-in", {"queues": ["support"], "extension": phone}, expect=400
            )
            assert refused["code"] == "phone_not_allowed"
        assert "PJSIP/1077" not in server.simulator.snapshot()["queues"]["support"]["members"]
        # ...until an admin registers it as a shared hot desk.
        await desk_phones.add_phone(server.app[keys.DB], "1077", label="hot desk")
        await op.api("POST", "/api/presence/sign-in", {"queues": ["support"], "extension": "1077"})
        me = await op.api("GET", "/api/me")
        assert me["user"]["extension"] == "1077" and me["presence"]["state"] == "available"
        assert "PJSIP/1077" in server.simulator.snapshot()["queues"]["support"]["members"]
    finally:
        await op.close()


@pytest.mark.parametrize(
    "next_value", ["/%09/evil.example", "/%0D/evil.example", "/%0A/evil.example", "/%5Cevil.example"]
)
async def test_login_never_redirects_to_another_site(server, next_value: str) -> None:
    op = Operator(server.url)
    try:
        async with op.http.get(f"/login?next={next_value}") as page:
            form = await page.text()
        token = re.search(r'name="csrf_token" value="([^"]+)"', form)
        field = re.search(r'name="next" value="([^"]*)"', form)
        assert token and field and field.group(1) == "/"
        async with op.http.post(
            f"/login?next={next_value}",
            data={
                "username": "op1",
                "password": server.passwords["op1"],
                "csrf_token": token.group(1),
                "next": unquote(next_value),
            },
            allow_redirects=False,
        ) as response:
            assert response.status == 302 and response.headers["Location"] == "/"
    finally:
        await op.close()
