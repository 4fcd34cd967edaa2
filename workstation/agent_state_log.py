"""The operators' state log: a subscriber of the event stream that stores each phone's state changes
(workstation/agent_states.py) as intervals for the reports."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from crm_store import reports_states
from crm_store.db import Database

from . import agent_states


class AgentStateLog:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock
        self.phones: dict[str, agent_states.Phone] = {}

    async def start(self) -> None:
        """Close what the last run left open: the PBX's member snapshot reopens what is still true."""
        await reports_states.close_all(self.db, self.clock())

    async def handle(self, event: object) -> None:
        self.phones, changes = agent_states.step(self.phones, event)
        await reports_states.record(self.db, changes)
