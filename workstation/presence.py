"""Operator presence (pure): queue memberships, pauses with reasons, ringing, talking and after-call work.

The PBX is the source of truth for membership and pause state: after a restart of ccdesk the presence is
rebuilt from the member snapshot the CTI resync sends (AgentStateChanged SNAPSHOT). No AMI event marks
a wrap-up (transcript s8), so ccdesk keeps it itself: when an answered call ends in a queue with after-call
work, the member is paused with reason after_call_work and unpaused when the card is saved, the operator
says "ready", or the time is up. `step(presence, event, now, wrap_up)` returns the new presence and the
commands to run; the service runs them (QueuePause on the PBX, the wrap-up timer).

Static members (listed in queues.conf) cannot be added or removed over AMI ("Member not dynamic"):
they are kept apart in `static_queues`, shown, and never touched by sign-in or sign-out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from crm_store.vocabulary import PauseReason, codes
from cti import control as cc
from cti import events as ev
from routing import NO_WRAP_UP, WrapUp

AFTER_CALL_WORK = PauseReason.AFTER_CALL_WORK.value
# Not an operator's choice: the pause ccdesk puts on a static member whose operator signed out (no AMI
# action can take it out of its queue), so no call rings the empty desk.
SIGNED_OUT = "signed_out"
PAUSE_REASONS = codes(PauseReason)

WrapUpPolicy = Callable[[str | None], WrapUp]


class Refused(Exception):
    """What the operator asked cannot be done now; `code` is the error code the browser translates."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


# ------------------------------------------------------------------ events of the workstation (not the PBX)


@dataclass(frozen=True, slots=True, kw_only=True)
class CardSaved:
    call_id: str
    has_result: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class ReadyAsked:
    """The operator pressed "ready" (or resumed) during or after a wrap-up."""

    has_result: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class WrapUpTimedOut:
    call_id: str | None
    has_result: bool


# ------------------------------------------------------------------ commands besides call control


@dataclass(frozen=True, slots=True, kw_only=True)
class StartWrapUpTimer:
    interface: str
    call_id: str | None
    at: datetime


@dataclass(frozen=True, slots=True, kw_only=True)
class CancelWrapUpTimer:
    interface: str


Command = cc.QueueAdd | cc.QueueRemove | cc.QueuePause | StartWrapUpTimer | CancelWrapUpTimer


@dataclass(frozen=True, slots=True, kw_only=True)
class Presence:
    interface: str
    queues: tuple[str, ...] = ()  # dynamic memberships: ccdesk adds and removes them
    static_queues: tuple[str, ...] = ()  # queues.conf members: shown as they are, never removed
    paused: bool = False  # as the PBX last said
    paused_reason: str | None = None
    call_id: str | None = None  # the call ringing or talking on the phone
    call_state: str | None = None  # ringing | talking
    call_queue: str | None = None
    saved_during_call: bool | None = None  # the call's card was saved while it went on: with a result?
    since: datetime | None = None
    wrap_up_since: datetime | None = None  # in after-call work since
    wrap_up_call_id: str | None = None  # whose card is being finished (None after a restart)
    wrap_up_until: datetime | None = None  # None: until the card is saved or "ready"
    wrap_up_requires_result: bool = False
    acw_pause: bool = False  # ccdesk paused the member for the wrap-up, so it unpauses at the end

    @property
    def in_wrap_up(self) -> bool:
        return self.wrap_up_since is not None

    @property
    def signed_in(self) -> bool:
        return bool(self.queues) or (bool(self.static_queues) and self.paused_reason != SIGNED_OUT)

    @property
    def state(self) -> str:
        if not self.signed_in:
            return "signed_out"
        if self.call_state in ("ringing", "talking"):
            return self.call_state
        if self.in_wrap_up:
            return "wrap_up"
        if self.paused:
            return "paused"
        return "available"

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "queues": list(self.queues),
            "static_queues": list(self.static_queues),
            "paused": self.paused,
            "paused_reason": self.paused_reason,
            "call_id": self.call_id or self.wrap_up_call_id,
            "since": self.since.isoformat() if self.since else None,
            "wrap_up_until": self.wrap_up_until.isoformat() if self.wrap_up_until else None,
            "wrap_up_requires_result": self.wrap_up_requires_result if self.in_wrap_up else False,
        }


