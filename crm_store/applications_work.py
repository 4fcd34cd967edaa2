"""The back office's side of applications: work lists, one guarded change at a time (status, department,
assignee) with its status-history row and audit entry, attachments, the customer's identification for the
public form, the escalation list and follow-up calls by queue."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update

from . import rows
from .applications import get_application
from .audit import record_audit
from .db import Database
from .errors import Conflict, NotFound
from .models import (
    Account,
    Application,
    ApplicationAttachment,
    ApplicationStatusChange,
    ContactPerson,
    Customer,
    Phone,
    Task,
    User,
)
from .records import ApplicationRecord
from .vocabulary import CLOSED_APPLICATION_STATUSES, ApplicationStatus

CLOSED = tuple(s.value for s in CLOSED_APPLICATION_STATUSES)
# "Open" as a list, not "not closed": the (department, status, due) index is read range by range.
OPEN = tuple(s.value for s in ApplicationStatus if s not in CLOSED_APPLICATION_STATUSES)


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkItem:
    application: ApplicationRecord
    customer_name: str | None
    account_number: str | None
    assignee_name: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkFilter:
    departments: Sequence[str] | None  # None: every department (supervisors)
    status: str | None = None  # None: every open status
    type: str | None = None
    assigned_to: int | None = None
    due_before: datetime | None = None  # overdue only: due before now
    limit: int = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class Change:
    """One change to an application, made only if it is still `expected_status` (else Conflict)."""

    application_id: int
    expected_status: str
    status: str | None = None
    department_queue: str | None = None
    assigned_to: int | None = None
    assign: bool = False  # set assigned_to (None: nobody)
    comment: str = ""
    action: str = "application.status"


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryEntry:
    status: str
    at: datetime
    by: str | None
    comment: str
    department_queue: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class AttachmentInfo:
    id: int
    filename: str
    content_type: str
    size: int


def _work_query() -> Any:
    assignee = User.__table__.alias("assignee")
    return (
        select(
            Application.__table__,
            Customer.full_name.label("customer_name"),
            Account.number.label("account_number"),
            assignee.c.full_name.label("assignee_name"),
            assignee.c.username.label("assignee_username"),
        )
        .outerjoin(Customer, Customer.id == Application.customer_id)
        .outerjoin(Account, Account.id == Application.account_id)
        .outerjoin(assignee, assignee.c.id == Application.assigned_to)
    )


def _item(r: Any) -> WorkItem:
    return WorkItem(
        application=rows.application(r),
        customer_name=r["customer_name"],
        account_number=r["account_number"],
        assignee_name=(r["assignee_name"] or r["assignee_username"]) if r["assignee_username"] else None,
    )


async def work_list(db: Database, f: WorkFilter) -> list[WorkItem]:
    """Open applications by due time (the most urgent first; no due time last)."""
    stmt = _work_query()
    if f.departments is not None:
        stmt = stmt.where(Application.department_queue.in_(list(f.departments)))
    stmt = stmt.where(Application.status == f.status) if f.status else stmt.where(Application.status.in_(OPEN))
    if f.type:
        stmt = stmt.where(Application.type == f.type)
    if f.assigned_to is not None:
        stmt = stmt.where(Application.assigned_to == f.assigned_to)
    if f.due_before is not None:
        stmt = stmt.where(Application.due_at < f.due_before)
    stmt = stmt.order_by(Application.due_at.asc().nulls_last(), Application.id).limit(f.limit)
    async with db.read_session() as s:
        return [_item(r) for r in (await s.execute(stmt)).mappings()]


async def work_item(db: Database, application_id: int) -> WorkItem:
    async with db.read_session() as s:
        r = (await s.execute(_work_query().where(Application.id == application_id))).mappings().first()
    if r is None:
        raise NotFound(f"application {application_id} does not exist")
    return _item(r)


async def apply_change(db: Database, change: Change, *, user_id: int | None, now: datetime) -> ApplicationRecord:
    async with db.write_session() as s, s.begin():
        app = await s.get(Application, change.application_id)
        if app is None:
            raise NotFound(f"application {change.application_id} does not exist")
        if app.status != change.expected_status:
            raise Conflict(f"application {app.number} changed meanwhile: it is {app.status} now")
        details: dict[str, object] = {}
        if change.status is not None and change.status != app.status:
            details["status"] = [app.status, change.status]
            app.status = change.status
            app.closed_at = now if change.status in CLOSED else None
        if change.department_queue is not None and change.department_queue != app.department_queue:
            details["department"] = [app.department_queue, change.department_queue]
            app.department_queue = change.department_queue
            app.assigned_to = None  # the new department decides who works it
            app.escalated_at = None
        if change.assign and change.assigned_to != app.assigned_to:
            details["assigned_to"] = [app.assigned_to, change.assigned_to]
            app.assigned_to = change.assigned_to
        if change.comment:
            details["comment"] = change.comment[:200]
        s.add(
            ApplicationStatusChange(
                application_id=app.id,
                status=app.status,
                at=now,
                by_user_id=user_id,
                comment=change.comment,
                department_queue=change.department_queue,
            )
        )
        await record_audit(s, user_id, change.action, "application", app.id, details)
    return await get_application(db, application_id=change.application_id)


async def history(db: Database, application_id: int) -> list[HistoryEntry]:
    stmt = (
        select(ApplicationStatusChange, User.full_name, User.username)
        .outerjoin(User, User.id == ApplicationStatusChange.by_user_id)
        .where(ApplicationStatusChange.application_id == application_id)
        .order_by(ApplicationStatusChange.at, ApplicationStatusChange.id)
    )
    async with db.read_session() as s:
        return [
            HistoryEntry(
                status=c.status,
                at=c.at,
                by=(name or username) if username else None,
                comment=c.comment,
                department_queue=c.department_queue,
            )
            for c, name, username in (await s.execute(stmt)).all()
        ]


async def attachments(db: Database, application_id: int) -> list[AttachmentInfo]:
    stmt = (
        select(
            ApplicationAttachment.id,
            ApplicationAttachment.filename,
            ApplicationAttachment.content_type,
            ApplicationAttachment.size,
        )
        .where(ApplicationAttachment.application_id == application_id)
        .order_by(ApplicationAttachment.id)
    )
    async with db.read_session() as s:
        return [
            AttachmentInfo(id=i, filename=n, content_type=t, size=z) for i, n, t, z in (await s.execute(stmt)).all()
        ]


async def attachment_data(db: Database, application_id: int, attachment_id: int) -> tuple[AttachmentInfo, bytes]:
    async with db.read_session() as s:
        a = await s.get(ApplicationAttachment, attachment_id)
    if a is None or a.application_id != application_id:
        raise NotFound(f"attachment {attachment_id} does not exist")
    info = AttachmentInfo(id=a.id, filename=a.filename, content_type=a.content_type, size=a.size)
    return info, a.data


async def identify(db: Database, account_number: str, contact_e164: str | None, email: str | None) -> Account | None:
    """The account whose customer has this phone (E.164) or e-mail on file (theirs or a contact person's);
    None when the number or the contact does not match — the caller cannot tell which."""
    if not account_number or not (contact_e164 or email):
        return None
    async with db.read_session() as s:
        account = await s.scalar(select(Account).where(Account.number == account_number.strip()))
        # An unknown account runs the same contact queries (on no customer): both answers take as long.
        cid = account.customer_id if account is not None else -1
        conditions = []
        if contact_e164:
            conditions.append(select(Phone.id).where(Phone.customer_id == cid, Phone.e164 == contact_e164).exists())
            conditions.append(
                select(ContactPerson.id)
                .where(ContactPerson.customer_id == cid, ContactPerson.phone == contact_e164)
                .exists()
            )
        if email:
            low = email.strip().lower()
            conditions.append(select(Customer.id).where(Customer.id == cid, func.lower(Customer.email) == low).exists())
            conditions.append(
                select(ContactPerson.id)
                .where(ContactPerson.customer_id == cid, func.lower(ContactPerson.email) == low)
                .exists()
            )
        matched = await s.scalar(select(or_(*conditions)))
        return account if matched and account is not None else None


async def open_for_customer(db: Database, customer_id: int) -> list[ApplicationRecord]:
    stmt = (
        select(Application.__table__)
        .where(Application.customer_id == customer_id, Application.status.notin_(CLOSED))
        .order_by(Application.created_at.desc())
        .limit(50)
    )
    async with db.read_session() as s:
        return [rows.application(r) for r in (await s.execute(stmt)).mappings()]


async def due_for_escalation(db: Database, cutoff: datetime) -> list[WorkItem]:
    """Open applications due before `cutoff` (now minus the threshold) not escalated yet."""
    stmt = (
        _work_query()
        .where(Application.status.in_(OPEN), Application.due_at <= cutoff, Application.escalated_at.is_(None))
        .order_by(Application.due_at)
        .limit(500)
    )
    async with db.read_session() as s:
        return [_item(r) for r in (await s.execute(stmt)).mappings()]


async def mark_escalated(db: Database, application_ids: Sequence[int], now: datetime) -> None:
    if not application_ids:
        return
    async with db.write_session() as s, s.begin():
        await s.execute(
            update(Application)
            .where(Application.id.in_(list(application_ids)), Application.escalated_at.is_(None))
            .values(escalated_at=now)
        )
        for app_id in application_ids:
            await record_audit(s, None, "application.escalate", "application", app_id, {})


async def follow_ups(db: Database, queues: Sequence[str] | None, limit: int = 100) -> list[dict[str, Any]]:
    """Open follow-up calls of these queues (None: every queue), the earliest first, with the customer's
    name and the application's number."""
    stmt = (
        select(
            Task.id,
            Task.due_at,
            Task.phone,
            Task.queue,
            Task.notes,
            Task.customer_id,
            Customer.full_name.label("customer_name"),
            Application.number.label("application_number"),
        )
        .outerjoin(Customer, Customer.id == Task.customer_id)
        .outerjoin(Application, Application.id == Task.application_id)
        .where(Task.status == "open", Task.kind == "follow_up")
        .order_by(Task.due_at, Task.id)
        .limit(limit)
    )
    if queues is not None:
        stmt = stmt.where(Task.queue.in_(list(queues)))
    async with db.read_session() as s:
        return [dict(r) for r in (await s.execute(stmt)).mappings()]


async def primary_phone(db: Database, customer_id: int) -> str | None:
    stmt = (
        select(Phone.e164).where(Phone.customer_id == customer_id).order_by(Phone.is_primary.desc(), Phone.id).limit(1)
    )
    async with db.read_session() as s:
        return await s.scalar(stmt)


async def finish_follow_up(db: Database, task_id: int, queues: Sequence[str] | None, user_id: int) -> bool:
    """The follow-up call was made: off the list. False when it is not an open follow-up of these queues."""
    async with db.write_session() as s, s.begin():
        stmt = update(Task).where(Task.id == task_id, Task.kind == "follow_up", Task.status == "open")
        if queues is not None:
            stmt = stmt.where(Task.queue.in_(list(queues)))
        result = await s.execute(stmt.values(status="done", assigned_to=user_id))
        done = getattr(result, "rowcount", 0)  # an UPDATE's result is a cursor result
        if done:
            await record_audit(s, user_id, "task.done", "task", task_id, {})
        return bool(done)


async def departments_in_use(db: Database) -> dict[str, str]:
    """Each department that open applications or active department users are in -> what is there (the first
    found: "applications" or "users"), so that new routing rules do not drop a department still worked in."""
    in_use: dict[str, str] = {}
    async with db.read_session() as s:
        open_apps = select(Application.department_queue).where(Application.status.in_(OPEN)).distinct()
        for (department,) in await s.execute(open_apps):
            if department:
                in_use.setdefault(department, "applications")
        workers = select(User.department).where(User.active.is_(True), User.department.is_not(None)).distinct()
        for (department,) in await s.execute(workers):
            if department:
                in_use.setdefault(department, "users")
    return in_use
