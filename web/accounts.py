"""User accounts as an admin keeps them — the one place both `ccdesk user …` and the admin console go
through, so a rule (password policy, argon2 in a thread, the last admin, sessions ending) holds for both.

Lives in web/ because the password hasher does (web/passwords.py); the rules on the rows are
crm_store.users'. Ending a disabled user's open sockets needs the running app: the console does that after
`disable` (web/admin_users.py); the command line's revoked sessions end at the next request or sweep.
"""

from __future__ import annotations

from crm_store import sessions, users
from crm_store.db import Database
from crm_store.records import UserRecord

from .passwords import check_new_password, hash_password_async


async def add_user(
    db: Database,
    *,
    username: str,
    role: str,
    password: str,
    full_name: str = "",
    extension: str | None = None,
    queues: list[str] | None = None,
    skills: list[str] | None = None,
    department: str | None = None,
    by_user_id: int | None = None,
) -> int:
    """Create a user with a password the policy accepts (WeakPassword otherwise); returns the id."""
    check_new_password(password, username)
    password_hash = await hash_password_async(password)  # ~150 ms of CPU: a thread, not the event loop
    return await users.create_user(
        db,
        username=username,
        role=role,
        password_hash=password_hash,
        full_name=full_name,
        extension=extension or None,
        queues=queues,
        skills=skills,
        department=department,
        by_user_id=by_user_id,
    )


async def reset_password(db: Database, user_id: int, password: str, *, by_user_id: int | None) -> list[str]:
    """Give a user a new password (policy-checked) and end every session they have: whoever held the old
    one is out. Returns the ended sessions' ids (their sockets are the caller's to drop)."""
    user = await users.get_user(db, user_id)
    check_new_password(password, user.username)
    await users.set_password_hash_by_id(db, user_id, await hash_password_async(password), by_user_id)
    return await sessions.close_all_sessions(db, user_id, by_user_id=by_user_id)


async def disable(db: Database, user_id: int, *, by_user_id: int | None) -> tuple[UserRecord, list[str]]:
    """Disable a user: no sign-in, and every session of theirs revoked. Returns the user and the ended
    sessions' ids (their sockets are the caller's to drop)."""
    user = await users.set_active(db, user_id, False, by_user_id=by_user_id)
    return user, await sessions.close_all_sessions(db, user_id, by_user_id=by_user_id)


async def enable(db: Database, user_id: int, *, by_user_id: int | None) -> UserRecord:
    return await users.set_active(db, user_id, True, by_user_id=by_user_id)
