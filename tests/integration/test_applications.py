"""Given the real server, operators file applications from the call card, department staff work them
through the workflow (only their own department's), closing schedules a follow-up call in the right queue's
list, supervisors see escalations, and the operator on a call sees the customer's applications change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text, update

from crm_store.models import Application, ApplicationStatusChange, AuditEntry, Task
from crm_store.users import create_user
from web import keys
from web.api_applications import escalate_and_tell
from web.passwords import hash_password

from .client import Operator

pytestmark = pytest.mark.integration

DEPARTMENT_USERS = (("acc1", "dept_billing"), ("acc2", "dept_billing"), ("met1", "dept_metering"))


async def _department_users(server) -> None:  # type: ignore[no-untyped-def]
    for username, department in DEPARTMENT_USERS:
        await create_user(
            server.db,
            username=username,
            role="department",
            password_hash=hash_password(f"{username}-password"),
            full_name=username.upper(),
            department=department,
        )
        server.passwords[username] = f"{username}-password"


async def _login(server, username: str) -> Operator:  # type: ignore[no-untyped-def]
    op = Operator(server.url)
    assert (await op.login(username, server.passwords[username])).status == 302
    if not op.csrf:  # department users land elsewhere; the /work page carries the token too
        page = await (await op.http.get("/work")).text()
        op.csrf = page.split('<meta name="csrf-token" content="')[1].split('"')[0]
    return op


async def _customer(server) -> tuple[int, int]:  # type: ignore[no-untyped-def]
    async with server.db.read_session() as s:
        row = (await s.execute(text("SELECT customer_id, id FROM accounts ORDER BY id LIMIT 1"))).first()
    return row[0], row[1]


async def test_a_department_works_its_own_applications_through_the_workflow(server) -> None:
    await _department_users(server)
    customer_id, account_id = await _customer(server)
    op = await _login(server, "op1")
    acc1, acc2, met1, sup = [await _login(server, u) for u in ("acc1", "acc2", "met1", "sup")]
    try:
        filed = await op.api(
            "POST",
            "/api/applications",
            {"type": "recalculation", "customer_id": customer_id, "account_id": account_id, "fields": {}},
            expect=201,
        )
        assert filed["department_queue"] == "dept_billing" and filed["number"].isdigit() and filed["due_at"]
        # The type's fields, typed: a wrong one is refused naming the field, a right one is kept.
        bad = await op.api(
            "POST",
            "/api/applications",
            {"type": "meter_dispute", "customer_id": customer_id, "fields": {"reading": "abc"}},
            expect=400,
        )
        assert bad["code"] == "invalid_fields" and bad["params"]["fields"] == {"reading": "not_a_number"}
        dispute = await op.api(
            "POST",
            "/api/applications",
            {"type": "meter_dispute", "customer_id": customer_id, "fields": {"reading": "42"}},
            expect=201,
        )
        assert dispute["fields"] == {"reading": "42"} and dispute["department_queue"] == "dept_metering"
        app_id = filed["id"]
        # Who sees it: its department and supervisors; not another department, not operators.
        assert app_id in [a["id"] for a in await acc1.api("GET", "/api/work")]
        assert app_id not in [a["id"] for a in await met1.api("GET", "/api/work")]
        assert app_id in [a["id"] for a in await sup.api("GET", "/api/work?department=dept_billing")]
        await met1.api("GET", f"/api/work/{app_id}", expect=404)
        await met1.api("POST", f"/api/work/{app_id}/take", expect=404)
        await met1.api("POST", f"/api/work/{app_id}/status", {"status": "rejected", "comment": "x"}, expect=404)
        await op.api("GET", "/api/work", expect=403)
        # Take it, then the workflow: a forbidden step is refused with a clear error.
        taken = await acc1.api("POST", f"/api/work/{app_id}/take")
        assert taken["status"] == "in_progress" and taken["assigned_to"] is not None
        refused = await acc1.api("POST", f"/api/work/{app_id}/status", {"status": "new"}, expect=400)
        assert refused["code"] == "transition_forbidden" and refused["params"] == {
            "current": "in_progress",
            "requested": "new",
        }
        await acc1.api("POST", f"/api/work/{app_id}/status", {"status": "waiting_customer", "comment": "Нужен акт"})
        # Assign to a colleague of the department; someone of another department cannot be.
        acc2_id = next(p["id"] for p in await acc1.api("GET", f"/api/work/{app_id}/assignees") if p["name"] == "ACC2")
        assert (await acc1.api("POST", f"/api/work/{app_id}/assign", {"user_id": acc2_id}))["assigned_to"] == acc2_id
        async with server.db.read_session() as s:
            met1_id = (await s.execute(text("SELECT id FROM users WHERE username = 'met1'"))).scalar()
        bad = await acc1.api("POST", f"/api/work/{app_id}/assign", {"user_id": met1_id}, expect=400)
        assert bad["code"] == "assignee_not_in_department"
        await acc2.api("POST", f"/api/work/{app_id}/status", {"status": "resolved"}, expect=400)  # needs a comment
        resolved = await acc2.api(
            "POST",
            f"/api/work/{app_id}/status",
            {"status": "resolved", "comment": "Перерасчёт сделан", "follow_up": True},
        )
        assert resolved["status"] == "resolved" and resolved["closed_at"]
        again = await acc2.api("POST", f"/api/work/{app_id}/status", {"status": "in_progress"}, expect=400)
        assert again["code"] == "transition_forbidden"
        detail = await acc1.api("GET", f"/api/work/{app_id}")
        assert [h["status"] for h in detail["history"]] == [
            "new",
            "in_progress",
            "waiting_customer",
            "waiting_customer",
            "resolved",
        ]
        assert detail["history"][-1]["comment"] == "Перерасчёт сделан" and detail["next_statuses"] == []
        async with server.db.read_session() as s:
            audited = list(
                await s.scalars(
                    select(AuditEntry.action).where(
                        AuditEntry.entity == "application", AuditEntry.entity_id == str(app_id)
                    )
                )
            )
            task = await s.scalar(select(Task).where(Task.application_id == app_id))
        assert audited.count("application.status") == 2 and {
            "application.file",
            "application.take",
            "application.assign",
        } <= set(audited)
        # The follow-up call: a week later, in the recalculation's queue (billing), on its operators' list.
        assert task is not None and task.kind == "follow_up" and task.queue == "billing"
        assert timedelta(days=6, hours=23) < task.due_at - datetime.now(UTC) <= timedelta(days=7)
        assert task.id in [f["id"] for f in await op.api("GET", "/api/follow-ups")]  # op1: support + billing
        op2 = await _login(server, "op2")  # support only
        try:
            assert task.id not in [f["id"] for f in await op2.api("GET", "/api/follow-ups")]
            await op2.api("POST", f"/api/follow-ups/{task.id}/done", expect=404)
        finally:
            await op2.close()
        await op.api("POST", f"/api/follow-ups/{task.id}/done")  # called: off the list
        assert task.id not in [f["id"] for f in await op.api("GET", "/api/follow-ups")]
    finally:
        for client in (op, acc1, acc2, met1, sup):
            await client.close()


async def test_reassigning_moves_it_out_of_reach_and_overdue_ones_are_escalated(server) -> None:
    await _department_users(server)
    customer_id, _account_id = await _customer(server)
    op, acc1, met1, sup = [await _login(server, u) for u in ("op1", "acc1", "met1", "sup")]
    try:
        filed = await op.api(
            "POST", "/api/applications", {"type": "info_request", "customer_id": customer_id}, expect=201
        )
        app_id = filed["id"]
        await met1.connect_socket("/work")  # the department's room: its work list hears of what arrives
        moved = await acc1.api(
            "POST", f"/api/work/{app_id}/department", {"department": "dept_metering", "comment": "Это про счётчик"}
        )
        assert moved["department_queue"] == "dept_metering"
        assert (await met1.next_event("work"))["department"] == "dept_metering"
        await acc1.api("GET", f"/api/work/{app_id}", expect=404)
        assert (await met1.api("GET", f"/api/work/{app_id}"))["history"][-1]["department"] == "dept_metering"
        bad = await met1.api("POST", f"/api/work/{app_id}/department", {"department": "nowhere"}, expect=400)
        assert bad["code"] == "unknown_department"
        # Overdue by more than the threshold (4 h by default): on the supervisors' list, highlighted for all.
        async with server.db.write_session() as s, s.begin():
            await s.execute(
                update(Application)
                .where(Application.id == app_id)
                .values(due_at=datetime.now(UTC) - timedelta(hours=5))
            )
        escalated = await sup.api("GET", "/api/work/escalations")
        assert app_id in [a["id"] for a in escalated]
        item = next(a for a in await met1.api("GET", "/api/work?overdue=1") if a["id"] == app_id)
        assert item["overdue"] and item["escalated"]
        await met1.api("GET", "/api/work/escalations", expect=403)
        await sup.connect_socket("/supervisor")
        marked = await escalate_and_tell(server.app, server.app[keys.APPLICATION_WORK])
        assert app_id in [a["id"] for a in marked]
        told = await sup.next_event("escalations", lambda e: app_id in [a["id"] for a in e["applications"]])
        assert told["count"] == len(marked)
        assert next(a for a in told["applications"] if a["id"] == app_id)["department_queue"] == "dept_metering"
        assert await escalate_and_tell(server.app, server.app[keys.APPLICATION_WORK]) == []  # told once
        async with server.db.read_session() as s:
            assert (await s.get(Application, app_id)).escalated_at is not None
            changes = list(
                await s.scalars(select(ApplicationStatusChange).where(ApplicationStatusChange.application_id == app_id))
            )
        assert [c.department_queue for c in changes] == [None, "dept_metering"]
    finally:
        for client in (op, acc1, met1, sup):
            await client.close()


async def test_the_operator_on_a_call_sees_the_customers_applications_change_at_once(server) -> None:
    await _department_users(server)
    async with server.db.read_session() as s:
        number, customer_id = (await s.execute(text("SELECT raw, customer_id FROM phones ORDER BY id LIMIT 1"))).first()
    op = await _login(server, "op1")
    acc1 = await _login(server, "acc1")
    try:
        await op.connect_socket()
        await op.api("POST", "/api/presence/sign-in", {"queues": ["support"]})
        call_id = server.simulator.place_inbound_call(number, queue="support")
        await op.next_event("pop", lambda p: p["call_id"] == call_id)
        await op.api("POST", "/api/sim/answer")
        await op.next_event("call", lambda c: c["call_id"] == call_id and c["state"] == "talking")
        filed = await op.api(
            "POST", "/api/applications", {"type": "complaint", "customer_id": customer_id, "text": "Шум"}, expect=201
        )
        told = await op.next_event("applications", lambda a: a["changed"]["id"] == filed["id"])
        assert told["customer_id"] == customer_id and filed["id"] in [a["id"] for a in told["open_applications"]]
        # The quality department (complaints) is not acc1's: a supervisor-free check that the pop follows work.
        async with server.db.write_session() as s, s.begin():
            await s.execute(
                update(Application).where(Application.id == filed["id"]).values(department_queue="dept_billing")
            )
        await acc1.api("POST", f"/api/work/{filed['id']}/take")
        changed = await op.next_event("applications", lambda a: a["changed"]["status"] == "in_progress")
        assert next(a for a in changed["open_applications"] if a["id"] == filed["id"])["status"] == "in_progress"
    finally:
        await op.close()
        await acc1.close()
