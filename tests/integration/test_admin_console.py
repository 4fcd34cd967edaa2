"""Given the real server, an admin runs the console: users, phones, books, imports, the audit log; other
roles are refused, every change needs the CSRF token and is audited."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, datetime
from importlib import resources

import aiohttp
import pytest
from sqlalchemy import text

from crm_store import users
from routing import CallFacts, route_call
from web import keys

from ..serving import wait_for
from .admin_client import admin_of
from .client import Operator

pytestmark = pytest.mark.integration


async def _login_status(server, username: str, password: str) -> int:  # type: ignore[no-untyped-def]
    browser = Operator(server.url)
    try:
        return (await browser.login(username, password)).status
    finally:
        await browser.close()


async def test_supervisors_and_operators_get_403_and_a_post_without_csrf_is_refused(server) -> None:
    sup, op = Operator(server.url), Operator(server.url)
    admin = await admin_of(server)
    try:
        await sup.login("sup", server.passwords["sup"])
        await op.login("op1", server.passwords["op1"])
        for who in (sup, op):
            async with who.http.get("/admin") as page:
                assert page.status == 403
            await who.api("GET", "/api/admin/users", expect=403)
            await who.api("POST", "/api/admin/phones", {"extension": "1900"}, expect=403)
        async with admin.http.post("/api/admin/phones", json={"extension": "1900"}) as response:
            assert response.status == 403  # no X-CSRF-Token
        async with admin.http.get("/admin") as page:
            assert page.status == 200 and "Администрирование" in await page.text()
        assert [p["extension"] for p in await admin.api("GET", "/api/admin/phones")] == ["1001", "1002"]
    finally:
        for who in (sup, op, admin):
            await who.close()


async def test_admin_creates_an_operator_who_signs_in_and_the_change_is_audited(server) -> None:
    admin = await admin_of(server)
    newbie = Operator(server.url)
    try:
        weak = await admin.api(
            "POST", "/api/admin/users", {"username": "ivanova", "role": "operator", "password": "qwerty123"}, 400
        )
        assert weak["code"] == "password_common"
        created = await admin.api(
            "POST",
            "/api/admin/users",
            {
                "username": "ivanova",
                "role": "operator",
                "password": "Lunnaya-Sonata-14",
                "full_name": "Иванова Мария",
                "extension": "1010",
                "queues": ["support"],
                "skills": "english, vip",
            },
            201,
        )
        assert created["queues"] == ["support"] and created["skills"] == ["english", "vip"]
        again = {"username": "ivanova", "role": "operator", "password": "Lunnaya-Sonata-14"}
        assert (await admin.api("POST", "/api/admin/users", again, 409))["code"] == "user_exists"
        taken = {"username": "petrov", "role": "operator", "password": "Lunnaya-Sonata-14", "extension": "1001"}
        refused = await admin.api("POST", "/api/admin/users", taken, 409)
        assert (refused["code"], refused["params"]) == ("phone_taken", {"extension": "1001", "owner": "op1"})
        assert {"extension": "1010", "owner": "ivanova", "label": ""} in await admin.api("GET", "/api/admin/phones")
        assert (await newbie.login("ivanova", "Lunnaya-Sonata-14")).status == 302
        await newbie.api("GET", "/api/me")
        unknown = await admin.api("POST", f"/api/admin/users/{created['id']}", {"queues": ["nowhere"]}, 400)
        assert unknown["code"] == "unknown_queue"
        edited = await admin.api(
            "POST", f"/api/admin/users/{created['id']}", {"full_name": "Иванова М. П.", "queues": ["billing"]}
        )
        assert edited["full_name"] == "Иванова М. П." and edited["queues"] == ["billing"]
        audit = await admin.api("GET", "/api/admin/audit?user=boss&action=user.")
        assert [e["action"] for e in audit["entries"]] == ["user.update", "user.create"]
        for bad in ("customer=1e3", "before=99999999999999999999999", "since=yesterday"):
            assert (await admin.api("GET", f"/api/admin/audit?{bad}", expect=400))["code"] == "invalid_value"
        huge = "/api/admin/users/99999999999999999999999"
        async with admin.http.post(huge, json={}, headers={"X-CSRF-Token": admin.csrf}) as response:
            assert response.status == 404  # no such route, rather than an id SQLite cannot hold (a 500)
    finally:
        await admin.close()
        await newbie.close()


async def test_admin_creates_a_department_user_who_lands_on_their_departments_work_list(server) -> None:
    admin, op, clerk = await admin_of(server), Operator(server.url), Operator(server.url)
    try:
        listed = await admin.api("GET", "/api/admin/users")
        assert "department" in listed["roles"]
        assert {"name": "dept_billing", "title": "Расчётный отдел"} in listed["departments"]
        clerk_of = {"username": "buhova", "role": "department", "password": "Lunnaya-Sonata-14", "full_name": "Бухова"}
        assert (await admin.api("POST", "/api/admin/users", clerk_of, 400))["code"] == "department_needed"
        nowhere = await admin.api("POST", "/api/admin/users", {**clerk_of, "department": "dept_nowhere"}, 400)
        assert (nowhere["code"], nowhere["params"]) == ("unknown_department", {"department": "dept_nowhere"})
        created = await admin.api("POST", "/api/admin/users", {**clerk_of, "department": "dept_billing"}, 201)
        assert (created["role"], created["department"]) == ("department", "dept_billing")
        # an operator files one application for the billing department and one for metering
        await op.login("op1", server.passwords["op1"])
        async with server.db.read_session() as s:
            customer_id = (await s.execute(text("SELECT customer_id FROM accounts ORDER BY id LIMIT 1"))).scalar_one()
        filed = {}
        for kind, fields in (("recalculation", {}), ("meter_dispute", {"reading": "42"})):
            body = {"type": kind, "customer_id": customer_id, "fields": fields}
            filed[kind] = await op.api("POST", "/api/applications", body, expect=201)
        # the new user signs in, lands on /work and sees their department's list only
        signed_in = await clerk.login("buhova", "Lunnaya-Sonata-14")
        assert (signed_in.status, signed_in.headers["Location"]) == (302, "/work")
        async with clerk.http.get("/work") as page:
            assert page.status == 200 and "Расчётный отдел" in await page.text()
        listed_ids = [a["id"] for a in await clerk.api("GET", "/api/work")]
        assert filed["recalculation"]["id"] in listed_ids and filed["meter_dispute"]["id"] not in listed_ids
        # another role drops the department; the department role cannot come back without one
        user_url = f"/api/admin/users/{created['id']}"
        assert (await admin.api("POST", user_url, {"role": "operator"}))["department"] is None
        refused = await admin.api("POST", user_url, {"role": "department"}, 409)
        assert refused["code"] == "department_needed"
        moved = await admin.api("POST", user_url, {"role": "department", "department": "dept_metering"})
        assert (moved["role"], moved["department"]) == ("department", "dept_metering")
        audit = await admin.api("GET", "/api/admin/audit?user=boss&action=user.update")
        assert audit["entries"][0]["details"]["department"] == [None, "dept_metering"]
    finally:
        for who in (admin, op, clerk):
            await who.close()


async def test_a_disabled_users_session_ends_at_once_and_the_last_admin_stays(server) -> None:
    admin = await admin_of(server)
    op = Operator(server.url)
    try:
        await op.login("op2", server.passwords["op2"])
        await op.connect_socket()
        op2 = next(u for u in (await admin.api("GET", "/api/admin/users"))["users"] if u["username"] == "op2")
        disabled = await admin.api("POST", f"/api/admin/users/{op2['id']}/disable")
        assert disabled["active"] is False and disabled["sessions_ended"] == 1
        await wait_for(lambda: not op.sio.connected)
        await op.api("GET", "/api/me", expect=401)
        assert await _login_status(server, "op2", server.passwords["op2"]) == 401

        me = (await admin.api("GET", "/api/me"))["user"]
        refused = await admin.api("POST", f"/api/admin/users/{me['id']}/disable", expect=409)
        assert refused["code"] == "self_disable"
        demoted = await admin.api("POST", f"/api/admin/users/{me['id']}", {"role": "operator"}, 409)
        assert demoted["code"] == "last_admin"
        assert (await users.get_user(server.db, me["id"])).role == "admin"
    finally:
        await admin.close()
        await op.close()


async def test_a_password_reset_follows_the_rules_and_ends_the_users_sessions(server) -> None:
    admin = await admin_of(server)
    op = Operator(server.url)
    try:
        await op.login("op1", server.passwords["op1"])
        op1 = next(u for u in (await admin.api("GET", "/api/admin/users"))["users"] if u["username"] == "op1")
        short = await admin.api("POST", f"/api/admin/users/{op1['id']}/password", {"password": "short"}, 400)
        assert short["code"] == "password_too_short"
        named = await admin.api("POST", f"/api/admin/users/{op1['id']}/password", {"password": "op1-op1-op1"}, 400)
        assert named["code"] == "password_like_username"
        done = await admin.api("POST", f"/api/admin/users/{op1['id']}/password", {"password": "Zelyonye-Holmy-9"})
        assert done["sessions_ended"] == 1
        await op.api("GET", "/api/me", expect=401)
        assert await _login_status(server, "op1", "Zelyonye-Holmy-9") == 302
    finally:
        await admin.close()
        await op.close()


def _rules_text() -> str:
    return resources.files("routing").joinpath("default_rules.toml").read_text(encoding="utf-8")


async def test_a_broken_rules_file_is_refused_naming_the_line_and_a_good_one_routes_the_next_call(server) -> None:
    admin = await admin_of(server)
    try:
        before = server.app[keys.RULES]
        text = _rules_text()
        broken = text.replace('queue = "vip"', 'queue = "nowhere"', 1)
        line = 1 + text[: text.index('id = "vip"')].count("\n")  # the rule's line
        refused = await admin.api("POST", "/api/admin/books/rules", {"name": "rules.toml", "text": broken}, 422)
        assert refused["code"] == "book_invalid" and f"rules.toml:{line}: rule 'vip'" in refused["params"]["detail"]
        assert server.app[keys.RULES] is before  # the old rules stay in force
        vip = CallFacts(at=datetime(2026, 12, 1, 11, 0, tzinfo=UTC), vip=True)
        assert route_call(server.app[keys.IVR].rules, vip).queue == "vip"

        good = text.replace('queue = "vip"', 'queue = "billing"', 1)
        created = await admin.api("POST", "/api/admin/books/rules", {"name": "rules-v2.toml", "text": good}, 201)
        assert created["origin"] == "upload" and created["version"]["uploaded_by"] == "boss"
        assert route_call(server.app[keys.IVR].rules, vip).queue == "billing"  # the IVR's next call
        assert route_call(server.app[keys.RULES], vip).queue == "billing"
        shown = await admin.api("GET", "/api/admin/books/rules")
        assert shown["source"] == "rules-v2.toml" and shown["origin"] == "upload" and shown["text"] == good
        audit = await admin.api("GET", "/api/admin/audit?action=book.")
        assert audit["entries"][0]["details"]["source"] == "rules-v2.toml"
    finally:
        await admin.close()


async def _upload(admin: Operator, kind: str, name: str, data: bytes, expect: int = 202) -> dict:
    form = aiohttp.FormData()
    form.add_field("kind", kind)
    form.add_field("file", io.BytesIO(data), filename=name, content_type="application/octet-stream")
    async with admin.http.post("/api/admin/imports", data=form, headers={"X-CSRF-Token": admin.csrf}) as response:
        body = await response.json()
        assert response.status == expect, body
        return body


async def test_an_import_runs_in_the_background_and_reports_its_broken_row(server) -> None:
    admin = await admin_of(server)
    try:
        rows = ["ФИО;Лицевой счёт;Телефон"]
        rows += [f"Клиент Номер {i};77{i:08d};+7 916 {i:07d}" for i in range(1, 41)]
        rows.insert(7, ";7700000777;+7 916 0000777")  # no name: rejected
        job = await _upload(admin, "customers", "клиенты.csv", "\n".join(rows).encode("utf-8"))

        async def finished() -> dict | None:
            state = await admin.api("GET", f"/api/admin/imports/{job['id']}")
            return state if state["state"] != "running" else None

        state = await wait_for(finished)
        assert state["state"] == "done", state
        assert state["summary"]["rows"] == 41 and state["summary"]["rejected"] == 1
        assert state["progress"]["percent"] == 100 and state["progress"]["rows"] == 41
        assert state["errors"][0]["row"] == 8 and state["errors"][0]["column"] == "full_name"
        async with admin.http.get(f"/api/admin/imports/{job['id']}/errors.csv") as report:
            assert report.status == 200
            assert "filename*=UTF-8''%D0%BA" in report.headers["Content-Disposition"]  # клиенты.csv.errors.csv
            text = (await report.read()).decode("utf-8-sig")
        assert text.splitlines()[1].startswith("8;full_name")
        audit = await admin.api("GET", "/api/admin/audit?action=import.")
        assert audit["entries"][0]["details"]["rejected"] == 1
    finally:
        await admin.close()


async def test_an_import_that_is_not_a_table_fails_and_the_next_one_may_start(server) -> None:
    admin = await admin_of(server)
    try:
        # past aiohttp's 1 MB body limit: the upload is streamed to disk, not read whole
        job = await _upload(admin, "debts", "debts.csv", bytes(range(1, 256)) * 6000)

        async def ended() -> dict | None:
            state = await admin.api("GET", f"/api/admin/imports/{job['id']}")
            return state if state["state"] != "running" else None

        state = await wait_for(ended)
        assert state["state"] == "failed" and state["error"]
        await _upload(admin, "nothing", "x.csv", b"a;b\n1;2\n", expect=400)
        await asyncio.sleep(0)
    finally:
        await admin.close()
