"""With the mail channel on, a customer's letters take one path: an e-mailed application gets exactly one
receipt (the filing's, carrying the letter's subject), and a receipt for an application filed at the call card
goes out over the SMTP relay at once, like an e-mail's, linking to the public site's status page; a letter
kept for days is not sent late."""

from __future__ import annotations

import asyncio
import email
import email.policy
from datetime import timedelta
from pathlib import Path

from aiosmtpd.smtp import SMTP
from sqlalchemy import select, update

from crm_store import mail
from crm_store.base import utcnow
from crm_store.models import Account, OutboxMessage
from tests.integration.client import Operator
from tests.serving import Running, prepare_database, settings_for_test, start, wait_for

from .conftest import DESK, a_customer_with_email
from .test_smtp_intake import Sink, applications_by_email, message, send


async def test_an_emailed_application_gets_exactly_one_receipt(mail_server: Running) -> None:
    _, address, _ = await a_customer_with_email(mail_server)
    await asyncio.to_thread(send, mail_server, message(address, "Перерасчёт за ноябрь", "Прошу пересчитать."))
    [app] = await applications_by_email(mail_server)
    [receipt] = await mail.outbox(mail_server.db)
    assert (receipt.application_id, receipt.to_addr, receipt.subject) == (
        app.id,
        address,
        f"Заявка {app.number} принята",
    )
    assert "«Перерасчёт за ноябрь»" in receipt.body and "Срок рассмотрения" in receipt.body


async def test_a_card_filings_receipt_goes_out_over_the_relay(tmp_path: Path) -> None:
    sink = Sink()
    relay = await asyncio.get_running_loop().create_server(lambda: SMTP(sink, hostname="relay"), "127.0.0.1", 0)
    port = relay.sockets[0].getsockname()[1]
    url = await prepare_database(tmp_path / "ccdesk.db", customers=10)
    running = await start(
        settings_for_test(
            tmp_path,
            url,
            mail_address=DESK,
            mail_smtp_relay=f"smtp://127.0.0.1:{port}",
            apply_public_url="https://lk.example.ru",
        )
    )
    op = Operator(running.url)
    try:
        customer_id, address, _ = await a_customer_with_email(running)
        async with running.db.read_session() as s:
            account_id = await s.scalar(select(Account.id).where(Account.customer_id == customer_id).limit(1))
        assert (await op.login("op1", running.passwords["op1"])).status == 302
        # a letter kept three days ago (say, before the relay was set up) is not sent days late
        stale = await mail.queue_reply(
            running.db, to_addr="old@example.ru", subject="old", body="", application_id=None
        )
        async with running.db.write_session() as s, s.begin():
            await s.execute(
                update(OutboxMessage).where(OutboxMessage.id == stale).values(created_at=utcnow() - timedelta(days=3))
            )
        filed = await op.api(
            "POST",
            "/api/applications",
            {"type": "recalculation", "customer_id": customer_id, "account_id": account_id, "fields": {}},
            expect=201,
        )

        async def sent() -> list[mail.OutboxRecord]:
            return [r for r in await mail.outbox(running.db) if r.sent_at is not None]

        [reply] = await wait_for(sent, timeout=10)
        [out] = [email.message_from_bytes(m, policy=email.policy.default) for m in sink.messages]
        assert (out["To"], out["From"], out["Subject"]) == (address, DESK, f"Заявка {filed['number']} принята")
        assert reply.application_id == filed["id"] and filed["number"] in out.get_content()
        assert "https://lk.example.ru/apply/status" in out.get_content()  # the public site's status page
        assert [r.sent_at for r in await mail.outbox(running.db) if r.id == stale] == [None]
    finally:
        await op.close()
        await running.stop()
        relay.close()
        await relay.wait_closed()
