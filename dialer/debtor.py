"""One debtor in a campaign as a pure state machine: `step(policy, debtor, event) -> (debtor, commands)`.

The state says when the debtor may be tried again and on which number; whether a dial is allowed at all
is compliance.clear's question, asked at the moment of dialling.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from .limits import Contact
from .retry import Retry, RetryRules
from .vocabulary import AttemptResult, Disposition

# Contacts older than this cannot count against any limit (the longest run is 31 days): dropped.
HISTORY_KEPT = timedelta(days=62)
# Dispositions after which this campaign never calls the debtor again.
CLOSING = frozenset({Disposition.PAID_ALREADY, Disposition.DISPUTE, Disposition.DECEASED})
NUMBER_ORDER: tuple[str, ...] = ("mobile", "home", "work", "other")


@dataclass(frozen=True, slots=True, kw_only=True)
class DebtorNumber:
    e164: str
    kind: str = "mobile"
    primary: bool = False
    wrong: bool = False  # marked wrong number: never dialled again


@dataclass(frozen=True, slots=True, kw_only=True)
class Debtor:
    debtor_id: int
    region: str | None
    numbers: tuple[DebtorNumber, ...]
    history: tuple[Contact, ...] = ()
    attempts: int = 0
    not_before: datetime | None = None  # the retry schedule
    number: str | None = None  # the number of the next attempt (None: the first in order)
    promised_on: date | None = None
    promised_kop: int | None = None
    callback_at: datetime | None = None
    closed: Disposition | None = None
    dialling: str | None = None  # the number of the attempt in progress
    dialled_at: datetime | None = None


# ------------------------------------------------------------------ events


@dataclass(frozen=True, slots=True, kw_only=True)
class Dialled:
    """The edge placed the call that compliance.clear allowed."""

    debtor_id: int
    e164: str
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class AttemptEnded:
    debtor_id: int
    result: AttemptResult
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class Disposed:
    """The operator's result of a conversation."""

    debtor_id: int
    disposition: Disposition
    at: datetime
    amount_kop: int | None = None
    promised_on: date | None = None
    callback_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ReminderSent:
    debtor_id: int
    at: datetime


Event = Dialled | AttemptEnded | Disposed | ReminderSent

# ------------------------------------------------------------------ commands


@dataclass(frozen=True, slots=True, kw_only=True)
class Schedule:
    """Try the debtor again not before `at` (the edge keeps its queue ordered by this)."""

    debtor_id: int
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class MarkWrongNumber:
    debtor_id: int
    e164: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Close:
    debtor_id: int
    disposition: Disposition


Command = Schedule | MarkWrongNumber | Close
Result = tuple[Debtor, tuple[Command, ...]]


class DebtorError(ValueError):
    """An event that does not fit the debtor's state (an attempt that was never dialled, a bad promise)."""


def ordered_numbers(numbers: tuple[DebtorNumber, ...], order: tuple[str, ...] = NUMBER_ORDER) -> list[DebtorNumber]:
    """By kind (mobile first, then home, …), the primary first within a kind, then as listed."""
    rank = {kind: i for i, kind in enumerate(order)}
    indexed = sorted(enumerate(numbers), key=lambda p: (rank.get(p[1].kind, len(order)), not p[1].primary, p[0]))
    return [n for _, n in indexed]


def step(rules: RetryRules, debtor: Debtor, event: Event, *, order: tuple[str, ...] = NUMBER_ORDER) -> Result:
    if event.debtor_id != debtor.debtor_id:
        raise DebtorError(f"event for debtor {event.debtor_id} given to debtor {debtor.debtor_id}")
    if isinstance(event, Dialled):
        if debtor.dialling is not None:
            raise DebtorError(f"debtor {debtor.debtor_id} is already being dialled on {debtor.dialling}")
        return replace(debtor, dialling=event.e164, dialled_at=event.at, attempts=debtor.attempts + 1), ()
    if isinstance(event, ReminderSent):
        return replace(debtor, history=_kept(debtor.history, Contact(at=event.at, reminder=True), event.at)), ()
    if isinstance(event, AttemptEnded):
        return _ended(rules, debtor, event, order)
    return _disposed(rules, debtor, event, order)


