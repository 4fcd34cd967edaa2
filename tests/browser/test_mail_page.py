"""A supervisor opens the mail desk from the workstation and finds the receipt a customer's e-mail got, and
the message that could not be read, marked for a person (Playwright in Debian's chromium)."""

from __future__ import annotations

import asyncio
import re
import smtplib
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import expect

from tests.serving import Running, prepare_database, settings_for_test, start
from web import keys

from .conftest import RU
from .ui import log_in

DESK = "zayavki@ccdesk.test"


@pytest.fixture
async def mail_server(tmp_path: Path) -> AsyncIterator[Running]:
    url = await prepare_database(tmp_path / "ccdesk.db", customers=10)
    running = await start(settings_for_test(tmp_path, url, mail_address=DESK, mail_smtp_listen="127.0.0.1:0"))
    yield running
    await running.stop()


def send(running: Running, raw: bytes) -> None:
    port = running.app[keys.MAIL].smtp_port  # type: ignore[union-attr]
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.sendmail("client@example.ru", [DESK], raw)


async def test_a_supervisor_sees_the_receipt_in_the_outbox(mail_server: Running, page: Any) -> None:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "client@example.ru", DESK, "Жалоба на счёт"
    m.set_content("Счёт пришёл дважды.")
    await asyncio.to_thread(send, mail_server, bytes(m))
    await asyncio.to_thread(send, mail_server, b"Subject: broken\r\n\r\nno sender")

    await log_in(page, mail_server.url, "sup", mail_server.passwords["sup"])
    await page.locator("nav.app-nav").get_by_role("link", name=RU["nav.mail"]).click()  # from their home
    await expect(page.locator("h1")).to_have_text(RU["mail.page_title"])
    receipt = page.locator("#outbox tbody tr")
    await expect(receipt).to_have_count(1)
    await expect(receipt.locator("td.subject")).to_have_text(re.compile(r"^Заявка \d{9} принята$"))
    await expect(receipt).to_contain_text(RU["mail.kept"])
    await receipt.locator("summary").click()
    await expect(receipt.locator("pre")).to_contain_text("Жалоба на счёт")
    await expect(page.locator("#inbox tr.quarantined")).to_contain_text(RU["mail.outcome.quarantined"])
    await expect(page.locator("#inbox tr.filed.unmatched")).to_contain_text(RU["mail.unmatched"])
