"""The applications desk's mailbox: one message in → a new application with a receipt, or a comment on the
application whose number the subject carries. Each message is taken once (its key: the Message-ID, else the
mailbox's own id for it); a message that cannot be read is kept whole, logged, and answered by no one.

The edges (the SMTP listener, the IMAP reader — web/mail_ctx.py, web/mail_imap.py) only hand raw bytes here.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from crm_store import mail
from crm_store.db import Database

from .attachments import Attachment, AttachmentPolicy, AttachmentStore, safe_filename
from .filing import Filer
from .mail_rules import (
    DEFAULT_KEYWORDS,
    MailIn,
    Unreadable,
    account_candidates,
    application_text,
    comment_text,
    numbers_in_subject,
    read_message,
    receipt_note,
    type_for,
)

log = logging.getLogger(__name__)

FILED, COMMENT, QUARANTINED, DUPLICATE = "filed", "comment", "quarantined", "duplicate"


@dataclass(frozen=True, slots=True, kw_only=True)
class Taken:
    """What became of one message."""

    outcome: str  # filed | comment | quarantined | duplicate
    application_id: int | None = None
    number: str | None = None
    refused: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class MailDesk:
    """The mail channel's configuration: where replies come from and what a message becomes by default."""

    default_type: str
    keywords: tuple[tuple[str, str], ...] = DEFAULT_KEYWORDS
    policy: AttachmentPolicy = field(default_factory=AttachmentPolicy)


class MailIntake:
    def __init__(
        self,
        *,
        db: Database,
        filer: Filer,
        attachments: AttachmentStore,
        rules: Any,
        desk: MailDesk,
    ) -> None:
        self.db = db
        self.filer = filer
        self.attachments = attachments
        self.types = rules.application_types  # routing: name -> ApplicationType (its title is shown)
        if desk.default_type not in self.types:
            raise ValueError(f"the mail channel's default type {desk.default_type!r} is not in the routing rules")
        self.desk = desk

    async def take(self, raw: bytes, *, source: str, fallback_key: str | None = None) -> Taken:
        """Store what this message says; raises only when the store itself fails (then nothing was taken).

        A message is known by its Message-ID, else by `fallback_key` (the mailbox's id for it), else by its hash.
        """
        parsed = read_message(raw)
        if isinstance(parsed, Unreadable):
            return await self._quarantine(raw, source=source, key=fallback_key, reason=parsed.reason)
        key = f"msgid:{parsed.message_id}" if parsed.message_id else fallback_key or "sha256:" + _digest(raw)
        if await mail.message_known(self.db, key):
            log.info("mail: %s already taken, skipped", key)
            return Taken(outcome=DUPLICATE)
        kept, refused = self._check(parsed.attachments)
        for number in numbers_in_subject(parsed.subject):
            app_id = await mail.application_id_by_number(self.db, number)
            if app_id is not None:
                return await self._comment(parsed, app_id, number, key=key, source=source, kept=kept, refused=refused)
        return await self._file(parsed, key=key, source=source, kept=kept, refused=refused)

    def _check(self, items: Sequence[Attachment]) -> tuple[tuple[Attachment, ...], tuple[str, ...]]:
        kept: list[Attachment] = []
        refused: list[str] = []
        for item in items:
            if self.desk.policy.problem(item) is None and len(kept) < self.desk.policy.max_count:
                kept.append(item)
            else:
                refused.append(safe_filename(item.filename))
        return tuple(kept), tuple(refused)

    async def _comment(
        self,
        parsed: MailIn,
        app_id: int,
        number: str,
        *,
        key: str,
        source: str,
        kept: Sequence[Attachment],
        refused: Sequence[str],
    ) -> Taken:
        await mail.comment_application(self.db, app_id, comment_text(parsed, kept=len(kept), refused=refused))
        for item in kept:
            await self.attachments.save(app_id, item)
        await mail.record_message(
            self.db,
            key=key,
            source=source,
            sender=parsed.sender,
            subject=parsed.subject,
            outcome=COMMENT,
            application_id=app_id,
        )
        log.info("mail: %s from %s commented application %s", key, parsed.sender, number)
        return Taken(outcome=COMMENT, application_id=app_id, number=number, refused=tuple(refused))

    async def _file(
        self, parsed: MailIn, *, key: str, source: str, kept: Sequence[Attachment], refused: Sequence[str]
    ) -> Taken:
        customer_id = await mail.customer_by_email(self.db, parsed.sender)
        account_id = None
        for candidate in account_candidates(parsed.subject, parsed.body):
            found = await mail.account_by_number(self.db, candidate)
            if found is not None and customer_id in (None, found[0]):
                customer_id, account_id = found
                break
        app_type = type_for(parsed.subject, list(self.types), self.desk.default_type, self.desk.keywords)
        matched = customer_id is not None
        # The filing queues the receipt (as on every channel), to the address the letter came from.
        app_id, number = await self.filer.file(
            customer_id=customer_id,
            account_id=account_id,
            type=app_type,
            text=application_text(parsed, matched=matched, refused=refused),
            channel="email",
            attachments=kept,
            reply_to=parsed.sender,
            receipt_note=receipt_note(subject=parsed.subject, refused=refused),
        )
        await mail.record_message(
            self.db,
            key=key,
            source=source,
            sender=parsed.sender,
            subject=parsed.subject,
            outcome=FILED,
            application_id=app_id,
            unmatched=not matched,
        )
        log.info(
            "mail: %s from %s filed as application %s (%s%s)",
            key,
            parsed.sender,
            number,
            app_type,
            "" if matched else ", sender not on file",
        )
        return Taken(outcome=FILED, application_id=app_id, number=number, refused=tuple(refused))

    async def _quarantine(self, raw: bytes, *, source: str, key: str | None, reason: str) -> Taken:
        key = key or "sha256:" + _digest(raw)
        stored = await mail.record_message(
            self.db, key=key, source=source, sender="", subject="", outcome=QUARANTINED, error=reason, raw=raw
        )
        if stored:
            log.warning("mail: %s (%d bytes) kept in quarantine, not filed: %s", key, len(raw), reason)
        return Taken(outcome=QUARANTINED if stored else DUPLICATE)


def _digest(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()
