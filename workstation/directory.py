"""Who sits behind which phone: operators by extension and by id, read from the user table."""

from __future__ import annotations

import time

from crm_store import users
from crm_store.db import Database
from crm_store.records import UserRecord

from .presence import interface_for

MISS_REFRESH_S = 30.0  # phones of nobody we know (the simulator's bots, a desk phone) ring all day


class Directory:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._by_interface: dict[str, UserRecord] = {}
        self._by_id: dict[int, UserRecord] = {}
        self._refreshed_at = float("-inf")

    async def refresh(self) -> None:
        self._refreshed_at = time.monotonic()
        everyone = await users.list_users(self.db)
        self._by_id = {u.id: u for u in everyone}
        self._by_interface = {interface_for(u.extension): u for u in everyone if u.extension}

    def by_interface(self, interface: str | None) -> UserRecord | None:
        return self._by_interface.get(interface or "")

    def by_id(self, user_id: int) -> UserRecord | None:
        return self._by_id.get(user_id)

    async def lookup_interface(self, interface: str | None) -> UserRecord | None:
        """Like by_interface, reloading for a phone added since the last load (`ccdesk user add`) — at most
        every MISS_REFRESH_S, or every ringing of a phone nobody signs in at would reload all users."""
        user = self.by_interface(interface)
        if user is None and interface and time.monotonic() - self._refreshed_at > MISS_REFRESH_S:
            await self.refresh()
            user = self.by_interface(interface)
        return user
