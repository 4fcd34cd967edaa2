"""E-mail in through the built-in SMTP listener: a new application with its attachment and a receipt in the
outbox, a reply by number as a comment, an unknown sender flagged, a huge message refused, an unreadable one
kept (given/when/then against the real app; what is asserted is what is stored or shown)."""

from __future__ import annotations

import asyncio
import email
import email.policy
import logging
import smtplib
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.smtp import SMTP
from sqlalchemy import func, select

from crm_store import mail
from crm_store.models import Application, MailMessage
from tests.integration.client import Operator
from tests.serving import Running, prepare_database, settings_for_test, start, wait_for
from web import keys

from .conftest import DESK, a_customer_with_email

PDF = b"%PDF-1.4\n" + b"0" * 2000 + b"\n%%EOF\n"


def message(sender: str, subject: str, body: str, *attachments: tuple[str, str, bytes]) -> EmailMessage:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = sender, DESK, subject
    m.set_content(body)
    for name, ctype, data in attachments:
        main, sub = ctype.split("/")
        m.add_attachment(data, maintype=main, subtype=sub, filename=name)
    return m


def send(running: Running, msg: EmailMessage | bytes, *, sender: str = "x@example.ru") -> None:
    port = running.app[keys.MAIL].smtp_port  # type: ignore[union-attr]
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        if isinstance(msg, bytes):
            smtp.sendmail(sender, [DESK], msg)
        else:
            smtp.send_message(msg)


async def applications_by_email(running: Running) -> list[Application]:
    async with running.db.read_session() as s:
        # the demo data has e-mail applications of its own: these are the ones the listener filed
        stmt = select(Application).where(Application.channel == "email", Application.text.startswith("E-mail от"))
        return list((await s.execute(stmt)).scalars())


async def test_a_customers_mail_becomes_an_application_with_its_attachment_and_a_receipt(mail_server: Running) -> None:
    customer_id, address, _ = await a_customer_with_email(mail_server)
    # given a customer writes about their readings, with a scan and a file the desk does not take
    msg = message(
        address.upper(),
        "Неверные показания за октябрь",
        "Прошу проверить начисление.",
        ("../../etc/скан акта.pdf", "application/pdf", PDF),
        ("run.exe", "application/x-msdownload", b"MZ" * 10),
    )
    await asyncio.to_thread(send, mail_server, msg)
    # then one application is stored for that customer, typed by the subject's word
    [app] = await applications_by_email(mail_server)
    assert (app.customer_id, app.type, app.status) == (customer_id, "meter_dispute", "new")
    assert app.department_queue == "dept_metering"
    assert "Прошу проверить начисление." in app.text and "run.exe" in app.text
    # and the PDF is kept with it, shown under the sender's name without its path
    [attachment] = await mail.attachments_of(mail_server.db, app.id)
    assert (attachment["filename"], attachment["size"], attachment["data"]) == ("скан акта.pdf", len(PDF), PDF)
    # and the customer's receipt waits in the outbox with the number
    [reply] = await mail.outbox(mail_server.db)
    assert reply.to_addr == address.lower() and reply.subject == f"Заявка {app.number} принята"
    assert app.number in reply.body and "run.exe" in reply.body and reply.sent_at is None
    # and a supervisor sees it on the mail page
    supervisor = Operator(mail_server.url)
    try:
        await supervisor.login("sup", mail_server.passwords["sup"])
        page = await (await supervisor.http.get("/mail")).text()
        assert f"Заявка {app.number} принята" in page and reply.to_addr in page
        operator = Operator(mail_server.url)
        await operator.login("op1", mail_server.passwords["op1"])
        assert (await operator.http.get("/mail")).status == 403
        await operator.http.close()
    finally:
        await supervisor.http.close()

    # when the customer answers the receipt, the number in the subject
    answer = message(
        address, f"Re: {reply.subject}", "Фото счётчика прилагаю.", ("meter.png", "image/png", b"\x89PNG1")
    )
    await asyncio.to_thread(send, mail_server, answer)
    # then it is a comment on the same application, with its attachment, and no new application
    assert len(await applications_by_email(mail_server)) == 1
    history = await mail.history_of(mail_server.db, app.id)
    assert [h["status"] for h in history] == ["new", "new"]
    assert "Фото счётчика прилагаю." in str(history[-1]["comment"])
    assert len(await mail.attachments_of(mail_server.db, app.id)) == 2
    assert len(await mail.outbox(mail_server.db)) == 1  # a comment gets no second receipt


