"""The mail channel's edges, one cleanup_ctx: the built-in SMTP listener (aiosmtpd, loopback), the IMAP reader
(web/mail_imap.py) and the outbox sender. Each only moves bytes; what a message means is workstation's
(mail_intake.py). Off (app[keys.MAIL] is None) while CCDESK_MAIL_ADDRESS is empty.

The listener answers 250 only once the message is stored, and 451 (try later) when the store failed, so a
sending server keeps what we could not take; a message over CCDESK_MAIL_MESSAGE_MAX_BYTES gets 552.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import smtplib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import make_msgid

from aiohttp import web
from aiosmtpd.smtp import SMTP, Envelope, Session

from crm_store import mail
from crm_store.base import utcnow
from crm_store.db import Database
from workstation.attachments import AttachmentPolicy
from workstation.mail_intake import FILED, MailDesk, MailIntake

from . import keys
from .filing import application_filer, attachment_store
from .mail_config import MailConfig, mail_config
from .mail_imap import ImapReader

log = logging.getLogger(__name__)

RELAY_RETRY_S = 60.0  # after a relay failure: the replies stay queued and are tried again
# A letter this old is not sent (it stays in the outbox, on /mail): a receipt or a status note days late tells
# the customer nothing but confusion — the letters kept while no relay was configured, or through a long outage.
FRESH_FOR = timedelta(days=2)


class DeskHandler:
    """aiosmtpd handler: mail for the desk's address only; DATA is answered once it is stored."""

    def __init__(self, intake: MailIntake, address: str) -> None:
        self.intake = intake
        self.address = address

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        if address.strip().lower() != self.address:
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        try:
            taken = await self.intake.take(raw, source="smtp")
        except Exception:
            log.exception("mail: storing a message from %s failed; the sender was told to retry", session.peer)
            return "451 4.3.0 could not store the message, try again later"
        if taken.outcome == FILED:
            return f"250 OK application {taken.number}"
        return f"250 OK {taken.outcome}"


@dataclass
class MailChannel:
    config: MailConfig
    intake: MailIntake
    smtp_port: int | None = None  # where the listener listens (a chosen port when configured as 0)
    wake_sender: asyncio.Event = field(default_factory=asyncio.Event)
    reader: ImapReader | None = None


def build_intake(app: web.Application, config: MailConfig) -> MailIntake:
    return MailIntake(
        db=app[keys.DB],
        filer=application_filer(app),
        attachments=attachment_store(app),
        rules=app[keys.RULES],
        desk=MailDesk(
            default_type=config.default_type,
            policy=AttachmentPolicy(max_bytes=config.attachment_max_bytes),
        ),
    )


async def mail_ctx(app: web.Application) -> AsyncIterator[None]:
    config = mail_config(app[keys.SETTINGS])
    if config is None:
        app[keys.MAIL] = None
        yield
        return
    channel = MailChannel(config=config, intake=build_intake(app, config))
    app[keys.MAIL] = channel
    server: asyncio.Server | None = None
    tasks: list[asyncio.Task[None]] = []
    if config.listen is not None:
        handler = DeskHandler(channel.intake, config.address)
        host, port = config.listen
        server = await asyncio.get_running_loop().create_server(
            lambda: SMTP(
                handler,
                data_size_limit=config.message_max_bytes,
                hostname="ccdesk",
                enable_SMTPUTF8=True,
            ),
            host,
            port,
        )
        channel.smtp_port = server.sockets[0].getsockname()[1]
        log.info("mail: SMTP listener on %s:%s for %s", host, channel.smtp_port, config.address)
    if config.imap is not None:
        channel.reader = ImapReader(config.imap, channel.intake, app[keys.DB], poll_seconds=config.poll_seconds)
        tasks.append(asyncio.create_task(channel.reader.run(), name="mail-imap"))
    if config.relay is not None:
        tasks.append(asyncio.create_task(send_replies(app, channel), name="mail-outbox"))
    try:
        yield
    finally:
        if server is not None:
            server.close()
            await server.wait_closed()
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def send_replies(app: web.Application, channel: MailChannel) -> None:
    """Hand queued replies to the SMTP relay; a failure keeps them queued (with the error shown) for later."""
    assert channel.config.relay is not None
    host, port = channel.config.relay
    db = app[keys.DB]
    loop = asyncio.get_running_loop()
    while True:
        channel.wake_sender.clear()
        try:
            failed = await _send_queued(db, channel, host, port, loop)
        except Exception:  # the store failed: the replies stay queued
            log.exception("mail: sending queued replies failed")
            failed = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(channel.wake_sender.wait(), RELAY_RETRY_S if failed else None)


async def _send_queued(
    db: Database, channel: MailChannel, host: str, port: int, loop: asyncio.AbstractEventLoop
) -> bool:
    """Send every queued reply in order; True when the relay refused one (the rest wait for the retry)."""
    while batch := await mail.unsent_replies(db, since=utcnow() - FRESH_FOR):
        for reply in batch:
            message = EmailMessage()
            message["From"] = channel.config.address
            message["To"] = reply.to_addr
            message["Subject"] = reply.subject
            message["Message-ID"] = make_msgid(domain=channel.config.address.rpartition("@")[2])
            message.set_content(reply.body)
            try:
                await loop.run_in_executor(None, _send, host, port, message)
            except (OSError, smtplib.SMTPException) as exc:
                log.warning("mail: relay %s:%s refused the reply %s: %s", host, port, reply.id, exc)
                await mail.mark_reply(db, reply.id, sent_at=None, error=str(exc))
                return True
            await mail.mark_reply(db, reply.id, sent_at=utcnow())
    return False


def _send(host: str, port: int, message: EmailMessage) -> None:
    with smtplib.SMTP(host, port, timeout=30) as smtp:
        smtp.send_message(message)
