"""How the workstation reaches browsers; web/ implements it over Socket.IO."""

from __future__ import annotations

from typing import Any, Protocol


class Notifier(Protocol):
    async def to_user(self, user_id: int, event: str, data: Any) -> None: ...

    async def to_operators(self, event: str, data: Any) -> None: ...

    async def to_supervisors(self, event: str, data: Any) -> None: ...
