"""Preview pacing for one operator: the card is shown, the operator dials or skips within a time limit.

`step(limit, state, event, now) -> (state, commands)`. When the limit passes, `on_timeout` decides: dial
(timed preview, the default) or skip. A dial request still goes through compliance.clear at that moment:
the card may have waited past the window's close.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from .errors import PolicyError


class OnTimeout(enum.StrEnum):
    DIAL = "dial"
    SKIP = "skip"


@dataclass(frozen=True, slots=True, kw_only=True)
class PreviewLimit:
    limit: timedelta = timedelta(seconds=30)
    on_timeout: OnTimeout = OnTimeout.DIAL

    def __post_init__(self) -> None:
        if self.limit <= timedelta(0):
            raise PolicyError("the preview time limit must be positive")


@dataclass(frozen=True, slots=True, kw_only=True)
class PreviewState:
    operator: str
    debtor_id: int | None = None
    deadline: datetime | None = None


# events
@dataclass(frozen=True, slots=True, kw_only=True)
class CardOffered:
    debtor_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class DialPressed:
    debtor_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class SkipPressed:
    debtor_id: int


@dataclass(frozen=True, slots=True, kw_only=True)
class Tick:
    pass


Event = CardOffered | DialPressed | SkipPressed | Tick


# commands
@dataclass(frozen=True, slots=True, kw_only=True)
class ShowCard:
    operator: str
    debtor_id: int
    deadline: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class RequestDial:
    """Ask compliance.clear for a Dial to this debtor, for this operator."""

    operator: str
    debtor_id: int
    timed_out: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class ReleaseDebtor:
    """Back to the campaign's list: skipped by the operator, or the limit passed with on_timeout=skip."""

    operator: str
    debtor_id: int
    timed_out: bool = False


Command = ShowCard | RequestDial | ReleaseDebtor


def step(
    limit: PreviewLimit, state: PreviewState, event: Event, now: datetime
) -> tuple[PreviewState, tuple[Command, ...]]:
    if isinstance(event, CardOffered):
        if state.debtor_id is not None:
            return state, ()  # one card at a time: the offer is ignored, the edge offers it elsewhere
        deadline = now + limit.limit
        shown = replace(state, debtor_id=event.debtor_id, deadline=deadline)
        return shown, (ShowCard(operator=state.operator, debtor_id=event.debtor_id, deadline=deadline),)
    if state.debtor_id is None or state.deadline is None:
        return state, ()
    idle = replace(state, debtor_id=None, deadline=None)
    if isinstance(event, Tick) or now >= state.deadline:  # a click that comes after the limit is too late
        if now < state.deadline:
            return state, ()
        if limit.on_timeout is OnTimeout.DIAL:
            return idle, (RequestDial(operator=state.operator, debtor_id=state.debtor_id, timed_out=True),)
        return idle, (ReleaseDebtor(operator=state.operator, debtor_id=state.debtor_id, timed_out=True),)
    if event.debtor_id != state.debtor_id:
        return state, ()  # a click on a card that is no longer shown
    if isinstance(event, DialPressed):
        return idle, (RequestDial(operator=state.operator, debtor_id=state.debtor_id),)
    return idle, (ReleaseDebtor(operator=state.operator, debtor_id=state.debtor_id),)
