"""Server-side browser sessions: the cookie carries a random token, the table its hash and expiry."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select, update

from . import rows
from .audit import record_audit
from .db import Database
from .models import User, WebSession
from .records import UserRecord


@dataclass(frozen=True, slots=True, kw_only=True)
class SessionInfo:
    session_id: str
    csrf_token: str
    user: UserRecord
    expires_at: datetime


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def open_session(
    db: Database, user_id: int, *, now: datetime, lifetime: timedelta, ip: str = "", user_agent: str = ""
) -> str:
    """Create a session; returns the token for the cookie (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    async with db.write_session() as s, s.begin():
        s.add(
            WebSession(
                id=_hash(token),
                user_id=user_id,
                csrf_token=secrets.token_urlsafe(24),
                created_at=now,
                expires_at=now + lifetime,
                ip=ip[:64],
                user_agent=user_agent[:300],
            )
        )
        await record_audit(s, user_id, "auth.login", "user", user_id, {"ip": ip})
    return token


async def session_for(db: Database, token: str, *, now: datetime) -> SessionInfo | None:
    """The live session behind a cookie token, or None (unknown, expired, revoked, user disabled)."""
    if not token or len(token) > 200:
        return None
    async with db.read_session() as s:
        row = (
            (
                await s.execute(
                    select(
                        WebSession.id.label("session_id"),
                        WebSession.csrf_token,
                        WebSession.expires_at,
                        WebSession.revoked,
                        *User.__table__.c,
                    )
                    .join(User, User.id == WebSession.user_id)
                    .where(WebSession.id == _hash(token))
                )
            )
            .mappings()
            .first()
        )
    if row is None or row["revoked"] or row["expires_at"] <= now or not row["active"]:
        return None
    return SessionInfo(
        session_id=row["session_id"], csrf_token=row["csrf_token"], user=rows.user(row), expires_at=row["expires_at"]
    )


async def close_session(db: Database, token: str, user_id: int | None) -> None:
    async with db.write_session() as s, s.begin():
        await s.execute(update(WebSession).where(WebSession.id == _hash(token)).values(revoked=True))
        await record_audit(s, user_id, "auth.logout", "user", user_id or "")


async def purge_expired(db: Database, *, now: datetime) -> int:
    async with db.write_session() as s, s.begin():
        result = await s.execute(delete(WebSession).where(WebSession.expires_at < now))
        return cast("CursorResult[Any]", result).rowcount or 0  # a DELETE's result is a cursor result
