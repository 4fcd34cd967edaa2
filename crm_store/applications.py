"""Electronic applications and tasks: filed from any channel, with a status history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import uuid4

from sqlalchemy import select

from . import rows
from .audit import record_audit
from .base import utcnow
from .db import Database
from .errors import NotFound
from .models import Application, ApplicationAttachment, ApplicationInteraction, ApplicationStatusChange, Task
from .records import ApplicationRecord
from .vocabulary import CLOSED_APPLICATION_STATUSES, ApplicationStatus, codes

STATUSES = codes(ApplicationStatus)


@dataclass(frozen=True, slots=True, kw_only=True)
class NewAttachment:
    filename: str  # as the sender named it: shown, never used as a path
    content_type: str
    data: bytes


def application_number(year: int, application_id: int) -> str:
    # Digits only: callers type it on the phone keypad to hear its status in the IVR.
    return f"{year % 100:02d}{application_id:07d}"


async def file_application(
    db: Database,
    *,
    type: str,
    text: str,
    channel: str,
    customer_id: int | None,
    account_id: int | None = None,
    department_queue: str | None = None,
    due_at: datetime | None = None,
    interaction_id: int | None = None,
    user_id: int | None = None,
    fields: dict[str, str] | None = None,
    attachments: Sequence[NewAttachment] = (),
    now: datetime | None = None,
) -> ApplicationRecord:
    now = now or utcnow()
    async with db.write_session() as s, s.begin():
        app = Application(
            fields=dict(fields or {}),
            number=uuid4().hex[:16],
            type=type,
            text=text,
            channel=channel,
            customer_id=customer_id,
            account_id=account_id,
            department_queue=department_queue,
            due_at=due_at,
            created_at=now,
            created_by=user_id,
            status=ApplicationStatus.NEW.value,
        )
        s.add(app)
        await s.flush()
        app.number = application_number(now.year, app.id)
        s.add(
            ApplicationStatusChange(
                application_id=app.id, status=ApplicationStatus.NEW.value, at=now, by_user_id=user_id
            )
        )
        if interaction_id is not None:
            s.add(ApplicationInteraction(application_id=app.id, interaction_id=interaction_id))
        for a in attachments:
            s.add(
                ApplicationAttachment(
                    application_id=app.id,
                    filename=a.filename,
                    content_type=a.content_type,
                    size=len(a.data),
                    data=a.data,
                    created_at=now,
                )
            )
        await record_audit(
            s,
            user_id,
            "application.file",
            "application",
            app.id,
            {"type": type, "channel": channel, "department": department_queue, "attachments": len(attachments)},
        )
        app_id = app.id
    return await get_application(db, application_id=app_id)


async def get_application(
    db: Database, *, application_id: int | None = None, number: str | None = None
) -> ApplicationRecord:
    cond = (
        Application.id == application_id if application_id is not None else Application.number == (number or "").strip()
    )
    async with db.read_session() as s:
        row = (await s.execute(select(Application.__table__).where(cond))).mappings().first()
    if row is None:
        raise NotFound(f"application {application_id or number} does not exist")
    return rows.application(row)


async def change_status(
    db: Database, application_id: int, status: str, *, user_id: int | None, comment: str = ""
) -> ApplicationRecord:
    if status not in STATUSES:
        raise ValueError(f"unknown application status {status!r}")
    async with db.write_session() as s, s.begin():
        app = await s.get(Application, application_id)
        if app is None:
            raise NotFound(f"application {application_id} does not exist")
        now = utcnow()
        app.status = status
        app.closed_at = now if status in CLOSED_APPLICATION_STATUSES else None
        s.add(
            ApplicationStatusChange(
                application_id=application_id, status=status, at=now, by_user_id=user_id, comment=comment
            )
        )
        await record_audit(s, user_id, "application.status", "application", application_id, {"status": status})
    return await get_application(db, application_id=application_id)


async def create_task(
    db: Database,
    *,
    kind: str,
    due_at: datetime,
    customer_id: int | None = None,
    phone: str | None = None,
    interaction_id: int | None = None,
    application_id: int | None = None,
    assigned_to: int | None = None,
    notes: str = "",
    user_id: int | None = None,
    queue: str | None = None,
) -> int:
    async with db.write_session() as s, s.begin():
        task = Task(
            queue=queue,
            kind=kind,
            due_at=due_at,
            customer_id=customer_id,
            phone=phone,
            interaction_id=interaction_id,
            application_id=application_id,
            assigned_to=assigned_to,
            notes=notes,
            created_by=user_id,
        )
        s.add(task)
        await s.flush()
        await record_audit(s, user_id, "task.create", "task", task.id, {"kind": kind, "due_at": due_at.isoformat()})
        return task.id


async def open_tasks(db: Database, *, assigned_to: int | None = None, limit: int = 100) -> list[dict[str, object]]:
    stmt = select(Task.__table__).where(Task.status == "open").order_by(Task.due_at).limit(limit)
    if assigned_to is not None:
        stmt = stmt.where(Task.assigned_to == assigned_to)
    async with db.read_session() as s:
        return [dict(r) for r in (await s.execute(stmt)).mappings()]


__all__ = [
    "STATUSES",
    "NewAttachment",
    "NotFound",
    "change_status",
    "create_task",
    "file_application",
    "get_application",
    "open_tasks",
]
