"""The desk phone registry: an operator signs in only at a phone the registry allows them."""

from __future__ import annotations

import pytest

from crm_store import desk_phones
from crm_store.desk_phones import DeskPhoneRecord, may_use
from crm_store.errors import Conflict, NotFound
from crm_store.records import UserRecord
from crm_store.users import create_user, get_user

pytestmark = pytest.mark.postgres


def _user(username: str) -> UserRecord:
    return UserRecord(
        id=1,
        username=username,
        full_name="",
        role="operator",
        extension=None,
        skills=(),
        queues=(),
        language="ru",
        active=True,
    )


@pytest.mark.parametrize(
    ("phone", "user", "allowed"),
    [
        (None, "anna", False),  # not registered: a bot, another department's phone
        (DeskPhoneRecord(extension="1001", label="", owner="anna"), "anna", True),
        (DeskPhoneRecord(extension="1001", label="", owner="anna"), "igor", False),
        (DeskPhoneRecord(extension="2001", label="hot desk", owner=None), "igor", True),
    ],
)
def test_a_phone_is_usable_when_registered_and_shared_or_ones_own(phone, user: str, allowed: bool) -> None:  # type: ignore[no-untyped-def]
    assert may_use(phone, _user(user)) is allowed


async def test_the_registry_decides_who_signs_in_where(db) -> None:
    anna = await get_user(
        db, await create_user(db, username="anna", role="operator", password_hash="!", extension="1001")
    )
    igor = await get_user(db, await create_user(db, username="igor", role="operator", password_hash="!"))
    await desk_phones.add_phone(db, "2001", label="room 2, desk 1")
    assert await desk_phones.may_use_phone(db, anna, "1001")  # her phone, registered when she was created
    assert not await desk_phones.may_use_phone(db, igor, "1001")
    assert await desk_phones.may_use_phone(db, igor, "2001")  # the shared one
    assert not await desk_phones.may_use_phone(db, igor, "7001")  # a bot's extension nobody registered
    assert not await desk_phones.may_use_phone(db, igor, "20\n01")
    assert [(p.extension, p.owner) for p in await desk_phones.list_phones(db)] == [("1001", "anna"), ("2001", None)]
    await desk_phones.remove_phone(db, "2001")
    assert not await desk_phones.may_use_phone(db, igor, "2001")


async def test_bad_registrations_are_refused_clearly(db) -> None:
    await create_user(db, username="anna", role="operator", password_hash="!", extension="1001")
    with pytest.raises(Conflict, match="already registered"):
        await desk_phones.add_phone(db, "1001")
    with pytest.raises(Conflict, match="1001 is anna's phone"):
        await create_user(db, username="igor", role="operator", password_hash="!", extension="1001")
    for bad in ("PJSIP/1001", "1001\r\nAction: Command", "x"):
        with pytest.raises(ValueError, match="is not an extension"):
            await desk_phones.add_phone(db, bad)
    with pytest.raises(NotFound, match="nobody"):
        await desk_phones.add_phone(db, "3001", owner="nobody")
    with pytest.raises(NotFound, match="not registered"):
        await desk_phones.remove_phone(db, "3001")


async def test_upgrading_registers_the_phones_users_already_have(db_url: str) -> None:
    from sqlalchemy import text

    from crm_store.db import open_database
    from crm_store.migrate import upgrade

    await upgrade(db_url, "0002")
    database = open_database(db_url)
    try:
        async with database.write_session() as s, s.begin():
            for name, extension in (("anna", "1001"), ("igor", None)):
                await s.execute(
                    text(
                        "INSERT INTO users (username, full_name, role, password_hash, extension, skills, queues,"
                        " language, active, created_at) VALUES (:n, '', 'operator', '!', :e, '[]', '[]', 'ru', :a,"
                        " CURRENT_TIMESTAMP)"
                    ),
                    {"n": name, "e": extension, "a": True},
                )
        await database.dispose()
        await upgrade(db_url)
        database = open_database(db_url)
        assert [(p.extension, p.owner) for p in await desk_phones.list_phones(database)] == [("1001", "anna")]
    finally:
        await database.dispose()
