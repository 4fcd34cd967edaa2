"""The IVR flow's state and the moves that end a session (pure; see flow.py)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from routing import RoutingDecision

from .commands import Command, Finish, Hangup, SetVariable
from .errors import IvrError
from .values import ABANDONED, SELF_SERVED, SERVED_MARK, TRANSFERRED, AccountInfo

VAR_QUEUE = "CCDESK_QUEUE"
VAR_PRIORITY = "CCDESK_PRIORITY"
VAR_PATH = "CCDESK_IVR_PATH"
PATH_LIMIT = 200  # characters of CCDESK_IVR_PATH; the full path is on the call card

Result = tuple["IvrState", tuple[Command, ...]]


@dataclass(frozen=True, slots=True, kw_only=True)
class IvrState:
    node: str = ""
    stage: str = ""  # where inside the node: choice | digits | lookup | confirm | store | …
    attempts: int = 0  # failed attempts at the current node
    steps: int = 0  # nodes entered so far (loop guard)
    language: str = "ru"
    caller: str | None = None  # E.164 when the caller ID is a valid number
    account: AccountInfo | None = None
    customer_id: int | None = None
    segment: str | None = None
    vip: bool = False
    identified_by: str | None = None  # phone | account
    path: tuple[str, ...] = ()
    previous_reading: int | None = None
    reading: int | None = None  # entered, waiting for confirmation / storage
    callback_phone: str | None = None  # the number a call-back was booked for (caller ID or typed)
    decision: RoutingDecision | None = None
    outcome: str | None = None  # set when the session is over
    hung_up: bool = False

    @property
    def finished(self) -> bool:
        return self.outcome is not None


class FlowError(IvrError):
    """An event arrived that the current node cannot take: a bug in the edge, never caller input."""


def path_string(path: tuple[str, ...], limit: int = PATH_LIMIT) -> str:
    """The compact path for CCDESK_IVR_PATH: `identify>main:1>balance>+balance`."""
    text = ">".join(path)
    return text if len(text) <= limit else "..." + text[-(limit - 3) :]


def mark_served(state: IvrState, mark: str) -> IvrState:
    return replace(state, path=(*state.path, SERVED_MARK + mark))


def outcome_of(state: IvrState) -> str:
    if state.decision is not None:
        return TRANSFERRED
    if any(p.startswith(SERVED_MARK) for p in state.path):
        return SELF_SERVED
    return ABANDONED


def finish(
    state: IvrState,
    before: tuple[Command, ...] = (),
    after: tuple[Command, ...] = (),
    *,
    hangup: bool = False,
) -> Result:
    state = replace(state, outcome=outcome_of(state))
    if state.hung_up:  # nothing more to say to a dead channel
        return state, (*before, Finish())
    path = SetVariable(name=VAR_PATH, value=path_string(state.path))
    end = (Hangup(), Finish()) if hangup else (Finish(),)
    return state, (*before, path, *after, *end)


def with_account(state: IvrState, account: AccountInfo, by: str) -> IvrState:
    return replace(
        state,
        account=account,
        customer_id=account.customer_id,
        segment=account.segment,
        vip=account.vip,
        identified_by=by,
    )
