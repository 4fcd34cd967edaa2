"""The day's queue and operator statistics recomputed from the stored call cards (read-only, aggregated in SQL).

The wallboard keeps these figures live (workstation/wallboard.py) and rebuilds them from here after a restart;
both read the same card fields through the definitions below, written once in Python (`card_counts`, what the
live fold adds per card) and once in SQL (`_queue_columns`, what the recomputation sums), side by side so that
they are kept alike — tests/store/test_stats.py checks them against each other card by card.

Definitions (per call card, i.e. per call, whatever happened to it):
* the call belongs to the day and the 15-minute interval of its `offered_at` (when it reached us), in the
  contact center's local day, and to the queue the card names (the last queue it was put in);
* offered: a card with a queue;
* answered: `answered_at` is set (an operator took it; the card keeps the first answer);
* abandoned: not answered and `outcome` = abandoned (the caller hung up waiting);
* short abandon: an abandon with a stored wait under 5 s (a misdial or a caller who changed their mind);
* answered within the service level: answered with a stored wait ≤ the queue's threshold (20 s by default);
* service level = answered within / (answered + abandoned − short abandons), the usual definition that
  neither rewards nor punishes callers who hang up at once;
* ASA (average speed of answer) = the stored waits of the answered calls / answered;
* AHT (average handle time) = the stored talk times / the answered calls that have one (ended or handed on):
  cards do not record after-call work, so it is talk time;
* waited seconds: the stored waits of answered and abandoned calls (the chart's average calls waiting is
  waited seconds / the interval's length);
* per operator (the card's `agent_interface`, the operator who answered first): answered calls, and their
  talk time as for AHT.
Waits and talk times are the whole seconds stored on the card (workstation/cards.py rounds them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any, Self

from sqlalchemy import Connection, and_, case, func, select

from .db import Database
from .models import Interaction
from .records import KeepFirst

INTERVAL = timedelta(minutes=15)
SHORT_ABANDON_SECONDS = 5
DEFAULT_SERVICE_LEVEL_SECONDS = 20
ANSWERED, ABANDONED, ENDED = "answered", "abandoned", "ended"
# Calls still going on are followed from their cards even when offered the day before (they count for that
# day, but their card exists: a call re-offered by the tracker's resync must not count as a new one today).
OPEN_LOOKBACK = timedelta(days=1)


@dataclass(frozen=True, slots=True, kw_only=True)
class Counts:
    """What a set of calls adds up to; a single card's contribution is a Counts of 0s and 1s and seconds."""

    offered: int = 0
    answered: int = 0
    answered_within: int = 0
    abandoned: int = 0
    short_abandoned: int = 0
    answer_wait_seconds: int = 0
    talked: int = 0
    talk_seconds: int = 0
    waited_seconds: int = 0

    def __add__(self, other: Counts) -> Counts:
        return Counts(**{n: getattr(self, n) + getattr(other, n) for n in _COUNT_FIELDS})

    def __sub__(self, other: Counts) -> Counts:
        return Counts(**{n: getattr(self, n) - getattr(other, n) for n in _COUNT_FIELDS})

    @property
    def service_level(self) -> float | None:
        """Percent answered within the threshold of the calls that count (None when none do)."""
        base = self.answered + self.abandoned - self.short_abandoned
        return 100.0 * self.answered_within / base if base else None

    @property
    def asa_seconds(self) -> float | None:
        return self.answer_wait_seconds / self.answered if self.answered else None

    @property
    def aht_seconds(self) -> float | None:
        return self.talk_seconds / self.talked if self.talked else None

    def to_json(self) -> dict[str, Any]:
        return {
            **{n: getattr(self, n) for n in _COUNT_FIELDS},
            "service_level": self.service_level,
            "asa_seconds": self.asa_seconds,
            "aht_seconds": self.aht_seconds,
        }


ZERO = Counts()
_COUNT_FIELDS = tuple(f.name for f in fields(Counts))


