"""Operators' states for the reports (pure): each phone's queue memberships and pauses, folded from the PBX's
member events into changes of one state per phone — ready, paused with a reason, or signed out.

A member is paused per queue (the PBX sends one event per queue), so a phone is paused while any of its
queues is, with the reason it was paused for; after-call work is the pause `after_call_work` the workstation
puts a member in (workstation/presence.py), so wrap-up time is stored like any pause. A static member paused
with `signed_out` (its operator left) counts as not signed in. Only a change of the phone's state gives a
`StateChange`: the second queue's echo of the same pause gives none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from crm_store.reports_states import StateChange
from cti import events as ev

from .presence import SIGNED_OUT

READY, PAUSED = "ready", "paused"


@dataclass(frozen=True, slots=True, kw_only=True)
class Phone:
    queues: Mapping[str, str | None] = field(default_factory=dict)  # queue -> pause reason ("" no reason), None: ready
    state: str | None = None  # ready | paused | None (signed out)
    reason: str | None = None


def _state_of(queues: Mapping[str, str | None], before: Phone) -> tuple[str | None, str | None]:
    active = {q: r for q, r in queues.items() if r != SIGNED_OUT}
    if not active:
        return None, None
    reasons = {r for r in active.values() if r is not None}
    if not reasons:
        return READY, None
    if before.state == PAUSED and before.reason in reasons:
        return PAUSED, before.reason
    return PAUSED, min(reasons)


def step(phones: Mapping[str, Phone], event: object) -> tuple[Mapping[str, Phone], tuple[StateChange, ...]]:
    """Fold one event; returns the phones and the state changes to store (none for other events). The phones
    come back as they were, not copied, when the event is not a member's: most events are calls."""
    if not isinstance(event, ev.AgentStateChanged):
        return phones, ()
    out = dict(phones)
    return out, step_into(out, event)


def step_into(phones: dict[str, Phone], event: object) -> tuple[StateChange, ...]:
    """`step` for a holder that owns its dict: the phone is replaced in place. Copying 2,000 phones on every
    member event (several a call) was a walk over every operator per event."""
    if not isinstance(event, ev.AgentStateChanged):
        return ()
    before = phones.get(event.agent, Phone())
    queues = dict(before.queues)
    if event.change is ev.MemberChange.REMOVED:
        queues.pop(event.queue, None)
    else:
        queues[event.queue] = (event.pause_reason or "") if event.paused else None
    state, reason = _state_of(queues, before)
    phones[event.agent] = Phone(queues=queues, state=state, reason=reason)
    if (state, reason) == (before.state, before.reason):
        return ()
    return (StateChange(agent=event.agent, at=event.at, state=state, reason=reason),)