def _kept(history: tuple[Contact, ...], new: Contact, now: datetime) -> tuple[Contact, ...]:
    return (*(c for c in history if now - c.at < HISTORY_KEPT), new)


def _ended(rules: RetryRules, debtor: Debtor, event: AttemptEnded, order: tuple[str, ...]) -> Result:
    if debtor.dialling is None or debtor.dialled_at is None:
        raise DebtorError(f"debtor {debtor.debtor_id}: an attempt ended that was never dialled")
    started = debtor.dialled_at
    history = _kept(debtor.history, Contact(at=started, talked=event.result is AttemptResult.ANSWERED), event.at)
    if event.result is AttemptResult.ABANDONED:  # the recorded message counts as a reminder
        history = (*history, Contact(at=started, reminder=True))
    done = replace(debtor, history=history, number=debtor.dialling, dialling=None, dialled_at=None)
    return _retry(rules, done, rules.results[event.result], event.at, order)


def _retry(rules: RetryRules, debtor: Debtor, retry: Retry, now: datetime, order: tuple[str, ...]) -> Result:
    if debtor.attempts >= rules.max_attempts:
        return replace(debtor, not_before=None), ()
    number, delay = debtor.number, retry.delay
    if retry.next_number:
        usable = [n.e164 for n in ordered_numbers(debtor.numbers, order) if not n.wrong]
        if not usable:
            return replace(debtor, number=None, not_before=None), ()
        position = usable.index(number) if number in usable else -1
        if position + 1 < len(usable):  # the round of numbers goes on: the next one soon
            number, delay = usable[position + 1], min(delay, rules.next_number_delay)
        else:
            number = usable[0]
    at = now + delay
    return replace(debtor, number=number, not_before=at), (Schedule(debtor_id=debtor.debtor_id, at=at),)


def _disposed(rules: RetryRules, debtor: Debtor, event: Disposed, order: tuple[str, ...]) -> Result:
    kind = event.disposition
    if kind in CLOSING:
        closed = replace(debtor, closed=kind, not_before=None)
        return closed, (Close(debtor_id=debtor.debtor_id, disposition=kind),)
    if kind is Disposition.PROMISE_TO_PAY:
        if event.promised_on is None or event.amount_kop is None or event.amount_kop <= 0:
            raise DebtorError("a promise to pay needs an amount and a date")
        if event.promised_on < event.at.date() - timedelta(days=1):
            raise DebtorError(f"the promised date {event.promised_on} is in the past")
        promised = replace(debtor, promised_on=event.promised_on, promised_kop=event.amount_kop, not_before=None)
        return promised, ()  # compliance holds the debtor until the date; the edge re-queues on its own
    if kind is Disposition.CALL_BACK:
        if event.callback_at is None or event.callback_at <= event.at:
            raise DebtorError("a call back needs a time in the future")
        at = event.callback_at
        return replace(debtor, callback_at=at, not_before=at), (Schedule(debtor_id=debtor.debtor_id, at=at),)
    if kind is Disposition.WRONG_NUMBER:
        wrong = debtor.number
        numbers = tuple(replace(n, wrong=True) if n.e164 == wrong else n for n in debtor.numbers)
        marked = replace(debtor, numbers=numbers)
        rest = [n.e164 for n in ordered_numbers(numbers, order) if not n.wrong]
        commands: tuple[Command, ...] = (MarkWrongNumber(debtor_id=debtor.debtor_id, e164=wrong),) if wrong else ()
        if not rest:
            return replace(marked, number=None, not_before=None), commands
        at = event.at + rules.dispositions[kind].delay
        after = replace(marked, number=rest[0], not_before=at)
        return after, (*commands, Schedule(debtor_id=debtor.debtor_id, at=at))
    return _retry(rules, debtor, rules.dispositions[kind], event.at, order)
