"""The operators' state intervals (`agent_state_intervals`): written as the PBX reports member changes, read by
the operators' report (reports_operators.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, update

from .db import Database
from .models import AgentStateInterval


@dataclass(frozen=True, slots=True, kw_only=True)
class StateChange:
    """From `at` on, `agent` is in `state` (ready | paused, with `reason`), or signed out (`state` None)."""

    agent: str
    at: datetime
    state: str | None
    reason: str | None = None


def record_sync(conn: Connection, changes: Sequence[StateChange]) -> None:
    s = AgentStateInterval.__table__.c
    for change in changes:
        conn.execute(
            update(AgentStateInterval).where(s.agent == change.agent, s.ended_at.is_(None)).values(ended_at=change.at)
        )
        if change.state is not None:
            conn.execute(
                insert(AgentStateInterval).values(
                    agent=change.agent, state=change.state, reason=change.reason, started_at=change.at
                )
            )


async def record(db: Database, changes: Sequence[StateChange]) -> None:
    if changes:
        await db.run_write(lambda conn: record_sync(conn, changes))


async def close_all(db: Database, at: datetime) -> None:
    """End every interval still open at `at`: at start-up nothing is known until the PBX's member snapshot
    comes, and each member it lists opens a new interval."""
    s = AgentStateInterval.__table__.c

    def run(conn: Connection) -> None:
        conn.execute(update(AgentStateInterval).where(s.ended_at.is_(None)).values(ended_at=at))

    await db.run_write(run)
