"""Operator presence (pure): signed in to queues, paused with a reason, ringing, talking.

The PBX is the source of truth for membership and pause state: after a restart of ccdesk the
presence is rebuilt from the member snapshot the CTI resync sends (AgentStateChanged SNAPSHOT).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from cti import control as cc
from cti import events as ev

PAUSE_REASONS = ("break", "lunch", "after_call_work", "training")


@dataclass(frozen=True, slots=True, kw_only=True)
class Presence:
    interface: str
    queues: tuple[str, ...] = ()
    paused: bool = False
    paused_reason: str | None = None
    call_id: str | None = None
    call_state: str | None = None  # ringing | talking | wrap_up
    since: datetime | None = None

    @property
    def state(self) -> str:
        if not self.queues:
            return "signed_out"
        if self.call_state in ("ringing", "talking"):
            return self.call_state
        if self.paused:
            return "paused"
        if self.call_state == "wrap_up":
            return "wrap_up"
        return "available"

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "queues": list(self.queues),
            "paused": self.paused,
            "paused_reason": self.paused_reason,
            "call_id": self.call_id,
            "since": self.since.isoformat() if self.since else None,
        }


def interface_for(extension: str) -> str:
    return extension if "/" in extension else f"PJSIP/{extension}"


def sign_in(p: Presence, queues: tuple[str, ...], member_name: str) -> tuple[cc.QueueAdd | cc.QueueRemove, ...]:
    """Commands that make the phone a member of exactly `queues`."""
    adds = tuple(
        cc.QueueAdd(queue=q, interface=p.interface, member_name=member_name, paused=p.paused, reason=p.paused_reason)
        for q in queues
        if q not in p.queues
    )
    removes = tuple(cc.QueueRemove(queue=q, interface=p.interface) for q in p.queues if q not in queues)
    return adds + removes


def sign_out(p: Presence) -> tuple[cc.QueueRemove, ...]:
    return tuple(cc.QueueRemove(queue=q, interface=p.interface) for q in p.queues)


def pause(p: Presence, reason: str) -> tuple[cc.QueuePause, ...]:
    if reason not in PAUSE_REASONS:
        raise ValueError(f"unknown pause reason {reason!r}: one of {', '.join(PAUSE_REASONS)}")
    if not p.queues:
        raise ValueError("sign in to a queue before pausing")
    return (cc.QueuePause(interface=p.interface, paused=True, reason=reason),)


def resume(p: Presence) -> tuple[cc.QueuePause, ...]:
    return (cc.QueuePause(interface=p.interface, paused=False),) if p.paused else ()


def apply(p: Presence, event: object) -> Presence:
    """Fold a CTI event about this phone into its presence."""
    match event:
        case ev.AgentStateChanged(change=ev.MemberChange.REMOVED):
            return replace(p, queues=tuple(q for q in p.queues if q != event.queue), since=event.at)
        case ev.AgentStateChanged():
            queues = p.queues if event.queue in p.queues else (*p.queues, event.queue)
            return replace(
                p,
                queues=queues,
                paused=event.paused,
                paused_reason=(event.pause_reason or None) if event.paused else None,
                since=event.at if (event.paused != p.paused or queues != p.queues) else p.since,
            )
        case ev.AgentRinging():
            return replace(p, call_id=event.call_id, call_state="ringing", since=event.at)
        case ev.AgentRingNoAnswer() if p.call_state == "ringing":
            return replace(p, call_id=None, call_state=None, since=event.at)
        case ev.CallAnswered() if event.call_id == p.call_id or event.agent == p.interface:
            return replace(p, call_id=event.call_id, call_state="talking", since=event.at)
        case ev.CallTransferred() if event.call_id == p.call_id:
            return replace(p, call_state="wrap_up", since=event.at)
        case ev.CallEnded() if event.call_id == p.call_id:
            return replace(p, call_state="wrap_up", since=event.at)
    return p


def finish_wrap_up(p: Presence) -> Presence:
    return replace(p, call_id=None, call_state=None) if p.call_state == "wrap_up" else p