@dataclass(frozen=True, slots=True, kw_only=True)
class CardFacts:
    """The fields of a call card the statistics read (and the live fold keeps for calls in progress)."""

    call_id: str
    offered_at: datetime
    direction: str = "inbound"
    state: str = "offered"
    queue: str | None = None
    agent_interface: str | None = None
    answered_at: datetime | None = None
    outcome: str | None = None
    wait_seconds: int | None = None
    talk_seconds: int | None = None
    transferred_to: str | None = None
    ivr_ran: bool = False
    caller_number: str | None = None
    called_number: str | None = None

    def changed(self, values: Mapping[str, Any]) -> Self:
        """The card after one stored step, as the card writer stores it (a `KeepFirst` fills only a gap)."""
        known = {
            k: v.value if isinstance(v, KeepFirst) else v
            for k, v in values.items()
            if k in _FACT_FIELDS and not (isinstance(v, KeepFirst) and getattr(self, k) is not None)
        }
        return self if not known else type(self)(**{**{n: getattr(self, n) for n in _FACT_FIELDS}, **known})


_FACT_FIELDS = tuple(f.name for f in fields(CardFacts))


def card_counts(card: CardFacts, threshold_seconds: int) -> Counts:
    """One card's part of its queue's figures (the Python half of the definitions; `_queue_columns` is the SQL)."""
    answered = card.answered_at is not None
    abandoned = not answered and card.outcome == ABANDONED
    wait = card.wait_seconds or 0
    talked = answered and card.talk_seconds is not None
    return Counts(
        offered=1,
        answered=int(answered),
        answered_within=int(answered and wait <= threshold_seconds),
        abandoned=int(abandoned),
        short_abandoned=int(abandoned and card.wait_seconds is not None and card.wait_seconds < SHORT_ABANDON_SECONDS),
        answer_wait_seconds=wait if answered else 0,
        talked=int(talked),
        talk_seconds=(card.talk_seconds or 0) if talked else 0,
        waited_seconds=wait if answered or abandoned else 0,
    )


