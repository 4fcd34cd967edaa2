"""The IVR sessions of a period grouped in SQL: how many callers took each path through the menu, and how it
ended (self-served, handed to a queue, or neither). Menus are small, so a month of sessions is a few hundred
groups; ivr.stats folds them (web/api_reports.py) as it folds sessions, so the definitions stay its own."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, Text, cast, func, select

from .db import Database
from .models import Interaction
from .reports import Period


@dataclass(frozen=True, slots=True, kw_only=True)
class PathGroup:
    path: tuple[str, ...]
    self_served: bool
    queue: str | None  # the queue the IVR handed the caller to
    sessions: int


def ivr_paths_sync(conn: Connection, period: Period) -> list[PathGroup]:
    """Call cards with an IVR path offered in the period (as `StoreBackend.load_sessions` reads them), grouped."""
    c = Interaction.__table__.c
    path = cast(c.ivr_path, Text).label("path")  # PostgreSQL's json has no equality: grouped as its text
    rows = conn.execute(
        select(path, c.self_served, c.routing_queue, func.count().label("sessions"))
        .where(c.offered_at >= period.start, c.offered_at < period.end, c.ivr_path.is_not(None))
        .group_by(path, c.self_served, c.routing_queue)
    )
    groups = []
    for text, self_served, queue, sessions in rows:
        steps = json.loads(text) if text else []
        if steps:
            groups.append(
                PathGroup(path=tuple(steps), self_served=bool(self_served), queue=queue, sessions=int(sessions))
            )
    return groups


async def ivr_paths(db: Database, period: Period) -> list[PathGroup]:
    return await db.run_read(lambda conn: ivr_paths_sync(conn, period))
