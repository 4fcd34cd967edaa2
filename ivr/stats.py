"""IVR statistics for the wallboard: self-service rate and drop-outs per menu node, for a period.

Pure: give it the recorded sessions (e.g. `StoreBackend.load_sessions(start, end)`) and the period.
A session counts in the period when it started in [start, end).

* self-service rate = self-served sessions / all sessions (0.0 when there are none);
* a drop-out is a session that ended with no transfer and nothing served; it is counted at the
  last menu node of its path (`"(none)"` when the caller left before the first node).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .values import ABANDONED, SELF_SERVED, SERVED_MARK, TRANSFERRED, IvrSessionRecord

NO_NODE = "(none)"


@dataclass(frozen=True, slots=True, kw_only=True)
class IvrStats:
    start: datetime
    end: datetime
    total: int = 0
    self_served: int = 0
    transferred: int = 0
    abandoned: int = 0
    drop_outs: Mapping[str, int] = field(default_factory=dict)  # node -> sessions lost there
    visits: Mapping[str, int] = field(default_factory=dict)  # node -> sessions that reached it
    served: Mapping[str, int] = field(default_factory=dict)  # service -> times completed
    transfers_by_queue: Mapping[str, int] = field(default_factory=dict)

    @property
    def self_service_rate(self) -> float:
        return self.self_served / self.total if self.total else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "total": self.total,
            "self_served": self.self_served,
            "transferred": self.transferred,
            "abandoned": self.abandoned,
            "self_service_rate": round(self.self_service_rate, 4),
            "drop_outs": dict(self.drop_outs),
            "visits": dict(self.visits),
            "served": dict(self.served),
            "transfers_by_queue": dict(self.transfers_by_queue),
        }


def ivr_stats(records: Iterable[IvrSessionRecord], *, start: datetime, end: datetime) -> IvrStats:
    outcomes: Counter[str] = Counter()
    drop_outs: Counter[str] = Counter()
    visits: Counter[str] = Counter()
    served: Counter[str] = Counter()
    queues: Counter[str] = Counter()
    for record in records:
        if not start <= record.started_at < end:
            continue
        outcomes[record.outcome] += 1
        nodes = {p.split(":", 1)[0] for p in record.path if not p.startswith(SERVED_MARK)}
        visits.update(nodes)
        served.update({s.split(":", 1)[0] for s in record.served})
        if record.outcome == ABANDONED:
            drop_outs[record.last_node or NO_NODE] += 1
        if record.outcome == TRANSFERRED and record.decision is not None:
            queues[record.decision.queue] += 1
    return IvrStats(
        start=start,
        end=end,
        total=sum(outcomes.values()),
        self_served=outcomes[SELF_SERVED],
        transferred=outcomes[TRANSFERRED],
        abandoned=outcomes[ABANDONED],
        drop_outs=dict(drop_outs.most_common()),
        visits=dict(visits.most_common()),
        served=dict(served.most_common()),
        transfers_by_queue=dict(queues.most_common()),
    )
