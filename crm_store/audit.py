"""The audit log: who changed what and when, written in the same transaction as the change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from .base import utcnow
from .db import Database
from .models import AuditEntry, User


async def record_audit(
    session: AsyncSession,
    user_id: int | None,
    action: str,
    entity: str = "",
    entity_id: object = "",
    details: dict[str, Any] | None = None,
) -> None:
    session.add(
        AuditEntry(
            at=utcnow(),
            user_id=user_id,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            details=details or {},
        )
    )


async def audit_trail(db: Database, entity: str, entity_id: object, limit: int = 100) -> list[dict[str, Any]]:
    async with db.read_session() as s:
        result = await s.execute(
            select(AuditEntry.at, AuditEntry.user_id, AuditEntry.action, AuditEntry.details)
            .where(AuditEntry.entity == entity, AuditEntry.entity_id == str(entity_id))
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        )
        return [dict(r._mapping) for r in result]


async def audit(
    db: Database,
    user_id: int | None,
    action: str,
    entity: str = "",
    entity_id: object = "",
    details: dict[str, Any] | None = None,
) -> None:
    """Record an action that changes nothing else in the database (a PBX command, a presence change)."""
    async with db.write_session() as s, s.begin():
        await record_audit(s, user_id, action, entity, entity_id, details)


_INSERT = insert(AuditEntry)


async def audit_many(
    db: Database, entries: list[tuple[datetime, int | None, str, str, object, dict[str, Any]]]
) -> None:
    """Record many entries in one transaction: (at, user id, action, entity, entity id, details) each.

    One statement on the writer's thread: the ORM's unit of work ran on the event loop's thread, an object
    per entry, and the view audit writes an entry for every screen pop."""
    if not entries:
        return
    rows = [
        {
            "at": at,
            "user_id": user_id,
            "action": action,
            "entity": entity,
            "entity_id": str(entity_id),
            "details": details,
        }
        for at, user_id, action, entity, entity_id, details in entries
    ]
    await db.run_write(lambda conn: conn.execute(_INSERT, rows))


AUDIT_PAGE = 50


async def search_audit(
    db: Database,
    *,
    username: str | None = None,
    customer_id: int | None = None,
    action: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    before_id: int | None = None,
    limit: int = AUDIT_PAGE,
) -> list[dict[str, Any]]:
    """The admin console's search, newest first: by who did it (user name), the customer it was about,
    the action (a prefix: "user." finds every user change) and a period [since, until). Paged by keyset
    (`before_id`: the last id of the previous page), so page 100 costs what page 1 does."""
    query = (
        select(
            AuditEntry.id,
            AuditEntry.at,
            AuditEntry.action,
            AuditEntry.entity,
            AuditEntry.entity_id,
            AuditEntry.details,
            User.username,
        )
        .outerjoin(User, User.id == AuditEntry.user_id)
        .order_by(AuditEntry.id.desc())
        .limit(max(1, min(limit, 500)))
    )
    if username:
        query = query.where(User.username == username)
    if customer_id is not None:
        query = query.where(AuditEntry.entity == "customer", AuditEntry.entity_id == str(customer_id))
    if action:
        escaped = action.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(AuditEntry.action.like(escaped + "%", escape="\\"))
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    if before_id is not None:
        query = query.where(AuditEntry.id < before_id)
    async with db.read_session() as s:
        result = await s.execute(query)
        return [dict(r._mapping) for r in result]