def interface_for(extension: str) -> str:
    return extension if "/" in extension else f"PJSIP/{extension}"


def no_wrap_up(_queue: str | None) -> WrapUp:
    return NO_WRAP_UP


# ------------------------------------------------------------------ what the operator asks


def sign_in(
    p: Presence, queues: tuple[str, ...], member_name: str, now: datetime
) -> tuple[Presence, tuple[Command, ...]]:
    """Make the phone a dynamic member of exactly `queues`; static memberships stay as they are."""
    if not queues:
        raise Refused("choose at least one queue", "no_queues")
    wanted = tuple(dict.fromkeys(q for q in queues if q not in p.static_queues))
    back_from_sign_out = p.paused and p.paused_reason == SIGNED_OUT
    paused = p.paused and not back_from_sign_out
    reason = p.paused_reason if paused else None
    adds: tuple[Command, ...] = tuple(
        cc.QueueAdd(queue=q, interface=p.interface, member_name=member_name, paused=paused, reason=reason)
        for q in wanted
        if q not in p.queues
    )
    removes = tuple(cc.QueueRemove(queue=q, interface=p.interface) for q in p.queues if q not in wanted)
    unpause: tuple[Command, ...] = (cc.QueuePause(interface=p.interface, paused=False),) if back_from_sign_out else ()
    after = replace(p, queues=wanted, since=now)
    if back_from_sign_out:
        after = replace(after, paused=False, paused_reason=None)
    return after, adds + removes + unpause


def sign_out(p: Presence, now: datetime) -> tuple[Presence, tuple[Command, ...]]:
    """Out of every dynamic queue; a static member cannot leave its queue, so it is paused instead."""
    commands: list[Command] = [cc.QueueRemove(queue=q, interface=p.interface) for q in p.queues]
    if p.in_wrap_up:
        commands.append(CancelWrapUpTimer(interface=p.interface))
    after = _without_wrap_up(replace(p, queues=(), since=now))
    if p.static_queues and (not p.paused or p.acw_pause):
        commands.append(cc.QueuePause(interface=p.interface, paused=True, reason=SIGNED_OUT))
        after = replace(after, paused=True, paused_reason=SIGNED_OUT)
    elif p.acw_pause:
        after = replace(after, paused=False, paused_reason=None)  # removed from every queue: nothing is paused
    return after, tuple(commands)


def pause(p: Presence, reason: str, now: datetime) -> tuple[Presence, tuple[Command, ...]]:
    if reason not in PAUSE_REASONS:
        raise Refused(f"unknown pause reason {reason!r}: one of {', '.join(PAUSE_REASONS)}", "unknown_pause_reason")
    if not p.signed_in:
        raise Refused("sign in to a queue before pausing", "not_signed_in")
    # Paused by hand, the operator stays paused when a wrap-up ends.
    after = replace(p, paused=True, paused_reason=reason, acw_pause=reason == AFTER_CALL_WORK and p.in_wrap_up)
    return replace(after, since=now), (cc.QueuePause(interface=p.interface, paused=True, reason=reason),)


def resume(p: Presence, has_result: bool, now: datetime) -> tuple[Presence, tuple[Command, ...]]:
    """Ready for calls: ends a wrap-up (when its result rule allows) and lifts any pause."""
    after, commands = step(p, ReadyAsked(has_result=has_result), now, no_wrap_up)
    if after.paused and not any(isinstance(c, cc.QueuePause) for c in commands):
        commands = (*commands, cc.QueuePause(interface=p.interface, paused=False))
    return replace(after, paused=False, paused_reason=None, acw_pause=False, since=now), commands


# ------------------------------------------------------------------ the fold


