"""Operators sign in only to the queues assigned to them: a test that wants an operator in other queues
assigns them first, as an administrator would."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from crm_store.models import User
from crm_store.users import update_user


async def assign_queues(server: Any, username: str, queues: list[str]) -> None:
    """Adds `queues` to those the user already has."""
    async with server.db.read_session() as s:
        user = (await s.execute(select(User.id, User.queues).where(User.username == username))).one()
    await update_user(server.db, user.id, queues=list(dict.fromkeys([*user.queues, *queues])))


async def sign_in_to_every_queue(server: Any, op: Any, username: str) -> list[str]:
    """Assign the user every queue the server has, then sign their phone in to all of them."""
    queues = [q["name"] for q in (await op.api("GET", "/api/me"))["queues"]]
    await assign_queues(server, username, queues)
    await op.api("POST", "/api/presence/sign-in", {"queues": queues})
    return queues
