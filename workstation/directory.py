"""Who sits behind which phone: operators by extension and by id, read from the user table."""

from __future__ import annotations

from crm_store import users
from crm_store.db import Database
from crm_store.records import UserRecord

from .presence import interface_for


def extensions_of(interface: str) -> list[str]:
    """How a user's extension may be written for this phone: "1001" or "PJSIP/1001" for PJSIP/1001."""
    tail = interface.rsplit("/", 1)[-1]
    return [interface, tail] if tail != interface else [interface]


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
        """Like by_interface, asking the store about a phone not seen yet (a user added while the server runs,
        `ccdesk user add`): one small query for that phone alone — a phone nobody sits at (the simulator's
        bots, a desk phone) rings all day and must not reload every user each time."""
        user = self.by_interface(interface)
        if user is None and interface:
            user = await users.find_by_extension(self.db, extensions_of(interface))
            if user is not None and user.extension:
                self._by_interface[interface_for(user.extension)] = user
                self._by_id[user.id] = user
        return user
