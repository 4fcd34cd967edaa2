"""What the wallboard page is sent (pure): the full picture on (re)connect, then only what each event changed.

Figures are absolute values (not increments): applying a change twice does no harm, and the changes of
several events merge into one push (`merge`: the newer figure of each queue, operator and interval wins),
which is how the pusher keeps a burst of events from becoming a burst of emits.

Every push carries `seq`, one more for each push (`sequenced`, when it is sent), and the full picture
carries the `seq` of the last push sent: a page applies only pushes past its picture's `seq`, and asks for
the full picture again when one is missing (Socket.IO emits can be lost, e.g. across a reconnect or a Redis
outage). A push not sent yet when the full picture is taken is already in it, and applying it again changes
nothing. Every payload carries the server's `now`, so that the page ticks the longest wait and the time in
state from the server's clock, not its own. A queue carries its title and its targets (routing rules,
`[queues]`), from which the page colours its figures.

Campaigns come from the dialer (`set_campaigns`); the wallboard invents none: no campaign, no section.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crm_store import stats as st
from routing import QueueTargets

from .wallboard import Changes, IntervalFigures, OperatorFigures, QueueFigures, Touched, WallboardStats


@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignFigures:
    """One outbound campaign's progress, as the dialer counts it (the wallboard only shows it)."""

    name: str
    title: str | None = None
    dialled: int  # debtors dialled at least once
    total: int  # debtors in the campaign's list
    reached: int
    abandon_pct: float | None  # answered calls with no free operator, % of answered (None before any)
    cap_pct: float | None  # the dialer's abandon cap (3 % by default); None when the mode has none

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title or self.name,
            "dialled": self.dialled,
            "total": self.total,
            "reached": self.reached,
            "abandon_pct": self.abandon_pct,
            "cap_pct": self.cap_pct,
        }


def abandoned_pct(day: st.Counts) -> float | None:
    """Abandoned calls, % of offered, short abandons left out of both (as the service level leaves them)."""
    base = day.offered - day.short_abandoned
    return 100.0 * (day.abandoned - day.short_abandoned) / base if base > 0 else None


