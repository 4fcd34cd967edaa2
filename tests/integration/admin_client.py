"""An admin signed in to the console, for the admin console's integration tests."""

from __future__ import annotations

from typing import Any

from web.accounts import add_user

from .client import Operator

ADMIN = ("boss", "Vasilisa-Premudraya-7")


async def admin_of(server: Any) -> Operator:
    """Create the admin (once per server) and sign them in."""
    if "boss" not in server.passwords:
        await add_user(server.db, username=ADMIN[0], role="admin", password=ADMIN[1], full_name="Главный")
        server.passwords["boss"] = ADMIN[1]
    admin = Operator(server.url)
    response = await admin.login(*ADMIN)
    assert response.status == 302
    return admin
