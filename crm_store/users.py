"""Users of the workstation: operators, supervisors, admins. Password hashing lives in web/ (argon2)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

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
            created: dict[str, object] = {"username": username, "role": role}
            if department:
                created["department"] = department
            await record_audit(s, by_user_id, "user.create", "user", user.id, created)
            return user.id
    except IntegrityError as exc:
        raise Conflict(f"user {username!r} already exists", code="user_exists", username=username) from exc


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


class UserRuleError(Conflict):
    """A change to users that would leave the center without a way in: the last active admin disabled or
    demoted, an admin disabling themselves; or a department user without a department. `code` is what the
    console shows (error.<code>)."""


async def _other_active_admins(s: AsyncSession, user_id: int) -> int:
    count = await s.scalar(
        select(func.count())
        .select_from(User)
        .where(User.role == Role.ADMIN.value, User.active.is_(True), User.id != user_id)
    )
    return int(count or 0)


async def update_user(
    db: Database,
    user_id: int,
    *,
    extension: str | None = None,
    queues: list[str] | None = None,
    full_name: str | None = None,
    role: str | None = None,
    skills: list[str] | None = None,
    by_user_id: int | None = None,
    department: str | None = None,
) -> UserRecord:
    """Change what is given (None: unchanged; extension or department "": none). Demoting the last active admin
    is refused, and so is a department user left without a department; a new extension becomes the user's
    registered phone, as at creation."""
    if role is not None and role not in ROLES:
        raise ValueError(f"unknown role {role!r}: choose one of {', '.join(ROLES)}")
    async with db.write_session() as s, s.begin():
        user = await s.get(User, user_id)
        if user is None:
            raise NotFound(f"user {user_id} does not exist")
        changes: dict[str, object] = {}
        if extension is not None and (extension or None) != user.extension:
            if extension:
                await claim_phone(s, extension, user.id, user.username)
            changes["extension"] = [user.extension, extension or None]
            user.extension = extension or None
        if queues is not None and list(queues) != list(user.queues):
            changes["queues"] = [list(user.queues), list(queues)]
            user.queues = list(queues)
        if skills is not None and list(skills) != list(user.skills):
            changes["skills"] = [list(user.skills), list(skills)]
            user.skills = list(skills)
        if full_name is not None and full_name != user.full_name:
            changes["full_name"] = [user.full_name, full_name]
            user.full_name = full_name
        if role is not None and role != user.role:
            if user.role == Role.ADMIN.value and user.active and not await _other_active_admins(s, user_id):
                raise UserRuleError("the last active admin cannot get another role", code="last_admin")
            changes["role"] = [user.role, role]
            user.role = role
        if department is not None and (department or None) != user.department:
            changes["department"] = [user.department, department or None]
            user.department = department or None
        if user.role == Role.DEPARTMENT and not user.department:
            # the work list is their department's: without one they would see nothing (as create_user refuses)
            raise UserRuleError("a department user needs a department", code="department_needed")
        if changes:
            await record_audit(s, by_user_id, "user.update", "user", user_id, changes)
    return await get_user(db, user_id)


async def set_active(db: Database, user_id: int, active: bool, *, by_user_id: int | None = None) -> UserRecord:
    """Disable or enable a user. A disabled user cannot sign in, and no session of theirs is honoured from
    the next request (sessions.session_for checks `active`); the caller revokes them and drops their sockets.
    Nobody disables themselves, and the last active admin stays."""
    async with db.write_session() as s, s.begin():
        user = await s.get(User, user_id)
        if user is None:
            raise NotFound(f"user {user_id} does not exist")
        if user.active == active:
            return _record(user)
        if not active:
            if user_id == by_user_id:
                raise UserRuleError("you cannot disable yourself", code="self_disable")
            if user.role == Role.ADMIN.value and not await _other_active_admins(s, user_id):
                raise UserRuleError("the last active admin cannot be disabled", code="last_admin")
        user.active = active
        await record_audit(s, by_user_id, "user.enable" if active else "user.disable", "user", user_id)
        return _record(user)


async def set_password_hash_by_id(db: Database, user_id: int, password_hash: str, by_user_id: int | None) -> str:
    """Set a user's password (an admin's reset); returns the user name."""
    async with db.write_session() as s, s.begin():
        user = await s.get(User, user_id)
        if user is None:
            raise NotFound(f"user {user_id} does not exist")
        user.password_hash = password_hash
        await record_audit(s, by_user_id, "user.password_reset", "user", user.id)
        return user.username


def _record(user: User) -> UserRecord:
    return UserRecord(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        extension=user.extension,
        skills=tuple(user.skills or ()),
        queues=tuple(user.queues or ()),
        language=user.language,
        active=bool(user.active),
    )


async def find_by_extension(db: Database, extensions: list[str]) -> UserRecord | None:
    """The active user whose phone extension is one of `extensions` (one indexed-size query, no full load)."""
    async with db.read_session() as s:
        row = (
            (await s.execute(select(User.__table__).where(User.extension.in_(extensions), User.active.is_(True))))
            .mappings()
            .first()
        )
        return rows.user(row) if row is not None else None
