"""Users of the workstation: operators, supervisors, admins. Password hashing lives in web/ (argon2)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from . import rows
from .audit import record_audit
from .db import Database
from .desk_phones import claim_phone
from .errors import Conflict, NotFound
from .models import User
from .records import UserRecord
from .vocabulary import Role, codes

ROLES = codes(Role)


async def create_user(
    db: Database,
    *,
    username: str,
    role: str,
    password_hash: str,
    full_name: str = "",
    extension: str | None = None,
    queues: list[str] | None = None,
    skills: list[str] | None = None,
    by_user_id: int | None = None,
    department: str | None = None,
) -> int:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    if not username.strip():
        raise ValueError("a user needs a name")
    if role == Role.DEPARTMENT and not department:
        raise ValueError("a department user needs a department")
    try:
        async with db.write_session() as s, s.begin():
            user = User(
                username=username.strip(),
                role=role,
                password_hash=password_hash,
                full_name=full_name,
                extension=extension,
                queues=list(queues or []),
                skills=list(skills or []),
                department=department or None,
            )
            s.add(user)
            await s.flush()
            if extension:
                await claim_phone(s, extension, user.id, username)  # their desk phone, in the registry
            await record_audit(s, by_user_id, "user.create", "user", user.id, {"username": username, "role": role})
            return user.id
    except IntegrityError as exc:
        raise Conflict(f"user {username!r} already exists") from exc


async def set_password_hash(db: Database, username: str, password_hash: str, by_user_id: int | None = None) -> None:
    async with db.write_session() as s, s.begin():
        user = await s.scalar(select(User).where(User.username == username))
        if user is None:
            raise NotFound(f"user {username!r} does not exist")
        user.password_hash = password_hash
        await record_audit(s, by_user_id, "user.password", "user", user.id)


async def credentials(db: Database, username: str) -> tuple[UserRecord, str] | None:
    """The user and their password hash, for the login check; None when unknown or disabled."""
    async with db.read_session() as s:
        row = (await s.execute(select(User.__table__).where(User.username == username))).mappings().first()
        if row is None or not row["active"]:
            return None
        return rows.user(row), row["password_hash"]


async def get_user(db: Database, user_id: int) -> UserRecord:
    async with db.read_session() as s:
        row = (await s.execute(select(User.__table__).where(User.id == user_id))).mappings().first()
        if row is None:
            raise NotFound(f"user {user_id} does not exist")
        return rows.user(row)


async def list_users(db: Database) -> list[UserRecord]:
    async with db.read_session() as s:
        result = await s.execute(select(User.__table__).order_by(User.username))
        return [rows.user(r) for r in result.mappings()]


async def update_user(
    db: Database,
    user_id: int,
    *,
    extension: str | None = None,
    queues: list[str] | None = None,
    by_user_id: int | None = None,
) -> UserRecord:
    async with db.write_session() as s, s.begin():
        user = await s.get(User, user_id)
        if user is None:
            raise NotFound(f"user {user_id} does not exist")
        changes: dict[str, object] = {}
        if extension is not None and extension != user.extension:
            changes["extension"] = [user.extension, extension]
            user.extension = extension
        if queues is not None and list(queues) != list(user.queues):
            changes["queues"] = [list(user.queues), list(queues)]
            user.queues = list(queues)
        if changes:
            await record_audit(s, by_user_id, "user.update", "user", user_id, changes)
    return await get_user(db, user_id)


async def find_by_extension(db: Database, extensions: list[str]) -> UserRecord | None:
    """The active user whose phone extension is one of `extensions` (one indexed-size query, no full load)."""
    async with db.read_session() as s:
        row = (
            (await s.execute(select(User.__table__).where(User.extension.in_(extensions), User.active.is_(True))))
            .mappings()
            .first()
        )
        return rows.user(row) if row is not None else None
