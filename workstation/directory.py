"""Who sits behind which phone: operators by extension and by id, read from the user table."""

from __future__ import annotations

from crm_store import users
from crm_store.db import Database
from crm_store.records import UserRecord

from .presence import interface_for


class Directory:
    def __init__(self, db: Database) -> None:
        self.db = db
        self._by_interface: dict[str, UserRecord] = {}
        self._by_id: dict[int, UserRecord] = {}

    async def refresh(self) -> None:
        everyone = await users.list_users(self.db)
        self._by_id = {u.id: u for u in everyone}
        self._by_interface = {interface_for(u.extension): u for u in everyone if u.extension}

    def by_interface(self, interface: str | None) -> UserRecord | None:
        return self._by_interface.get(interface or "")

    def by_id(self, user_id: int) -> UserRecord | None:
        return self._by_id.get(user_id)

    async def lookup_interface(self, interface: str | None) -> UserRecord | None:
        """Like by_interface, reloading once for a phone added since the last load (`ccdesk user add`)."""
        user = self.by_interface(interface)
        if user is None and interface:
            await self.refresh()
            user = self.by_interface(interface)
        return user
