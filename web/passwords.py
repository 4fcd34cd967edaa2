"""argon2 password hashing. A hash costs ~150 ms of CPU, so the async callers run it in a thread."""

from __future__ import annotations

import asyncio
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()


def hash_password(password: str) -> str:
    if len(password) < 8:
        raise ValueError("a password needs at least 8 characters")
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