def step(
    p: Presence, event: object, now: datetime, wrap_up: WrapUpPolicy = no_wrap_up
) -> tuple[Presence, tuple[Command, ...]]:
    """Fold one event about this phone (a CTI event or the workstation's) into its presence."""
    match event:
        case ev.AgentStateChanged() if event.agent == p.interface:
            return _member(p, event, now, wrap_up)
        case ev.AgentRinging() if event.agent == p.interface:
            return replace(p, call_id=event.call_id, call_state="ringing", call_queue=event.queue, since=now), ()
        case ev.AgentRingNoAnswer() if event.agent == p.interface and p.call_state == "ringing":
            return _no_call(p, now), ()
        case ev.CallAnswered() if event.agent == p.interface:
            queue = event.queue or (p.call_queue if p.call_id == event.call_id else None)
            return replace(p, call_id=event.call_id, call_state="talking", call_queue=queue, since=now), ()
        case ev.CallAnswered() if event.call_id == p.call_id and p.call_state == "ringing":
            return _no_call(p, now), ()  # another phone took the call
        case ev.CallTransferred() if event.to_agent == p.interface:
            return replace(p, call_id=event.call_id, call_state="talking", since=now), ()
        case ev.CallTransferred() if event.call_id == p.call_id and p.call_state == "talking":
            return _call_over(p, now, wrap_up)
        case ev.CallAbandoned() | ev.CallEnded() if event.call_id == p.call_id:
            if p.call_state == "talking":
                return _call_over(p, now, wrap_up)
            return _no_call(p, now), ()  # a missed ring: no call was taken, so there is nothing to wrap up
        case CardSaved() if event.call_id == p.call_id and p.call_state == "talking":
            # Typed while talking (or saved the instant the call ended, before the PBX said so): the work is done.
            return replace(p, saved_during_call=bool(p.saved_during_call) or event.has_result), ()
        case CardSaved() if p.in_wrap_up and event.call_id == p.wrap_up_call_id:
            if p.wrap_up_requires_result and not event.has_result:
                return p, ()
            return _end_wrap_up(p, now)
        case ReadyAsked():
            if p.in_wrap_up:
                if p.wrap_up_requires_result and not event.has_result:
                    raise Refused("the queue needs the call's result on the card first", "result_required")
                return _end_wrap_up(p, now)
            if p.paused and p.paused_reason == AFTER_CALL_WORK:
                return p, (cc.QueuePause(interface=p.interface, paused=False),)
            return p, ()
        case WrapUpTimedOut() if p.in_wrap_up and event.call_id == p.wrap_up_call_id:
            if p.wrap_up_requires_result and not event.has_result:
                return p, ()  # time is up, but the queue wants the result before the next call
            return _end_wrap_up(p, now)
    return p, ()


def _member(
    p: Presence, event: ev.AgentStateChanged, now: datetime, wrap_up: WrapUpPolicy
) -> tuple[Presence, tuple[Command, ...]]:
    if event.change is ev.MemberChange.REMOVED:
        queues = tuple(q for q in p.queues if q != event.queue)
        static = tuple(q for q in p.static_queues if q != event.queue)
        after = replace(p, queues=queues, static_queues=static, since=now)
        if not after.queues and not after.static_queues and p.in_wrap_up:
            return _without_wrap_up(after), (CancelWrapUpTimer(interface=p.interface),)
        return after, ()
    if event.dynamic:
        queues = p.queues if event.queue in p.queues else (*p.queues, event.queue)
        static = tuple(q for q in p.static_queues if q != event.queue)
    else:
        static = p.static_queues if event.queue in p.static_queues else (*p.static_queues, event.queue)
        queues = tuple(q for q in p.queues if q != event.queue)
    reason = (event.pause_reason or None) if event.paused else None
    changed = event.paused != p.paused or queues != p.queues or static != p.static_queues
    after = replace(
        p,
        queues=queues,
        static_queues=static,
        paused=event.paused,
        paused_reason=reason,
        since=now if changed else p.since,
    )
    if event.change is ev.MemberChange.PAUSED and reason != AFTER_CALL_WORK:
        after = replace(after, acw_pause=False)  # paused for something else: stays paused after the wrap-up
    elif event.change is ev.MemberChange.UNPAUSED and p.in_wrap_up and p.acw_pause:
        # Unpaused behind our back (a supervisor, another client): the PBX offers calls again.
        return _without_wrap_up(replace(after, since=now)), (CancelWrapUpTimer(interface=p.interface),)
    if event.paused and reason == AFTER_CALL_WORK and not p.in_wrap_up and p.call_state is None:
        # Paused for after-call work when ccdesk knew nothing of it (restarted meanwhile): keep it a wrap-up
        # with the queue's time, so the operator is not left paused for good.
        seconds = wrap_up(event.queue).seconds
        until = now + timedelta(seconds=seconds) if seconds else None
        after = replace(after, wrap_up_since=now, wrap_up_until=until, acw_pause=True, since=now)
        return after, ((StartWrapUpTimer(interface=p.interface, call_id=None, at=until),) if until else ())
    return after, ()


