"""The operators' report over a period: calls, talk, after-call work, pauses by reason, occupancy.

Calls and talk come from the call cards (grouped by the operator's phone, `agent_interface`: the operator who
answered first, as the wallboard counts them); time in states from the stored state intervals
(`agent_state_intervals`, written by workstation/agent_states.py), each cut to the period and summed in SQL.

* signed in = ready + paused (every reason, after-call work included);
* wrap-up = the pause `after_call_work` ccdesk puts an operator in after a call;
* occupancy = (talk + wrap-up) / (ready + wrap-up): the share of the time an operator was available for calls
  that calls took; pauses for breaks, lunch or training are not time available for calls. Talk happens while
  ready (the PBX does not pause a member on a call), so it is inside the denominator.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, case, func, literal, or_, select

from .db import Database
from .models import AgentStateInterval, Interaction, User
from .reports import Period, Table, epoch_seconds

READY, PAUSED = "ready", "paused"
AFTER_CALL_WORK = "after_call_work"


@dataclass(frozen=True, slots=True, kw_only=True)
class OperatorFigures:
    agent: str
    name: str | None = None
    calls: int = 0
    talk_seconds: int = 0
    ready_seconds: int = 0
    wrap_up_seconds: int = 0
    pauses: dict[str, int] | None = None  # reason -> seconds (after-call work apart)

    @property
    def paused_seconds(self) -> int:
        return sum((self.pauses or {}).values())

    @property
    def signed_in_seconds(self) -> int:
        return self.ready_seconds + self.wrap_up_seconds + self.paused_seconds

    @property
    def occupancy(self) -> float | None:
        available = self.ready_seconds + self.wrap_up_seconds
        return 100.0 * (self.talk_seconds + self.wrap_up_seconds) / available if available else None


@dataclass(frozen=True, slots=True, kw_only=True)
class OperatorReport:
    period: Period
    operators: tuple[OperatorFigures, ...]
    reasons: tuple[str, ...]  # the pause reasons seen in the period, a column each

    def table(self) -> Table:
        columns = [
            ("agent", "text"),
            ("name", "text"),
            ("calls", "int"),
            ("talk_seconds", "seconds"),
            ("aht_seconds", "seconds"),
            ("wrap_up_seconds", "seconds"),
            ("ready_seconds", "seconds"),
            ("paused_seconds", "seconds"),
            *((f"pause:{r}", "seconds") for r in self.reasons),
            ("signed_in_seconds", "seconds"),
            ("occupancy", "pct"),
        ]
        rows = [
            (
                o.agent,
                o.name,
                o.calls,
                o.talk_seconds,
                round(o.talk_seconds / o.calls, 1) if o.calls else None,
                o.wrap_up_seconds,
                o.ready_seconds,
                o.paused_seconds,
                *((o.pauses or {}).get(r, 0) for r in self.reasons),
                o.signed_in_seconds,
                None if o.occupancy is None else round(o.occupancy, 1),
            )
            for o in self.operators
        ]
        return Table(columns=tuple(c for c, _ in columns), kinds=tuple(k for _, k in columns), rows=rows)

    def to_json(self) -> dict[str, Any]:
        return {**self.table().to_json(), "reasons": list(self.reasons)}


def _state_seconds(conn: Connection, period: Period, now: datetime) -> list[Any]:
    """Seconds per (agent, state, reason) of the intervals overlapping the period, each cut to it (an open
    interval runs to `now`)."""
    s = AgentStateInterval.__table__.c
    until = min(period.end, now)
    start_e, until_e = int(period.start.timestamp()), int(until.timestamp())
    began = case((s.started_at < period.start, literal(start_e)), else_=epoch_seconds(conn, s.started_at))
    ended = case(
        (or_(s.ended_at.is_(None), s.ended_at > until), literal(until_e)), else_=epoch_seconds(conn, s.ended_at)
    )
    return list(
        conn.execute(
            select(s.agent, s.state, s.reason, func.sum(ended - began).label("seconds"))
            .where(s.started_at < until, or_(s.ended_at.is_(None), s.ended_at > period.start))
            .group_by(s.agent, s.state, s.reason)
        )
    )


def operator_report_sync(conn: Connection, period: Period, now: datetime) -> OperatorReport:
    c = Interaction.__table__.c
    calls = {
        r.agent_interface: (int(r.calls), int(r.talk or 0))
        for r in conn.execute(
            select(
                c.agent_interface,
                func.count().label("calls"),
                func.coalesce(func.sum(c.talk_seconds), 0).label("talk"),
            )
            .where(
                and_(c.offered_at >= period.start, c.offered_at < period.end),
                c.agent_interface.is_not(None),
                c.answered_at.is_not(None),
            )
            .group_by(c.agent_interface)
        )
    }
    ready: dict[str, int] = defaultdict(int)
    wrap: dict[str, int] = defaultdict(int)
    pauses: dict[str, dict[str, int]] = defaultdict(dict)
    for agent, state, reason, seconds in _state_seconds(conn, period, now):
        seconds = max(int(seconds or 0), 0)
        if state == READY:
            ready[agent] += seconds
        elif reason == AFTER_CALL_WORK:
            wrap[agent] += seconds
        else:
            key = reason or ""
            pauses[agent][key] = pauses[agent].get(key, 0) + seconds
    names = {
        ext: name
        for ext, name in conn.execute(select(User.extension, User.full_name).where(User.extension.is_not(None)))
    }
    agents = sorted(set(calls) | set(ready) | set(wrap) | set(pauses))
    operators = tuple(
        OperatorFigures(
            agent=a,
            name=names.get(a) or names.get(a.rsplit("/", 1)[-1]),
            calls=calls.get(a, (0, 0))[0],
            talk_seconds=calls.get(a, (0, 0))[1],
            ready_seconds=ready.get(a, 0),
            wrap_up_seconds=wrap.get(a, 0),
            pauses=dict(pauses.get(a, {})),
        )
        for a in agents
    )
    reasons = tuple(sorted({r for p in pauses.values() for r in p}))
    return OperatorReport(period=period, operators=operators, reasons=reasons)


async def operator_report(db: Database, period: Period, now: datetime) -> OperatorReport:
    return await db.run_read(lambda conn: operator_report_sync(conn, period, now))
