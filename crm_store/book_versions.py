"""Versions of the four books (routing rules, IVR menu, offers, talk scripts) uploaded in the admin console.

The database keeps them, not a file inside the installed package (read-only, replaced by an upgrade) nor
a file beside the configured one (a second server would not see it): the newest version of a kind is in
force, on every worker and after a restart. Validation is the caller's (the loaders live above crm_store);
this module only stores text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from .audit import record_audit
from .db import Database
from .models import BookVersion, User
from .records import JsonMixin

KINDS = ("rules", "menu", "offers", "scripts")
MAX_BOOK_CHARS = 1_000_000  # the shipped books are a few KB; a megabyte is a mistake, not a rule set


@dataclass(frozen=True, slots=True, kw_only=True)
class BookVersionRecord(JsonMixin):
    id: int
    kind: str
    source: str
    uploaded_at: datetime
    uploaded_by: str | None


async def save_version(db: Database, kind: str, source: str, text: str, *, by_user_id: int | None) -> BookVersionRecord:
    """Store an (already validated) version; it is the one in force from now on. Audited with its size."""
    if kind not in KINDS:
        raise ValueError(f"unknown book {kind!r}: one of {', '.join(KINDS)}")
    if len(text) > MAX_BOOK_CHARS:
        raise ValueError(f"a book has at most {MAX_BOOK_CHARS} characters")
    async with db.write_session() as s, s.begin():
        row = BookVersion(kind=kind, source=source[:200], text=text, user_id=by_user_id)
        s.add(row)
        await s.flush()
        await record_audit(
            s, by_user_id, "book.upload", "book", kind, {"version": row.id, "source": source[:200], "chars": len(text)}
        )
        username = await s.scalar(select(User.username).where(User.id == by_user_id)) if by_user_id else None
        return _record(row, username)


async def newest_versions(db: Database) -> dict[str, tuple[BookVersionRecord, str]]:
    """The version in force of each kind that has one: its record and its text."""
    async with db.read_session() as s:
        newest = select(func.max(BookVersion.id)).group_by(BookVersion.kind).scalar_subquery()
        result = await s.execute(
            select(BookVersion, User.username)
            .outerjoin(User, User.id == BookVersion.user_id)
            .where(BookVersion.id.in_(newest))
        )
        return {v.kind: (_record(v, name), v.text) for v, name in result.all()}


async def list_versions(db: Database, kind: str, limit: int = 20) -> list[BookVersionRecord]:
    async with db.read_session() as s:
        result = await s.execute(
            select(BookVersion, User.username)
            .outerjoin(User, User.id == BookVersion.user_id)
            .where(BookVersion.kind == kind)
            .order_by(BookVersion.id.desc())
            .limit(limit)
        )
        return [_record(v, name) for v, name in result.all()]


def _record(v: BookVersion, username: str | None) -> BookVersionRecord:
    return BookVersionRecord(id=v.id, kind=v.kind, source=v.source, uploaded_at=v.uploaded_at, uploaded_by=username)
