"""The IVR flow as a pure state machine: `step(menu, state, event) -> (state, commands)`.

No sockets, no database, no clock: the session edge (session.py) runs the commands — AGI for the
channel, the backend for data, routing for queues — and feeds their outcome back as the next event.
Every batch of commands ends with exactly one command that produces the next event (GetDigits, a
data request, RouteCall) or with Finish. What each action does is in actions.py.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from crm_store.phones import normalize_phone

from .actions import HANDLERS, goto
from .commands import Answer, CallerHungUp, CallStarted, Event, RequestFailed
from .menu import Menu
from .state import (
    PATH_LIMIT,
    VAR_PATH,
    VAR_PRIORITY,
    VAR_QUEUE,
    FlowError,
    IvrState,
    Result,
    finish,
    outcome_of,
    path_string,
)
from .values import IvrSessionRecord

__all__ = [
    "PATH_LIMIT",
    "VAR_PATH",
    "VAR_PRIORITY",
    "VAR_QUEUE",
    "FlowError",
    "IvrState",
    "Result",
    "path_string",
    "session_record",
    "start",
    "step",
]


def start(menu: Menu, *, caller_id: str, language: str = "") -> Result:
    """The first step of a call: normalise the caller's number, answer, enter the start node."""
    lang = language if language in menu.prompts else menu.language
    state = IvrState(language=lang, caller=normalize_phone(caller_id))
    return goto(menu, state, menu.start, (Answer(),))


def step(menu: Menu, state: IvrState, event: Event) -> Result:
    if isinstance(event, CallStarted):
        return start(menu, caller_id=event.caller_id, language=event.language)
    if state.finished:
        return (replace(state, hung_up=True), ()) if isinstance(event, CallerHungUp) else (state, ())
    if isinstance(event, CallerHungUp):
        path = state.path if event.path_length is None else state.path[: event.path_length]
        return finish(replace(state, hung_up=True, path=path))
    if isinstance(event, RequestFailed):
        if state.node == menu.fallback:  # even routing failed: end, the dialplan hangs up
            return finish(state)
        return goto(menu, state, menu.fallback)
    node = menu.nodes[state.node]
    handler = HANDLERS[node.action]
    result = handler(menu, node, state, event)
    if result is None:
        raise FlowError(f"node {node.id!r} ({node.action}, stage {state.stage!r}) got {event!r}")
    return result


def session_record(
    state: IvrState,
    *,
    call_id: str,
    channel: str,
    caller_id: str,
    started_at: datetime,
    ended_at: datetime,
) -> IvrSessionRecord:
    account = state.account
    return IvrSessionRecord(
        call_id=call_id,
        channel=channel,
        caller=state.caller or caller_id or None,
        started_at=started_at,
        ended_at=ended_at,
        path=state.path,
        customer_id=state.customer_id,
        account_id=account.account_id if account else None,
        account_number=account.number if account else None,
        identified_by=state.identified_by,
        outcome=state.outcome or outcome_of(state),
        hung_up=state.hung_up,
        decision=state.decision,
    )
