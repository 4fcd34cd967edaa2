"""The operators' state intervals (`agent_state_intervals`): written as the PBX reports member changes, read by
the operators' report (reports_operators.py)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, insert, update

from .db import Database
from .models import AgentStateInterval


@dataclass(frozen=True, slots=True, kw_only=True)
class StateChange:
    """From `at` on, `agent` is in `state` (ready | paused, with `reason`), or signed out (`state` None)."""

    agent: str
    at: datetime
    state: str | None
    reason: str | None = None


_S = AgentStateInterval.__table__.c
_CLOSE_OPEN = (
    update(AgentStateInterval).where(_S.agent == bindparam("a"), _S.ended_at.is_(None)).values(ended_at=bindparam("at"))
)
_OPEN = insert(AgentStateInterval)


def record_sync(conn: Connection, changes: Sequence[StateChange]) -> None:
    """Store the changes, in order, in two statements: each phone's first change ends the interval it has open
    in the table; every later change in the batch ends the one before it, so that one is stored already
    ended. Two statements per change (the old way) cost a thread's GIL time at 300 changes a second."""
    firsts: dict[str, StateChange] = {}
    rows: list[dict[str, object]] = []
    open_row: dict[str, dict[str, object]] = {}  # agent -> its newest row in `rows`, while still open
    for change in changes:
        firsts.setdefault(change.agent, change)
        previous = open_row.pop(change.agent, None)
        if previous is not None:
            previous["ended_at"] = change.at
        if change.state is not None:
            row: dict[str, object] = {
                "agent": change.agent,
                "state": change.state,
                "reason": change.reason,
                "started_at": change.at,
                "ended_at": None,
            }
            rows.append(row)
            open_row[change.agent] = row
    conn.execute(_CLOSE_OPEN, [{"a": c.agent, "at": c.at} for c in firsts.values()])
    if rows:
        conn.execute(_OPEN, rows)


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