def _queue_columns(threshold: Any) -> list[Any]:
    c = Interaction.__table__.c
    answered = c.answered_at.is_not(None)
    abandoned = and_(c.answered_at.is_(None), c.outcome == ABANDONED)
    wait = func.coalesce(c.wait_seconds, 0)
    talked = and_(answered, c.talk_seconds.is_not(None))

    def total(condition: Any, value: Any = 1) -> Any:
        return func.coalesce(func.sum(case((condition, value), else_=0)), 0)

    return [
        func.count().label("offered"),
        total(answered).label("answered"),
        total(and_(answered, wait <= threshold)).label("answered_within"),
        total(abandoned).label("abandoned"),
        total(and_(abandoned, c.wait_seconds < SHORT_ABANDON_SECONDS)).label("short_abandoned"),
        total(answered, wait).label("answer_wait_seconds"),
        total(talked).label("talked"),
        total(talked, c.talk_seconds).label("talk_seconds"),
        total(answered | abandoned, wait).label("waited_seconds"),
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class OperatorCounts:
    answered: int = 0
    talked: int = 0
    talk_seconds: int = 0

    def __add__(self, other: OperatorCounts) -> OperatorCounts:
        return OperatorCounts(
            answered=self.answered + other.answered,
            talked=self.talked + other.talked,
            talk_seconds=self.talk_seconds + other.talk_seconds,
        )

    def __sub__(self, other: OperatorCounts) -> OperatorCounts:
        return OperatorCounts(
            answered=self.answered - other.answered,
            talked=self.talked - other.talked,
            talk_seconds=self.talk_seconds - other.talk_seconds,
        )


NO_OPERATOR_COUNTS = OperatorCounts()


def operator_counts(card: CardFacts) -> OperatorCounts:
    """One card's part of its operator's figures (SQL: `_operator_columns`)."""
    if card.agent_interface is None or card.answered_at is None:
        return NO_OPERATOR_COUNTS
    talked = card.talk_seconds is not None
    return OperatorCounts(answered=1, talked=int(talked), talk_seconds=card.talk_seconds or 0)


def _operator_columns() -> list[Any]:
    c = Interaction.__table__.c
    return [
        func.count().label("answered"),
        func.count(c.talk_seconds).label("talked"),
        func.coalesce(func.sum(c.talk_seconds), 0).label("talk_seconds"),
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class DayStats:
    """The stored cards of one day, summed: per (queue, interval index), per operator, and the cards of calls
    still in progress (what the live fold needs to follow them on)."""

    start: datetime  # the day's first instant (aware)
    end: datetime
    intervals: Mapping[tuple[str, int], Counts]
    operators: Mapping[str, OperatorCounts]
    open_cards: tuple[CardFacts, ...]  # offered from a day before `start` on


def interval_starts(start: datetime, end: datetime) -> list[datetime]:
    """The instants the day's intervals begin (a day of a DST change has 92 or 100 of them)."""
    count = -(-(end - start) // INTERVAL)
    return [start + i * INTERVAL for i in range(count)]


def interval_index(start: datetime, at: datetime) -> int:
    return (at - start) // INTERVAL


def day_stats_sync(
    conn: Connection,
    *,
    start: datetime,
    end: datetime,
    service_levels: Mapping[str, int] | None = None,
    default_service_level: int = DEFAULT_SERVICE_LEVEL_SECONDS,
) -> DayStats:
    c = Interaction.__table__.c
    in_day = and_(c.offered_at >= start, c.offered_at < end)
    starts = interval_starts(start, end)
    # Exact on both backends: timestamps compared, never converted to numbers.
    bucket = case(*((c.offered_at < s + INTERVAL, i) for i, s in enumerate(starts)), else_=len(starts) - 1).label(
        "bucket"
    )
    levels = dict(service_levels or {})
    threshold: Any = case(levels, value=c.queue, else_=default_service_level) if levels else default_service_level
    queue_rows = conn.execute(
        select(c.queue, bucket, *_queue_columns(threshold))
        .where(in_day, c.queue.is_not(None))
        .group_by(c.queue, bucket)
    ).mappings()
    intervals = {
        (r["queue"], int(r["bucket"])): Counts(**{f.name: int(r[f.name]) for f in fields(Counts)}) for r in queue_rows
    }
    operator_rows = conn.execute(
        select(c.agent_interface, *_operator_columns())
        .where(in_day, c.agent_interface.is_not(None), c.answered_at.is_not(None))
        .group_by(c.agent_interface)
    ).mappings()
    operators = {
        r["agent_interface"]: OperatorCounts(
            answered=int(r["answered"]), talked=int(r["talked"]), talk_seconds=int(r["talk_seconds"])
        )
        for r in operator_rows
    }
    open_rows = conn.execute(
        select(
            c.call_id,
            c.offered_at,
            c.direction,
            c.state,
            c.queue,
            c.agent_interface,
            c.answered_at,
            c.outcome,
            c.wait_seconds,
            c.talk_seconds,
            c.transferred_to,
            c.ivr_path,
            c.caller_number,
            c.called_number,
        )
        .where(c.offered_at >= start - OPEN_LOOKBACK, c.offered_at < end, c.state != ENDED, c.call_id.is_not(None))
        .order_by(c.offered_at, c.id)
    ).mappings()
    open_cards = tuple(
        CardFacts(
            call_id=r["call_id"],
            offered_at=r["offered_at"],
            direction=r["direction"],
            state=r["state"],
            queue=r["queue"],
            agent_interface=r["agent_interface"],
            answered_at=r["answered_at"],
            outcome=r["outcome"],
            wait_seconds=r["wait_seconds"],
            talk_seconds=r["talk_seconds"],
            transferred_to=r["transferred_to"],
            ivr_ran=bool(r["ivr_path"]) or r["state"] == "ivr",
            caller_number=r["caller_number"],
            called_number=r["called_number"],
        )
        for r in open_rows
    )
    return DayStats(start=start, end=end, intervals=intervals, operators=operators, open_cards=open_cards)


async def day_stats(
    db: Database,
    *,
    start: datetime,
    end: datetime,
    service_levels: Mapping[str, int] | None = None,
    default_service_level: int = DEFAULT_SERVICE_LEVEL_SECONDS,
) -> DayStats:
    """The day [start, end) recomputed from the cards: two grouped queries and the cards still open."""
    return await db.run_read(
        lambda conn: day_stats_sync(
            conn, start=start, end=end, service_levels=service_levels, default_service_level=default_service_level
        )
    )
