"""The registry of desk phones operators may sign in at, kept by admins (`ccdesk phone add/list/remove`).

Signing in at a phone puts that phone into queues: customers' calls ring there. An extension nobody
registered — a bot, another department's phone, a typo — must not be one an operator can choose. A
registered phone is either owned (only its owner signs in there) or shared (any user may, a hot desk).
A user created with an extension (an admin's act) gets that phone registered as theirs (`claim_phone`);
changing phones later (hot-desking) goes through `may_use_phone` and registers nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from .audit import record_audit
from .db import Database
from .errors import Conflict, NotFound
from .models import DeskPhone, User
from .records import JsonMixin, UserRecord

# A PJSIP endpoint name and an AMI value: digits on most sites, names such as `agent4` on others (the
# recorded Asterisk). Nothing that could end an AMI header or a dial string.
EXTENSION = re.compile(r"[0-9A-Za-z][0-9A-Za-z_.-]{1,39}")


@dataclass(frozen=True, slots=True, kw_only=True)
class DeskPhoneRecord(JsonMixin):
    extension: str
    label: str
    owner: str | None  # the owner's user name; None: a shared phone


def check_extension(extension: str) -> str:
    if EXTENSION.fullmatch(extension) is None:
        raise ValueError(f"{extension[:40]!r} is not an extension: 2 to 40 letters, digits, '_', '.' or '-'")
    return extension


def may_use(phone: DeskPhoneRecord | None, user: UserRecord) -> bool:
    """The rule itself: a registered phone that is shared or the user's own."""
    return phone is not None and (phone.owner is None or phone.owner == user.username)


async def find_phone(db: Database, extension: str) -> DeskPhoneRecord | None:
    if EXTENSION.fullmatch(extension) is None:
        return None
    async with db.read_session() as s:
        row = (
            await s.execute(
                select(DeskPhone.extension, DeskPhone.label, User.username)
                .outerjoin(User, User.id == DeskPhone.user_id)
                .where(DeskPhone.extension == extension)
            )
        ).first()
    return None if row is None else DeskPhoneRecord(extension=row[0], label=row[1], owner=row[2])


async def may_use_phone(db: Database, user: UserRecord, extension: str) -> bool:
    """May `user` sign in at `extension`? Presence sign-in asks this before any queue is touched."""
    return may_use(await find_phone(db, extension), user)


async def add_phone(
    db: Database, extension: str, *, label: str = "", owner: str | None = None, by_user_id: int | None = None
) -> DeskPhoneRecord:
    check_extension(extension)
    if len(label) > 200:
        raise ValueError("a phone's label has at most 200 characters")
    try:
        async with db.write_session() as s, s.begin():
            user_id = None
            if owner is not None:
                user_id = await s.scalar(select(User.id).where(User.username == owner))
                if user_id is None:
                    raise NotFound(f"user {owner!r} does not exist")
            s.add(DeskPhone(extension=extension, label=label, user_id=user_id))
            await s.flush()
            await record_audit(s, by_user_id, "phone.add", "desk_phone", extension, {"owner": owner, "label": label})
    except IntegrityError as exc:
        raise Conflict(
            f"extension {extension} is already registered", code="phone_registered", extension=extension
        ) from exc
    return DeskPhoneRecord(extension=extension, label=label, owner=owner)


async def remove_phone(db: Database, extension: str, *, by_user_id: int | None = None) -> None:
    async with db.write_session() as s, s.begin():
        removed = await s.scalars(
            delete(DeskPhone).where(DeskPhone.extension == extension).returning(DeskPhone.extension)
        )
        if removed.first() is None:
            raise NotFound(f"extension {extension} is not registered")
        await record_audit(s, by_user_id, "phone.remove", "desk_phone", extension)


async def list_phones(db: Database) -> list[DeskPhoneRecord]:
    async with db.read_session() as s:
        result = await s.execute(
            select(DeskPhone.extension, DeskPhone.label, User.username)
            .outerjoin(User, User.id == DeskPhone.user_id)
            .order_by(DeskPhone.extension)
        )
        return [DeskPhoneRecord(extension=e, label=label, owner=u) for e, label, u in result.all()]


async def claim_phone(s: AsyncSession, extension: str, user_id: int, username: str) -> None:
    """Inside a user's creation: their extension becomes their registered phone. A shared phone
    stays shared; a phone another user owns is a Conflict."""
    check_extension(extension)
    phone = await s.get(DeskPhone, extension)
    if phone is None:
        s.add(DeskPhone(extension=extension, label="", user_id=user_id))
        return
    if phone.user_id is not None and phone.user_id != user_id:
        other = await s.scalar(select(User.username).where(User.id == phone.user_id))
        raise Conflict(
            f"extension {extension} is {other}'s phone; choose another for {username}",
            code="phone_taken",
            extension=extension,
            owner=other,
        )
