"""The rules on users an admin keeps (crm_store.users, through web/accounts.py, the console's and the CLI's
one path): the last admin stays, nobody disables themselves, passwords pass the policy, and every change is
in the audit log."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crm_store import sessions, users
from crm_store.audit import search_audit
from crm_store.db import Database
from crm_store.errors import Conflict
from crm_store.users import UserRuleError
from web import accounts
from web.passwords import WeakPassword, hash_password, verify_password


@functools.cache
def _hash() -> str:
    return hash_password("Tihaya-Zavod-33")  # argon2 costs most of a second here: once for the file


async def _user(db: Database, name: str, role: str = "operator", **fields: Any) -> int:
    """A user made the way accounts.add_user makes one, without hashing a password each time."""
    return await users.create_user(db, username=name, role=role, password_hash=_hash(), **fields)


async def _admin(db: Database, name: str = "root") -> int:
    return await _user(db, name, "admin")


async def test_the_last_active_admin_can_be_neither_disabled_nor_demoted(db: Database) -> None:
    root = await _admin(db)
    helper = await _user(db, "helper")
    with pytest.raises(UserRuleError) as demoted:
        await users.update_user(db, root, role="supervisor", by_user_id=helper)
    assert demoted.value.code == "last_admin"
    with pytest.raises(UserRuleError) as disabled:
        await accounts.disable(db, root, by_user_id=helper)
    assert disabled.value.code == "last_admin"
    second = await _admin(db, "second")
    user, _ended = await accounts.disable(db, root, by_user_id=second)  # another admin remains
    assert user.active is False
    with pytest.raises(UserRuleError):
        await users.update_user(db, second, role="operator", by_user_id=second)  # now second is the last


async def test_an_admin_cannot_disable_themselves(db: Database) -> None:
    root = await _admin(db)
    await _admin(db, "other")
    with pytest.raises(UserRuleError) as caught:
        await accounts.disable(db, root, by_user_id=root)
    assert caught.value.code == "self_disable"


async def test_a_disabled_user_cannot_sign_in_and_their_sessions_end_until_enabled(db: Database) -> None:
    root = await _admin(db)
    op = await _user(db, "olga")
    now = datetime.now(UTC)
    token = await sessions.open_session(db, op, now=now, lifetime=timedelta(hours=1))
    user, ended = await accounts.disable(db, op, by_user_id=root)
    assert not user.active and len(ended) == 1
    assert await users.credentials(db, "olga") is None
    assert await sessions.session_for(db, token, now=now) is None
    await accounts.enable(db, op, by_user_id=root)
    assert await users.credentials(db, "olga") is not None
    actions = [e["action"] for e in await search_audit(db, username="root")]
    assert actions[:3] == ["user.enable", "auth.logout_everywhere", "user.disable"]


@pytest.mark.parametrize(
    ("password", "code"),
    [("short", "password_too_short"), ("qwerty123", "password_common"), ("xx-olga-xx", "password_like_username")],
)
async def test_a_new_user_and_a_reset_password_pass_the_policy(db: Database, password: str, code: str) -> None:
    with pytest.raises(WeakPassword) as created:
        await accounts.add_user(db, username="olga", role="operator", password=password)
    assert created.value.code == code
    op = await _user(db, "olga")
    with pytest.raises(WeakPassword) as reset:
        await accounts.reset_password(db, op, password, by_user_id=None)
    assert reset.value.code == code


async def test_a_reset_password_replaces_the_old_one_and_ends_every_session(db: Database) -> None:
    op = await accounts.add_user(db, username="olga", role="operator", password="Tihaya-Zavod-33")
    await sessions.open_session(db, op, now=datetime.now(UTC), lifetime=timedelta(hours=1))
    assert len(await accounts.reset_password(db, op, "Novy-Parol-Dlya-Olgi", by_user_id=None)) == 1
    found = await users.credentials(db, "olga")
    assert found is not None and verify_password(found[1], "Novy-Parol-Dlya-Olgi")


async def test_an_edit_changes_only_what_is_given_and_is_audited(db: Database) -> None:
    root = await _admin(db)
    op = await _user(db, "olga", extension="1010", queues=["support"])
    user = await users.update_user(db, op, full_name="Ольга П.", skills=["english"], by_user_id=root)
    assert (user.full_name, user.skills, user.queues, user.extension) == (
        "Ольга П.",
        ("english",),
        ("support",),
        "1010",
    )
    entry = (await search_audit(db, username="root", action="user.update"))[0]
    assert entry["details"] == {"full_name": ["", "Ольга П."], "skills": [[], ["english"]]}
    other = await _user(db, "igor")
    with pytest.raises(Conflict):  # olga's phone is hers
        await users.update_user(db, other, extension="1010", by_user_id=root)


async def test_the_audit_search_pages_by_keyset_and_filters_by_customer(db: Database) -> None:
    from crm_store.audit import audit

    for i in range(7):
        await audit(db, None, "customer.update_contacts", "customer", 42 if i % 2 else 43, {"i": i})
    first = await search_audit(db, customer_id=42, limit=2)
    assert [e["details"]["i"] for e in first] == [5, 3]
    rest = await search_audit(db, customer_id=42, limit=2, before_id=first[-1]["id"])
    assert [e["details"]["i"] for e in rest] == [1]
    assert await search_audit(db, action="customer_") == []  # "_" is a letter here, not a wildcard
