"""Given a signed-in operator (and supervisor) on the real server, the lookups and filings of a call work
and store what they say."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy import select, text

from crm_store.models import Application, Task

from .client import Operator

pytestmark = pytest.mark.integration


async def _login(server, username: str) -> Operator:  # type: ignore[no-untyped-def]
    op = Operator(server.url)
    assert (await op.login(username, server.passwords[username])).status == 302
    return op


async def test_unknown_caller_is_created_linked_and_found(server) -> None:
    op = await _login(server, "op1")
    try:
        created = await op.api(
            "POST",
            "/api/customers",
            {
                "full_name": "Новикова Ольга Петровна",
                "phones": ["8 (903) 555-12-34"],
                "account_number": "9900000001",
                "address": "г. Тверь, ул. Мира, д. 1",
            },
            expect=201,
        )
        linked = await op.api("POST", f"/api/customers/{created['id']}/phones", {"phone": "+7 916 000 11 22"})
        assert linked["e164"] == "+79160001122"
        for query in ("новикова ольга", "9900000001", "89160001122"):
            hits = await op.api("GET", f"/api/customers/search?q={query}")
            assert [h["customer_id"] for h in hits] == [created["id"]], query
        pop = await op.api("GET", f"/api/customers/{created['id']}/pop")
        assert pop["accounts"][0]["number"] == "9900000001"
        edited = await op.api(
            "POST", f"/api/customers/{created['id']}/contacts", {"email": "olga@example.ru", "phones": ["89035551234"]}
        )
        assert edited["email"] == "olga@example.ru" and [p["e164"] for p in edited["phones"]] == ["+79035551234"]
    finally:
        await op.close()


async def test_application_is_routed_to_a_department_with_a_due_time(server) -> None:
    op = await _login(server, "op1")
    try:
        async with server.db.read_session() as s:
            customer_id = (await s.execute(text("SELECT customer_id FROM accounts ORDER BY id LIMIT 1"))).scalar()
        types = await op.api("GET", "/api/application-types")
        assert types and all(t["sla_hours"] > 0 for t in types)
        filed = await op.api(
            "POST",
            "/api/applications",
            {"type": types[0]["code"], "text": "Прошу проверить счётчик", "customer_id": customer_id},
            expect=201,
        )
        assert filed["number"].isdigit() and filed["department_queue"] and filed["due_at"] and filed["routing_reason"]
        async with server.db.read_session() as s:
            stored = await s.scalar(select(Application).where(Application.number == filed["number"]))
        assert stored is not None and stored.customer_id == customer_id and stored.created_by is not None
        bad = await op.api("POST", "/api/applications", {"type": "nope", "text": "x"}, expect=400)
        assert "unknown application type" in bad["error"]
        task = await op.api(
            "POST",
            "/api/tasks",
            {"kind": "follow_up", "due_at": "2026-12-01T10:00:00", "customer_id": customer_id, "notes": "Перезвонить"},
            expect=201,
        )
        async with server.db.read_session() as s:
            assert (await s.get(Task, task["id"])).notes == "Перезвонить"
    finally:
        await op.close()


async def test_knowledge_base_is_searched_by_operators_and_edited_by_supervisors(server) -> None:
    op = await _login(server, "op1")
    sup = await _login(server, "sup")
    try:
        found = await op.api("GET", "/api/kb?q=показания")
        assert found, "the default articles answer the common questions"
        refused = await op.api("POST", "/api/kb", {"title": "x", "body": "y"}, expect=403)
        assert "role" in refused["error"]
        created = await sup.api(
            "POST",
            "/api/kb",
            {"title": "Отключение горячей воды летом", "body": "Плановые отключения публикуются на сайте."},
            expect=201,
        )
        assert next(a["id"] for a in await op.api("GET", "/api/kb?q=горяч вод")) == created["id"]
        await sup.api("DELETE", f"/api/kb/{created['id']}")
        assert all(a["id"] != created["id"] for a in await op.api("GET", "/api/kb?q=горяч вод"))
    finally:
        await op.close()
        await sup.close()


async def test_scripts_offers_and_timeline_serve_the_call(server) -> None:
    op = await _login(server, "op1")
    try:
        script = await op.api("GET", "/api/scripts/balance?customer=Иван Петрович")
        assert script["topic"] == "balance" and script["sections"]
        async with server.db.read_session() as s:
            debtor = (
                await s.execute(text("SELECT customer_id FROM accounts WHERE debt_kop > 300000 ORDER BY id LIMIT 1"))
            ).scalar()
        offers = await op.api("GET", f"/api/offers?customer_id={debtor}")
        assert offers, "a debtor qualifies for something (a payment plan)"
        code = offers[0]["code"]
        await op.api(
            "POST", f"/api/offers/{code}/response", {"customer_id": debtor, "response": "declined"}, expect=201
        )
        assert code not in [o["code"] for o in await op.api("GET", f"/api/offers?customer_id={debtor}")]
        await op.api("POST", "/api/offers/nope/response", {"customer_id": debtor, "response": "accepted"}, expect=400)
        items = await op.api("GET", f"/api/customers/{debtor}/timeline?limit=20")
        assert items and items == sorted(items, key=lambda i: i["at"], reverse=True)
        older = await op.api("GET", f"/api/customers/{debtor}/timeline?limit=20&before={quote(items[-1]['cursor'])}")
        assert not {i["cursor"] for i in older} & {i["cursor"] for i in items}
    finally:
        await op.close()


async def test_supervisor_sees_ivr_statistics_and_the_live_picture(server) -> None:
    sup = await _login(server, "sup")
    op = await _login(server, "op1")
    try:
        stats = await sup.api("GET", "/api/ivr/stats")
        assert {"self_service_rate", "drop_outs"} <= set(stats)
        live = await sup.api("GET", "/api/supervisor/live")
        assert {q["name"] for q in live["queues"]} >= {"support", "billing"}
        await op.api("GET", "/api/ivr/stats", expect=403)
    finally:
        await sup.close()
        await op.close()
