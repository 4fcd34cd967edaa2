"""argon2 password hashing. A hash costs ~150 ms of CPU, so the async callers run it in a thread."""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from workstation.errors import WorkstationError

from .common_passwords import COMMON

_HASHER = PasswordHasher()
MIN_LENGTH = 8
MAX_LENGTH = 256  # argon2 takes any length; this only stops a megabyte "password" from costing CPU
_KEYBOARD_ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm", "йцукенгшщзхъ", "фывапролджэ", "ячсмитьбю")


class WeakPassword(WorkstationError, ValueError):
    """A new password the policy refuses; `code` says why (error.password_* in the i18n files)."""


def password_problem(password: str, username: str = "") -> WeakPassword | None:
    """Why `password` may not be set for `username`, or None when it may."""
    if len(password) < MIN_LENGTH:
        return WeakPassword(
            f"a password needs at least {MIN_LENGTH} characters", code="password_too_short", min=MIN_LENGTH
        )
    if len(password) > MAX_LENGTH:
        return WeakPassword(f"a password has at most {MAX_LENGTH} characters", code="password_too_long", max=MAX_LENGTH)
    lowered = password.lower()
    name = username.strip().lower()
    if len(name) >= 3 and (name in lowered or name[::-1] in lowered):
        return WeakPassword("the password must not contain the user name", code="password_like_username")
    if _is_common(lowered):
        return WeakPassword("this password is too common; choose another", code="password_common")
    return None


def _is_common(lowered: str) -> bool:
    if lowered in COMMON or len(set(lowered)) <= 2:  # aaaaaaaa, abababab
        return True
    base = lowered.rstrip("0123456789!@#$%^&*()_-+=.,?;:~ ")
    if len(base) >= 4 and base in COMMON:  # marina1990, qwerty123!
        return True
    core = lowered.strip("0123456789!@#$%^&*()_-+=.,?;:~ ")
    if len(core) >= 4 and core in COMMON:  # 1password, !qwerty!
        return True
    return any(lowered in row * 3 or lowered in (row * 3)[::-1] for row in _KEYBOARD_ROWS)  # 1234567890, poiuytre


def check_new_password(password: str, username: str = "") -> None:
    problem = password_problem(password, username)
    if problem is not None:
        raise problem


def hash_password(password: str) -> str:
    """The argon2 hash. Whoever takes a new password from a person checks it first (check_new_password);
    generated passwords (the demo's) need only the length."""
    if len(password) < MIN_LENGTH:
        raise WeakPassword(f"a password needs at least {MIN_LENGTH} characters", code="password_too_short")
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def hash_password_async(password: str) -> str:
    return await asyncio.to_thread(hash_password, password)


async def verify_password_async(password_hash: str, password: str) -> bool:
    return await asyncio.to_thread(verify_password, password_hash, password)


_dummy_hash: str | None = None


async def verify_login_async(password_hash: str | None, password: str) -> bool:
    """Check a login's password. An unknown user (None) is checked against a dummy hash, so the answer
    takes as long as for a real user: the time of a wrong login does not tell which names exist."""
    if password_hash is None:
        await verify_password_async(await dummy_hash(), password)
        return False
    return await verify_password_async(password_hash, password)


async def dummy_hash() -> str:
    """A hash of a random password with the hasher's own parameters, made once (the login form warms it)."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = await asyncio.to_thread(_HASHER.hash, secrets.token_urlsafe(16))
    return _dummy_hash
