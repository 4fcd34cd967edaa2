"""E-mail in from a real mailbox: Debian's dovecot on loopback (tests/imap.py), read by the app's IMAP reader.
A message delivered into the mailbox becomes one application, marked seen, and stays one application after
the reader restarts; a message delivered while the app was down is taken after the restart."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit

import aioimaplib
import pytest
from sqlalchemy import select

from crm_store import mail
from crm_store.models import Application
from tests.imap import session_mailbox
from tests.serving import Running, prepare_database, settings_for_test, start, wait_for
from web import keys

from .conftest import DESK


@pytest.fixture(scope="session")
def imap_url() -> Iterator[str]:
    yield from session_mailbox()


class Mailbox:
    """The test's own IMAP client: delivers into the mailbox (APPEND) and reads flags back."""

    def __init__(self, url: str) -> None:
        self.parts = urlsplit(url)

    async def _client(self) -> aioimaplib.IMAP4:
        client = aioimaplib.IMAP4(host=self.parts.hostname, port=self.parts.port, timeout=10)
        await client.wait_hello_from_server()
        await client.login(self.parts.username, self.parts.password)
        return client

    async def deliver(self, raw: bytes, *, flags: str | None = None) -> None:
        client = await self._client()
        try:
            assert (await client.append(raw, mailbox="INBOX", flags=flags)).result == "OK"
        finally:
            await client.logout()

    async def unseen(self) -> int:
        client = await self._client()
        try:
            await client.select("INBOX")
            found = await client.search("UNSEEN")
            return len(found.lines[0].split())
        finally:
            await client.logout()


def letter(subject: str, message_id: str) -> bytes:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"], m["Message-ID"] = "reader@example.ru", DESK, subject, message_id
    m.set_content("Письмо из почтового ящика.")
    return bytes(m)


@pytest.fixture
async def database(tmp_path: Path) -> str:
    return await prepare_database(tmp_path / "ccdesk.db", customers=10)


async def run_app(tmp_path: Path, database: str, imap_url: str) -> Running:
    settings = settings_for_test(
        tmp_path, database, mail_address=DESK, mail_imap_url=imap_url, mail_imap_poll_seconds=0.1
    )
    return await start(settings)


async def filed(running: Running, subject: str) -> list[Application]:
    async with running.db.read_session() as s:
        stmt = select(Application).where(Application.channel == "email", Application.text.contains(subject))
        return list((await s.execute(stmt)).scalars())


async def polls_after(running: Running, extra: int) -> None:
    reader = running.app[keys.MAIL].reader  # type: ignore[union-attr]
    assert reader is not None
    target = reader.polls + extra
    await wait_for(lambda: reader.polls >= target)


@pytest.fixture
async def mailbox(imap_url: str) -> AsyncIterator[Mailbox]:
    yield Mailbox(imap_url)


async def test_a_delivered_message_is_filed_once_even_after_the_reader_restarts(
    tmp_path: Path, database: str, imap_url: str, mailbox: Mailbox
) -> None:
    # given the app reads the desk's mailbox
    running = await run_app(tmp_path, database, imap_url)
    try:
        # when a message is delivered into it
        await mailbox.deliver(letter("Первое письмо в ящик", "<first@example.ru>"))
        # then it becomes one application, with a receipt, and is marked seen on the server
        await wait_for(lambda: filed(running, "Первое письмо в ящик"))
        await polls_after(running, 2)
        assert await mailbox.unseen() == 0
        [app] = await filed(running, "Первое письмо в ящик")
        outbox = await mail.outbox(running.db)
        assert [r.subject for r in outbox] == [f"Заявка {app.number} принята"]
    finally:
        await running.stop()

    # when a message arrives while the app is down, and the app starts again
    await mailbox.deliver(letter("Письмо в перерыве", "<second@example.ru>"))
    running = await run_app(tmp_path, database, imap_url)
    try:
        await wait_for(lambda: filed(running, "Письмо в перерыве"))
        await polls_after(running, 2)
        # then the new one is filed and the first is not filed again
        assert len(await filed(running, "Первое письмо в ящик")) == 1
        assert len(await filed(running, "Письмо в перерыве")) == 1
        assert len(await mail.outbox(running.db)) == 2
        # and a message someone opened in a mail client before the reader saw it is not skipped
        await mailbox.deliver(letter("Уже прочитанное письмо", "<third@example.ru>"), flags="(\\Seen)")
        await wait_for(lambda: filed(running, "Уже прочитанное письмо"))
    finally:
        await running.stop()
