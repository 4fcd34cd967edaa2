"""What routing reads and what it decides: plain frozen values, no I/O."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

INDIVIDUAL = "individual"
ORGANISATION = "organisation"
SEGMENTS = frozenset({INDIVIDUAL, ORGANISATION})


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueLoad:
    """How busy one queue is right now (from the CTI call tracker)."""

    waiting: int = 0
    available_agents: int = 0
    longest_wait_seconds: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class WrapUp:
    """After-call work of one queue: how long the PBX offers the operator no call after a call ends, and
    whether the card's result must be filled in before the next one (0 seconds = no wrap-up)."""

    seconds: int = 0
    require_result: bool = False


NO_WRAP_UP = WrapUp()


@dataclass(frozen=True, slots=True, kw_only=True)
class CallFacts:
    """Everything a call-routing rule may look at.

    `segment` is None while the caller is not identified. `debt_kop` is the identified account's debt
    in kopecks (0 when unknown). `at` must be timezone-aware: the rule set converts it to the contact
    centre's own time zone, so a server running in UTC still applies "09:00-18:00" in Moscow time.
    `load` maps queue name -> QueueLoad; a queue missing from it counts as empty with no agents.
    """

    at: datetime
    choice: str | None = None
    segment: str | None = None
    debt_kop: int = 0
    vip: bool = False
    language: str = "ru"
    load: Mapping[str, QueueLoad] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("CallFacts.at must be timezone-aware")


@dataclass(frozen=True, slots=True, kw_only=True)
class RoutingDecision:
    """Where a call or an application goes, and why.

    `priority` follows Asterisk's QUEUE_PRIO: a higher number is served sooner. `rule_id` is the id of
    the rule that matched, or "default" when none did.
    """

    queue: str
    priority: int
    reason: str
    rule_id: str


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueTargets:
    """What the wallboard counts as good for one queue, and where it colours a figure.

    `service_level_seconds`: a call answered within this wait counts for the service level. Each pair is
    (warn, alert): the figure turns amber at `warn` and red at `alert`. Waits and abandons are worse when
    higher (warn ≤ alert); the service level is worse when lower (warn ≥ alert, in percent)."""

    service_level_seconds: int = 20
    service_level_pct: tuple[float, float] = (85.0, 80.0)
    longest_wait_seconds: tuple[float, float] = (30.0, 60.0)
    abandoned_pct: tuple[float, float] = (5.0, 10.0)
    waiting_calls: tuple[float, float] = (3.0, 6.0)

    def to_json(self) -> dict[str, object]:
        return {
            "service_level_seconds": self.service_level_seconds,
            "service_level_pct": list(self.service_level_pct),
            "longest_wait_seconds": list(self.longest_wait_seconds),
            "abandoned_pct": list(self.abandoned_pct),
            "waiting_calls": list(self.waiting_calls),
        }


DEFAULT_TARGETS = QueueTargets()