def _no_call(p: Presence, now: datetime) -> Presence:
    return replace(p, call_id=None, call_state=None, call_queue=None, saved_during_call=None, since=now)


def _call_over(p: Presence, now: datetime, wrap_up: WrapUpPolicy) -> tuple[Presence, tuple[Command, ...]]:
    """An answered call left this phone: after-call work as its queue says."""
    policy = wrap_up(p.call_queue)
    call_id = p.call_id
    after = _no_call(p, now)
    if (policy.seconds <= 0 and not policy.require_result) or not p.signed_in:
        return after, ()
    if p.saved_during_call is not None and (p.saved_during_call or not policy.require_result):
        return after, ()  # the card was saved during the call: nothing is left to wrap up
    until = now + timedelta(seconds=policy.seconds) if policy.seconds > 0 else None
    commands: list[Command] = []
    if p.in_wrap_up:
        commands.append(CancelWrapUpTimer(interface=p.interface))
    if not p.paused and not p.acw_pause:
        commands.append(cc.QueuePause(interface=p.interface, paused=True, reason=AFTER_CALL_WORK))
        after = replace(after, acw_pause=True, paused=True, paused_reason=AFTER_CALL_WORK)
    if until is not None:
        commands.append(StartWrapUpTimer(interface=p.interface, call_id=call_id, at=until))
    after = replace(
        after,
        wrap_up_since=now,
        wrap_up_call_id=call_id,
        wrap_up_until=until,
        wrap_up_requires_result=policy.require_result,
    )
    return after, tuple(commands)


def _without_wrap_up(p: Presence) -> Presence:
    return replace(
        p,
        wrap_up_since=None,
        wrap_up_call_id=None,
        wrap_up_until=None,
        wrap_up_requires_result=False,
        acw_pause=False,
    )


def _end_wrap_up(p: Presence, now: datetime) -> tuple[Presence, tuple[Command, ...]]:
    commands: list[Command] = [CancelWrapUpTimer(interface=p.interface)]
    after = replace(_without_wrap_up(p), since=now)
    if p.acw_pause:
        commands.append(cc.QueuePause(interface=p.interface, paused=False))
        after = replace(after, paused=False, paused_reason=None)
    return after, tuple(commands)


def refused(before: Presence, p: Presence, command: Command, message: str) -> tuple[Presence, bool]:
    """The PBX refused `command` (or never answered): the presence as it really is then, and whether that
    still gives the operator what they asked. Asterisk's own words tell the harmless cases apart: a member
    "Already there" was added; one "Not there" is out; "Member not dynamic" is a static member (queues.conf)
    — learnt here, kept in static_queues, and the sign-in goes on."""
    text = message.lower()
    match command:
        case cc.QueueAdd(queue=queue):
            if "already there" in text:
                return p, True
            return replace(p, queues=tuple(q for q in p.queues if q != queue)), False
        case cc.QueueRemove(queue=queue):
            if "not dynamic" in text:
                static = p.static_queues if queue in p.static_queues else (*p.static_queues, queue)
                return replace(p, queues=tuple(q for q in p.queues if q != queue), static_queues=static), True
            if "not there" in text:
                return p, True
            return replace(p, queues=p.queues if queue in p.queues else (*p.queues, queue)), False
        case cc.QueuePause():
            return replace(
                p, paused=before.paused, paused_reason=before.paused_reason, acw_pause=before.acw_pause
            ), False
    return p, False
