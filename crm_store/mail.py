"""The mail channel's tables: messages taken in (once each), the IMAP reader's place, the outbox, the
attachments of applications, and comments on an application (a status-history row that keeps the status)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import IntegrityError

from .audit import record_audit
from .base import utcnow
from .db import Database
from .errors import NotFound
from .models import (
    Account,
    Application,
    ApplicationAttachment,
    ApplicationStatusChange,
    ContactPerson,
    Customer,
    MailboxState,
    MailMessage,
    OutboxMessage,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class OutboxRecord:
    id: int
    to_addr: str
    subject: str
    body: str
    application_id: int | None
    created_at: datetime
    sent_at: datetime | None
    error: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MailRecord:
    id: int
    key: str
    source: str
    sender: str
    subject: str
    received_at: datetime
    outcome: str
    application_id: int | None
    unmatched: bool
    error: str


# ------------------------------------------------------------------ who wrote


async def customer_by_email(db: Database, address: str) -> int | None:
    """The one customer with this address on file (theirs or a contact person's); None when nobody or several
    have it — a shared address says nothing about who wrote."""
    wanted = address.strip().lower()
    if not wanted:
        return None
    contacts = select(ContactPerson.customer_id).where(func.lower(ContactPerson.email) == wanted)
    stmt = select(Customer.id).where(or_(func.lower(Customer.email) == wanted, Customer.id.in_(contacts))).limit(2)
    async with db.read_session() as s:
        ids = list((await s.execute(stmt)).scalars())
    return ids[0] if len(ids) == 1 else None


async def account_by_number(db: Database, number: str) -> tuple[int, int] | None:
    """(customer_id, account_id) of the account with this number."""
    async with db.read_session() as s:
        row = (await s.execute(select(Account.customer_id, Account.id).where(Account.number == number))).first()
    return (row.customer_id, row.id) if row else None


async def application_id_by_number(db: Database, number: str) -> int | None:
    async with db.read_session() as s:
        return (await s.execute(select(Application.id).where(Application.number == number))).scalar()


# ------------------------------------------------------------------ messages taken in


async def message_known(db: Database, key: str) -> bool:
    async with db.read_session() as s:
        return (await s.execute(select(MailMessage.id).where(MailMessage.key == key))).first() is not None


async def record_message(
    db: Database,
    *,
    key: str,
    source: str,
    sender: str,
    subject: str,
    outcome: str,
    application_id: int | None = None,
    unmatched: bool = False,
    error: str = "",
    raw: bytes | None = None,
) -> bool:
    """Remember a message by its key; False when it was already there (a retry of one we took)."""
    try:
        async with db.write_session() as s, s.begin():
            s.add(
                MailMessage(
                    key=key[:300],
                    source=source,
                    sender=sender[:320],
                    subject=subject[:300],
                    received_at=utcnow(),
                    outcome=outcome,
                    application_id=application_id,
                    unmatched=unmatched,
                    error=error,
                    raw=raw,
                )
            )
    except IntegrityError:
        return False
    return True


async def recent_messages(db: Database, *, limit: int = 100) -> list[MailRecord]:
    stmt = select(MailMessage).order_by(MailMessage.id.desc()).limit(limit)
    async with db.read_session() as s:
        rows = list((await s.execute(stmt)).scalars())
    return [
        MailRecord(
            id=m.id,
            key=m.key,
            source=m.source,
            sender=m.sender,
            subject=m.subject,
            received_at=m.received_at,
            outcome=m.outcome,
            application_id=m.application_id,
            unmatched=m.unmatched,
            error=m.error,
        )
        for m in rows
    ]


# ------------------------------------------------------------------ the IMAP reader's place


async def mailbox_state(db: Database, mailbox: str) -> tuple[int, int] | None:
    """(uid_validity, last_uid stored) of a mailbox, None before its first message."""
    async with db.read_session() as s:
        row = await s.get(MailboxState, mailbox)
        return (row.uid_validity, row.last_uid) if row else None


async def save_mailbox_state(db: Database, mailbox: str, uid_validity: int, last_uid: int) -> None:
    async with db.write_session() as s, s.begin():
        row = await s.get(MailboxState, mailbox)
        if row is None:
            s.add(MailboxState(mailbox=mailbox, uid_validity=uid_validity, last_uid=last_uid))
        else:
            row.uid_validity, row.last_uid = uid_validity, last_uid


# ------------------------------------------------------------------ outbox


def _outbox(m: OutboxMessage) -> OutboxRecord:
    return OutboxRecord(
        id=m.id,
        to_addr=m.to_addr,
        subject=m.subject,
        body=m.body,
        application_id=m.application_id,
        created_at=m.created_at,
        sent_at=m.sent_at,
        error=m.error,
    )


async def queue_reply(db: Database, *, to_addr: str, subject: str, body: str, application_id: int | None) -> int:
    async with db.write_session() as s, s.begin():
        m = OutboxMessage(
            to_addr=to_addr[:320],
            subject=subject[:300],
            body=body,
            application_id=application_id,
            created_at=utcnow(),
            error="",
        )
        s.add(m)
        await s.flush()
        return m.id


async def unsent_replies(db: Database, *, limit: int = 50, since: datetime | None = None) -> list[OutboxRecord]:
    """The letters still to send, oldest first; with `since`, only those queued after it."""
    stmt = select(OutboxMessage).where(OutboxMessage.sent_at.is_(None)).order_by(OutboxMessage.id).limit(limit)
    if since is not None:
        stmt = stmt.where(OutboxMessage.created_at >= since)
    async with db.read_session() as s:
        return [_outbox(m) for m in (await s.execute(stmt)).scalars()]


async def mark_reply(db: Database, reply_id: int, *, sent_at: datetime | None, error: str = "") -> None:
    async with db.write_session() as s, s.begin():
        await s.execute(
            update(OutboxMessage).where(OutboxMessage.id == reply_id).values(sent_at=sent_at, error=error[:2000])
        )


async def outbox(db: Database, *, limit: int = 200) -> list[OutboxRecord]:
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(limit)
    async with db.read_session() as s:
        return [_outbox(m) for m in (await s.execute(stmt)).scalars()]


# ------------------------------------------------------------------ attachments and comments


async def add_attachment(db: Database, *, application_id: int, filename: str, content_type: str, data: bytes) -> int:
    async with db.write_session() as s, s.begin():
        row = ApplicationAttachment(
            application_id=application_id,
            filename=filename[:200],
            content_type=content_type[:100],
            size=len(data),
            data=data,
            created_at=utcnow(),
        )
        s.add(row)
        await s.flush()
        return row.id


async def attachments_of(db: Database, application_id: int) -> list[dict[str, object]]:
    """The attachments of an application, with their bytes (`data`)."""
    stmt = (
        select(ApplicationAttachment.__table__)
        .where(ApplicationAttachment.application_id == application_id)
        .order_by(ApplicationAttachment.id)
    )
    async with db.read_session() as s:
        return [dict(r) for r in (await s.execute(stmt)).mappings()]


async def comment_application(db: Database, application_id: int, comment: str, *, user_id: int | None = None) -> None:
    """A comment in the status history: the row repeats the current status, so the workflow is unchanged."""
    async with db.write_session() as s, s.begin():
        app = await s.get(Application, application_id)
        if app is None:
            raise NotFound(f"application {application_id} does not exist")
        s.add(
            ApplicationStatusChange(
                application_id=application_id, status=app.status, at=utcnow(), by_user_id=user_id, comment=comment
            )
        )
        await record_audit(s, user_id, "application.comment", "application", application_id, {"channel": "email"})


async def history_of(db: Database, application_id: int) -> list[dict[str, object]]:
    stmt = (
        select(ApplicationStatusChange.__table__)
        .where(ApplicationStatusChange.application_id == application_id)
        .order_by(ApplicationStatusChange.id)
    )
    async with db.read_session() as s:
        return [dict(r) for r in (await s.execute(stmt)).mappings()]


# ------------------------------------------------------------------ where the customer's letters go


async def customer_email(db: Database, customer_id: int) -> str | None:
    """The e-mail on the customer's own card (a contact person's is theirs: they get letters only when they
    wrote or identified with it)."""
    async with db.read_session() as s:
        return (await s.execute(select(Customer.email).where(Customer.id == customer_id))).scalar()


async def receipt_address(db: Database, application_id: int) -> str | None:
    """Where the application's first letter (its receipt) went: the address its customer used."""
    stmt = (
        select(OutboxMessage.to_addr)
        .where(OutboxMessage.application_id == application_id)
        .order_by(OutboxMessage.id)
        .limit(1)
    )
    async with db.read_session() as s:
        return (await s.execute(stmt)).scalar()
