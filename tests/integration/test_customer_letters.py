"""Given the real server with no mail channel configured, an application filed from the call card gets one
receipt in the outbox when its customer has an e-mail on file (none without one), /apply sends it to the e-mail
the customer identified with, and a department's "waiting for you" and "resolved" write the customer a note
to the same address; a supervisor finds them all on the /mail page."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from crm_store import mail
from crm_store.models import Account, Application, Customer
from crm_store.users import create_user
from web.passwords import hash_password

from .client import Operator
from .test_public_apply import Visitor

pytestmark = pytest.mark.integration


async def _customer(server, *, with_email: bool) -> tuple[int, int, str | None]:  # type: ignore[no-untyped-def]
    """(customer id, account id, e-mail on file) of a customer with (or without) an e-mail."""
    has = Customer.email.is_not(None) if with_email else Customer.email.is_(None)
    stmt = (
        select(Customer.id, Account.id, Customer.email)
        .join(Account, Account.customer_id == Customer.id)
        .where(has)
        .order_by(Customer.id)
        .limit(1)
    )
    async with server.db.read_session() as s:
        row = (await s.execute(stmt)).one()
    return row[0], row[1], row[2]


async def _letters(server, application_id: int) -> list[mail.OutboxRecord]:  # type: ignore[no-untyped-def]
    return sorted((r for r in await mail.outbox(server.db) if r.application_id == application_id), key=lambda r: r.id)


async def _login(server, username: str) -> Operator:  # type: ignore[no-untyped-def]
    op = Operator(server.url)
    assert (await op.login(username, server.passwords[username])).status == 302
    if not op.csrf:  # a department user lands on /work, which carries the token too
        page = await (await op.http.get("/work")).text()
        op.csrf = page.split('<meta name="csrf-token" content="')[1].split('"')[0]
    return op


async def test_a_card_filing_gets_one_receipt_by_email_and_the_customer_hears_of_its_status(server) -> None:
    await create_user(
        server.db,
        username="acc1",
        role="department",
        password_hash=hash_password("acc1-password"),
        full_name="ACC1",
        department="dept_billing",
    )
    server.passwords["acc1"] = "acc1-password"
    with_email, account, address = await _customer(server, with_email=True)
    without_email, other_account, _ = await _customer(server, with_email=False)
    assert address
    op, acc1, sup = [await _login(server, u) for u in ("op1", "acc1", "sup")]
    try:
        # given an operator files from the card of a customer with an e-mail on file
        filed = await op.api(
            "POST",
            "/api/applications",
            {"type": "recalculation", "customer_id": with_email, "account_id": account, "fields": {}},
            expect=201,
        )
        number = filed["number"]
        # then exactly one receipt waits in the outbox: number, type, due date and where to check the status
        [receipt] = await _letters(server, filed["id"])
        assert (receipt.to_addr, receipt.subject, receipt.sent_at) == (
            address.lower(),
            f"Заявка {number} принята",
            None,
        )
        assert f"№ {number}" in receipt.body and filed["type_title"] in receipt.body
        assert re.search(r"Срок рассмотрения: до \d\d\.\d\d\.\d{4} \d\d:\d\d", receipt.body)
        assert "/apply/status" in receipt.body
        # and a customer with no e-mail gets none
        silent = await op.api(
            "POST",
            "/api/applications",
            {"type": "recalculation", "customer_id": without_email, "account_id": other_account, "fields": {}},
            expect=201,
        )
        assert await _letters(server, silent["id"]) == []
        # when the department takes it (in progress), the customer is not written to
        await acc1.api("POST", f"/api/work/{filed['id']}/take")
        assert len(await _letters(server, filed["id"])) == 1
        # when it waits for the customer, and when it is resolved, they get a note with the comment
        await acc1.api(
            "POST", f"/api/work/{filed['id']}/status", {"status": "waiting_customer", "comment": "Нужен акт сверки"}
        )
        await acc1.api("POST", f"/api/work/{filed['id']}/status", {"status": "in_progress", "comment": ""})
        await acc1.api(
            "POST", f"/api/work/{filed['id']}/status", {"status": "resolved", "comment": "Перерасчёт сделан"}
        )
        _, waiting, resolved = await _letters(server, filed["id"])
        assert (waiting.to_addr, waiting.subject) == (address.lower(), f"Заявка {number}: ожидает ответа от вас")
        assert "Нужен акт сверки" in waiting.body
        assert (resolved.to_addr, resolved.subject) == (address.lower(), f"Заявка {number}: решена")
        assert "Перерасчёт сделан" in resolved.body and "/apply/status" in resolved.body
        # and resolving the one without an e-mail writes to no one
        await acc1.api("POST", f"/api/work/{silent['id']}/status", {"status": "rejected", "comment": "Дубль"})
        assert await _letters(server, silent["id"]) == []
        # a supervisor sees the letters on the mail page, kept (no mail channel, no relay)
        page = await (await sup.http.get("/mail")).text()
        assert f"Заявка {number} принята" in page and f"Заявка {number}: решена" in page
    finally:
        for client in (op, acc1, sup):
            await client.close()


async def test_an_apply_filing_sends_the_receipt_to_the_email_the_customer_identified_with(server) -> None:
    customer_id, account_id, address = await _customer(server, with_email=True)
    assert address
    async with server.db.read_session() as s:
        account = await s.scalar(select(Account.number).where(Account.id == account_id))
    v = Visitor(server.url)
    try:
        await v.open()
        status, page = await v.post(
            "/apply", {"account": account, "contact": address.upper(), "type": "complaint", "text": "Шумит счётчик"}
        )
        assert status == 200 and "receipt-number" in page, page[:2000]
        number = re.search(r'id="receipt-number">(\d+)<', page).group(1)  # type: ignore[union-attr]
    finally:
        await v.close()
    async with server.db.read_session() as s:
        app = await s.scalar(select(Application).where(Application.number == number))
    assert app is not None and app.customer_id == customer_id
    [receipt] = await _letters(server, app.id)
    assert (receipt.to_addr, receipt.subject) == (address.lower(), f"Заявка {number} принята")
