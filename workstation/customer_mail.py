"""Letters to the customer about their application, all through the one outbox (crm_store.mail): the receipt
when it is filed on any channel, and a note when the department closes it or waits for the customer.

The outbox keeps every letter whether or not mail goes out: with an SMTP relay configured the relay sender
(web/mail_ctx.py) sends them, woken by `wake`; without one they stay in the outbox for the /mail page."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from crm_store import mail
from crm_store.db import Database
from crm_store.records import ApplicationRecord

from .customer_letters import STATUS_PAGE, mail_address, receipt, status_note

log = logging.getLogger(__name__)


class CustomerMail:
    def __init__(self, *, db: Database, wake: Callable[[], None] = lambda: None, status_url: str = STATUS_PAGE) -> None:
        self.db = db
        self.wake = wake
        self.status_url = status_url  # where the letters send the customer to check the status

    async def _address(self, record: ApplicationRecord, given: str | None) -> str | None:
        if address := mail_address(given):
            return address
        if record.customer_id is None:
            return None
        return mail_address(await mail.customer_email(self.db, record.customer_id))

    async def _queue(
        self, record: ApplicationRecord, address: Awaitable[str | None], letter: tuple[str, str]
    ) -> int | None:
        """The letter, when there is an address. A failure is logged, never raised: the application or its
        change is stored already, and an error would make the customer (or the mail server) file it again."""
        try:
            to_addr = await address
            if to_addr is None:
                return None
            subject, body = letter
            reply_id = await mail.queue_reply(
                self.db, to_addr=to_addr, subject=subject, body=body, application_id=record.id
            )
        except Exception:
            log.exception("mail: the letter %r about application %s was not queued", letter[0], record.number)
            return None
        self.wake()
        return reply_id

    async def receipt(
        self,
        record: ApplicationRecord,
        *,
        type_title: str,
        due_at: datetime | None,
        to_addr: str | None = None,
        note: Sequence[str] = (),
    ) -> int | None:
        """Queue the receipt to `to_addr` (who wrote or identified with it), else to the customer's e-mail on
        file; None when there is no address."""
        letter = receipt(record.number, type_title=type_title, due_at=due_at, note=note, status_url=self.status_url)
        return await self._queue(record, self._address(record, to_addr), letter)

    async def status_changed(self, record: ApplicationRecord, *, type_title: str, comment: str) -> int | None:
        """Queue the note on the new status (when it is one the customer is told about) to where the receipt
        went, else to the customer's e-mail on file."""
        letter = status_note(
            record.number, type_title=type_title, status=record.status, comment=comment, status_url=self.status_url
        )
        if letter is None:
            return None
        return await self._queue(record, self._where_receipt_went(record), letter)

    async def _where_receipt_went(self, record: ApplicationRecord) -> str | None:
        return await self._address(record, await mail.receipt_address(self.db, record.id))