@dataclass(slots=True)
class WallboardFeed:
    """The payloads of one live wallboard (`board`); `names` gives a phone's person (the user directory)."""

    board: WallboardStats
    titles: Mapping[str, str] = field(default_factory=dict)  # queue -> title, in the rules' order
    targets: Callable[[str], QueueTargets] = field(default=lambda _queue: QueueTargets())
    names: Callable[[str], str | None] = field(default=lambda _interface: None)
    seq: int = 0
    campaigns: tuple[CampaignFigures, ...] = ()
    touched: Touched = field(default_factory=Touched)  # folded in, not taken for a push yet

    # -------------------------------------------------------------- pushes
    def apply(self, event: object, now: datetime) -> dict[str, Any] | None:
        """Fold `event` in: the change to push (not sequenced yet), or None when it changed no figure."""
        self.fold(event)
        return self.take(now)

    def fold(self, event: object) -> bool:
        """Fold `event` in, keeping what it changed for the next `take`; True when something waits there.
        A busy floor folds hundreds of events a second and pushes at most every few tens of milliseconds:
        the payload is built per push, not per event."""
        self.board.fold_into(event, self.touched)
        return bool(self.touched)

    def take(self, now: datetime) -> dict[str, Any] | None:
        """What the events folded since the last take changed, as figures of now (not sequenced yet); None
        when they changed nothing."""
        touched, self.touched = self.touched, Touched()
        return self.changes(self.board.changes_of(touched), now) if touched else None

    def tick(self, now: datetime) -> dict[str, Any] | None:
        """The clock passed midnight without an event: the new (empty) day to push, else None."""
        return self.changes(self.board.tick(now), now)

    def sequenced(self, change: dict[str, Any]) -> dict[str, Any]:
        """`change` as it is sent: with the next `seq`."""
        self.seq += 1
        return {**change, "seq": self.seq}

    def changes(self, changes: Changes, now: datetime) -> dict[str, Any] | None:
        if not changes:
            return None
        payload: dict[str, Any] = {
            "now": now.isoformat(),
            "new_day": changes.new_day,
            "queues": [self.queue(q) for q in changes.queues],
            "operators": [self.operator(o) for o in changes.operators],
            "intervals": [self.interval(i) for i in changes.intervals],
        }
        if changes.new_day:
            payload["day"] = self._day()
            payload["queues"] = self._every_queue()  # the rules' queues too, at zero
        return payload

    def retitle(
        self, titles: Mapping[str, str], targets: Callable[[str], QueueTargets], now: datetime
    ) -> dict[str, Any]:
        """New routing rules (an upload in the admin console): every queue with its new title and targets, to
        push. The figures themselves stay as folded (their thresholds are the board's, fixed for the day)."""
        self.titles = titles
        self.targets = targets
        return {
            "now": now.isoformat(),
            "new_day": False,
            "queues": self._every_queue(),
            "operators": [],
            "intervals": [],
        }

    def set_campaigns(self, campaigns: Iterable[CampaignFigures], now: datetime) -> dict[str, Any]:
        """The dialer's figures changed: the campaigns to push (all of them; there are few)."""
        self.campaigns = tuple(campaigns)
        return {"now": now.isoformat(), "campaigns": [c.to_json() for c in self.campaigns]}

    # -------------------------------------------------------------- the full picture
    def full(self, now: datetime) -> dict[str, Any]:
        board = self.board.figures()
        return {
            "seq": self.seq,
            "now": now.isoformat(),
            "day": self._day(),
            "interval_minutes": int(st.INTERVAL.total_seconds() // 60),
            "short_abandon_seconds": st.SHORT_ABANDON_SECONDS,
            "queues": self._every_queue(),
            "operators": [self.operator(o) for o in board.operators],
            "intervals": [self.interval(i) for i in board.intervals],
            "campaigns": [c.to_json() for c in self.campaigns],
        }

    def _day(self) -> str | None:
        return self.board.day.isoformat() if self.board.day else None

    def _every_queue(self) -> list[dict[str, Any]]:
        """The rules' queues first (in their order, also before their first call), then any other the PBX
        has (a queue missing from the rules still has callers)."""
        b = self.board
        known = {*b.queue_totals, *b.board, *b.members}  # the queues WallboardStats.figures() lists
        names = [*self.titles, *sorted(known - set(self.titles))]
        return [self.queue(self.board.queue_figures(name)) for name in names]

    # -------------------------------------------------------------- one figure each
    def queue(self, figures: QueueFigures) -> dict[str, Any]:
        return {
            **figures.to_json(),
            "title": self.titles.get(figures.queue, figures.queue),
            "abandoned_pct": abandoned_pct(figures.day),
            "targets": self.targets(figures.queue).to_json(),
        }

    def operator(self, figures: OperatorFigures) -> dict[str, Any]:
        return {**figures.to_json(), "name": self.names(figures.interface) or figures.name}

    def interval(self, figures: IntervalFigures) -> dict[str, Any]:
        return figures.to_json()


_KEYS = {"queues": ("queue",), "operators": ("interface",), "intervals": ("queue", "index")}


def merge(older: dict[str, Any] | None, newer: dict[str, Any]) -> dict[str, Any]:
    """Two unsent changes as one: for each figure the newer wins; a new day in either makes it a new day (its
    payload holds every figure, and what came after it overwrites them)."""
    if older is None:
        return newer
    merged: dict[str, Any] = {**older, **newer}
    merged["new_day"] = bool(older.get("new_day") or newer.get("new_day"))
    for name, key in _KEYS.items():
        if name in older or name in newer:
            by_key = {tuple(f[k] for k in key): f for f in older.get(name, [])}
            by_key.update({tuple(f[k] for k in key): f for f in newer.get(name, [])})
            merged[name] = list(by_key.values())
    return merged