async def test_an_unknown_sender_gets_an_application_flagged_and_the_same_message_is_taken_once(
    mail_server: Running,
) -> None:
    _, _, account_number = await a_customer_with_email(mail_server)
    msg = message("stranger@nowhere.test", "Вопрос", "Когда придёт квитанция?")
    msg["Message-ID"] = "<once@nowhere.test>"
    await asyncio.to_thread(send, mail_server, msg)
    await asyncio.to_thread(send, mail_server, msg)  # a sending server retrying after a lost reply
    [app] = await applications_by_email(mail_server)
    assert app.customer_id is None and app.type == "info_request"
    assert "Отправитель не найден" in app.text
    [taken] = await mail.recent_messages(mail_server.db)
    assert taken.unmatched and taken.outcome == "filed"
    # a stranger who names an account number is matched by it
    await asyncio.to_thread(send, mail_server, message("other@nowhere.test", f"Счёт {account_number}", "Жалоба"))
    async with mail_server.db.read_session() as s:
        matched = (await s.execute(select(Application).where(Application.text.contains("other@nowhere")))).scalar_one()
    assert matched.customer_id is not None and matched.account_id is not None


async def test_a_huge_message_is_refused_and_nothing_is_stored(mail_server: Running) -> None:
    big = message("x@example.ru", "Скан", "см. вложение", ("big.pdf", "application/pdf", b"0" * 400_000))
    with pytest.raises(smtplib.SMTPException) as refused:
        await asyncio.to_thread(send, mail_server, big)
    assert "552" in str(refused.value)
    assert await applications_by_email(mail_server) == []
    async with mail_server.db.read_session() as s:
        assert (await s.execute(select(func.count()).select_from(MailMessage))).scalar_one() == 0


async def test_an_unreadable_message_is_kept_whole_and_logged(
    mail_server: Running, caplog: pytest.LogCaptureFixture
) -> None:
    raw = b"Subject: no sender at all\r\n\r\n\xff\xfe garbage"
    with caplog.at_level(logging.WARNING, logger="workstation.mail_intake"):
        await asyncio.to_thread(send, mail_server, raw)
    assert any("quarantine" in r.getMessage() and "no sender" in r.getMessage() for r in caplog.records)
    assert await applications_by_email(mail_server) == []
    async with mail_server.db.read_session() as s:
        kept = (await s.execute(select(MailMessage))).scalar_one()
    assert kept.outcome == "quarantined" and kept.raw is not None and b"garbage" in kept.raw
    # the listener is still serving: the next message is filed
    await asyncio.to_thread(send, mail_server, message("x@example.ru", "Жалоба", "после мусора"))
    assert len(await applications_by_email(mail_server)) == 1


class Sink:
    """A relay standing in for the company's SMTP server: keeps what it is given."""

    def __init__(self) -> None:
        self.messages: list[bytes] = []

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        self.messages.append(envelope.original_content)
        return "250 OK"


async def test_with_a_relay_configured_the_receipt_goes_out_over_smtp(tmp_path: Path) -> None:
    sink = Sink()
    relay = await asyncio.get_running_loop().create_server(lambda: SMTP(sink, hostname="relay"), "127.0.0.1", 0)
    port = relay.sockets[0].getsockname()[1]
    url = await prepare_database(tmp_path / "ccdesk.db", customers=10)
    running = await start(
        settings_for_test(
            tmp_path,
            url,
            mail_address=DESK,
            mail_smtp_listen="127.0.0.1:0",
            mail_smtp_relay=f"smtp://127.0.0.1:{port}",
        )
    )
    try:
        await asyncio.to_thread(send, running, message("client@example.ru", "Вопрос", "Когда?"))

        async def sent_replies() -> list[mail.OutboxRecord]:
            return [r for r in await mail.outbox(running.db) if r.sent_at is not None]

        [reply] = await wait_for(sent_replies, timeout=10)
        [sent] = [email.message_from_bytes(m, policy=email.policy.default) for m in sink.messages]
        assert (sent["To"], sent["From"], sent["Subject"]) == ("client@example.ru", DESK, reply.subject)
        assert reply.subject.split()[1] in sent.get_content() and reply.error == ""
    finally:
        await running.stop()
        relay.close()
        await relay.wait_closed()
